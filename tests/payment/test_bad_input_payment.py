"""Bad input to the payment functions: a typed error naming the value and what is valid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ot_billing_rules.errors import (
    InvalidCodeError,
    InvalidDateError,
    InvalidInputError,
    InvalidModifierError,
    InvalidOptionError,
    InvalidTypeError,
    OTBillingError,
)
from ot_billing_rules.payment import fee, localities, price_lines

ON = "2025-06-02"

CASES: list[tuple[str, Callable[[], Any], type[OTBillingError], str]] = [
    ("on missing", lambda: fee("97110", on=None), InvalidTypeError, "on is required"),  # type: ignore[arg-type]
    ("on malformed", lambda: fee("97110", on="2025-13-01"), InvalidDateError, "2025-13-01"),
    ("on wrong type", lambda: fee("97110", on=20250602), InvalidTypeError, "20250602"),  # type: ignore[arg-type]
    ("code malformed", lambda: fee("9711", on=ON), InvalidCodeError, "'9711'"),
    ("code wrong type", lambda: fee(97110, on=ON), InvalidTypeError, "97110"),  # type: ignore[arg-type]
    ("locality int", lambda: fee("97110", on=ON, locality=10112), InvalidTypeError, "10112"),  # type: ignore[arg-type]
    ("locality unknown", lambda: fee("97110", on=ON, locality="AL"), InvalidOptionError, "'AL'"),
    ("facility str", lambda: fee("97110", on=ON, facility="yes"), InvalidTypeError, "'yes'"),  # type: ignore[arg-type]
    ("qp int", lambda: fee("97110", on=ON, qp=1), InvalidTypeError, "qp must be True or False"),  # type: ignore[arg-type]
    ("claim", lambda: fee("97110", on=ON, claim="paper"), InvalidOptionError, "professional"),
    ("schedule", lambda: fee("97110", on=ON, schedule={}), InvalidTypeError, "FeeSchedule"),  # type: ignore[arg-type]
    ("lines str", lambda: price_lines("97110", on=ON), InvalidTypeError, "list of lines"),
    ("line item", lambda: price_lines([3.5], on=ON), InvalidTypeError, "3.5"),
    ("line token", lambda: price_lines(["97110x:GO"], on=ON), InvalidInputError, "97110x:GO"),
    (
        "two therapy modifiers",
        lambda: price_lines(["97110:GO,GP"], on=ON),
        InvalidModifierError,
        "GO, GP",
    ),
    (
        "discipline",
        lambda: price_lines(["97110"], on=ON, discipline="OTA"),
        InvalidOptionError,
        "'OTA'",
    ),
    (
        "charges length",
        lambda: price_lines(["97110", "97530"], on=ON, charges=["10"]),
        InvalidInputError,
        "1 entries for 2 lines",
    ),
    (
        "charges float",
        lambda: price_lines(["97110"], on=ON, charges=[10.5]),
        InvalidTypeError,
        "10.5",
    ),  # type: ignore[list-item]
    (
        "charges negative",
        lambda: price_lines(["97110"], on=ON, charges=["-1"]),
        InvalidInputError,
        "'-1'",
    ),
    (
        "charges not a list",
        lambda: price_lines(["97110"], on=ON, charges="10"),
        InvalidTypeError,
        "'10'",
    ),  # type: ignore[arg-type]
    (
        "price on missing",
        lambda: price_lines(["97110"], on=None),
        InvalidTypeError,
        "on is required",
    ),  # type: ignore[arg-type]
    ("state", lambda: localities(on=ON, state="ZZ"), InvalidOptionError, "'ZZ'"),
    ("state type", lambda: localities(on=ON, state=1), InvalidTypeError, "two-letter"),  # type: ignore[arg-type]
    ("county empty", lambda: localities(on=ON, county=" "), InvalidInputError, "county"),
    ("localities on missing", lambda: localities(on=None), InvalidTypeError, "on is required"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("name", "call", "error", "names"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(
    name: str, call: Callable[[], Any], error: type[OTBillingError], names: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert names in str(info.value), name
