"""Issue 17: rows/s of ``units_frame`` next to ``compute_units`` per visit through a groupby.

``python benchmarks/frame_units.py [ROWS]`` (default 1,000,000) builds a
synthetic table (four codes a visit on average, plain 15-minute and untimed
codes, fixed seed), then times in one process, interleaved (the machine may be
shared: only the ratio of the two, measured in the same run, is meaningful):

- ``units_frame(df)`` on the whole table (wall time, and its own CPU time,
  which a loaded machine inflates less);
- ``compute_units`` once per visit through ``df.groupby("visit_id")`` on a
  slice of the table (the per-visit path is slow; its rate is per row).

It checks the units agree on the slice. Goal: ``units_frame`` >= 1,000,000 rows/s.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

CODES = ["97110", "97112", "97116", "97140", "97530", "97535", "97165", "97150"]


def table(rows: int, seed: int = 17) -> Any:
    """A claims table of about ``rows`` rows, whole visits, no code twice in a visit."""
    import numpy as np

    import pandas as pd

    rng = np.random.default_rng(seed)
    visits = rows // 4
    per = rng.integers(1, 8, visits)  # 1..7 codes, 4 on average
    visit = np.repeat(np.arange(visits), per)
    # The k-th code of a visit is a distinct code: a random offset into the list.
    start = np.repeat(rng.integers(0, len(CODES), visits), per)
    k = np.arange(len(visit)) - np.repeat(np.cumsum(per) - per, per)
    code = np.array(CODES)[(start + k) % len(CODES)]
    return pd.DataFrame(
        {
            "visit_id": visit.astype(str),
            "date_of_service": "2024-07-01",
            "code": code,
            "minutes": rng.integers(0, 45, len(visit)),
        }
    )


def per_visit(df: Any) -> list[int]:
    from ot_billing_rules import compute_units

    units: dict[Any, int] = {}
    for _, part in df.groupby("visit_id", sort=False):
        alloc = compute_units(
            dict(zip(part["code"], part["minutes"].tolist(), strict=True)),
            on=part["date_of_service"].iloc[0],
        )
        for i, c in zip(part.index, part["code"], strict=True):
            units[i] = alloc.units[c]
    return [units[i] for i in df.index]


def measure(rows: int, repeat: int = 3) -> dict[str, float]:
    """Rows/s of both paths, interleaved ``repeat`` times; medians."""
    from ot_billing_rules._units_frame import units_frame

    df = table(rows)
    part = df[df["visit_id"].isin(df["visit_id"].unique()[: max(1000, rows // 200)])]
    if units_frame(part)["units"].tolist() != per_visit(part):
        raise RuntimeError("units_frame and compute_units disagree")
    fast: list[float] = []
    fast_cpu: list[float] = []
    slow: list[float] = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        units_frame(df)
        fast.append(len(df) / (time.perf_counter() - t0))
        fast_cpu.append(len(df) / (time.process_time() - c0))
        t0 = time.perf_counter()
        per_visit(part)
        slow.append(len(part) / (time.perf_counter() - t0))
    f, s = statistics.median(fast), statistics.median(slow)
    return {
        "rows": len(df),
        "frame_rows_s": f,
        "frame_cpu_rows_s": statistics.median(fast_cpu),
        "per_visit_rows_s": s,
        "ratio": f / s,
    }


def main(rows: int) -> int:
    out = measure(rows)
    print(f"{out['rows']:,} rows")
    print(
        f"units_frame                     {out['frame_rows_s']:12,.0f} rows/s "
        f"({out['frame_cpu_rows_s']:,.0f} rows per CPU second)"
    )
    print(f"compute_units per visit, groupby {out['per_visit_rows_s']:11,.0f} rows/s")
    print(f"ratio                           {out['ratio']:12.1f}x  (goal: >= 1,000,000 rows/s)")
    return 0 if out["frame_rows_s"] >= 1_000_000 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
