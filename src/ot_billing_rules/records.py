"""Audit visits straight to flat records, built where the audit ran.

:func:`audit_records` returns what ``to_records(audit_many(...))`` returns,
record for record, but with ``workers > 1`` each worker process builds the
records of its own visits and sends back tuples of scalars: the parent only
zips them with the column names. Sending whole reports back and flattening
them in the parent made the parent the bottleneck of a pool (most of a
visit's cost was unpickling and flattening its report).

>>> from ot_billing_rules import audit_records
>>> visits = [
...     {"visit_id": "a", "date_of_service": "2024-07-01",
...      "services": [{"code": "97530", "minutes": 38}]},
...     {"visit_id": "b", "date_of_service": "2024-07-01",
...      "services": [{"code": "9753", "minutes": 38}]},
... ]
>>> [(r["visit_id"], r["ok"], r["claim_lines"]) for r in audit_records(visits)]
[('a', True, '97530x3:GO'), ('b', False, '')]
>>> [(r["code"], r["units"]) for r in audit_records(visits, level="line")]
[('97530', 3)]
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._coerce import coerce_enum, require_int
from ._progress import Progress, check_progress, total_of, track
from .audit import AuditReport
from .batch import (
    FINDING_SCHEMA,
    LINE_SCHEMA,
    RESULT_SCHEMA,
    AuditResult,
    ErrorMode,
    RecordLevel,
    _audit_one,
    _finding_records,
    _line_records,
    _pooled,
    _records,
    _require_iterable,
    _sendable,
    _serial,
    _Setup,
    _visit_record,
    _Work,
    resolve_policies,
)
from .errors import InvalidOptionError, InvalidTypeError
from .findings import Finding, sort_findings
from .options import AuditOptions, check_edits, coerce_options
from .payers import PayerPolicy
from .sources import data_version
from .visit import Visit

if TYPE_CHECKING:
    from .ncci import EditData

__all__ = ["RecordsLevel", "audit_records"]


class RecordsLevel(str, enum.Enum):
    """Granularity of :func:`audit_records`: one record per visit, claim line,
    finding, or (with ``history=True``) patient and calendar year."""

    VISIT = "visit"
    LINE = "line"
    FINDING = "finding"
    PATIENT = "patient"


_KEYS: dict[RecordLevel, tuple[str, ...]] = {
    RecordLevel.VISIT: tuple(RESULT_SCHEMA),
    RecordLevel.LINE: tuple(LINE_SCHEMA),
    RecordLevel.FINDING: tuple(FINDING_SCHEMA),
}


class _Rows(tuple[dict[str, Any], ...]):
    """The records of one audited visit (the pool checks every item's ``error``)."""

    __slots__ = ()
    error = None


# What a worker builds per audited visit for each level (module-level, so
# they pickle by name): its records as plain tuples, in the schema's order.
def _visit_rows(result: AuditResult, report: AuditReport, version: str) -> tuple[Any, ...]:
    return (tuple(_visit_record(result, version).values()),)


def _line_rows(result: AuditResult, report: AuditReport, version: str) -> tuple[Any, ...]:
    return tuple(tuple(r.values()) for r in _line_records(result, report, version))


def _finding_rows(result: AuditResult, report: AuditReport, version: str) -> tuple[Any, ...]:
    return tuple(tuple(r.values()) for r in _finding_records(result, report, version))


_ROWS: dict[RecordLevel, Callable[[AuditResult, AuditReport, str], tuple[Any, ...]]] = {
    RecordLevel.VISIT: _visit_rows,
    RecordLevel.LINE: _line_rows,
    RecordLevel.FINDING: _finding_rows,
}


def _unpack_rows(level: RecordLevel) -> Any:
    keys = _KEYS[level]

    def unpack(
        start: int, visits: list[object], items: list[AuditResult | tuple[tuple[Any, ...], ...]]
    ) -> Iterator[AuditResult | _Rows]:
        for item in items:
            if isinstance(item, AuditResult):
                yield item
            else:
                yield _Rows(dict(zip(keys, row, strict=True)) for row in item)

    return unpack


def audit_records(
    visits: Iterable[Visit | Mapping[str, Any]],
    *,
    level: RecordsLevel | str = "visit",
    errors: ErrorMode | str = "collect",
    workers: int = 1,
    chunksize: int = 256,
    policies: Iterable[PayerPolicy] | None = None,
    history: bool = False,
    edits: EditData | None = None,
    options: AuditOptions | Mapping[str, Any] | None = None,
    progress: Progress = False,
) -> Iterator[dict[str, Any]]:
    """Audit ``visits`` and yield flat records, in input order.

    The records are exactly ``to_records(audit_many(visits, ...), level=level)``
    (:data:`RESULT_SCHEMA`, :data:`LINE_SCHEMA` or :data:`FINDING_SCHEMA`), or
    with ``history=True`` ``audit_history(visits, ...).to_records(level=level)``,
    where ``level="patient"`` (:data:`PATIENT_SCHEMA`, one record per patient
    and calendar year) is also allowed. ``errors``, ``workers``, ``chunksize``
    and ``policies`` are :func:`audit_many`'s (``chunksize`` is not used with
    ``history=True``: the history's pool sends whole patients). The default
    ``errors="collect"`` keeps a visit that cannot be audited as a record with
    ``ok`` false and its error (at the visit level; the line and finding levels
    have no row for it).

    With ``workers > 1`` (and ``history=False``) the workers build the records
    and send back plain tuples, so the parent's work per visit is a few
    microseconds and a pool of *n* workers comes close to *n* times one
    process; the pool is :func:`audit_many`'s (retries, isolation of a visit
    that kills its worker, bounded memory).

    ``edits``, ``options`` and ``progress`` are :func:`audit_many`'s
    (progress counts visits, not records).
    """
    chosen = coerce_enum(RecordsLevel, level, field="level")
    shown = check_progress(progress)
    setup: _Setup = (check_edits(edits), None if options is None else coerce_options(options))
    mode = coerce_enum(ErrorMode, errors, field="errors")
    if not isinstance(history, bool):
        raise InvalidTypeError(
            f"history must be True or False, not {type(history).__name__} {history!r}",
            value=history,
            field="history",
        )
    if history:
        from .history import audit_history

        run = audit_history(
            visits,
            errors=mode,
            workers=workers,
            policies=policies,
            edits=setup[0],
            options=setup[1],
            progress=shown,
        )
        return run.to_records(level=chosen.value)
    if chosen is RecordsLevel.PATIENT:
        raise InvalidOptionError(
            "level='patient' needs history=True (a patient's records summarise their "
            "history); without it use 'visit', 'line' or 'finding'",
            value=level,
            field="level",
            valid=[m.value for m in RecordsLevel if m is not RecordsLevel.PATIENT],
        )
    _require_iterable(visits, "visits", "visits (Visit or mapping)")
    n_workers = require_int(workers, field="workers", minimum=1, maximum=1024)
    size = require_int(chunksize, field="chunksize", minimum=1, maximum=1_000_000)
    record_level = RecordLevel(chosen.value)
    collect = mode is ErrorMode.COLLECT
    items: Iterator[object] = track(iter(visits), shown, total_of(visits))
    if policies is not None:
        items = resolve_policies(items, policies)
    version = data_version().version
    if n_workers == 1:
        return _records(_serial(items, collect, setup), record_level, version)
    work: _Work[AuditResult | _Rows] = _Work(
        _made_chunk, _unpack_rows(record_level), _same, (_ROWS[record_level], version)
    )
    pooled = _pooled(items, collect, n_workers, size, work, setup)
    return _flatten(pooled, record_level, version)


def _same(result: AuditResult) -> AuditResult | _Rows:
    return result


def _flatten(
    items: Iterator[AuditResult | _Rows], level: RecordLevel, version: str
) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, _Rows):
            yield from item
        else:
            yield from _records((item,), level, version)


# -- private: one worker pass that builds what its caller writes ------------------------


@attrs.frozen
class _WithFindings:
    """A visit and findings its caller adds to its report (``audit_frame``'s
    combined rows), travelling together so the worker builds the final records."""

    visit: object
    findings: tuple[Finding, ...]


def _with_findings(result: AuditResult, extra: Iterable[Finding]) -> AuditResult:
    """``result`` with ``extra`` among its report's findings, in report order."""
    report = result.report
    if report is None:
        return result
    findings = sort_findings([*report.findings, *extra])
    return attrs.evolve(result, report=attrs.evolve(report, findings=findings))


class _Made:
    """What a worker built for one audited visit (the pool checks every item's ``error``)."""

    __slots__ = ("value",)
    error = None

    def __init__(self, value: Any) -> None:
        self.value = value


#: ``make(result, report, data_version)``: a module-level function, run in the worker.
_Make = Callable[[AuditResult, AuditReport, str], Any]


def _made_chunk(
    start: int, visits: list[object], make: _Make, version: str
) -> list[AuditResult | Any]:
    # Runs in a worker. A failed visit travels as its AuditResult: the parent
    # needs the exception itself (errors="raise", fail-fast) or writes its
    # error record.
    out: list[AuditResult | Any] = []
    for n, item in enumerate(visits):
        visit: object = item
        extra: tuple[Finding, ...] = ()
        if isinstance(item, _WithFindings):
            visit, extra = item.visit, item.findings
        result = _audit_one(start + n, visit, True)
        report = result.report
        if report is None:
            out.append(_sendable(result))
            continue
        if extra:
            result = _with_findings(result, extra)
            assert result.report is not None
            report = result.report
        out.append(make(result, report, version))
    return out


def _unpack_made(
    start: int, visits: list[object], items: list[AuditResult | Any]
) -> Iterator[AuditResult | _Made]:
    for item in items:
        yield item if isinstance(item, AuditResult) else _Made(item)


def _made_in_workers(
    visits: Iterable[object],
    make: _Make,
    *,
    workers: int,
    fail_fast: bool = False,
    edits: EditData | None = None,
    chunksize: int = 256,
) -> Iterator[AuditResult | _Made]:
    """Audit ``visits`` in a pool of ``workers`` (> 1); per visit, in input order,
    ``_Made(make(result, report, version))`` built in the worker, or the
    :class:`AuditResult` of a visit that was not audited (its error).

    ``fail_fast`` raises the first visit's error after the items before it;
    a :class:`_WithFindings` item has its findings added in the worker.
    """
    setup: _Setup = (check_edits(edits), None)
    work: _Work[AuditResult | _Made] = _Work(
        _made_chunk, _unpack_made, _as_item, (make, data_version().version)
    )
    return _pooled(iter(visits), not fail_fast, workers, chunksize, work, setup)


def _as_item(result: AuditResult) -> AuditResult | _Made:
    return result
