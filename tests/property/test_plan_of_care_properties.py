"""Properties of the plan-of-care timing functions."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules.findings import Severity
from ot_billing_rules.plan_of_care import (
    PlanOfCare,
    certification_interval_end,
    check_plan_of_care,
    count_treatment_days,
    progress_report_due_by,
)

days = st.dates(min_value=date(2008, 1, 1), max_value=date(2090, 1, 1))
offsets = st.integers(min_value=0, max_value=400)
treatment_dates = st.lists(days, max_size=30)


@st.composite
def plans(draw: st.DrawFn) -> PlanOfCare:
    first = draw(days)
    certified = draw(st.none() | st.integers(0, 60).map(lambda n: first + timedelta(days=n)))
    through = draw(st.none() | st.integers(0, 200).map(lambda n: first + timedelta(days=n)))
    since = draw(st.none() | st.integers(0, 15))
    return PlanOfCare(
        first, certified_on=certified, certified_through=through, treatment_days_since_report=since
    )


DATE_RULES = {"poc.certification_missing", "poc.recertification_due"}


@given(plans(), offsets, offsets)
def test_later_visit_never_clears_a_due_date_finding(plan: PlanOfCare, a: int, b: int) -> None:
    early, late = sorted((a, b))
    first = {f.rule for f in check_plan_of_care(plan, plan.first_treatment + timedelta(early))}
    second = {f.rule for f in check_plan_of_care(plan, plan.first_treatment + timedelta(late))}
    assert (first & DATE_RULES) <= second


@given(plans(), offsets)
def test_more_treatment_days_never_clear_a_progress_finding(plan: PlanOfCare, n: int) -> None:
    on = plan.first_treatment + timedelta(n)
    base = {f.rule for f in check_plan_of_care(plan, on)}
    if plan.treatment_days_since_report is None:
        return
    more = PlanOfCare(
        plan.first_treatment,
        certified_on=plan.certified_on,
        certified_through=plan.certified_through,
        treatment_days_since_report=plan.treatment_days_since_report + 1,
    )
    after = {f.rule for f in check_plan_of_care(more, on)}
    if "poc.progress_report_overdue" in base:
        assert "poc.progress_report_overdue" in after
    # A due reached by treatment days turns overdue; one reached by the 30 calendar days
    # (before 2013) stays due while the day count is below 10.
    if plan.treatment_days_since_report + 1 >= 10:
        assert "poc.progress_report_overdue" in after


@given(plans(), offsets)
def test_findings_well_formed(plan: PlanOfCare, n: int) -> None:
    for f in check_plan_of_care(plan, plan.first_treatment + timedelta(n)):
        assert f.rule.startswith("poc.")
        assert f.source
        assert f.message
        assert f.severity in Severity


@given(days, st.none() | st.integers(0, 400))
def test_interval_never_longer_than_90_days(start: date, extra: int | None) -> None:
    through = None if extra is None else start + timedelta(extra)
    end = certification_interval_end(start, through)
    assert start <= end <= start + timedelta(89)
    if through is not None:
        assert end <= through


@given(treatment_dates, days)
def test_adding_a_treatment_day_never_delays_the_report(dates: list[date], extra: date) -> None:
    before = progress_report_due_by(dates)
    after = progress_report_due_by([*dates, extra])
    if before is not None:
        assert after is not None
        assert after <= before
    assert count_treatment_days([*dates, extra]) >= count_treatment_days(dates)


@given(treatment_dates)
def test_report_due_exactly_on_tenth_distinct_day(dates: list[date]) -> None:
    due = progress_report_due_by(dates)
    distinct = sorted(set(dates))
    if len(distinct) < 10:
        assert due is None
    else:
        assert due == distinct[9]
        assert count_treatment_days([d for d in dates if d <= due]) == 10
