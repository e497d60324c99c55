"""Issue 17: the Dask recipe of docs/howto/scale-out.md against one process and the old recipe.

``python benchmarks/dask_recipe.py [VISITS] [--workers N] [--rounds R]``
(default 20,000 visits of six service rows, all cores, 2 rounds) writes a
synthetic claims table (one row per service, every cell text, as read from a
CSV) as visit-partitioned Parquet, starts a ``LocalCluster`` (processes, one
thread each) once, then times, interleaved round by round:

- one process: ``pandas.read_parquet`` of the table, ``audit_records`` over it,
  the records written as Parquet;
- the recipe: ``dd.read_parquet(..., split_row_groups=False)``,
  ``map_partitions(audit_partition)``, ``to_parquet`` on the cluster — the
  workers read, audit and write;
- the old recipe (before issue 17): ``dd.from_pandas(claims.set_index("visit_id"),
  sort=True)`` built in the client, ``to_records(audit_many(...))`` per
  partition, ``compute()`` back to the client.

The machine may be shared: only ratios measured in one run mean anything.
Goal: the recipe on 2 workers >= 1.6x one process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import visit_dicts

DTYPES = {int: "Int64", bool: "boolean", str: "string"}


def claims_table(visits: int) -> Any:
    """One text row per service, the visit's fields on every row."""
    import pandas as pd

    rows = []
    for v in visit_dicts(visits):
        for s in v["services"]:  # type: ignore[attr-defined]
            rows.append(
                {
                    "visit_id": v["visit_id"],
                    "date_of_service": v["date_of_service"],
                    "code": s["code"],
                    "minutes": str(s.get("minutes", "")),
                    "assistant_minutes": str(s.get("assistant_minutes", "")),
                    "separate_interval": "true" if s.get("separate_interval") else "",
                }
            )
    return pd.DataFrame(rows)


def records_frame(records: Any) -> Any:
    import pandas as pd
    from ot_billing_rules import RESULT_SCHEMA

    frame = pd.DataFrame.from_records(list(records), columns=list(RESULT_SCHEMA))
    return frame.astype({name: DTYPES[kind] for name, kind in RESULT_SCHEMA.items()})


def audit_partition(part: Any) -> Any:
    from ot_billing_rules import audit_records, visits_from_rows

    return records_frame(audit_records(visits_from_rows(part.to_dict("records"))))


def old_partition(part: Any) -> Any:
    import pandas as pd
    from ot_billing_rules import RESULT_SCHEMA, audit_many, to_records, visits_from_rows

    rows = part.reset_index().to_dict("records")
    results = audit_many(visits_from_rows(rows), errors="collect")
    return pd.DataFrame.from_records(to_records(results), columns=list(RESULT_SCHEMA))


def _warm() -> None:
    # Import the library and load its rule data in a worker before anything is timed.
    from ot_billing_rules import audit_visit

    audit_visit(visit_dicts(1)[0])


def measure(visits: int, workers: int, rounds: int) -> dict[str, float]:
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    import pandas as pd

    work = Path(tempfile.mkdtemp(prefix="ot-billing-dask-"))
    try:
        claims = claims_table(visits)
        # The one-time layout: whole visits per file (here with pandas, for speed).
        parts = workers * 4
        bucket = pd.util.hash_pandas_object(claims["visit_id"], index=False) % parts
        (work / "claims").mkdir()
        for b, part in claims.groupby(bucket.to_numpy()):
            part.to_parquet(work / "claims" / f"part.{b}.parquet", index=False)
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        client.run(_warm)
        audit_partition(claims.head(60))  # the same warm-up for the one process
        meta = records_frame([])
        old_meta = pd.DataFrame({c: pd.Series(dtype=object) for c in meta.columns})
        times: dict[str, list[float]] = {"one": [], "recipe": [], "old": []}
        try:
            for r in range(rounds):
                t0 = time.perf_counter()
                table = pd.read_parquet(work / "claims")
                audit_partition(table).to_parquet(work / f"one{r}.parquet", index=False)
                times["one"].append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                frame = dd.read_parquet(str(work / "claims"), split_row_groups=False)
                frame.map_partitions(audit_partition, meta=meta).to_parquet(
                    str(work / f"recipe{r}"), write_index=False
                )
                times["recipe"].append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                old = dd.from_pandas(claims.set_index("visit_id"), npartitions=parts, sort=True)
                done = old.map_partitions(old_partition, meta=old_meta).compute()
                times["old"].append(time.perf_counter() - t0)
                if len(done) != visits:
                    raise RuntimeError(f"old recipe: {len(done)} records for {visits} visits")
            got = len(pd.read_parquet(work / "recipe0"))
            if got != visits:
                raise RuntimeError(f"recipe: {got} records for {visits} visits")
        finally:
            client.close()
            cluster.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    one = statistics.median(times["one"])
    return {
        "visits": visits,
        "workers": workers,
        "one_visits_s": visits / one,
        "recipe_speedup": statistics.median(
            a / b for a, b in zip(times["one"], times["recipe"], strict=True)
        ),
        "old_speedup": statistics.median(
            a / b for a, b in zip(times["one"], times["old"], strict=True)
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("visits", nargs="?", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    out = measure(args.visits, args.workers, args.rounds)
    w = out["workers"]
    print(f"{out['visits']:,} visits, {w} Dask workers, {args.rounds} interleaved rounds")
    print(f"one process (read, audit_records, write)  {out['one_visits_s']:9,.0f} visits/s")
    print(f"recipe: workers read Parquet              {out['recipe_speedup']:5.2f}x")
    print(f"old recipe: client sorts and ships        {out['old_speedup']:5.2f}x")
    return 0 if out["recipe_speedup"] >= 1.6 else 1


if __name__ == "__main__":
    sys.exit(main())
