"""Progress for long runs: ``progress=True`` (a bar on standard error) or a callback.

:func:`~ot_billing_rules.audit_many`, :func:`~ot_billing_rules.audit_history`
and :func:`ot_billing_rules.pandas.audit_frame` take ``progress``:

- ``False`` (default): nothing;
- ``True``: a ``tqdm`` bar when tqdm is installed, else a plain counter
  rewritten in place on standard error (about five times a second, so a
  fast run is not slowed down by its own output);
- a callable ``callback(done, total)``: called after each result with the
  number of results so far and the total, or ``None`` when the input has no
  length (a generator).

The progress is reported as results are consumed, so a lazy iterator that is
abandoned stops reporting where it stopped.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import IO, TypeVar

from .errors import InvalidTypeError

__all__ = ["Progress", "ProgressCallback", "check_progress", "cli_progress", "track"]

T = TypeVar("T")

#: ``callback(done, total)``; ``total`` is ``None`` when unknown.
ProgressCallback = Callable[[int, int | None], None]
#: What a ``progress=`` parameter takes.
Progress = bool | ProgressCallback

_EVERY = 0.2  # seconds between two redraws of the plain counter


def check_progress(progress: object) -> Progress:
    """``progress`` if it is a bool or a callable, else a typed error naming it."""
    if isinstance(progress, bool) or callable(progress):
        return progress
    raise InvalidTypeError(
        f"progress must be true, false or a callable(done, total), not "
        f"{type(progress).__name__} {progress!r}",
        value=progress,
        field="progress",
    )


def total_of(items: object) -> int | None:
    """The length of ``items`` when it has one (a list, a DataFrame), else ``None``."""
    if isinstance(items, Sized):
        try:
            return len(items)
        except Exception:  # a __len__ that raises: the total is unknown, not an error
            return None
    return None


class _Counter:
    """The plain counter: ``visits: 1234/10000`` rewritten in place on a stream."""

    def __init__(self, total: int | None, unit: str, stream: IO[str]) -> None:
        self.total = total
        self.unit = unit
        self.stream = stream
        self.start = time.monotonic()
        self.shown = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.shown < _EVERY and done != total:
            return
        self.shown = now
        self._draw(done)

    def _draw(self, done: int) -> None:
        of = f"/{self.total}" if self.total is not None else ""
        rate = done / max(time.monotonic() - self.start, 1e-9)
        self.stream.write(f"\r{self.unit}: {done}{of} ({rate:,.0f}/s)")
        self.stream.flush()

    def close(self, done: int) -> None:
        self._draw(done)
        self.stream.write("\n")
        self.stream.flush()


def _bar(
    total: int | None, unit: str, stream: IO[str]
) -> tuple[ProgressCallback, Callable[[int], None]]:
    """A (callback, close) pair drawing with tqdm if it is installed, else the counter."""
    try:
        from tqdm import tqdm  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        counter = _Counter(total, unit, stream)
        return counter, counter.close
    cols, rows = _screen(stream)
    bar = tqdm(total=total, unit=f" {unit}", file=stream, ncols=cols, nrows=rows)
    last = [0]

    def update(done: int, _total: int | None) -> None:
        bar.update(done - last[0])
        last[0] = done

    def close(done: int) -> None:
        update(done, total)
        bar.close()

    return update, close


def _screen(stream: IO[str]) -> tuple[int, int]:
    # A terminal that reports no size (a fresh pty, some CI runners) makes
    # tqdm cut its line to nothing and hide the bar below a zero-row screen;
    # draw on 80 x 24 there instead.
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return 80, 24
    return size.columns or 80, size.lines or 24


def track(
    results: Iterable[T],
    progress: Progress,
    total: int | None,
    *,
    unit: str = "visits",
    stream: IO[str] | None = None,
) -> Iterator[T]:
    """``results`` unchanged, reporting after each one as ``progress`` asks."""
    if progress is False:
        return iter(results)
    return _tracked(results, progress, total, unit, stream)


def _tracked(
    results: Iterable[T], progress: Progress, total: int | None, unit: str, stream: IO[str] | None
) -> Iterator[T]:
    close: Callable[[int], None] | None = None
    if progress is True:
        callback, close = _bar(total, unit, stream if stream is not None else sys.stderr)
    else:
        assert callable(progress)
        callback = progress
    done = 0
    inner = iter(results)
    try:
        for item in inner:
            done += 1
            callback(done, total)
            yield item
    finally:
        # Closing this wrapper closes what it wraps now, not at garbage
        # collection: a pool shuts down, a history walk hands back its state.
        end = getattr(inner, "close", None)
        if end is not None:
            end()
        if close is not None:
            close(done)


def cli_progress(quiet: bool, stream: IO[str] | None = None) -> Progress:
    """What a command passes as ``progress=``: ``True`` only when ``stream``
    (standard error by default) is a terminal and ``quiet`` is false, so a
    redirected or piped run never gets progress text in its log."""
    out = stream if stream is not None else sys.stderr
    if quiet:
        return False
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False
