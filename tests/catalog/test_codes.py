"""Code catalog: lookups, history, seed table, errors."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

import ot_billing_rules as ob
from ot_billing_rules import (
    Category,
    CodeNotEffectiveError,
    Evidence,
    FeeScheduleStatus,
    InvalidCodeError,
    InvalidDateError,
    InvalidOptionError,
    InvalidTypeError,
    TherapyList,
    UnknownCodeError,
)

# The seed document's table, and what it says (or implies with "each 15
# minutes") about timing; cross-checked with rules/codes_and_evaluations.md §4.
SEED_TIMED = ["97530", "97535", "97110", "97112", "97140", "97032", "97035"]
SEED_UNTIMED = ["97165", "97166", "97167", "97168", "97010", "97016", "97018"]


def test_catalog_holds_all_93_codes() -> None:
    # 91 OT codes plus 20560/20561 (dry needling, for the Medicare coverage rule).
    assert len(ob.codes()) == 93
    assert len({c.code for c in ob.codes()}) == 93


@pytest.mark.parametrize("code", SEED_TIMED)
def test_seed_timed_codes_are_15_minute_units(code: str) -> None:
    entry = ob.lookup(code, on="2024-07-01")
    assert entry.timed is True
    assert entry.unit_minutes == 15


@pytest.mark.parametrize("code", SEED_UNTIMED)
def test_seed_untimed_codes(code: str) -> None:
    entry = ob.lookup(code, on="2024-07-01")
    assert entry.timed is False
    assert entry.unit_minutes is None


def test_97003_valid_before_2017() -> None:
    entry = ob.lookup("97003", on="2016-06-01")
    assert entry.deleted == date(2016, 12, 31)
    assert entry.replaced_by == ("97165", "97166", "97167")


def test_97003_not_effective_from_2017_names_replacements() -> None:
    with pytest.raises(CodeNotEffectiveError) as info:
        ob.lookup("97003", on="2017-01-01")
    err = info.value
    assert err.replaced_by == ("97165", "97166", "97167")
    assert err.deleted == date(2016, 12, 31)
    assert isinstance(err, LookupError)
    for code in ("97165", "97166", "97167"):
        assert code in str(err)


def test_last_valid_day_is_inclusive() -> None:
    assert ob.lookup("97003", on="2016-12-31").code == "97003"
    assert ob.lookup("97004", on="2016-12-31").replaced_by == ("97168",)


@pytest.mark.parametrize(
    ("code", "last_day", "replacements"),
    [
        ("97001", "2016-12-31", ("97161", "97162", "97163")),
        ("97002", "2016-12-31", ("97164",)),
        ("97532", "2017-12-31", ("97127", "G0515")),
        ("97127", "2019-12-31", ("97129", "97130")),
        ("G0515", "2019-12-31", ("97129", "97130")),
        ("97762", "2017-12-31", ("97763",)),
    ],
)
def test_code_history(code: str, last_day: str, replacements: tuple[str, ...]) -> None:
    entry = ob.get(code)
    assert entry is not None
    assert entry.deleted == date.fromisoformat(last_day)
    assert entry.replaced_by == replacements
    later = date.fromordinal(date.fromisoformat(last_day).toordinal() + 1)
    with pytest.raises(CodeNotEffectiveError):
        ob.lookup(code, on=later)


def test_new_code_not_effective_before_it_starts() -> None:
    with pytest.raises(CodeNotEffectiveError) as info:
        ob.lookup("97165", on="2016-12-31")
    assert info.value.effective == date(2017, 1, 1)
    assert "takes effect on 2017-01-01" in str(info.value)
    assert ob.lookup("97129", on="2020-01-01").add_on_to == ()
    assert ob.lookup("97130", on="2020-01-01").add_on_to == ("97129",)


def test_replacements_of_97532_carry_their_payer_note() -> None:
    entry = ob.get("97532")
    assert entry is not None
    assert entry.replacement_note is not None
    assert "Medicare" in entry.replacement_note


def test_medicare_status_from_rvu_file() -> None:
    assert ob.get("97010").medicare_status is FeeScheduleStatus.BUNDLED  # type: ignore[union-attr]
    assert ob.get("97014").medicare_status is FeeScheduleStatus.NOT_VALID_FOR_MEDICARE  # type: ignore[union-attr]
    assert ob.get("97545").medicare_status is FeeScheduleStatus.RESTRICTED  # type: ignore[union-attr]
    assert ob.get("G0515").medicare_status is None  # type: ignore[union-attr]


def test_therapy_list_grades_are_carried() -> None:
    assert ob.get("97165").therapy_list_grade is Evidence.SOURCE  # type: ignore[union-attr]
    assert ob.get("97129").therapy_list is TherapyList.SOMETIMES  # type: ignore[union-attr]
    grades = {c.therapy_list_grade for c in ob.codes()}
    assert {Evidence.SOURCE, Evidence.INFERRED, Evidence.UNVERIFIED} <= grades


def test_every_row_keeps_a_source() -> None:
    assert all(c.source.strip() for c in ob.codes())


def test_descriptions_are_not_ama_text() -> None:
    # The seed quotes the AMA-style descriptor for 97535; ours must differ.
    seed = (
        "Self-care/home management training (activities of daily living (ADL) and "
        "compensatory training, meal preparation, safety procedures, and instructions "
        "in use of assistive technology devices/adaptive equipment)"
    )
    assert ob.get("97535").description != seed  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" g0283 ", "G0283"), ("97110", "97110"), ("0591t", "0591T"), ("\t97530\n", "97530")],
)
def test_normalize_code(raw: str, expected: str) -> None:
    assert ob.normalize_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "9711", "971100", "97-10", "G028", "GG283", "97 110"])
def test_malformed_codes(raw: str) -> None:
    assert ob.is_valid_code(raw) is False
    with pytest.raises(InvalidCodeError) as info:
        ob.normalize_code(raw)
    assert repr(raw) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [None, 97110, 97.11, b"97110", ["97110"], True])
def test_is_valid_code_never_raises(value: object) -> None:
    assert ob.is_valid_code(value) is False


@pytest.mark.parametrize("value", [None, 97110, b"97110", {"code": "97110"}])
def test_lookup_rejects_non_strings(value: object) -> None:
    with pytest.raises(TypeError):
        ob.lookup(value)  # type: ignore[arg-type]


def test_unknown_code_suggests_close_matches() -> None:
    with pytest.raises(UnknownCodeError) as info:
        ob.lookup("97531", on="2024-07-01")
    assert info.value.suggestions[0] == "97530"
    assert isinstance(info.value, LookupError)


def test_well_formed_code_outside_catalog_is_unknown() -> None:
    with pytest.raises(UnknownCodeError):
        ob.lookup("99213")
    assert ob.get("99213") is None


@pytest.mark.parametrize(
    "on", [date(2024, 7, 1), datetime(2024, 7, 1, 13, 5), "2024-07-01", " 2024-07-01 "]
)
def test_dates_in_every_accepted_form(on: object) -> None:
    assert ob.lookup("97530", on=on).code == "97530"  # type: ignore[arg-type]


@pytest.mark.parametrize("on", [20240701, 2024.7, b"2024-07-01", ["2024-07-01"]])
def test_dates_of_other_types_are_type_errors(on: object) -> None:
    with pytest.raises(TypeError) as info:
        ob.lookup("97530", on=on)  # type: ignore[arg-type]
    assert isinstance(info.value, InvalidTypeError)


@pytest.mark.parametrize("on", ["2024-13-01", "07/01/2024", "2024-7-1", "", "1900-01-01"])
def test_malformed_or_out_of_range_dates(on: str) -> None:
    with pytest.raises(InvalidDateError):
        ob.lookup("97530", on=on)


def test_codes_filters() -> None:
    evals_2016 = {c.code for c in ob.codes(category=Category.EVALUATION, on="2016-06-01")}
    assert {"97001", "97003", "97004"} <= evals_2016
    assert "97165" not in evals_2016
    assert {c.code for c in ob.codes(category="evaluation", on="2016-06-01")} == evals_2016
    timed = ob.codes(timed=True, on="2024-07-01")
    assert timed
    assert all(c.timed for c in timed)
    assert "97010" in {c.code for c in ob.codes(timed=False, on="2024-07-01")}


def test_codes_rejects_unknown_category() -> None:
    with pytest.raises(InvalidOptionError) as info:
        ob.codes(category="massage")
    assert "evaluation" in info.value.valid


def test_search() -> None:
    assert [c.code for c in ob.search("Paraffin")] == ["97018"]
    assert "97530" in {c.code for c in ob.search("therapeutic activities")}
    assert ob.search("   ") == ()
    with pytest.raises(TypeError):
        ob.search(None)  # type: ignore[arg-type]


def test_to_dict_round_trips_through_json() -> None:
    d = ob.lookup("97003", on="2016-06-01").to_dict()
    again = json.loads(json.dumps(d))
    assert again["effective"] is None
    assert again["deleted"] == "2016-12-31"
    assert again["replaced_by"] == ["97165", "97166", "97167"]


def test_data_version_matches_files() -> None:
    import hashlib
    from importlib import resources

    version = ob.data_version()
    assert version.files
    for entry in version.files:
        payload = resources.files("ot_billing_rules").joinpath("_data").joinpath(entry.name)
        assert hashlib.sha256(payload.read_bytes()).hexdigest() == entry.sha256, entry.name
        assert entry.source
        assert entry.release


def test_package_data_matches_the_build_script() -> None:
    shared = (
        Path(__file__).resolve().parents[2] / "data" / "sources" / "project" / "code_catalog.json"
    )
    if not shared.exists():
        pytest.skip("shared research data not beside this checkout")
    source = {r["code"]: r for r in json.loads(shared.read_text("utf-8"))}
    for c in ob.codes():
        assert c.timed is source[c.code]["timed"], c.code
        assert c.description == source[c.code]["description"], c.code
