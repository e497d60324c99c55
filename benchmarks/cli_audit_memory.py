"""Peak memory of ``ot-billing audit`` on a large CSV, grouped and interleaved.

Run: ``python benchmarks/cli_audit_memory.py [ROWS ...]`` (default 20000 and
200000). Each size is audited by the real command in a fresh process and its
peak resident set size is reported, with the wall time.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "visit_id,date_of_service,payer,ytd_allowed,code,minutes,modifiers,separate_interval\n"
_CODES = ("97530", "97535", "97110", "97112", "97140")


def write_csv(path: Path, rows: int, *, interleaved: bool = False, seed: int = 7) -> int:
    """Write ``rows`` service rows (three per visit) to ``path``; return the visit count.

    Grouped: each visit's rows are consecutive. Interleaved: the rows of each
    visit are spread over the file (rows sorted by service, not by visit).
    """
    rng = random.Random(seed)
    visits = max(rows // 3, 1)
    lines: list[tuple[int, int, str]] = []
    for n in range(visits):
        day = 1 + n % 28
        for k, code in enumerate(rng.sample(_CODES, 3)):
            head = f"2024-07-{day:02d},medicare,{1000 + n % 2000}.00" if k == 0 else ",,"
            mods = "XU" if k == 2 and n % 5 == 0 else ""
            sep = "yes" if mods else ""
            lines.append((k, n, f"v{n},{head},{code},{rng.randrange(8, 53)},{mods},{sep}\n"))
    if interleaved:
        lines.sort(key=lambda t: (t[0], t[1]))
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        fh.writelines(text for _, _, text in lines[:rows])
    return visits


def peak_rss_mb(argv: list[str]) -> tuple[float, float, int]:
    """Run ``argv`` in a fresh process; return (peak RSS in MB, seconds, exit status)."""
    script = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(kb, done.returncode)\n"
    )
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", script, *argv], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]) / 1024, time.perf_counter() - start, int(out[1])


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            for interleaved in (False, True):
                path = Path(tmp) / f"v{rows}{'i' if interleaved else ''}.csv"
                write_csv(path, rows, interleaved=interleaved)
                for extra in ([], ["--json"]):
                    mb, secs, code = peak_rss_mb(
                        [sys.executable, "-m", "ot_billing_rules.cli", "audit", str(path), *extra]
                    )
                    kind = "interleaved" if interleaved else "grouped"
                    out = "json" if extra else "text"
                    print(
                        f"{rows:>8} rows {kind:<11} {out:<4} "
                        f"peak {mb:7.1f} MB  {secs:6.1f} s  exit {code}"
                    )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000, 200_000])
