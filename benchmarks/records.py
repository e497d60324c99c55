"""Issue 17: records built in the workers (``audit_records``) next to ``to_records(audit_many)``.

``python benchmarks/records.py [VISITS] [--workers N] [--rounds R]`` (default
40,000 visits, all cores, 2 rounds) times, interleaved round by round so a
change in the machine's load hits every variant alike:

- one process: ``audit_records(visits)``;
- the pool, records flattened in the parent: ``to_records(audit_many(visits, workers=N))``;
- the pool, records built in the workers: ``audit_records(visits, workers=N)``;

and the parent process's own CPU time per visit for both pooled variants
(what limits a pool: the parent unpickles and flattens every visit).
Ratios are medians over the rounds of one run. Goal: ``audit_records`` on
2 workers >= 1.6x one process.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import visit_dicts


def _visits(n: int) -> list[Any]:
    from ot_billing_rules import Visit

    distinct = [Visit.from_dict(d) for d in visit_dicts(min(n, 4096))]
    return list(itertools.islice(itertools.cycle(distinct), n))


def _time(make: Callable[[], Iterable[dict[str, Any]]], n: int) -> tuple[float, float]:
    """(wall seconds, parent CPU seconds) to drain ``make()``; checks the count."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in make())
    if count != n:
        raise RuntimeError(f"{count} records for {n} visits")
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(n: int, workers: int, rounds: int, chunksize: int = 256) -> dict[str, float]:
    """Medians over ``rounds`` interleaved rounds (see the module docs)."""
    from ot_billing_rules import audit_many, audit_records, to_records

    visits = _visits(n)
    variants: dict[str, Callable[[], Iterable[dict[str, Any]]]] = {
        "one": lambda: audit_records(visits),
        "parent": lambda: to_records(
            audit_many(visits, errors="collect", workers=workers, chunksize=chunksize)
        ),
        "workers": lambda: audit_records(visits, workers=workers, chunksize=chunksize),
    }
    walls: dict[str, list[float]] = {k: [] for k in variants}
    cpus: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(rounds):
        for name, make in variants.items():
            wall, cpu = _time(make, n)
            walls[name].append(wall)
            cpus[name].append(cpu)
    one = statistics.median(walls["one"])
    return {
        "visits": n,
        "workers": workers,
        "one_visits_s": n / one,
        "parent_speedup": statistics.median(
            a / b for a, b in zip(walls["one"], walls["parent"], strict=True)
        ),
        "workers_speedup": statistics.median(
            a / b for a, b in zip(walls["one"], walls["workers"], strict=True)
        ),
        "parent_us_per_visit_old": statistics.median(cpus["parent"]) / n * 1e6,
        "parent_us_per_visit_new": statistics.median(cpus["workers"]) / n * 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("visits", nargs="?", type=int, default=40_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    out = measure(args.visits, args.workers, args.rounds)
    w = out["workers"]
    print(f"{out['visits']:,} visits, {w} workers, {args.rounds} interleaved rounds")
    print(f"one process (audit_records)              {out['one_visits_s']:9,.0f} visits/s")
    print(
        f"to_records(audit_many(workers={w}))         {out['parent_speedup']:5.2f}x  "
        f"parent CPU {out['parent_us_per_visit_old']:5.1f} us/visit"
    )
    print(
        f"audit_records(workers={w})                  {out['workers_speedup']:5.2f}x  "
        f"parent CPU {out['parent_us_per_visit_new']:5.1f} us/visit"
    )
    return 0 if out["workers_speedup"] >= 1.6 else 1


if __name__ == "__main__":
    sys.exit(main())
