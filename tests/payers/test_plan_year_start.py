"""Benefit-year visit limits start on the member's plan year (Visit.plan_year_start)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from ot_billing_rules import Visit, audit_history, audit_visit, errors

# Ohio Medicaid: 30 visits per discipline per benefit year, prior authorization beyond.
_OH = {"payer": "medicaid-oh", "state": "OH", "patient_birth_date": "1990-01-01"}
_SVC = [{"code": "97530", "minutes": 30}]


def _limit(report: Any) -> list[str]:
    return [f.message for f in report.findings if f.rule == "payer.visit_limit"]


def test_the_single_visit_period_starts_on_the_plan_year() -> None:
    visit = {**_OH, "date_of_service": "2024-03-01", "services": _SVC, "visits_this_period": 30}
    [msg] = _limit(audit_visit({**visit, "plan_year_start": "2023-10-01"}))
    assert "the period starting 2023-10-01" in msg
    assert "plan_year_start not given" not in msg


def test_without_a_plan_year_the_assumed_start_is_said() -> None:
    visit = {**_OH, "date_of_service": "2024-03-01", "services": _SVC, "visits_this_period": 30}
    [msg] = _limit(audit_visit(visit))
    assert "plan_year_start not given" in msg
    assert "2024-01-01" in msg


def _weekly(n: int, first: date, **kw: Any) -> list[dict[str, Any]]:
    return [
        {
            **_OH,
            "patient_id": "p",
            "visit_id": f"v{i + 1:02d}",
            "date_of_service": (first + timedelta(days=3 * i)).isoformat(),
            "services": _SVC,
            **kw,
        }
        for i in range(n)
    ]


def test_history_counts_from_the_plan_year() -> None:
    # 31 visits every 3 days from 2023-11-01: inside one Oct-Sep plan year (the
    # 31st is flagged), but across two calendar years (none reaches 31 in either).
    first = date(2023, 11, 1)
    flagged = [
        r.visit_id
        for r in audit_history(_weekly(31, first, plan_year_start="2023-10-01"))
        if _limit(r.report)
    ]
    assert flagged == ["v31"]
    assert not [r for r in audit_history(_weekly(31, first)) if _limit(r.report)]


def test_plan_year_start_round_trips() -> None:
    v = Visit.from_dict(
        {"date_of_service": "2024-03-01", "services": _SVC, "plan_year_start": "2023-10-01"}
    )
    assert v.plan_year_start == date(2023, 10, 1)
    assert Visit.from_dict(v.to_dict()) == v
    assert (
        "plan_year_start"
        not in Visit.from_dict({"date_of_service": "2024-03-01", "services": _SVC}).to_dict()
    )


@pytest.mark.parametrize("bad", ["soon", 20231001, "2023-13-01"])
def test_bad_plan_year_start(bad: object) -> None:
    with pytest.raises(errors.OTBillingError, match="plan_year_start"):
        Visit.from_dict({"date_of_service": "2024-03-01", "services": _SVC, "plan_year_start": bad})


def test_adults_born_before_1990_are_accepted() -> None:
    import ot_billing_rules as ob

    visit = ob.Visit.from_dict(
        {
            "date_of_service": "2024-03-01",
            "patient_birth_date": "1950-05-17",
            "services": [{"code": "97530", "minutes": 30}],
        }
    )
    assert visit.patient_birth_date is not None
    assert visit.patient_birth_date.year == 1950
    with pytest.raises(ob.InvalidDateError, match="1900-01-01"):
        ob.Visit.from_dict(
            {
                "date_of_service": "2024-03-01",
                "patient_birth_date": "1899-12-31",
                "services": [{"code": "97530", "minutes": 30}],
            }
        )
