"""Pickles written before ``Visit`` and ``PlanOfCare`` moved to a slotted base still load.

``plan_and_visit_before_slotted_base.pkl`` was written by the package at
commit 6f55a57 (attrs' own pickling of both classes): a ``PlanOfCare`` and a
``Visit`` holding one. It is read in a fresh interpreter, as a program
loading a saved result would.
"""

from __future__ import annotations

from pathlib import Path

from tests._fresh import run_script

OLD = Path(__file__).parent / "fixtures" / "pickles" / "plan_and_visit_before_slotted_base.pkl"

READER = """
import json, pickle, sys
import ot_billing_rules as ob
plan, visit = pickle.loads(open(sys.argv[1], "rb").read())
want_plan = ob.PlanOfCare("2024-06-03", certified_on="2024-06-05")
want_visit = ob.Visit.from_dict({
    "date_of_service": "2024-07-01",
    "services": [{"code": "97110", "minutes": 20}],
    "plan_of_care": {"first_treatment": "2024-06-03"},
})
again = pickle.loads(pickle.dumps((plan, visit)))
print(json.dumps({
    "plan": plan == want_plan and hash(plan) == hash(want_plan),
    "visit": visit == want_visit,
    "types": [type(plan).__name__, type(visit).__name__],
    "round_trip": again == (want_plan, want_visit),
}))
"""


def test_pickles_from_before_the_slotted_base_load(tmp_path: Path) -> None:
    out = run_script(tmp_path, READER, str(OLD))
    assert out == {
        "plan": True,
        "visit": True,
        "types": ["PlanOfCare", "Visit"],
        "round_trip": True,
    }
