"""Issue 14: visits/s of ``audit_history`` next to ``audit_many`` on one claim year.

``python benchmarks/history.py [PATIENTS]`` (default 1,000) builds the
synthetic year of :func:`ot_billing_rules._history_synthetic.synthetic_year`
(an evaluation, a certified plan, two or three visits a week, some split
days, progress reports, amounts that cross KX), converts it to ``Visit``
values once, and times, in one process:

- ``audit_many`` on the visits as given: no year-to-date amount and no plan,
  so the KX and plan-of-care checks are skipped (``kx.not_checked``);
- ``audit_many`` on the same visits with the state the history fills in
  (``ytd_allowed``, ``plan_of_care`` from the history's reports): the same
  rules as the history, without it — the fair comparison;
- ``audit_history`` on the shuffled year (every result is held until the
  input ends: the output follows input order);
- ``audit_history(presorted=True)`` on the year sorted by patient and date
  (streams, holding one patient's visits).

Goal: ``audit_history`` within 1.3x of ``audit_many``.
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
    filled = [r.report.visit for r in ob.audit_history(visits) if r.report is not None]
    t0 = time.perf_counter()
    n_filled = sum(1 for _ in ob.audit_many(filled, errors="collect"))
    same = time.perf_counter() - t0
    ordered = sorted(visits, key=lambda v: (v.patient_id or "", v.date_of_service))
    t0 = time.perf_counter()
    n_sorted = sum(1 for _ in ob.audit_history(ordered, errors="collect", presorted=True))
    streamed = time.perf_counter() - t0
    assert n_many == n_hist == n_filled == n_sorted == len(visits)
    print(f"{len(visits):,} visits of {patients:,} patients")
    print(f"audit_many, visits as given       {n_many / many:8,.0f} visits/s")
    print(f"audit_many, history state filled  {n_filled / same:8,.0f} visits/s")
    print(
        f"audit_history                     {n_hist / hist:8,.0f} visits/s  "
        f"({hist / many:.2f}x / {hist / same:.2f}x the time)"
    )
    print(
        f"audit_history, presorted=True     {n_sorted / streamed:8,.0f} visits/s  "
        f"({streamed / many:.2f}x / {streamed / same:.2f}x the time)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
