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
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import attrs

from ._coerce import coerce_enum, require_int
from ._fast import build, compact_pickle
from ._html import html_table
from ._pool import ISOLATE, Job, RetryingPool, worker_start
from ._pool import describe as _describe
from ._progress import Progress, check_progress, total_of, track
from ._schema_version import SCHEMA_VERSION
from .audit import AuditReport, audit_visit
from .errors import InvalidTypeError, OTBillingError, WorkerError
from .findings import Severity
from .options import AuditOptions, check_edits, coerce_options
from .payers import PayerPolicy
from .sources import data_version
from .visit import Visit

if TYPE_CHECKING:
    from .ncci import EditData

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
    ``error`` is set. ``visit_id`` is the visit's id whenever the input
    named one, failed visits included, so errors join back to the claim.
    ``reader_failed`` marks the one result that stands for the *input
    iterator's own* exception (``errors="collect"``): it comes last, at the
    position the iterator failed, and nothing follows it.
    """

    index: int
    report: AuditReport | None = None
    error: Exception | None = None
    visit_id: str | None = None
    reader_failed: bool = False

    @property
    def ok(self) -> bool:
        """Whether the visit was audited (its report may still hold findings)."""
        return self.report is not None

    @property
    def error_kind(self) -> str | None:
        """What went wrong, or ``None`` when ``ok``.

        ``"invalid_input"``: one of the library's typed errors (bad code,
        minutes, date …); ``"reader"``: the input iterator raised (see
        ``reader_failed``); ``"worker"``: a :class:`~ot_billing_rules.WorkerError`
        (the pool's process died, or the error could not travel between
        processes); ``"internal"``: anything else, which is a bug worth reporting.
        """
        if self.error is None:
            return None
        if self.reader_failed:
            return "reader"
        if isinstance(self.error, WorkerError):
            return "worker"
        return "invalid_input" if isinstance(self.error, OTBillingError) else "internal"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the report's own dict, or the error)."""
        return {
            "index": self.index,
            "visit_id": self.visit_id,
            "report": None if self.report is None else self.report.to_dict(),
            "error": None
            if self.error is None
            else dict(_error_dict(self.error), kind=self.error_kind),
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
    # Called while reporting an error: a hostile input (a mapping whose
    # ``get`` raises) must not turn one failed visit into a lost batch.
    try:
        if isinstance(visit, Visit):
            return visit.visit_id
        if isinstance(visit, BaseException):
            # A reader's error in a visit's place (visits_from_rows) names its visit.
            raw = getattr(visit, "visit_id", None)
            return raw if isinstance(raw, str) else None
        if isinstance(visit, Mapping):
            raw = visit.get("visit_id")
            return None if raw is None else str(raw)
    except Exception:
        return None
    return None


def _require_iterable(value: object, field: str, what: str) -> None:
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes, Mapping)):
        raise InvalidTypeError(
            f"{field} must be an iterable of {what}, not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )


#: A run's ``(edits, options)``; a pool worker gets it once, from its initializer.
_Setup = tuple[Any, Any]
_NO_SETUP: _Setup = (None, None)
_worker_setup: _Setup = _NO_SETUP


def _audit_one(
    index: int, visit: object, collect: bool, setup: _Setup | None = None
) -> AuditResult:
    if isinstance(visit, Exception):
        # A reader's error in a visit's place (visits_from_rows): carry it,
        # so the row that could not be read is reported, never dropped.
        if not collect:
            raise visit
        return AuditResult(index=index, error=visit, visit_id=_visit_id(visit))
    try:
        edits, options = _worker_setup if setup is None else setup
        if edits is None and options is None:
            report = audit_visit(visit)  # type: ignore[arg-type]
        else:
            report = audit_visit(visit, edits=edits, options=options)  # type: ignore[arg-type]
    except Exception as exc:  # every input must come back, even on a bug
        if not collect:
            raise
        return AuditResult(index=index, error=exc, visit_id=_visit_id(visit))
    return AuditResult(index=index, report=report, visit_id=report.visit.visit_id)


def _reader_failure(index: int, error: Exception) -> AuditResult:
    return AuditResult(index=index, error=error, reader_failed=True)


def _serial(
    visits: Iterator[object], collect: bool, setup: _Setup = _NO_SETUP
) -> Iterator[AuditResult]:
    index = 0
    while True:
        try:
            visit = next(visits)
        except StopIteration:
            return
        except Exception as exc:  # the reader's own failure: no input follows
            if not collect:
                raise
            yield _reader_failure(index, exc)
            return
        yield _audit_one(index, visit, collect, setup)
        index += 1


#: A report without its visit: what a worker sends back for a Visit the parent holds.
_Packed = tuple[Any, ...]

# Every field after ``visit``, in field order (what ``_unpack`` builds from): read
# from the class, so a field added to AuditReport travels without a change here.
_report_rest = attrgetter(*(a.name for a in attrs.fields(AuditReport)[1:]))


def _sendable(result: AuditResult) -> AuditResult:
    """``result`` if its error survives a pickle round trip, else a WorkerError saying so.

    An exception that pickles but cannot be unpickled (a custom ``__init__``
    with required arguments) would otherwise fail in the parent's result
    thread and break the whole pool.
    """
    error = result.error
    if error is None:
        return result
    try:
        pickle.loads(pickle.dumps(error))
    except Exception as exc:
        message = (
            f"visit #{result.index}: the error it raised ({_describe(error)}) could not be "
            f"sent back from the worker process ({_describe(exc)})"
        )
        error = WorkerError(message, index=result.index, cause="error not picklable")
        return AuditResult(result.index, None, error, result.visit_id)
    return result


def _worker_chunk(start: int, visits: list[object]) -> list[AuditResult | _Packed]:
    # Workers always collect: the parent applies the error mode, so the
    # results before a failing visit in the same chunk are still delivered.
    # The parent already holds each Visit it sent, so the report travels back
    # without it (half the pickling) and the parent puts the original back in.
    out: list[AuditResult | _Packed] = []
    for n, visit in enumerate(visits):
        result = _audit_one(start + n, visit, True)
        report = result.report
        if report is not None and isinstance(visit, Visit):
            out.append(_report_rest(report))
        else:
            out.append(_sendable(result))
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
        yield build(AuditResult, start + n, report, None, visit.visit_id, False)


class _Outcome(Protocol):
    @property
    def error(self) -> Exception | None: ...


_Item = TypeVar("_Item", bound=_Outcome)


@attrs.frozen
class _Work(Generic[_Item]):
    """What the pool's workers do with a chunk and how the parent reads their answer.

    ``chunk(start, visits, *args)`` runs in a worker (a module-level function,
    so it pickles by name) and returns one picklable item per visit;
    ``unpack(start, visits, items)`` turns those back into the parent's items.
    ``local(result)`` makes an item of an :class:`AuditResult` the parent made
    itself (a visit audited here, or a worker's death).
    """

    chunk: Callable[..., list[Any]]
    unpack: Callable[[int, list[object], list[Any]], Iterator[_Item]]
    local: Callable[[AuditResult], _Item]
    args: tuple[Any, ...] = ()


def _same(result: AuditResult) -> AuditResult:
    return result


_AUDIT: _Work[AuditResult] = _Work(_worker_chunk, _unpack, _same)


def audit_many(
    visits: Iterable[Visit | Mapping[str, Any]],
    *,
    errors: ErrorMode | str = "raise",
    workers: int = 1,
    chunksize: int = 256,
    policies: Iterable[PayerPolicy] | None = None,
    progress: Progress = False,
    edits: EditData | None = None,
    options: AuditOptions | Mapping[str, Any] | None = None,
) -> Iterator[AuditResult]:
    """Audit each visit lazily; yield one :class:`AuditResult` per input, in order.

    ``errors="raise"`` (default) yields the results before the first error,
    then raises it; ``"collect"`` returns it in the result instead, so no
    input is ever lost. An exception object in place of a visit (as
    :func:`visits_from_rows` yields for rows it cannot read) becomes that
    input's error result. If the *iterator itself* raises, every result
    before it is still delivered; then ``"raise"`` re-raises the iterator's
    exception and ``"collect"`` yields one last result carrying it
    (``reader_failed=True``, ``error_kind == "reader"``) and stops.

    ``workers > 1`` audits chunks of ``chunksize`` visits in a process pool
    (fork or spawn), keeping only a few chunks in flight so memory stays
    bounded however long the input is; results still come back in input
    order, identical to ``workers=1``. A visit that cannot be pickled is
    audited in this process instead. If a worker process dies (killed, out
    of memory), the chunks in flight are retried on a new pool; a chunk
    that fails twice is audited one visit at a time in a pool of its own,
    and a visit that kills that worker too gets a
    :class:`~ot_billing_rules.WorkerError` as its result (or raised).

    ``policies``: the caller's own :class:`~ot_billing_rules.PayerPolicy`
    values, as in :func:`~ot_billing_rules.audit_visit`; a mapping visit's
    ``payer`` name is looked up in them first (in this process, before any
    worker sees the visit).

    ``progress``: ``True`` shows progress on standard error (tqdm if
    installed), or give a ``callback(done, total)`` (``total`` is ``None``
    for an input without a length).

    ``edits`` and ``options``: as in :func:`~ot_billing_rules.audit_visit`,
    for every visit (checked here, before the first visit). With workers they
    are pickled once per worker process: a store opened with
    :meth:`EditSet.open <ot_billing_rules.EditSet.open>` travels as its path.
    """
    _require_iterable(visits, "visits", "visits (Visit or mapping)")
    shown = check_progress(progress)
    setup: _Setup = (check_edits(edits), None if options is None else coerce_options(options))
    mode = coerce_enum(ErrorMode, errors, field="errors")
    n_workers = require_int(workers, field="workers", minimum=1, maximum=1024)
    size = require_int(chunksize, field="chunksize", minimum=1, maximum=1_000_000)
    collect = mode is ErrorMode.COLLECT
    items: Iterator[object] = iter(visits)
    if policies is not None:
        items = resolve_policies(items, policies)
    results = (
        _serial(items, collect, setup)
        if n_workers == 1
        else _pooled(items, collect, n_workers, size, _AUDIT, setup)
    )
    return track(results, shown, total_of(visits))


def resolve_policies(items: Iterable[object], policies: Iterable[PayerPolicy]) -> Iterator[object]:
    """``items`` with each mapping's ``payer`` looked up in ``policies`` first.

    ``policies`` is checked now (a typed error naming a bad entry); a visit
    whose lookup fails (a bad date) becomes its own error, in its place.
    """
    from ._audit_payer import with_policies

    if isinstance(policies, Iterable) and not isinstance(
        policies, (str, bytes, Mapping, PayerPolicy)
    ):
        policies = list(policies)  # a generator is read once, here
    with_policies({}, policies)  # refuses anything but a list of PayerPolicy
    return _resolved(items, list(policies))


def _resolved(items: Iterable[object], policies: list[PayerPolicy]) -> Iterator[object]:
    from ._audit_payer import with_policies

    for item in items:
        if isinstance(item, Mapping):
            try:
                item = with_policies(item, policies)
            except Exception as exc:  # the visit's own bad value: its result says so
                item = exc
        yield item


def _worker_start(setup: _Setup = _NO_SETUP) -> None:
    worker_start()
    global _worker_setup
    _worker_setup = setup


def _take(visits: Iterator[object], size: int) -> tuple[list[object], Exception | None]:
    chunk: list[object] = []
    try:
        for visit in visits:
            chunk.append(visit)
            if len(chunk) == size:
                break
    except Exception as exc:  # the reader failed: keep what it gave before
        return chunk, exc
    return chunk, None


class _Chunk(Job):
    __slots__ = ("start", "visits")

    def __init__(self, start: int, visits: list[object], work: _Work[Any]) -> None:
        super().__init__(work.chunk, start, visits, *work.args)
        self.start = start
        self.visits = visits


class _Runner(RetryingPool, Generic[_Item]):
    """The batch's pool: a chunk that fails twice is audited one visit at a time."""

    def __init__(self, workers: int, work: _Work[_Item], setup: _Setup = _NO_SETUP) -> None:
        super().__init__(workers, _worker_start, (setup,))
        self.work = work
        self.setup = setup

    def results(self, head: _Chunk, pending: deque[_Chunk]) -> Iterator[_Item]:
        packed = self.wait(head, pending)
        if packed is ISOLATE:
            yield from self._isolated(head)
        else:
            yield from self.work.unpack(head.start, head.visits, packed)

    def _isolated(self, chunk: _Chunk) -> Iterator[_Item]:
        from concurrent.futures.process import BrokenProcessPool

        work = self.work
        for n, visit in enumerate(chunk.visits):
            index = chunk.start + n
            try:
                pickle.dumps(visit)
            except Exception:  # cannot reach a worker: audit it here, as workers=1 would
                yield work.local(_audit_one(index, visit, True, self.setup))
                continue
            try:
                (item,) = self.alone(work.chunk, index, [visit], *work.args)
            except BrokenProcessPool as exc:
                yield work.local(_worker_failure(index, visit, "worker died", exc))
                continue
            except Exception as exc:
                yield work.local(_worker_failure(index, visit, "result not picklable", exc))
                continue
            yield from work.unpack(index, [visit], [item])


def _worker_failure(index: int, visit: object, cause: str, exc: BaseException) -> AuditResult:
    what = (
        "the worker process auditing it died (killed, out of memory or crashed) on every try"
        if cause == "worker died"
        else "its result could not be sent back from the worker process"
    )
    error = WorkerError(f"visit #{index}: {what} ({_describe(exc)})", index=index, cause=cause)
    return AuditResult(index=index, error=error, visit_id=_visit_id(visit))


def _pooled(
    visits: Iterator[object],
    collect: bool,
    workers: int,
    size: int,
    work: _Work[_Item],
    setup: _Setup = _NO_SETUP,
) -> Iterator[_Item]:
    runner = _Runner(workers, work, setup)
    try:
        pending: deque[_Chunk] = deque()
        start = 0
        reader_error: Exception | None = None
        exhausted = False
        while True:
            while not exhausted and len(pending) < workers * 2:
                chunk, reader_error = _take(visits, size)
                if chunk:
                    pending.append(runner.submit(_Chunk(start, chunk, work)))
                    start += len(chunk)
                exhausted = reader_error is not None or len(chunk) < size
            if not pending:
                break
            head = pending.popleft()
            for result in runner.results(head, pending):
                if not collect and result.error is not None:
                    raise result.error
                yield result
        if reader_error is not None:
            if not collect:
                raise reader_error
            yield work.local(_reader_failure(start, reader_error))
    finally:
        runner.shutdown()


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
    "allowed": str,
    "amount_at_risk": str,
    "data_version": str,
    "schema_version": str,
    "tables": str,
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
    "schema_version": str,
    "tables": str,
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
    "amount_at_risk": str,
    "data_version": str,
    "schema_version": str,
    "tables": str,
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
    ``CODExUNITS:MOD,MOD`` joined by ``;``. Money (``allowed``,
    ``amount_at_risk``) is a string with two decimals, ``None`` when the
    visit was not priced (no locality, or a payer without Medicare pricing).
    Every record carries ``schema_version`` and ``tables``: each table the
    audit used as ``table[/setting]=release@digest``, joined by ``;``
    (``None`` on an error record).
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
    record.update(
        index=result.index,
        visit_id=result.visit_id,
        ok=result.ok,
        data_version=version,
        schema_version=SCHEMA_VERSION,
    )
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
        allowed=None if report.pricing is None else str(report.pricing.allowed),
        amount_at_risk=None if report.amount_at_risk is None else str(report.amount_at_risk),
        tables=_tables(report),
    )
    return record


def _tables(report: AuditReport) -> str:
    return ";".join(
        f"{t.table}{'/' + t.setting if t.setting else ''}={t.release}@{t.digest}"
        for t in report.used_tables()
    )


def _line_records(
    result: AuditResult, report: AuditReport, version: str
) -> Iterator[dict[str, Any]]:
    day = report.visit.date_of_service.isoformat()
    tables = _tables(report)
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
            "schema_version": SCHEMA_VERSION,
            "tables": tables,
        }


def _finding_records(
    result: AuditResult, report: AuditReport, version: str
) -> Iterator[dict[str, Any]]:
    day = report.visit.date_of_service.isoformat()
    tables = _tables(report)
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
            "amount_at_risk": None if f.amount_at_risk is None else str(f.amount_at_risk),
            "data_version": version,
            "schema_version": SCHEMA_VERSION,
            "tables": tables,
        }
