"""The progress-report period by date of service.

Before 2013-01-01 Pub. 100-02 Ch. 15 §220.3.D asked for a progress report at
least once every 10 treatment days or once during each 30 calendar days,
whichever is less (CMS FAQ 2003, questions.cms.gov, archived 2013-02-14);
the manual revision that added functional reporting, effective 2013-01-01,
left only the 10 treatment days (APTA News, 2013-01-04, "CMS Revises
Medicare Benefit Policy Manual").
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules.errors import InvalidDateError, OTBillingError
from ot_billing_rules.plan_of_care import (
    THIRTY_DAY_PROGRESS_UNTIL,
    ProgressReportRule,
    progress_report_rule,
)


def test_thirty_day_alternative_until_the_end_of_2012() -> None:
    rule = progress_report_rule("2012-12-31")
    assert (rule.treatment_days, rule.calendar_days) == (10, 30)
    assert "30 calendar days, whichever is less" in rule.source
    assert "CMS FAQ 2003" in rule.source


def test_ten_treatment_days_only_from_2013() -> None:
    rule = progress_report_rule(date(2013, 1, 1))
    assert (rule.treatment_days, rule.calendar_days) == (10, None)
    assert "§220.3.D" in rule.source
    assert "2013-01-01" in rule.source


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
def test_the_calendar_limit_exists_exactly_before_2013(day: date) -> None:
    rule = progress_report_rule(day)
    assert isinstance(rule, ProgressReportRule)
    assert rule.treatment_days == 10
    assert (rule.calendar_days == 30) == (day <= THIRTY_DAY_PROGRESS_UNTIL)


@pytest.mark.parametrize("bad", ["2013-13-01", "yesterday", 20130101, None])
def test_bad_date_is_a_typed_error_naming_the_field(bad: object) -> None:
    with pytest.raises(OTBillingError, match="on"):
        progress_report_rule(bad)  # type: ignore[arg-type]


def test_bad_date_string_is_an_invalid_date_error() -> None:
    with pytest.raises(InvalidDateError):
        progress_report_rule("2013-02-30")
