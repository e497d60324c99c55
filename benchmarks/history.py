"""Issue 14: visits/s of ``audit_history`` next to ``audit_many`` on one claim year.

``python benchmarks/history.py [PATIENTS]`` (default 1,000) builds the
synthetic year of :func:`ot_billing_rules._history_synthetic.synthetic_year`
(an evaluation, a certified plan, two or three visits a week, some split
days, progress reports, amounts that cross KX), converts it to ``Visit``
values once, and times both calls on the same visits in one process. Goal:
``audit_history`` within 1.3x of ``audit_many``.
"""

from __future__ import annotations

import sys
import time

import ot_billing_rules as ob
from ot_billing_rules._history_synthetic import synthetic_year


def main(patients: int) -> int:
    visits = [ob.Visit.from_dict(v) for v in synthetic_year(patients)]
    # audit_many sees the same visits without the history's state (no ytd/plan).
    t0 = time.perf_counter()
    n_many = sum(1 for _ in ob.audit_many(visits, errors="collect"))
    many = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_hist = sum(1 for _ in ob.audit_history(visits, errors="collect"))
    hist = time.perf_counter() - t0
    assert n_many == n_hist == len(visits)
    print(f"{len(visits):,} visits of {patients:,} patients")
    print(f"audit_many     {n_many / many:8,.0f} visits/s")
    print(f"audit_history  {n_hist / hist:8,.0f} visits/s  ({hist / many:.2f}x the time)")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
