"""Bad input to the telehealth API and to a telehealth visit: typed errors naming
the value and what is valid."""

from __future__ import annotations

import pytest

from ot_billing_rules import Visit, on_telehealth_list, telehealth_window
from ot_billing_rules.errors import (
    InvalidDateError,
    InvalidOptionError,
    InvalidTypeError,
    OTBillingError,
)
from ot_billing_rules.place_of_service import facility_rate
from ot_billing_rules.telehealth import pos_facility_rate


def test_telehealth_pos_has_no_rate_without_a_date() -> None:
    with pytest.raises(InvalidOptionError, match="depends on the date of service"):
        facility_rate("02")


def test_a_non_telehealth_pos_is_refused_by_the_dated_rate() -> None:
    with pytest.raises(
        InvalidOptionError, match="'11' is not a telehealth POS code; valid: 02, 10"
    ):
        pos_facility_rate("11", "2024-01-01")


def test_a_code_that_is_not_a_string_is_a_type_error() -> None:
    with pytest.raises(InvalidTypeError, match="code must be a string"):
        on_telehealth_list(97110, "2024-01-01")  # type: ignore[arg-type]


@pytest.mark.parametrize("day", ["2024-13-01", "yesterday"])
def test_a_bad_date_is_a_typed_error(day: str) -> None:
    with pytest.raises(InvalidDateError):
        telehealth_window(day)


def test_an_unknown_pos_still_lists_the_telehealth_codes() -> None:
    with pytest.raises(InvalidOptionError) as info:
        Visit("2024-06-03", [{"code": "97110", "minutes": 30}], place_of_service="07")
    assert isinstance(info.value, OTBillingError)
    assert "02" in info.value.valid
    assert "10" in info.value.valid
