"""Visit.locality / facility / place_of_service: validation, POS -> rate, round trips."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules import Visit
from ot_billing_rules.errors import (
    DataFileError,
    InvalidInputError,
    InvalidOptionError,
    InvalidTypeError,
)
from ot_billing_rules.place_of_service import FACILITY_RATE, POS_NAMES, facility_rate
from ot_billing_rules.readers import visits_from_rows

BASE = {"date_of_service": "2025-06-02", "services": [{"code": "97530", "minutes": 30}]}


@pytest.mark.parametrize(
    ("pos", "facility"),
    # Pub. 100-04 Ch. 12 §20.4.2: office/home non-facility; outpatient hospital
    # (on and off campus), inpatient hospital and SNF Part A facility.
    [("11", False), ("12", False), ("32", False), ("22", True), ("19", True), ("21", True),
     ("31", True)],
)  # fmt: skip
def test_pos_sets_the_rate(pos: str, facility: bool) -> None:
    visit = Visit.from_dict({**BASE, "place_of_service": pos})
    assert visit.facility is None
    assert visit.facility_rate is facility
    assert facility_rate(pos) is facility


def test_explicit_facility_wins_when_no_pos() -> None:
    assert Visit.from_dict({**BASE, "facility": True}).facility_rate is True
    assert Visit.from_dict(BASE).facility_rate is None


def test_fields_round_trip_and_pickle() -> None:
    data = {**BASE, "locality": "10112-00", "facility": False, "place_of_service": "11"}
    visit = Visit.from_dict(data)
    out = visit.to_dict()
    assert (out["locality"], out["facility"], out["place_of_service"]) == ("10112-00", False, "11")
    assert Visit.from_dict(out) == visit
    assert pickle.loads(pickle.dumps(visit)) == visit


def test_pos_given_as_number_is_two_digits() -> None:
    assert Visit.from_dict({**BASE, "place_of_service": 3}).place_of_service == "03"


@pytest.mark.parametrize(
    ("key", "value", "error", "needles"),
    [
        ("locality", "Alabama", InvalidInputError,
         ["'Alabama'", "10112-00", "ot-billing localities"]),
        ("locality", "1011200", InvalidInputError, ["'1011200'"]),
        ("locality", 1011200, InvalidInputError, ["int"]),
        ("locality", "１0112-00", InvalidInputError, ["MAC-locality"]),
        ("facility", "yes", InvalidTypeError, ["'yes'", "true, false"]),
        ("facility", 1, InvalidTypeError, ["int"]),
        ("place_of_service", "98", InvalidOptionError, ["'98'", "11, 12"]),
        ("place_of_service", "07", InvalidOptionError, ["'07'", "facility true/false"]),
        ("place_of_service", True, InvalidTypeError, ["bool"]),
        ("place_of_service", 11.0, InvalidTypeError, ["float"]),
    ],
)  # fmt: skip
def test_bad_values_are_typed_errors(
    key: str, value: object, error: type[Exception], needles: list[str]
) -> None:
    with pytest.raises(error) as info:
        Visit.from_dict({**BASE, key: value})
    for needle in needles:
        assert needle in str(info.value)


def test_facility_contradicting_pos_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="contradicts place_of_service 11"):
        Visit.from_dict({**BASE, "facility": True, "place_of_service": "11"})


def test_unknown_pos_error_lists_every_valid_code() -> None:
    with pytest.raises(InvalidOptionError) as info:
        Visit.from_dict({**BASE, "place_of_service": "99"})
    assert info.value.valid == tuple(POS_NAMES)


def test_rows_carry_the_pricing_columns() -> None:
    rows = [
        {"visit_id": "a", "date_of_service": "2025-06-02", "code": "97530", "minutes": "30",
         "locality": "10112-00", "facility": "no", "place_of_service": "12"},
        {"visit_id": "a", "date_of_service": "2025-06-02", "code": "97110", "minutes": "15",
         "locality": "", "facility": "", "place_of_service": ""},
    ]  # fmt: skip
    (visit,) = visits_from_rows(rows)
    assert isinstance(visit, Visit)
    assert (visit.locality, visit.facility, visit.place_of_service) == ("10112-00", False, "12")


def test_row_with_bad_facility_cell_names_the_column() -> None:
    rows = [{"visit_id": "a", "date_of_service": "2025-06-02", "code": "97530",
             "minutes": "30", "facility": "maybe"}]  # fmt: skip
    (result,) = visits_from_rows(rows)
    assert isinstance(result, DataFileError)
    assert "facility='maybe'" in str(result)


@given(
    pos=st.one_of(st.none(), st.sampled_from(sorted(FACILITY_RATE))),
    facility=st.one_of(st.none(), st.booleans()),
    locality=st.one_of(st.none(), st.from_regex(r"[0-9]{5}-[0-9]{2}", fullmatch=True)),
)
def test_pricing_fields_round_trip_or_refuse_a_contradiction(
    pos: str | None, facility: bool | None, locality: str | None
) -> None:
    data = {**BASE, "place_of_service": pos, "facility": facility, "locality": locality}
    if pos is not None and facility is not None and FACILITY_RATE[pos] is not facility:
        with pytest.raises(InvalidInputError, match="contradicts"):
            Visit.from_dict(data)
        return
    visit = Visit.from_dict(data)
    assert Visit.from_dict(visit.to_dict()) == visit
    expected = facility if facility is not None else (FACILITY_RATE[pos] if pos else None)
    assert visit.facility_rate is expected
