"""How :func:`~ot_billing_rules.audit_history` walks its input: by patient,
in one process or a pool, sorted or streaming, results back in input order.

Kept apart from the rules (:mod:`ot_billing_rules.history`): this module only
groups visits by patient, hands each patient's visits to ``task`` and puts the
results back in input order.
"""

from __future__ import annotations

import gc
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from ._pool import ISOLATE, Job, RetryingPool, describe
from .batch import AuditResult, _sendable, _visit_id
from .errors import HistoryOrderError, WorkerError
from .visit import Visit

if TYPE_CHECKING:
    from ._history_state import PatientState

_Task = tuple[str, list[tuple[int, Visit]], Any, Any]
_Out = tuple[list[AuditResult], Any, list[Any]]
_R = TypeVar("_R")
#: Visits per pool task: patients are packed until a task holds about this many.
CHUNK_VISITS = 512


def _chunk(task: Callable[..., _Out], tasks: Sequence[_Task]) -> list[tuple[str, _Out]]:
    """Run in a pool worker: the chunk's patients, their results made ready to send.

    Paused (:func:`_paused`) as a patient is in this process: every result lives
    until the chunk is sent back. The worker is the library's own, and what is
    frozen there is freed once sent.
    """
    return _paused(_sendables, task, tasks)


def _sendables(task: Callable[..., _Out], tasks: Sequence[_Task]) -> list[tuple[str, _Out]]:
    out: list[tuple[str, _Out]] = []
    for t in tasks:
        results, state, summaries = task(*t)
        out.append((t[0], ([_sendable(r) for r in results], state, summaries)))
    return out


def _paused(fn: Callable[..., _R], *args: Any) -> _R:
    """``fn(*args)`` with the cyclic collector paused, and what it built frozen
    before the collector resumes; run as it is when the collector is off.

    For work whose results all stay alive until it ends (a patient's, a
    chunk's): every young collection inside it would find only live objects.
    In a run that was about one per patient, 4-5 µs a visit, the history's
    largest cost beyond its own steps. An audit makes no reference cycles (a
    year of 13,738 visits audited with the collector off left no unreachable
    object), so nothing the pause keeps would have been freed.
    """
    if not gc.isenabled():
        return fn(*args)
    gc.disable()
    try:
        out = fn(*args)
        gc.freeze()
    finally:
        gc.enable()
    return out


def run_patients(
    items: Iterable[Visit | Exception],
    *,
    presorted: bool,
    workers: int,
    task: Callable[..., _Out],
    alone: Callable[[int, Visit], AuditResult],
    saved: Mapping[str, PatientState],
    opening: Mapping[str, Mapping[tuple[int, str], Decimal]],
    finish: Callable[[str, Any, list[Any]], None],
) -> Iterator[AuditResult]:
    """Yield one result per item, in input order (see the module notes)."""
    waiting: dict[int, AuditResult] = {}
    # Results wait, by input index, until every earlier input has one (all of them,
    # for shuffled input); each full collection would rescan them all, about a
    # third of the run's time. Finished patients' objects are moved out of the
    # collector's reach (gc.freeze) and given back at the end — unless the
    # program froze objects itself, whose freeze must not be undone here.
    freeze = gc.get_freeze_count() == 0 and gc.isenabled()
    runner = _Runner(task, workers, pause=freeze)
    try:
        tasks = _presorted(items, waiting, alone) if presorted else _grouped(items, waiting, alone)
        emitted = [0]
        for pid, visits in tasks:
            runner.submit((pid, visits, saved.get(pid), opening.get(pid)))
            for pid_out, out in runner.ready(wait=False):
                _land(waiting, pid_out, out, finish)
            if freeze:
                gc.freeze()
            yield from _ready(waiting, emitted)
        for pid_out, out in runner.ready(wait=True):
            _land(waiting, pid_out, out, finish)
        yield from _ready(waiting, emitted)
        # Empty: every input has a result. Should one ever be missing, the results
        # after the gap still leave, in order, rather than being held back.
        for index in sorted(waiting):
            yield waiting.pop(index)
    finally:
        if freeze:
            gc.unfreeze()
        runner.shutdown()


def _land(
    waiting: dict[int, AuditResult],
    pid: str,
    out: _Out,
    finish: Callable[[str, Any, list[Any]], None],
) -> None:
    results, state, summaries = out
    finish(pid, state, summaries)
    for r in results:
        waiting[r.index] = r
    # ``waiting`` holds them now. Emptied, the list no longer keeps the results
    # the caller has dropped alive until the next patient lands (a patient's
    # results, on top of the one patient presorted input is meant to hold).
    results.clear()


def _ready(waiting: dict[int, AuditResult], emitted: list[int]) -> Iterator[AuditResult]:
    # Results leave once every earlier index has (a dict by index: cheaper than a heap
    # of (index, result) pairs, and the next index is all that is ever asked for).
    while emitted[0] in waiting:
        yield waiting.pop(emitted[0])
        emitted[0] += 1


def _guarded(
    items: Iterable[Visit | Exception], waiting: dict[int, AuditResult]
) -> Iterator[tuple[int, Visit | Exception]]:
    """``enumerate(items)``; if the input iterator itself raises, its error becomes the
    last result (``reader_failed``, as in :func:`~ot_billing_rules.audit_many`)."""
    i = 0
    try:
        for item in items:
            yield i, item
            i += 1
    except Exception as exc:  # the reader's own failure: no input follows
        waiting[i] = AuditResult(index=i, error=exc, reader_failed=True)


def _grouped(
    items: Iterable[Visit | Exception],
    waiting: dict[int, AuditResult],
    alone: Callable[[int, Visit], AuditResult],
) -> Iterator[tuple[str, list[tuple[int, Visit]]]]:
    patients: dict[str, list[tuple[int, Visit]]] = {}
    for i, item in _guarded(items, waiting):
        if isinstance(item, Exception):
            waiting[i] = AuditResult(index=i, error=item, visit_id=_visit_id(item))
        elif item.patient_id is None:
            waiting[i] = alone(i, item)
        else:
            visits = patients.get(item.patient_id)
            if visits is None:
                visits = patients[item.patient_id] = []
            visits.append((i, item))
    yield from patients.items()


def _presorted(
    items: Iterable[Visit | Exception],
    waiting: dict[int, AuditResult],
    alone: Callable[[int, Visit], AuditResult],
) -> Iterator[tuple[str, list[tuple[int, Visit]]]]:
    seen: set[str] = set()
    current: str | None = None
    buf: list[tuple[int, Visit]] = []
    last: date | None = None
    for i, item in _guarded(items, waiting):
        if isinstance(item, Exception):
            waiting[i] = AuditResult(index=i, error=item, visit_id=_visit_id(item))
            continue
        pid = item.patient_id
        if pid is None:
            waiting[i] = alone(i, item)
            continue
        if pid != current:
            if current is not None:
                yield current, buf
            if pid in seen:
                raise HistoryOrderError(
                    f"presorted=True but patient {pid!r} reappears at input #{i} after other "
                    "patients; sort by patient_id then date_of_service, or pass presorted=False",
                    value=pid,
                    field="patient_id",
                )
            seen.add(pid)
            current, buf, last = pid, [], None
        elif last is not None and item.date_of_service < last:
            raise HistoryOrderError(
                f"presorted=True but input #{i} (patient {pid!r}, "
                f"{item.date_of_service.isoformat()}) comes after {last.isoformat()}; sort by "
                "patient_id then date_of_service, or pass presorted=False",
                value=item.date_of_service.isoformat(),
                field="date_of_service",
            )
        last = item.date_of_service
        buf.append((i, item))
    if current is not None:
        yield current, buf


class _Runner:
    """Runs patient tasks here (``workers=1``) or in a bounded process pool.

    The pool is :class:`~ot_billing_rules._pool.RetryingPool`, as for
    :func:`~ot_billing_rules.audit_many`: a chunk whose worker died is retried
    once; one that fails again (or cannot travel) is run one patient at a time
    in a pool of its own, and a patient whose worker dies there too gets a
    :class:`~ot_billing_rules.WorkerError` result for each of their visits.
    """

    def __init__(self, task: Callable[..., _Out], workers: int, *, pause: bool = False) -> None:
        self.task = task
        self.workers = workers
        self.pause = pause
        self.batch: list[_Task] = []
        self.size = 0
        self.inflight: deque[Job] = deque()
        self.pool: RetryingPool | None = None
        self.local: list[tuple[str, _Out]] = []

    def submit(self, t: _Task) -> None:
        if self.workers == 1:
            self.local.append((t[0], self._here(t)))
            return
        self.batch.append(t)
        self.size += len(t[1])
        if self.size >= CHUNK_VISITS:
            self._flush()

    def _here(self, t: _Task) -> _Out:
        # Paused only in a run that freezes (see run_patients): a program that froze
        # objects itself manages its collector.
        return _paused(self.task, *t) if self.pause else self.task(*t)

    def _flush(self) -> None:
        if not self.batch:
            return
        if self.pool is None:
            self.pool = RetryingPool(self.workers)
        self.inflight.append(self.pool.submit(Job(_chunk, self.task, self.batch)))
        self.batch, self.size = [], 0

    def ready(self, *, wait: bool) -> Iterator[tuple[str, _Out]]:
        if self.local:
            out, self.local = self.local, []
            yield from out
        if wait:
            self._flush()
        # Bounded: at most two tasks per worker in flight; wait for the oldest beyond that.
        while self.inflight and (
            wait or len(self.inflight) > self.workers * 2 or _done(self.inflight[0])
        ):
            head = self.inflight.popleft()
            assert self.pool is not None
            done = self.pool.wait(head, self.inflight)
            yield from self._isolated(head.args[1]) if done is ISOLATE else done

    def _isolated(self, tasks: Sequence[_Task]) -> Iterator[tuple[str, _Out]]:
        from concurrent.futures.process import BrokenProcessPool

        assert self.pool is not None
        for t in tasks:
            try:
                pickle.dumps(t)
            except Exception:  # cannot reach a worker: audit it here, as workers=1 would
                yield t[0], self.task(*t)
                continue
            try:
                yield from self.pool.alone(_chunk, self.task, [t])
            except BrokenProcessPool as exc:
                yield t[0], _lost(t, "worker died", exc)
            except Exception as exc:
                yield t[0], _lost(t, "result not picklable", exc)

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _done(job: Job) -> bool:
    return job.future is None or job.future.done()


def _lost(t: _Task, cause: str, exc: BaseException) -> _Out:
    """Every visit of a patient whose work could not complete: a WorkerError each.

    The patient's state stays what it was before this run (``t[2]``, or none).
    """
    pid, visits = t[0], t[1]
    what = (
        "the worker process auditing the patient's visits died (killed, out of memory or "
        "crashed) on every try"
        if cause == "worker died"
        else "the patient's results could not be sent back from the worker process"
    )
    results = [
        AuditResult(
            index=i,
            error=WorkerError(
                f"visit #{i} ({v.visit_id or v.date_of_service.isoformat()}) of patient "
                f"{pid!r} was not audited: {what} ({describe(exc)})",
                index=i,
                cause=cause,
            ),
            visit_id=v.visit_id,
        )
        for i, v in visits
    ]
    return results, t[2], []
