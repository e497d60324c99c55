"""Medicare plan-of-care timing: boundary dates for days 10, 30 and 90."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from dateutil.rrule import FR, MO, WE, WEEKLY, rrule

from ot_billing_rules import errors
from ot_billing_rules.plan_of_care import (
    PlanOfCare,
    certification_deadline,
    certification_interval_end,
    check_plan_of_care,
    count_treatment_days,
    progress_report_due_by,
)

START = date(2024, 1, 8)  # a Monday


def rules(plan: PlanOfCare, on: date) -> list[str]:
    return [f.rule for f in check_plan_of_care(plan, on)]


# --- initial certification: "within the 30 days following the first day" (§220.1.3.B)


def test_certification_day_30_is_timely_day_31_is_late() -> None:
    deadline = START + relativedelta(days=+30)
    assert certification_deadline(START) == deadline == date(2024, 2, 7)
    on_time = PlanOfCare(START, certified_on=deadline)
    late = PlanOfCare(START, certified_on=deadline + relativedelta(days=+1))
    assert rules(on_time, START) == []
    assert rules(late, START) == ["poc.certification_late"]


def test_uncertified_pending_then_missing() -> None:
    plan = PlanOfCare(START)
    assert rules(plan, START + relativedelta(days=+30)) == ["poc.certification_pending"]
    assert rules(plan, START + relativedelta(days=+31)) == ["poc.certification_missing"]


# --- certification interval: 90 calendar days counting the first treatment as day 1


def test_day_90_covered_day_91_needs_recertification() -> None:
    plan = PlanOfCare(START, certified_on=START)
    day90 = START + relativedelta(days=+89)
    assert plan.interval_end == day90 == date(2024, 4, 6)
    assert rules(plan, day90) == []
    assert rules(plan, day90 + relativedelta(days=+1)) == ["poc.recertification_due"]


def test_shorter_stated_duration_wins() -> None:
    through = START + relativedelta(weeks=+6)
    plan = PlanOfCare(START, certified_on=START, certified_through=through)
    assert rules(plan, through) == []
    assert rules(plan, through + relativedelta(days=+1)) == ["poc.recertification_due"]
    longer = PlanOfCare(
        START, certified_on=START, certified_through=START + relativedelta(months=+6)
    )
    assert longer.interval_end == START + relativedelta(days=+89)


def test_recertification_interval_skips_initial_window() -> None:
    recert_start = START + relativedelta(days=+90)
    plan = PlanOfCare(START, certified_on=recert_start, interval_start=recert_start)
    assert plan.is_recertification
    assert rules(plan, recert_start + relativedelta(days=+89)) == []
    assert rules(plan, recert_start + relativedelta(days=+90)) == ["poc.recertification_due"]


def test_pre_2008_certifications_last_30_days() -> None:
    assert certification_interval_end("2007-06-01", certified_on="2007-06-01") == date(2007, 6, 30)
    assert certification_interval_end("2008-01-02", certified_on="2008-01-02") == date(2008, 3, 31)


# --- progress report: at least every 10 treatment days (§220.3.D)


@pytest.mark.parametrize(
    ("before", "expected"),
    [(0, []), (8, []), (9, ["poc.progress_report_due"]), (10, ["poc.progress_report_overdue"])],
)
def test_progress_report_day_10(before: int, expected: list[str]) -> None:
    plan = PlanOfCare(START, certified_on=START, treatment_days_since_report=before)
    assert rules(plan, START + relativedelta(weeks=+3)) == expected


def test_progress_report_due_by_with_rrule_schedule() -> None:
    # Three visits a week from the first day of the episode (evaluation day).
    visits = list(rrule(WEEKLY, byweekday=(MO, WE, FR), dtstart=START, count=14))
    assert progress_report_due_by(visits[:9]) is None
    assert progress_report_due_by(visits) == visits[9].date() == date(2024, 1, 29)
    # A report written on treatment day 6 starts a new period the next treatment day.
    assert progress_report_due_by(visits, last_report=visits[5]) is None
    assert progress_report_due_by(visits + [date(2024, 2, 5)] * 3, last_report=visits[5]) is None
    assert count_treatment_days(visits, after=visits[5]) == 8


def test_same_day_sessions_are_one_treatment_day() -> None:
    days = [START] * 5 + [START + relativedelta(days=+1)]
    assert count_treatment_days(days) == 2


def test_before_episode_is_an_error_finding() -> None:
    plan = PlanOfCare(START, certified_on=START)
    (f,) = check_plan_of_care(plan, START - relativedelta(days=+1))
    assert f.rule == "poc.before_episode"
    assert f.severity.value == "error"


def test_findings_cite_the_manual() -> None:
    plan = PlanOfCare(START, treatment_days_since_report=12)
    found = check_plan_of_care(plan, START + relativedelta(days=+120))
    assert {f.rule for f in found} == {
        "poc.certification_missing",
        "poc.recertification_due",
        "poc.progress_report_overdue",
    }
    assert all("Ch. 15 §220" in f.source for f in found)
    assert [f.severity.value for f in found] == ["error"] * 3


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"first_treatment": "2024-02-30"}, errors.InvalidDateError),
        ({"first_treatment": None}, errors.InvalidInputError),
        ({"first_treatment": START, "certified_through": "2024-01-01"}, errors.InvalidDateError),
        ({"first_treatment": START, "interval_start": "2024-01-01"}, errors.InvalidDateError),
        ({"first_treatment": START, "treatment_days_since_report": -1}, errors.InvalidInputError),
        ({"first_treatment": START, "treatment_days_since_report": 2.0}, errors.InvalidTypeError),
    ],
)
def test_bad_plans(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        PlanOfCare(**kwargs)  # type: ignore[arg-type]


def test_from_dict_strict_and_round_trip() -> None:
    plan = PlanOfCare(START, certified_on="2024-01-10", treatment_days_since_report=3)
    assert PlanOfCare.from_dict(plan.to_dict()) == plan
    with pytest.raises(errors.InvalidInputError, match="'signed'"):
        PlanOfCare.from_dict({"first_treatment": "2024-01-08", "signed": "2024-01-09"})
    with pytest.raises(errors.InvalidInputError, match="first_treatment"):
        PlanOfCare.from_dict({"certified_on": "2024-01-09"})


def test_single_date_is_not_a_list() -> None:
    with pytest.raises(errors.InvalidTypeError):
        count_treatment_days("2024-01-08")


def test_pickle() -> None:
    plan = PlanOfCare(START, certified_on=START, treatment_days_since_report=9)
    assert pickle.loads(pickle.dumps(plan)) == plan
    found = check_plan_of_care(plan, START)
    assert pickle.loads(pickle.dumps(found)) == found
