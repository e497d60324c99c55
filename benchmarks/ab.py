"""Time the hot paths of two source trees, interleaved, in one run.

    python benchmarks/ab.py /path/to/before/src src            # before vs this checkout
    python benchmarks/ab.py OLD NEW --rounds 15 --only units audit

Each round runs every benchmark once in a fresh interpreter per tree
(``PYTHONPATH=<tree>``), alternating the trees, so a change in the machine's
load hits both alike; the table gives medians and the before/after ratio.
Get a "before" tree with ``git archive <commit> src | tar -x -C /tmp/before``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> code run in the child; it prints microseconds per call.
SNIPPETS: dict[str, str] = {
    "units": """
from ot_billing_rules import compute_units
from synthetic import FOUR_TIMED_CODES as M
call = lambda: compute_units(M, on=DAY)
""",
    "units_tied": """
from ot_billing_rules import compute_units
from synthetic import FOUR_TIMED_CODES_TIED as M
call = lambda: compute_units(M, on=DAY)
""",
    "units_tied_4096": """
import itertools
from ot_billing_rules import compute_units
# 4,096 distinct ties in a cycle, more than the tie-finding cache holds, so every finding
# is worded afresh (the cache's worst case): k codes with the same leftover minutes L
# and distinct whole blocks (which order them), for fewer than k units.
CODES = ["97110", "97112", "97116", "97140", "97530", "97535", "97542", "97750", "97760"]
def ties():
    for k in range(2, 6):
        for left in range(1, 15):
            if not 0 < (k * left + 7) // 15 < k:
                continue
            for codes in itertools.combinations(CODES, k):
                for blocks in itertools.permutations(range(k)):
                    yield {c: 15 * b + left for c, b in zip(codes, blocks)}
M = list(itertools.islice(ties(), 4096))
assert len({compute_units(m, on=DAY).findings[0].message for m in M}) == 4096
cycle = itertools.cycle(M)
call = lambda: compute_units(next(cycle), on=DAY)
""",
    "audit": """
from ot_billing_rules import Visit, audit_visit
from synthetic import SIX_SERVICE_VISIT
v = Visit.from_dict(SIX_SERVICE_VISIT)
call = lambda: audit_visit(v)
""",
    "audit_4096": """
from ot_billing_rules import Visit, audit_visit
from synthetic import visit_dicts
import itertools
vs = itertools.cycle([Visit.from_dict(d) for d in visit_dicts(4096)])
call = lambda: audit_visit(next(vs))
""",
    "check_bundling": """
from ot_billing_rules import check_bundling
L = ["97530x2:GO", "97110x2:GO", "97535:GO", "97112:GO", "97165:GO", "97010:GO"]
call = lambda: check_bundling(L, on=DAY)
""",
}

_CHILD = """
import sys, time, statistics
sys.path.insert(0, {bench!r})
from datetime import date
DAY = date(2024, 7, 1)
{code}
for _ in range(300):
    call()
n = {calls}
runs = []
for _ in range(3):
    t = time.perf_counter()
    for _ in range(n):
        call()
    runs.append((time.perf_counter() - t) / n * 1e6)
print(statistics.median(runs))
"""

_CALLS = {
    "units": 20000,
    "units_tied": 10000,
    "units_tied_4096": 8192,
    "audit": 2000,
    "audit_4096": 2000,
}


def _once(tree: str, name: str) -> float:
    env = dict(os.environ, PYTHONPATH=tree)
    code = _CHILD.format(bench=str(HERE), code=SNIPPETS[name], calls=_CALLS.get(name, 5000))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{name} under {tree} failed:\n{out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="source tree (the directory holding ot_billing_rules)")
    parser.add_argument("after", help="source tree to compare")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", nargs="+", choices=sorted(SNIPPETS), default=None)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args(argv)
    names = args.only or list(SNIPPETS)
    before = {n: [] for n in names}  # type: dict[str, list[float]]
    after = {n: [] for n in names}  # type: dict[str, list[float]]
    for r in range(args.rounds):
        for n in names:
            # Alternate which tree goes first, so neither always gets the warmer machine.
            first, second = (before, after) if r % 2 == 0 else (after, before)
            trees = (args.before, args.after) if r % 2 == 0 else (args.after, args.before)
            first[n].append(_once(trees[0], n))
            second[n].append(_once(trees[1], n))
    print(f"{'benchmark':<16} {'before µs':>10} {'after µs':>10} {'speed-up':>9}")
    rows = {}
    for n in names:
        b, a = statistics.median(before[n]), statistics.median(after[n])
        rows[n] = {"before_us": b, "after_us": a, "speedup": b / a}
        print(f"{n:<16} {b:>10.2f} {a:>10.2f} {b / a:>8.2f}x")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
