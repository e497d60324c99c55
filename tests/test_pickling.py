"""Every exception and value type survives pickling and compares equal."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

import ot_billing_rules as ob
from ot_billing_rules import errors


def _raise(fn: object, *args: object, **kwargs: object) -> BaseException:
    try:
        fn(*args, **kwargs)  # type: ignore[operator]
    except ob.OTBillingError as exc:
        return exc
    raise AssertionError("expected an error")


@pytest.mark.parametrize(
    "exc",
    [
        _raise(ob.lookup, "97531"),
        _raise(ob.lookup, "97003", on="2017-01-01"),
        _raise(ob.lookup, "97165", on="2016-01-01"),
        _raise(ob.normalize_code, "9711"),
        _raise(ob.lookup, "97530", on="2024-13-40"),
        _raise(ob.lookup, "97530", on=12),
        _raise(ob.codes, category="nope"),
        errors.DataFileError("bad indicator 'x'", path="ccipra.txt", line=7),
        errors.InvalidMinutesError("minutes=-1 is below 0", value=-1, field="minutes"),
        errors.DuplicateCodeError("97110 twice", value="97110", field="minutes"),
        errors.InvalidModifierError("modifier 'G' ...", value="G", field="modifiers"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_exceptions_pickle_equal(exc: BaseException) -> None:
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc)
    assert again == exc
    assert str(again) == str(exc)
    assert again.__dict__ == exc.__dict__


def test_exceptions_with_different_details_differ() -> None:
    a = errors.DataFileError("bad", path="a.txt", line=1)
    b = errors.DataFileError("bad", path="a.txt", line=2)
    assert a != b


@pytest.mark.parametrize(
    "value",
    [
        ob.lookup("97530", on=date(2024, 7, 1)),
        ob.get("97003"),
        ob.Finding("ncci.ptp", "error", ("97150", "97530"), "denied", "use 59", "NCCI"),
        ob.ServiceLine("97530", 2, ("59",)),
        ob.ClaimLine("97110", 2, ("GO", "CO"), minutes=30),
        ob.data_version(),
    ],
    ids=lambda v: type(v).__name__,
)
def test_values_pickle_equal(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
