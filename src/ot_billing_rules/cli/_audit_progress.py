"""The progress counter of ``ot-billing audit`` (standard error, terminals only).

Kept in this one module so a shared CLI progress helper can replace it: the
audit only calls :func:`counted`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

#: Seconds between two updates of the counter.
INTERVAL = 0.5


def counted(items: Iterable[T], *, quiet: bool, stream: TextIO | None = None) -> Iterator[T]:
    """Pass ``items`` through, showing ``N visits`` on ``stream`` while they go by.

    Nothing is written when ``quiet`` or when ``stream`` (standard error by
    default) is not a terminal, so a log file or a pipe never gets the
    carriage returns. The counter line is erased at the end.
    """
    out = sys.stderr if stream is None else stream
    if quiet or not _is_tty(out):
        yield from items
        return
    shown = False
    due = time.monotonic() + INTERVAL
    try:
        for n, item in enumerate(items, 1):
            if time.monotonic() >= due:
                out.write(f"\r{n} visits")
                out.flush()
                shown = True
                due = time.monotonic() + INTERVAL
            yield item
    finally:
        if shown:
            out.write("\r\x1b[K")
            out.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or stand-in stream
        return False
