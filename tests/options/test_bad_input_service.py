"""Bad input at a service boundary: paths on errors, every problem at once, unknown
keys, JSON money, and bad options/edits — each a typed error naming the value."""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import AuditOptions, ValidationErrors, Visit, audit_visit
from ot_billing_rules.errors import (
    DuplicateCodeError,
    InvalidInputError,
    InvalidMinutesError,
    InvalidOptionError,
    InvalidTypeError,
    OTBillingError,
)


def visit(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "date_of_service": "2024-07-01",
        "services": [{"code": "97530", "minutes": 30}, {"code": "97110", "minutes": 15}],
    }
    return base | changes


@pytest.mark.parametrize(
    ("data", "error", "path"),
    [
        (
            visit(services=[{"code": "97530", "minutes": 30}, {"code": "97110", "minutes": -5}]),
            InvalidMinutesError,
            "services[1].minutes",
        ),
        (
            visit(services=[{"code": "97530", "minutes": 30.5}]),
            InvalidTypeError,
            "services[0].minutes",
        ),
        (
            visit(services=[{"code": "97530", "minutes": 5, "assistant_minutes": 9}]),
            InvalidMinutesError,
            "services[0].assistant_minutes",
        ),
        (
            visit(services=[{"code": "97530", "minutes": 5, "x": 1}]),
            InvalidInputError,
            "services[0].x",
        ),
        (
            visit(services=[{"code": "97530", "minutes": 5}, {"code": "97530", "minutes": 5}]),
            DuplicateCodeError,
            "services[1].code",
        ),
        (visit(setting="home"), InvalidOptionError, "setting"),
        (visit(copay=20), InvalidInputError, "copay"),
        (visit(ytd_allowed=0.1 + 0.2), InvalidTypeError, "ytd_allowed"),
        (visit(facility=True, place_of_service="11"), InvalidInputError, "facility"),
    ],
)
def test_the_first_error_names_its_path(data: dict[str, Any], error: type, path: str) -> None:
    with pytest.raises(error) as info:
        Visit.from_dict(data)
    assert info.value.path == path


def test_collect_reports_every_problem_in_input_order() -> None:
    data = {
        "date_of_service": "2024-07-01",
        "services": [
            {"code": "97530", "minutes": 30},
            {"code": "97110", "minutes": -5, "note": "x"},
            {"code": "97530"},
            5,
        ],
        "setting": "home",
        "ytd_allowed": 0.333,
        "copay": 3,
    }
    with pytest.raises(ValidationErrors) as info:
        Visit.from_dict(data, collect=True)
    exc = info.value
    assert [e.path for e in exc.errors] == [
        "services[1].minutes",
        "services[1].note",
        "services[2].code",
        "services[3]",
        "setting",
        "ytd_allowed",
        "copay",
    ]
    assert [type(e) for e in exc.errors] == [
        InvalidMinutesError,
        InvalidInputError,
        DuplicateCodeError,
        InvalidTypeError,
        InvalidOptionError,
        InvalidTypeError,
        InvalidInputError,
    ]
    assert isinstance(exc, ValueError)
    assert isinstance(exc, OTBillingError)
    assert "services[1].minutes: minutes=-5" in str(exc)
    assert exc.to_list()[0] == {
        "path": "services[1].minutes",
        "type": "InvalidMinutesError",
        "field": "minutes",
        "message": "minutes=-5 is below the minimum 0",
    }
    again = pickle.loads(pickle.dumps(exc))
    assert [e.path for e in again.errors] == [e.path for e in exc.errors]


def test_collect_on_one_problem_still_raises_the_list() -> None:
    with pytest.raises(ValidationErrors) as info:
        Visit.from_dict(visit(discipline="OTA"), collect=True)
    assert [(e.path, type(e)) for e in info.value.errors] == [("discipline", InvalidOptionError)]


def test_collect_on_cross_field_problems() -> None:
    minutes = [{"code": "97530", "minutes": 1000}, {"code": "97110", "minutes": 500}]
    with pytest.raises(ValidationErrors) as info:
        Visit.from_dict(visit(services=minutes), collect=True)
    assert [(e.path, type(e)) for e in info.value.errors] == [("services", InvalidMinutesError)]


def test_a_valid_visit_is_the_same_with_collect() -> None:
    assert Visit.from_dict(visit(), collect=True) == Visit.from_dict(visit())


def test_extra_ignore_drops_unknown_keys_and_error_refuses_them() -> None:
    data = visit(copay=20, services=[{"code": "97530", "minutes": 30, "note": "n"}])
    with pytest.raises(InvalidInputError, match="copay"):
        Visit.from_dict(data)
    kept = Visit.from_dict(data, extra="ignore")
    assert kept == Visit.from_dict(visit(services=[{"code": "97530", "minutes": 30}]))
    # A known key with a bad value is still refused.
    with pytest.raises(InvalidOptionError):
        Visit.from_dict(visit(copay=20, setting="home"), extra="ignore")


@pytest.mark.parametrize("extra", ["allow", None, True])
def test_extra_must_be_ignore_or_error(extra: Any) -> None:
    with pytest.raises(InvalidOptionError, match="extra="):
        Visit.from_dict(visit(), extra=extra)


def test_collect_must_be_a_bool() -> None:
    with pytest.raises(InvalidTypeError, match="collect"):
        Visit.from_dict(visit(), collect="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(2290.5, "2290.50"), (100.0, "100.00"), (0.07, "0.07"), (12.25, "12.25"), (-0.0, "0.00")],
)
def test_json_money_of_whole_cents_is_accepted_exactly(amount: float, expected: str) -> None:
    v = Visit.from_dict(visit(ytd_allowed=amount, visit_allowed=amount))
    assert v.ytd_allowed == v.visit_allowed == Decimal(expected)
    service = Visit.from_dict(visit(services=[{"code": "97530", "minutes": 30, "charge": amount}]))
    assert service.services[0].charge == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (0.1 + 0.2, InvalidTypeError),
        (2290.505, InvalidTypeError),
        (1e-7, InvalidTypeError),
        (float("nan"), InvalidTypeError),
        (float("inf"), InvalidTypeError),
        (1e300, InvalidInputError),
        (-1.5, InvalidInputError),
    ],
)
def test_json_money_that_is_not_whole_cents_is_refused(amount: float, error: type) -> None:
    with pytest.raises(error, match="ytd_allowed"):
        Visit.from_dict(visit(ytd_allowed=amount))


@given(st.integers(min_value=0, max_value=1_000_000_000))
def test_every_cent_amount_sent_as_a_json_number_reads_exactly(cents: int) -> None:
    # What json.loads gives for "12.34" is float(12.34): read it back exactly.
    sent = cents / 100
    v = Visit.from_dict(visit(ytd_allowed=sent))
    assert v.ytd_allowed == Decimal(cents) / 100


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"tie_break": "random"}, InvalidOptionError, "random"),
        ({"tie": "code"}, InvalidInputError, "'tie'"),
        ({"prefer": "97110"}, InvalidTypeError, "prefer"),
        ({"prefer": ["9711"]}, ob.InvalidCodeError, "9711"),
        ({"bypass": "column1"}, InvalidOptionError, "column1"),
        ({"bypass_modifier": "25"}, InvalidOptionError, "25"),
        ({"bypass_modifier": 59}, InvalidTypeError, "59"),
        ({"hour_rule": "half"}, InvalidOptionError, "half"),
        ({"assistant_policy": {"both": "x"}}, InvalidInputError, "'both'"),
        ({"assistant_policy": "strict"}, InvalidTypeError, "strict"),
        ("tie_break=code", InvalidTypeError, "options"),
    ],
)
def test_bad_options_are_typed_errors(options: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        audit_visit(visit(), options=options)


def test_bad_options_fail_before_any_visit_in_a_batch() -> None:
    with pytest.raises(InvalidOptionError):
        ob.audit_many([visit()], options={"tie_break": "random"})
    with pytest.raises(InvalidOptionError):
        ob.audit_history([visit()], options={"tie_break": "random"})


@pytest.mark.parametrize("edits", ["bundled", {"release": "x"}, 3])
def test_edits_must_be_edit_data(edits: Any) -> None:
    with pytest.raises(InvalidTypeError, match="edits must be an EditSet"):
        audit_visit(visit(), edits=edits)
    with pytest.raises(InvalidTypeError, match="edits must be an EditSet"):
        ob.audit_many([visit()], edits=edits)
    with pytest.raises(InvalidTypeError, match="edits must be an EditSet"):
        ob.audit_history([visit()], edits=edits)


def test_audit_options_from_dict_refuses_a_non_mapping() -> None:
    with pytest.raises(InvalidTypeError, match="options must be a mapping"):
        AuditOptions.from_dict(["code"])  # type: ignore[arg-type]
