"""The progress-report period of the date of service, applied by check_plan_of_care.

Pub. 100-02 Ch. 15 §220.3.D: before 2013-01-01 a progress report was due "at
least once every 10 treatment days or at least once during each 30 calendar
days, whichever is less" (CMS FAQ 2003, questions.cms.gov, archived
2013-02-14); the manual revision that added functional reporting, effective
2013-01-01, left only the 10 treatment days (APTA News, 2013-01-04, "CMS
Revises Medicare Benefit Policy Manual"). The calendar days count from the day
after the last report (day 1), or from the first treatment day as day 1.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules import audit_visit
from ot_billing_rules.errors import InvalidDateError, InvalidInputError, OTBillingError
from ot_billing_rules.findings import Severity
from ot_billing_rules.plan_of_care import PlanOfCare, check_plan_of_care

PROGRESS = {"poc.progress_report_due", "poc.progress_report_overdue"}


def _progress(plan: PlanOfCare, on: date | str) -> list[tuple[str, Severity]]:
    return [(f.rule, f.severity) for f in check_plan_of_care(plan, on) if f.rule in PROGRESS]


def _plan(last: str | None, since: int | None = 5, first: str = "2012-06-01") -> PlanOfCare:
    return PlanOfCare(
        first,
        certified_on=first,
        certified_through=None,
        treatment_days_since_report=since,
        last_progress_report_on=last,
    )


def test_2012_six_treatment_days_but_31_calendar_days_is_overdue() -> None:
    # Report on 2012-10-01; 2012-11-01 is calendar day 31 and treatment day 6.
    (f,) = [f for f in check_plan_of_care(_plan("2012-10-01"), "2012-11-01") if f.rule in PROGRESS]
    assert (f.rule, f.severity) == ("poc.progress_report_overdue", Severity.ERROR)
    assert "calendar day 31" in f.message
    assert "30 calendar days" in f.message
    assert "2012-10-01" in f.message
    assert "§220.3.D" in f.source
    assert "before 2013-01-01" in f.source


def test_2012_calendar_day_30_is_due_and_29_is_nothing() -> None:
    assert _progress(_plan("2012-10-01"), "2012-10-31") == [
        ("poc.progress_report_due", Severity.WARNING)
    ]
    assert _progress(_plan("2012-10-01"), "2012-10-30") == []


def test_2013_same_gap_is_nothing() -> None:
    plan = _plan("2013-01-02", first="2012-12-01")
    assert _progress(plan, "2013-02-02") == []  # calendar day 31, treatment day 6
    assert _progress(plan, "2013-06-30") == []


def test_no_report_yet_counts_from_the_first_treatment_as_day_1() -> None:
    plan = _plan(None, first="2012-03-01")
    assert _progress(plan, "2012-03-30") == [("poc.progress_report_due", Severity.WARNING)]
    assert _progress(plan, "2012-03-29") == []
    assert _progress(plan, "2012-03-31") == [("poc.progress_report_overdue", Severity.ERROR)]


def test_treatment_days_still_win_when_reached_first() -> None:
    # Treatment day 10 on calendar day 12: the treatment-day wording, as before.
    (f,) = [
        f
        for f in check_plan_of_care(_plan("2012-10-01", since=9), "2012-10-12")
        if f.rule in PROGRESS
    ]
    assert f.rule == "poc.progress_report_due"
    assert "treatment day 10" in f.message
    # Treatment day 10 (due) but calendar day 31 (overdue): the worse one.
    assert _progress(_plan("2012-10-01", since=9), "2012-11-01") == [
        ("poc.progress_report_overdue", Severity.ERROR)
    ]


def test_no_progress_information_checks_nothing() -> None:
    # Neither a count nor a report date: the plan says nothing about progress reports.
    assert _progress(_plan(None, since=None, first="2012-01-02"), "2012-06-01") == []
    # A report date alone is enough for the calendar limit.
    assert _progress(_plan("2012-02-01", since=None, first="2012-01-02"), "2012-06-01") == [
        ("poc.progress_report_overdue", Severity.ERROR)
    ]


def test_through_audit_visit_and_dicts() -> None:
    visit = {
        "date_of_service": "2012-11-01",
        "services": [{"code": "97530", "minutes": 30}],
        "plan_of_care": {
            "first_treatment": "2012-06-01",
            "certified_on": "2012-06-01",
            "interval_start": "2012-10-01",
            "treatment_days_since_report": 5,
            "last_progress_report_on": "2012-10-01",
        },
    }
    report = audit_visit(visit)
    assert "poc.progress_report_overdue" in {f.rule for f in report.findings}
    plan = PlanOfCare.from_dict(visit["plan_of_care"])  # type: ignore[arg-type]
    assert plan.last_progress_report_on == date(2012, 10, 1)
    assert plan.to_dict()["last_progress_report_on"] == "2012-10-01"
    assert PlanOfCare.from_dict(plan.to_dict()) == plan


def test_to_dict_without_the_date_keeps_its_old_shape() -> None:
    assert "last_progress_report_on" not in _plan(None).to_dict()


@pytest.mark.parametrize(
    ("last", "error"),
    [
        ("2012-13-01", InvalidDateError),
        ("2012-05-31", InvalidDateError),  # before first_treatment
        (20121001, OTBillingError),
        ("soon", OTBillingError),
    ],
)
def test_bad_report_date_is_a_typed_error_naming_the_field(last: object, error: type) -> None:
    with pytest.raises(error, match="last_progress_report_on") as info:
        PlanOfCare.from_dict({"first_treatment": "2012-06-01", "last_progress_report_on": last})
    assert isinstance(info.value, OTBillingError)


def test_report_after_the_date_of_service_is_a_typed_error() -> None:
    with pytest.raises(InvalidDateError, match=r"last_progress_report_on=2012-10-05.*2012-10-04"):
        check_plan_of_care(_plan("2012-10-05"), "2012-10-04")
    # The same holds from 2013: the date is bad input whatever the rule.
    with pytest.raises(InvalidDateError, match="after the date of service"):
        check_plan_of_care(_plan("2014-10-05"), "2014-10-04")


def test_unknown_key_still_refused_naming_the_new_one_as_valid() -> None:
    with pytest.raises(InvalidInputError, match="last_progress_report_on"):
        PlanOfCare.from_dict({"first_treatment": "2012-06-01", "last_report": "2012-07-01"})


# -- properties ---------------------------------------------------------------------------

_RANK = {None: 0, "poc.progress_report_due": 1, "poc.progress_report_overdue": 2}


def _level(plan: PlanOfCare, on: date) -> int:
    rules = [r for r, _ in _progress(plan, on)]
    assert len(rules) <= 1  # one progress finding at most
    return _RANK[rules[0] if rules else None]


@st.composite
def _cases(draw: st.DrawFn, lo: date, hi: date) -> tuple[PlanOfCare, date, date | None]:
    first = draw(st.dates(min_value=lo - timedelta(days=200), max_value=hi))
    on = draw(st.dates(min_value=max(first, lo), max_value=hi + timedelta(days=200)))
    report = draw(st.none() | st.dates(min_value=first, max_value=on))
    plan = PlanOfCare(
        first,
        certified_on=first,
        treatment_days_since_report=draw(st.none() | st.integers(0, 14)),
    )
    return plan, on, report


@given(_cases(date(2013, 1, 1), date(2030, 1, 1)))
def test_from_2013_the_report_date_changes_no_finding(
    case: tuple[PlanOfCare, date, date | None],
) -> None:
    plan, on, report = case
    with_date = PlanOfCare.from_dict({**plan.to_dict(), "last_progress_report_on": report})
    assert check_plan_of_care(with_date, on) == check_plan_of_care(plan, on)


@given(_cases(date(2008, 1, 1), date(2012, 12, 31)), st.integers(1, 60))
def test_before_2013_more_calendar_days_never_clear_a_due_finding(
    case: tuple[PlanOfCare, date, date | None], extra: int
) -> None:
    plan, on, report = case
    if on > date(2012, 12, 31):
        on = date(2012, 12, 31)
    if report is not None and report > on:
        report = on
    base = PlanOfCare.from_dict({**plan.to_dict(), "last_progress_report_on": report})
    earlier = None if report is None else max(report - timedelta(extra), plan.first_treatment)
    older = PlanOfCare.from_dict({**plan.to_dict(), "last_progress_report_on": earlier})
    later_visit = min(on + timedelta(extra), date(2012, 12, 31))
    # An older report, or a later visit with the same treatment-day count: more calendar days.
    assert _level(older, on) >= _level(base, on)
    assert _level(base, later_visit) >= _level(base, on)
