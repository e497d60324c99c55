"""Bad input on compute_units' fast path raises the full path's typed error (issue 17).

The fast path reads the minutes once and leaves every error to the full path;
these are the inputs whose error depends on the order the codes are read in.
"""

from __future__ import annotations

from typing import Any

import pytest

from _matrix import case
from ot_billing_rules import compute_units
from ot_billing_rules.errors import DuplicateCodeError, OTBillingError, UnknownCodeError

DOS = "2024-07-01"

CASES = [
    # Two spellings of one code, minutes of different types (None and int): a duplicate,
    # never a comparison of None with an int.
    case(
        "untimed_twice_none_and_int",
        compute_units,
        {"97165": None, " 97165": 5},
        on=DOS,
        exc=DuplicateCodeError,
        match="names 97165 twice",
    ),
    case(
        "untimed_twice_int_and_none",
        compute_units,
        {"97165": 5, "97165 ": None},
        on=DOS,
        exc=DuplicateCodeError,
        match="names 97165 twice",
    ),
    case(
        "timed_twice_same_minutes",
        compute_units,
        {"97110": 8, " 97110": 8, "97140": 8},
        on=DOS,
        exc=DuplicateCodeError,
        match="names 97110 twice",
    ),
    # The duplicate comes before the unknown code, so it is the error.
    case(
        "duplicate_before_unknown_code",
        compute_units,
        {"97110": 8, "97110 ": 9, "99999": 8},
        on=DOS,
        exc=DuplicateCodeError,
        match="names 97110 twice",
    ),
    case(
        "unknown_code_before_duplicate",
        compute_units,
        {"99999": 8, "97110": 8, "97110 ": 9},
        on=DOS,
        exc=UnknownCodeError,
        match="99999",
    ),
]


@pytest.mark.parametrize(("fn", "args", "kwargs", "exc", "match"), CASES)
def test_fast_path_bad_input_raises_typed_error(
    fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kwargs)
    assert type(info.value) is exc
    assert isinstance(info.value, OTBillingError)
