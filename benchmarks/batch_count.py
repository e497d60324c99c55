"""Issue 7's batch check at scale: N generated visits in, N results out.

``python benchmarks/batch_count.py [N]`` (default 100,000) audits N synthetic
visits, every tenth made invalid in a different way, with
``errors="collect"``, and checks that exactly N results come back, in input
order, with the invalid ones carrying their error.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from synthetic import visit_dicts

import ot_billing_rules as ob

_BREAKERS = (
    lambda v: {**v, "date_of_service": "2024-02-30"},
    lambda v: {**v, "services": [{"code": "9753", "minutes": 10}]},
    lambda v: {**v, "services": [{"code": "97530", "minutes": -4}]},
    lambda v: {**v, "copay": 20},
    lambda v: None,
)


def main(n: int) -> int:
    base = visit_dicts(4096)
    inputs: list[Any] = []
    for i in range(n):
        visit = base[i % len(base)]
        inputs.append(_BREAKERS[(i // 10) % len(_BREAKERS)](visit) if i % 10 == 9 else visit)
    start = time.perf_counter()
    results = list(ob.audit_many(inputs, errors="collect"))
    seconds = time.perf_counter() - start
    bad = sum(1 for r in results if not r.ok)
    ordered = [r.index for r in results] == list(range(n))
    records = sum(1 for _ in ob.to_records(results))
    print(
        f"{n:,} visits in, {len(results):,} results out ({bad:,} errors collected), "
        f"in order: {ordered}, records: {records:,}, {seconds:.1f} s"
    )
    return 0 if len(results) == n == records and ordered and bad == n // 10 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
