"""The CY2025 order exception to initial certification (CY2025 Medicare PFS
final rule, 42 CFR 424.24(c); MBPM Ch. 15 §220.1.3): from 2025-01-01 a signed
and dated order and the plan of care sent to the physician/NPP within 30 days
of the first treatment satisfy the initial certification."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ot_billing_rules as ob


def _rules(plan: ob.PlanOfCare, on: str) -> list[str]:
    return [f.rule for f in ob.check_plan_of_care(plan, on=on)]


def test_2025_order_and_plan_sent_within_30_days_certifies() -> None:
    plan = ob.PlanOfCare(
        "2025-03-03", order_signed_on="2025-02-20", sent_to_physician_on="2025-04-02"
    )
    assert _rules(plan, "2025-04-15") == ["poc.certified_by_order"]


def test_plan_sent_after_30_days_is_not_enough() -> None:
    plan = ob.PlanOfCare(
        "2025-03-03", order_signed_on="2025-02-20", sent_to_physician_on="2025-04-03"
    )
    assert _rules(plan, "2025-04-15") == ["poc.certification_missing"]


def test_before_2025_the_order_does_not_certify() -> None:
    plan = ob.PlanOfCare(
        "2024-10-01", order_signed_on="2024-09-20", sent_to_physician_on="2024-10-05"
    )
    assert _rules(plan, "2024-11-15") == ["poc.certification_missing"]


def test_order_without_sending_is_not_enough() -> None:
    plan = ob.PlanOfCare("2025-03-03", order_signed_on="2025-02-20")
    assert _rules(plan, "2025-04-15") == ["poc.certification_missing"]


def test_late_signature_is_covered_by_the_order() -> None:
    plan = ob.PlanOfCare(
        "2025-03-03",
        certified_on="2025-05-01",
        order_signed_on="2025-02-20",
        sent_to_physician_on="2025-03-10",
    )
    assert _rules(plan, "2025-05-02") == ["poc.certified_by_order"]


def test_round_trip_and_bad_input() -> None:
    plan = ob.PlanOfCare(
        "2025-03-03", order_signed_on="2025-02-20", sent_to_physician_on="2025-03-10"
    )
    assert ob.PlanOfCare.from_dict(plan.to_dict()) == plan
    assert "order_signed_on" not in ob.PlanOfCare("2025-03-03").to_dict()
    with pytest.raises(ob.OTBillingError, match="sent_to_physician_on"):
        ob.PlanOfCare("2025-03-03", sent_to_physician_on="not a date")


def test_pickles_in_a_fresh_process() -> None:
    code = (
        "import pickle, ot_billing_rules as ob;"
        "p = ob.PlanOfCare('2025-03-03', order_signed_on='2025-02-20',"
        " sent_to_physician_on='2025-03-10');"
        "q = pickle.loads(pickle.dumps(p));"
        "print(q == p, [f.rule for f in ob.check_plan_of_care(q, on='2025-04-15')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True ['poc.certified_by_order']"
