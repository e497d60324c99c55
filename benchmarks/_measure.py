"""Timing and memory helpers for the benchmarks (no third-party dependency)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
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


#: Where the children cache bytecode.
PYCACHE = os.path.join(tempfile.gettempdir(), "ot-billing-bench-pycache")

_PROBE = """\
import json, resource, sys, time
_t = time.perf_counter()
{code}
_elapsed = time.perf_counter() - _t
print(json.dumps({{"seconds": _elapsed, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "out": globals().get("RESULT")}}))
"""


def child(code: str, *, cwd: str | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; return its seconds, peak RSS (bytes) and ``RESULT``.

    The child times itself, so interpreter start-up is excluded; ``RESULT``
    is whatever JSON-ready value the code left in that global.
    """
    env = dict(os.environ, PYTHONPYCACHEPREFIX=PYCACHE)
    # Time imports as an installed package runs them: from cached bytecode
    # (kept outside the source tree, so the checkout stays clean).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(code=code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr.strip()}")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    data["rss"] = int(data["rss"]) * 1024  # ru_maxrss is in KiB on Linux
    return data


def subprocess_seconds_and_rss(code: str, *, repeat: int = 5) -> tuple[float, int]:
    """Median wall seconds of ``code`` in fresh interpreters and the largest peak RSS."""
    runs = [child(code) for _ in range(repeat)]
    return statistics.median(r["seconds"] for r in runs), max(r["rss"] for r in runs)
