"""Timing and memory helpers for the benchmarks (no third-party dependency)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def median_time(fn: Callable[[], Any], *, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rate(fn: Callable[[], Any], *, calls: int, repeat: int = 5) -> float:
    """Median calls per second of ``fn`` (called ``calls`` times per run)."""

    def run() -> None:
        for _ in range(calls):
            fn()

    return calls / median_time(run, repeat=repeat)


def peak_python_memory(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Return ``fn()`` and the peak bytes Python allocated while it ran."""
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def subprocess_seconds_and_rss(code: str, *, repeat: int = 5) -> tuple[float, int]:
    """Median wall seconds of ``python -c code`` and its peak RSS in bytes.

    The child prints its own elapsed time (so interpreter start-up is
    excluded) and ``resource.getrusage`` gives the peak RSS.
    """
    probe = (
        "import time, resource\n"
        "_t = time.perf_counter()\n"
        f"{code}\n"
        "print(time.perf_counter() - _t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    seconds, rss = [], []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
        seconds.append(float(out[-2]))
        rss.append(int(out[-1]) * 1024)
    return statistics.median(seconds), max(rss)
