"""Run the ot-billing-rules benchmarks and print goal, measured value and pass/miss.

    python benchmarks/run.py            # full run (1,000,000 visits, 2.5M PTP rows)
    python benchmarks/run.py --quick    # smoke run: small inputs, a minute or so

Every input is synthetic and made from a fixed seed (``synthetic.py``). The
goals are issue 8's (medians on a 2-core machine, one process unless said).
See docs/performance.md for the figures and how they were obtained.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _measure import child, median_time, peak_python_memory  # noqa: E402
from synthetic import (  # noqa: E402
    FOUR_TIMED_CODES,
    FOUR_TIMED_CODES_TIED,
    SIX_SERVICE_VISIT,
    visit_dicts,
    write_ptp_file,
)


@attrs.frozen
class Row:
    """One line of the results table."""

    name: str
    goal: str
    measured: str
    passed: bool | None  # None: no goal, or skipped
    memory: str = ""
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "-" if self.measured != "skipped" else "skipped"
        return "pass" if self.passed else "MISS"


def _mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB"


def _kb(n: float) -> str:
    return f"{n / 1e3:.0f} kB"


# -- import cost ---------------------------------------------------------------------------------


def bench_import(repeat: int) -> list[Row]:
    child("import ot_billing_rules")  # warm the bytecode cache
    base: list[dict[str, Any]] = []
    lib: list[dict[str, Any]] = []
    for _ in range(repeat):  # interleaved, so load changes hit both alike
        base.append(child("import attrs"))
        lib.append(child("import ot_billing_rules"))
    t_base = statistics.median(r["seconds"] for r in base)
    t_lib = statistics.median(r["seconds"] for r in lib)
    added = (t_lib - t_base) * 1000
    return [
        Row(
            "import ot_billing_rules (over import attrs)",
            "<= 25 ms",
            f"{added:.1f} ms (attrs {t_base * 1000:.1f}, lib {t_lib * 1000:.1f})",
            added <= 25,
            f"RSS {_mb(max(r['rss'] for r in lib))} vs {_mb(max(r['rss'] for r in base))}",
            f"median of {repeat} fresh interpreters",
        )
    ]


# -- compute_units and audit_visit -----------------------------------------------------------------


def _rate(fn: Callable[[], object], seconds: float) -> float:
    """Median calls/s of ``fn`` over 5 runs of about ``seconds`` each."""
    fn()
    calls = 1
    while True:  # calibrate the batch so a run lasts about ``seconds``
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        took = time.perf_counter() - start
        if took >= seconds / 4:
            break
        calls *= 4
    calls = max(1, int(calls * seconds / took))

    def run() -> None:
        for _ in range(calls):
            fn()

    return calls / median_time(run, repeat=5)


def bench_units(seconds: float) -> list[Row]:
    from ot_billing_rules import compute_units

    day = date(2024, 7, 1)

    def call() -> object:
        return compute_units(FOUR_TIMED_CODES, on=day)

    per_s = _rate(call, seconds)
    tied = _rate(lambda: compute_units(FOUR_TIMED_CODES_TIED, on=day), seconds)
    _, peak = peak_python_memory(lambda: [call() for _ in range(1000)])
    return [
        Row(
            "compute_units (CMS, 4 timed codes)",
            ">= 100,000 calls/s",
            f"{per_s:,.0f} calls/s",
            per_s >= 100_000,
            f"tracemalloc peak {_kb(peak)} / 1,000 results kept",
        ),
        Row(
            "compute_units, 4 codes with a 3-way tie",
            "",
            f"{tied:,.0f} calls/s",
            None,
            note="builds 2 alternatives and a tie finding",
        ),
    ]


def bench_audit(seconds: float) -> list[Row]:
    from ot_billing_rules import Visit, audit_visit

    visit = Visit.from_dict(SIX_SERVICE_VISIT)
    per_s = _rate(lambda: audit_visit(visit), seconds)
    from_dict = _rate(lambda: audit_visit(SIX_SERVICE_VISIT), seconds)
    build = _rate(lambda: Visit.from_dict(SIX_SERVICE_VISIT), seconds)
    _, peak = peak_python_memory(lambda: [audit_visit(visit) for _ in range(1000)])
    return [
        Row(
            "audit_visit (6-service Medicare visit)",
            ">= 20,000 visits/s",
            f"{per_s:,.0f} visits/s",
            per_s >= 20_000,
            f"tracemalloc peak {_mb(peak)} / 1,000 reports kept",
            "Visit built beforehand",
        ),
        Row(
            "audit_visit from a dict (Visit.from_dict included)",
            "",
            f"{from_dict:,.0f} visits/s",
            None,
        ),
        Row("Visit.from_dict (6 services)", "", f"{build:,.0f} visits/s", None),
    ]


# -- issue 17: fast paths, measured against their references in one run ----------------------------


def _bare_units(minutes: dict[str, int]) -> dict[str, int]:
    """The CMS allocation of plain 15-minute codes as bare arithmetic (the reference)."""
    whole = {c: m // 15 for c, m in minutes.items()}
    spare = (sum(minutes.values()) + 7) // 15 - sum(whole.values())
    for code in sorted(minutes, key=lambda c: -(minutes[c] % 15))[: max(spare, 0)]:
        whole[code] += 1
    return dict(sorted(whole.items()))


def _interleaved(fns: list[Callable[[], object]], seconds: float) -> list[float]:
    """Median calls/s of each of ``fns``, their runs interleaved (load hits all alike)."""
    calls = []
    for fn in fns:
        fn()
        n = 1
        while True:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            took = time.perf_counter() - start
            if took >= seconds / 20:
                break
            n *= 4
        calls.append(max(1, int(n * seconds / 5 / took)))
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(5):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(calls[i]):
                fn()
            times[i].append((time.perf_counter() - start) / calls[i])
    return [1 / statistics.median(t) for t in times]


def bench_fast_paths(seconds: float) -> list[Row]:
    from ot_billing_rules import Visit, audit_visit, compute_units
    from ot_billing_rules import units as units_module

    day = date(2024, 7, 1)
    visit = Visit.from_dict(SIX_SERVICE_VISIT)
    if dict(compute_units(FOUR_TIMED_CODES, on=day).units) != _bare_units(FOUR_TIMED_CODES):
        raise RuntimeError("the bare-arithmetic reference disagrees with compute_units")
    fast, full, bare = _interleaved(
        [
            lambda: compute_units(FOUR_TIMED_CODES, on=day),
            lambda: units_module._full(FOUR_TIMED_CODES, on=day),
            lambda: _bare_units(FOUR_TIMED_CODES),
        ],
        seconds,
    )
    (audit,) = _interleaved([lambda: audit_visit(visit)], seconds)
    return [
        Row(
            "compute_units fast path (CMS, 4 timed codes)",
            ">= 150,000 calls/s",
            f"{fast:,.0f} calls/s",
            fast >= 150_000,
            note=f"full path {full:,.0f} calls/s: fast {fast / full:.2f}x",
        ),
        Row(
            "compute_units / bare arithmetic of the same allocation",
            "<= 5x",
            f"{bare / fast:.1f}x",
            bare / fast <= 5,
            note=f"reference {bare:,.0f} calls/s (units only: no lines, rows or repr)",
        ),
        Row(
            "audit_visit (6-service visit; its units tie)",
            ">= 15,000 visits/s",
            f"{audit:,.0f} visits/s",
            audit >= 15_000,
        ),
    ]


# -- audit_many ------------------------------------------------------------------------------------


def _visits(n: int) -> Iterator[Any]:
    from ot_billing_rules import Visit

    distinct = [Visit.from_dict(d) for d in visit_dicts(min(n, 4096))]
    return itertools.islice(itertools.cycle(distinct), n)


def _drain(n: int, workers: int, chunksize: int) -> tuple[float, int]:
    from ot_billing_rules import audit_many

    start = time.perf_counter()
    count = 0
    for result in audit_many(_visits(n), workers=workers, chunksize=chunksize, errors="collect"):
        if result.report is None:
            raise RuntimeError(f"visit {result.index} failed: {result.error!r}")
        count += 1
    if count != n:
        raise RuntimeError(f"audit_many returned {count} results for {n} visits")
    return time.perf_counter() - start, count


def bench_many(n: int, chunksizes: list[int]) -> list[Row]:
    cores = os.cpu_count() or 1
    one, _ = _drain(n, 1, 256)
    rows = [
        Row(
            f"audit_many, {n:,} visits, 1 process",
            "",
            f"{n / one:,.0f} visits/s ({one:.1f} s)",
            None,
        )
    ]
    best = 0.0
    for size in chunksizes:
        took, _ = _drain(n, cores, size)
        speedup = one / took
        best = max(best, speedup)
        rows.append(
            Row(
                f"audit_many, {n:,} visits, {cores} workers, chunksize {size}",
                ">= 1.7x" if size == chunksizes[0] else "",
                f"{n / took:,.0f} visits/s ({took:.1f} s), {speedup:.2f}x",
                speedup >= 1.7 if size == chunksizes[0] else None,
                note="default chunksize" if size == 256 else "",
            )
        )
    return rows


# -- NCCI at national scale ----------------------------------------------------------------------

_IMPORT = """
from ot_billing_rules import import_cms_files
summary = import_cms_files({src!r}, {db!r})
RESULT = summary.counts["ptp"]
"""

_PANDAS = """
try:
    import pandas
except ImportError:
    RESULT = None
else:
    _r = time.perf_counter()
    frame = pandas.read_csv({src!r}, sep="\\t", skiprows=6, header=None, dtype=str,
                            encoding="latin-1", keep_default_na=False)
    RESULT = (len(frame), time.perf_counter() - _r)
"""


_OPEN = """
from ot_billing_rules import EditSet
_a = time.perf_counter()
EditSet.open({db!r})
_b = time.perf_counter()
EditSet.open({db!r})
RESULT = (_b - _a, time.perf_counter() - _b)
"""


def bench_ncci(rows: int, workdir: Path, checks: int) -> list[Row]:
    from ot_billing_rules import EditSet

    src = workdir / "ccipra_synthetic.txt"
    db = workdir / "ncci.sqlite"
    start = time.perf_counter()
    sample = write_ptp_file(src, rows)
    written = time.perf_counter() - start
    out = [
        Row(
            f"synthetic PTP file, {rows:,} rows",
            "",
            f"{src.stat().st_size / 1e6:.0f} MB written in {written:.1f} s",
            None,
        )
    ]
    imp = child(_IMPORT.format(src=str(src), db=str(db)))
    if imp["out"] != rows:
        raise RuntimeError(f"import stored {imp['out']} PTP rows, expected {rows}")
    out.append(
        Row(
            f"import_cms_files, {rows:,} rows -> SQLite",
            "<= 60 s, <= 300 MB",
            f"{imp['seconds']:.1f} s",
            imp["seconds"] <= 60 and imp["rss"] <= 300e6,
            f"peak RSS {_mb(imp['rss'])}",
            f"store {db.stat().st_size / 1e6:.0f} MB",
        )
    )
    pd = child(_PANDAS.format(src=str(src)))
    if pd["out"] is None:
        out.append(Row("pandas.read_csv of the same file", "", "skipped", None, note="no pandas"))
    else:
        count, read = pd["out"]
        out.append(
            Row(
                "pandas.read_csv of the same file (comparison)",
                "",
                f"{read:.1f} s (+{pd['seconds'] - read:.1f} s import pandas)",
                None,
                f"peak RSS {_mb(pd['rss'])}",
                f"{count:,} rows as strings; no dates, index or checks",
            )
        )
    opened = [child(_OPEN.format(db=str(db))) for _ in range(7)]
    first = statistics.median(r["out"][0] for r in opened)
    again = statistics.median(r["out"][1] for r in opened)
    out.append(
        Row(
            "EditSet.open, first in a process",
            "<= 10 ms",
            f"{first * 1000:.2f} ms",
            first <= 0.010,
            f"peak RSS {_mb(max(r['rss'] for r in opened))}",
            "median of 7 fresh processes; loads sqlite3",
        )
    )
    out.append(Row("EditSet.open, again", "<= 10 ms", f"{again * 1000:.2f} ms", again <= 0.010))
    edits = EditSet.open(db)
    day = date(2024, 7, 1)
    pairs = list(itertools.islice(itertools.cycle(sample), checks))
    # The generator never writes four digits + F (Category II codes): these pairs are absent.
    misses = [(f"{n % 9999:04d}F", f"{(n + 1) % 9999:04d}F") for n in range(checks)]

    def run(items: list[tuple[str, str]]) -> None:
        for a, b in items:
            edits.ptp_edits(a, b, on=day)

    hit = median_time(lambda: run(pairs), repeat=5) / checks
    miss = median_time(lambda: run(misses), repeat=5) / checks
    found = sum(1 for a, b in sample if edits.ptp_edits(a, b, on=None))
    if found != len(sample):
        raise RuntimeError(f"only {found} of {len(sample)} sample pairs found in the store")
    out.append(
        Row(
            "EditSet.ptp_edits, pair in the file",
            "<= 20 us",
            f"{hit * 1e6:.1f} us",
            hit <= 20e-6,
            note=f"{checks:,} checks of {len(sample)} pairs",
        )
    )
    out.append(
        Row(
            "EditSet.ptp_edits, pair not in the file",
            "<= 20 us",
            f"{miss * 1e6:.1f} us",
            miss <= 20e-6,
        )
    )
    return out


# -- issue 17: records built in the workers, columnar units, the Dask recipe --------------------


def bench_scale(quick: bool, wanted: set[str]) -> list[Row]:
    """Issue 17's rows; every ratio compares variants timed interleaved in this run."""
    rows: list[Row] = []
    if "records" in wanted:
        import records

        r = records.measure(10_000 if quick else 100_000, os.cpu_count() or 1, 2)
        rows.append(
            Row(
                f"audit_records, {r['visits']:,} visits, {r['workers']} workers",
                ">= 1.6x one process",
                f"{r['workers_speedup']:.2f}x (to_records(audit_many): {r['parent_speedup']:.2f}x)",
                r["workers_speedup"] >= 1.6,
                note=f"parent CPU {r['parent_us_per_visit_new']:.1f} us/visit "
                f"(was {r['parent_us_per_visit_old']:.1f})",
            )
        )
    if "frame" in wanted:
        import frame_units

        f = frame_units.measure(200_000 if quick else 1_000_000)
        rows.append(
            Row(
                f"units_frame, {f['rows']:,} rows",
                ">= 1,000,000 rows/s",
                f"{f['frame_rows_s']:,.0f} rows/s, {f['ratio']:.0f}x compute_units per visit",
                f["frame_rows_s"] >= 1_000_000,
                note=f"CPU time: {f['frame_cpu_rows_s']:,.0f} rows/s",
            )
        )
    if "dask" in wanted:
        try:
            import dask_recipe
        except ImportError:
            return [*rows, Row("Dask recipe", "", "skipped", None, note="no dask")]
        d = dask_recipe.measure(5_000 if quick else 40_000, os.cpu_count() or 1, 2)
        rows.append(
            Row(
                f"Dask recipe, {d['visits']:,} visits, {d['workers']} workers",
                ">= 1.6x one process",
                f"{d['recipe_speedup']:.2f}x (old recipe {d['old_speedup']:.2f}x)",
                d["recipe_speedup"] >= 1.6,
                note="workers read visit-partitioned Parquet",
            )
        )
    return rows


# -- the table ---------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_table(rows: list[Row]) -> None:
    head = ("benchmark", "goal", "measured", "result", "memory", "note")
    cells = [head] + [(r.name, r.goal, r.measured, r.verdict, r.memory, r.note) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    for n, c in enumerate(cells):
        print("  ".join(text.ljust(w) for text, w in zip(c, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


_ISSUE17 = ("records", "frame", "dask")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs: a smoke run")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("import", "units", "audit", "fast", "many", "ncci", *_ISSUE17),
        help="run only these benchmarks",
    )
    parser.add_argument("--visits", type=int, help="visits for audit_many (default 1,000,000)")
    parser.add_argument("--rows", type=int, help="PTP rows for the NCCI import (default 2.5M)")
    parser.add_argument(
        "--chunksizes",
        type=int,
        nargs="+",
        default=[256],
        help="audit_many chunk sizes to time with the pool (first one is judged)",
    )
    parser.add_argument("--workdir", type=Path, help="keep the synthetic files here")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)

    quick = args.quick
    visits = args.visits or (20_000 if quick else 1_000_000)
    rows_n = args.rows or (100_000 if quick else 2_500_000)
    wanted = set(args.only or ("import", "units", "audit", "fast", "many", "ncci", *_ISSUE17))
    print(
        f"ot-billing-rules benchmarks — Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s), {_cpu_model()}{' (quick)' if quick else ''}",
        flush=True,
    )
    rows: list[Row] = []

    def run(name: str, bench: Callable[[], list[Row]]) -> None:
        if name not in wanted:
            return
        try:
            new = bench()
        except Exception as exc:  # one broken benchmark must not lose the others
            new = [Row(name, "", f"failed: {exc!r}", False)]
        for row in new:  # as they come, so a long run shows progress
            print(f"  {row.name}: {row.measured} [{row.verdict}]", flush=True)
        rows.extend(new)

    run("import", lambda: bench_import(5 if quick else 15))
    run("units", lambda: bench_units(0.2 if quick else 1.0))
    run("audit", lambda: bench_audit(0.2 if quick else 1.0))
    run("fast", lambda: bench_fast_paths(1.0 if quick else 5.0))
    run("many", lambda: bench_many(visits, args.chunksizes))
    for name in _ISSUE17:
        run(name, lambda name=name: bench_scale(quick, {name}))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ot-billing-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        run("ncci", lambda: bench_ncci(rows_n, workdir, 20_000 if quick else 200_000))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps([attrs.asdict(r) for r in rows], indent=2) + "\n")
    return 1 if any(r.passed is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
