"""Audit many visits: iterator in, iterator out, one result per input.

:func:`audit_many` never drops an input. With ``errors="collect"`` a visit
that cannot be audited comes back as an :class:`AuditResult` carrying the
error instead of a report; with ``errors="raise"`` the first such error is
raised. :func:`to_records` flattens results into dicts of scalars whose
columns and types :data:`RESULT_SCHEMA` publishes, ready for
``pandas.DataFrame.from_records`` or a database table. Every record carries
the data version it was computed with.

>>> from ot_billing_rules import audit_many, to_records
>>> visits = [
...     {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 38}]},
...     {"date_of_service": "2024-07-01", "services": [{"code": "9753", "minutes": 38}]},
... ]
>>> results = list(audit_many(visits, errors="collect"))
>>> [(r.index, r.ok) for r in results]
[(0, True), (1, False)]
>>> [rec["claim_lines"] for rec in to_records(results)]
['97530x3:GO', '']
"""

from __future__ import annotations

import enum
import gc
import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._coerce import coerce_enum, require_int
from ._fast import build, compact_pickle
from ._html import html_table
from ._store import data_version
from .audit import AuditReport, audit_visit
from .errors import InvalidTypeError, OTBillingError
from .findings import Severity
from .visit import Visit

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "FINDING_SCHEMA",
    "LINE_SCHEMA",
    "RESULT_SCHEMA",
    "AuditResult",
    "ErrorMode",
    "audit_many",
    "to_records",
]


class ErrorMode(str, enum.Enum):
    """What :func:`audit_many` does with a visit it cannot audit."""

    RAISE = "raise"
    COLLECT = "collect"


@compact_pickle
@attrs.frozen
class AuditResult:
    """The outcome for one input of :func:`audit_many`.

    ``index`` is the input's 0-based position. Exactly one of ``report`` and
    ``error`` is set. ``error_kind`` is ``"invalid_input"`` for the library's
    own typed errors (bad codes, minutes, dates …) and ``"internal"`` for
    anything else, which is a bug worth reporting.
    """

    index: int
    report: AuditReport | None = None
    error: Exception | None = None
    visit_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the visit was audited (its report may still hold findings)."""
        return self.report is not None

    @property
    def error_kind(self) -> str | None:
        """``"invalid_input"``, ``"internal"`` or ``None`` when ``ok``."""
        if self.error is None:
            return None
        return "invalid_input" if isinstance(self.error, OTBillingError) else "internal"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the report's own dict, or the error)."""
        return {
            "index": self.index,
            "visit_id": self.visit_id,
            "report": None if self.report is None else self.report.to_dict(),
            "error": None if self.error is None else _error_dict(self.error),
        }

    def _repr_html_(self) -> str:
        if self.report is not None:
            return self.report._repr_html_()
        return html_table(
            f"Visit #{self.index} not audited",
            [("error", type(self.error).__name__), ("message", str(self.error))],
        )


def _error_dict(error: Exception) -> dict[str, str]:
    return {"type": type(error).__name__, "message": str(error)}


def _visit_id(visit: object) -> str | None:
    if isinstance(visit, Visit):
        return visit.visit_id
    if isinstance(visit, Mapping):
        raw = visit.get("visit_id")
        return None if raw is None else str(raw)
    return None


def _require_iterable(value: object, field: str, what: str) -> None:
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes, Mapping)):
        raise InvalidTypeError(
            f"{field} must be an iterable of {what}, not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )


def _audit_one(index: int, visit: object, collect: bool) -> AuditResult:
    if isinstance(visit, Exception):
        # A reader's error in a visit's place (visits_from_rows): carry it,
        # so the row that could not be read is reported, never dropped.
        if not collect:
            raise visit
        return AuditResult(index=index, error=visit, visit_id=_visit_id(visit))
    try:
        report = audit_visit(visit)  # type: ignore[arg-type]
    except Exception as exc:  # every input must come back, even on a bug
        if not collect:
            raise
        return AuditResult(index=index, error=exc, visit_id=_visit_id(visit))
    return AuditResult(index=index, report=report, visit_id=report.visit.visit_id)


def _audit_chunk(start: int, visits: list[object], collect: bool) -> list[AuditResult]:
    return [_audit_one(start + n, v, collect) for n, v in enumerate(visits)]


#: A report without its visit: what a worker sends back for a Visit the parent holds.
_Packed = tuple[Any, ...]


def _audit_chunk_packed(
    start: int, visits: list[object], collect: bool
) -> list[AuditResult | _Packed]:
    # The parent already holds each Visit it sent, so the report travels back
    # without it (half the pickling) and the parent puts the original back in.
    out: list[AuditResult | _Packed] = []
    for result in _audit_chunk(start, visits, collect):
        report = result.report
        if report is not None and isinstance(visits[result.index - start], Visit):
            out.append(
                (
                    report.lines,
                    report.allocation,
                    report.kx,
                    report.findings,
                    report.services,
                    report.status,
                )
            )
        else:
            out.append(result)
    return out


def _unpack(
    start: int, visits: list[object], packed: list[AuditResult | _Packed]
) -> Iterator[AuditResult]:
    for n, item in enumerate(packed):
        if isinstance(item, AuditResult):
            yield item
            continue
        visit = visits[n]
        assert isinstance(visit, Visit)
        report = build(AuditReport, visit, *item)
        yield build(AuditResult, start + n, report, None, visit.visit_id)


def audit_many(
    visits: Iterable[Visit | Mapping[str, Any]],
    *,
    errors: ErrorMode | str = "raise",
    workers: int = 1,
    chunksize: int = 256,
) -> Iterator[AuditResult]:
    """Audit each visit lazily; yield one :class:`AuditResult` per input, in order.

    ``errors="raise"`` (default) re-raises the first error; ``"collect"``
    returns it in the result instead, so no input is ever lost.
    An exception object in place of a visit (as :func:`visits_from_rows`
    yields for rows it cannot read) becomes that input's error result.
    ``workers > 1`` audits chunks of ``chunksize`` visits in a process pool,
    keeping only a few chunks in flight so memory stays bounded however long
    the input is; results still come back in input order.
    """
    _require_iterable(visits, "visits", "visits (Visit or mapping)")
    mode = coerce_enum(ErrorMode, errors, field="errors")
    n_workers = require_int(workers, field="workers", minimum=1, maximum=1024)
    size = require_int(chunksize, field="chunksize", minimum=1, maximum=1_000_000)
    collect = mode is ErrorMode.COLLECT
    if n_workers == 1:
        return (_audit_one(i, v, collect) for i, v in enumerate(visits))
    return _pooled(iter(visits), collect, n_workers, size)


def _worker_start() -> None:
    # A forked worker inherits the parent's heap (catalog, bundled edits …). Moving it
    # out of the collector's reach keeps full collections from rescanning it for every
    # chunk (about a fifth of a worker's time) and from un-sharing its memory pages.
    gc.freeze()


def _pooled(
    visits: Iterator[object], collect: bool, workers: int, size: int
) -> Iterator[AuditResult]:
    from concurrent.futures import ProcessPoolExecutor  # only a pool needs it

    pending: deque[tuple[int, list[object], Future[list[AuditResult | _Packed]]]] = deque()
    start = 0
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_start) as pool:
        while True:
            while len(pending) < workers * 2:
                chunk = list(itertools.islice(visits, size))
                if not chunk:
                    break
                job = pool.submit(_audit_chunk_packed, start, chunk, collect)
                pending.append((start, chunk, job))
                start += len(chunk)
            if not pending:
                return
            first, chunk, job = pending.popleft()
            yield from _unpack(first, chunk, job.result())


#: Columns of :func:`to_records` at ``level="visit"`` (one record per input).
RESULT_SCHEMA: Mapping[str, type] = {
    "index": int,
    "visit_id": str,
    "ok": bool,
    "error_kind": str,
    "error_type": str,
    "error_message": str,
    "date_of_service": str,
    "payer": str,
    "discipline": str,
    "setting": str,
    "status": str,
    "claim_lines": str,
    "total_units": int,
    "total_timed_minutes": int,
    "total_timed_units": int,
    "services_not_billed": int,
    "errors": int,
    "warnings": int,
    "infos": int,
    "rules": str,
    "data_version": str,
}

#: Columns at ``level="line"`` (one record per claim line).
LINE_SCHEMA: Mapping[str, type] = {
    "index": int,
    "visit_id": str,
    "date_of_service": str,
    "code": str,
    "units": int,
    "modifiers": str,
    "minutes": int,
    "data_version": str,
}

#: Columns at ``level="finding"`` (one record per finding).
FINDING_SCHEMA: Mapping[str, type] = {
    "index": int,
    "visit_id": str,
    "date_of_service": str,
    "rule": str,
    "severity": str,
    "codes": str,
    "message": str,
    "suggestion": str,
    "source": str,
    "data_version": str,
}


class RecordLevel(str, enum.Enum):
    """Granularity of :func:`to_records`."""

    VISIT = "visit"
    LINE = "line"
    FINDING = "finding"


def to_records(
    results: Iterable[AuditResult], *, level: RecordLevel | str = "visit"
) -> Iterator[dict[str, Any]]:
    """Flatten results into dicts of scalars (``None`` where a value is absent).

    ``level="visit"`` gives one record per result, errors included, with the
    columns of :data:`RESULT_SCHEMA`; ``"line"`` one per claim line
    (:data:`LINE_SCHEMA`); ``"finding"`` one per finding
    (:data:`FINDING_SCHEMA`). Claim lines in the visit record read
    ``CODExUNITS:MOD,MOD`` joined by ``;``.
    """
    _require_iterable(results, "results", "AuditResult")
    chosen = coerce_enum(RecordLevel, level, field="level")
    return _records(results, chosen, data_version().version)


def _records(
    results: Iterable[AuditResult], chosen: RecordLevel, version: str
) -> Iterator[dict[str, Any]]:
    for result in results:
        if not isinstance(result, AuditResult):
            raise InvalidTypeError(
                f"to_records takes AuditResult values, not {type(result).__name__}",
                value=result,
                field="results",
            )
        if chosen is RecordLevel.VISIT:
            yield _visit_record(result, version)
        elif result.report is not None:
            yield from (
                _line_records(result, result.report, version)
                if chosen is RecordLevel.LINE
                else _finding_records(result, result.report, version)
            )


def _visit_record(result: AuditResult, version: str) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(RESULT_SCHEMA)
    record.update(index=result.index, visit_id=result.visit_id, ok=result.ok, data_version=version)
    report = result.report
    if report is None:
        assert result.error is not None
        record.update(
            error_kind=result.error_kind,
            error_type=type(result.error).__name__,
            error_message=str(result.error),
            claim_lines="",
        )
        return record
    v = report.visit
    alloc = report.allocation
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    record.update(
        date_of_service=v.date_of_service.isoformat(),
        payer=v.payer.name,
        discipline=v.discipline.value,
        setting=v.setting.value,
        status=report.status.value,
        claim_lines=";".join(
            f"{ln.code}x{ln.units}" + (f":{','.join(ln.modifiers)}" if ln.modifiers else "")
            for ln in report.lines
        ),
        total_units=sum(ln.units for ln in report.lines),
        total_timed_minutes=alloc.total_timed_minutes if alloc else 0,
        total_timed_units=alloc.total_timed_units if alloc else 0,
        services_not_billed=sum(1 for s in report.services if not s.billed),
        errors=counts[Severity.ERROR],
        warnings=counts[Severity.WARNING],
        infos=counts[Severity.INFO],
        rules=" ".join(sorted({f.rule for f in report.findings})),
    )
    return record


def _line_records(
    result: AuditResult, report: AuditReport, version: str
) -> Iterator[dict[str, Any]]:
    day = report.visit.date_of_service.isoformat()
    for ln in report.lines:
        yield {
            "index": result.index,
            "visit_id": result.visit_id,
            "date_of_service": day,
            "code": ln.code,
            "units": ln.units,
            "modifiers": ",".join(ln.modifiers),
            "minutes": ln.minutes,
            "data_version": version,
        }


def _finding_records(
    result: AuditResult, report: AuditReport, version: str
) -> Iterator[dict[str, Any]]:
    day = report.visit.date_of_service.isoformat()
    for f in report.findings:
        yield {
            "index": result.index,
            "visit_id": result.visit_id,
            "date_of_service": day,
            "rule": f.rule,
            "severity": f.severity.value,
            "codes": " ".join(f.codes),
            "message": f.message,
            "suggestion": f.suggestion,
            "source": f.source,
            "data_version": version,
        }
