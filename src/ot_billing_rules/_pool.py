"""A process pool that survives its workers, shared by the batch and the history.

:func:`~ot_billing_rules.audit_many` and :func:`~ot_billing_rules.audit_history`
both hand work to worker processes and must give back one result per input
however a worker ends (killed, out of memory, a crash in native code). The
recovery is the same for both, so it lives here once:

- a job whose worker died is retried once, with every other job in flight,
  on a new pool (the crash may have been a neighbour's);
- a job that fails twice, or whose work or result cannot travel between
  processes, is reported as such (:meth:`RetryingPool.wait` returns
  :data:`ISOLATE`) and the caller splits it into single pieces, each run by
  :meth:`RetryingPool.alone` in a one-worker pool of its own, so a crash
  there is that piece's, never a neighbour's.

What a piece *is* (a visit, a patient) and how a lost one is reported stays
with the caller.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["ISOLATE", "Job", "RetryingPool", "describe", "worker_start"]

#: What :meth:`RetryingPool.wait` returns for a job to split and run piece by piece.
ISOLATE: Any = object()


def worker_start() -> None:
    # A forked worker inherits the parent's heap (catalog, bundled edits …). Moving it
    # out of the collector's reach keeps full collections from rescanning it for every
    # chunk (about a fifth of a worker's time) and from un-sharing its memory pages.
    gc.freeze()


def describe(error: BaseException) -> str:
    """``Type: message`` of ``error``, even when its ``__str__`` raises."""
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:  # an exception whose __str__ raises
        return type(error).__name__


class Job:
    """One call to run in a worker: ``fn(*args)``, with its tries so far."""

    __slots__ = ("args", "attempts", "fn", "future")

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.fn = fn
        self.args = args
        self.attempts = 0
        self.future: Future[Any] | None = None


_J = TypeVar("_J", bound=Job)


class RetryingPool:
    """A process pool that survives its workers: restarts, retries, isolation."""

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., None] = worker_start,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self.workers = workers
        # Every worker, restarted or lone, starts the same way (worker_start, or the
        # caller's own, which should call it).
        self.initializer = initializer
        self.initargs = initargs
        self.pool: ProcessPoolExecutor = self._new(workers)
        # Isolated pieces run in a one-worker pool of their own, so a crash
        # there is that piece's, never a neighbour's in the main pool.
        self.lone: ProcessPoolExecutor | None = None

    def _new(self, workers: int) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor  # only a pool needs it

        return ProcessPoolExecutor(
            max_workers=workers, initializer=self.initializer, initargs=self.initargs
        )

    def submit(self, job: _J) -> _J:
        """Start ``job`` in the pool (a broken pool fails it, to be retried)."""
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        try:
            job.future = self.pool.submit(job.fn, *job.args)
        except BrokenProcessPool as exc:
            # The pool broke under an earlier job: fail this one the same
            # way, so it is retried with the others when that one is reached.
            job.future = Future()
            job.future.set_exception(exc)
        return job

    def restart(self, jobs: Iterable[Job]) -> None:
        """A worker died: every job in flight is retried once, then isolated."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._new(self.workers)
        for job in jobs:
            done = job.future
            finished = done is not None and done.done() and not done.cancelled()
            if finished and done is not None and done.exception() is None:
                continue  # it finished before the crash: keep its results
            job.attempts += 1
            if job.attempts >= 2:
                job.future = None
            else:
                self.submit(job)

    def wait(self, head: Job, pending: Iterable[Job]) -> Any:
        """``head``'s value, or :data:`ISOLATE` when it failed twice or could not travel.

        ``pending`` are the other jobs in flight: a crash retries them too.
        """
        from concurrent.futures.process import BrokenProcessPool

        while head.future is not None:
            try:
                return head.future.result()
            except BrokenProcessPool:
                self.restart([head, *pending])
            except Exception:  # the job could not travel: find the piece that cannot
                return ISOLATE
        return ISOLATE

    def alone(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a one-worker pool of its own.

        A worker that dies raises :class:`~concurrent.futures.process.BrokenProcessPool`
        (the one-worker pool is replaced for the next piece); a value or error
        that cannot travel raises what unpickling it raised.
        """
        from concurrent.futures.process import BrokenProcessPool

        if self.lone is None:
            self.lone = self._new(1)
        try:
            return self.lone.submit(fn, *args).result()
        except BrokenProcessPool:
            self.lone.shutdown(wait=True, cancel_futures=True)
            self.lone = None
            raise

    def shutdown(self) -> None:
        """End both pools, cancelling what has not started."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.lone is not None:
            self.lone.shutdown(wait=True, cancel_futures=True)
