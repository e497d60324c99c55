"""Minutes to units: CMS chart and allocation, AMA per-code rule, non-15-minute codes, errors.

Golden cases name the public source they come from (``rules/units.md`` section).
"""

from __future__ import annotations

import json
import pickle
from datetime import date

import pytest

import ot_billing_rules as ob
from ot_billing_rules import (
    ClaimLine,
    CodeNotEffectiveError,
    DuplicateCodeError,
    InvalidCodeError,
    InvalidInputError,
    InvalidMinutesError,
    InvalidOptionError,
    InvalidTypeError,
    UnitAllocation,
    UnitCounts,
    UnitMethod,
    UnknownCodeError,
    cms_chart_row,
    cms_units,
    compute_units,
)

DOS = date(2024, 7, 1)


def units(minutes: dict[str, int | None], **kw: object) -> dict[str, int]:
    kw.setdefault("on", DOS)
    return dict(compute_units(minutes, **kw).units)  # type: ignore[arg-type]


# -- the chart (Pub. 100-04 Ch. 5 §20.2 C; rules/units.md §2.1) ---------------------------------

CHART = [
    (0, 0),
    (1, 0),
    (7, 0),
    (8, 1),
    (22, 1),
    (23, 2),
    (37, 2),
    (38, 3),
    (52, 3),
    (53, 4),
    (67, 4),
    (68, 5),
    (82, 5),
    (83, 6),
    (97, 6),
    (98, 7),
    (112, 7),
    (113, 8),
    (127, 8),
    # "the pattern continues" past two hours
    (128, 9),
    (142, 9),
    (143, 10),
    (240, 16),
    (1440, 96),
]


@pytest.mark.parametrize(("minutes", "expected"), CHART)
def test_cms_chart(minutes: int, expected: int) -> None:
    assert cms_units(minutes) == expected


@pytest.mark.parametrize(("minutes", "expected"), CHART)
def test_single_code_follows_the_chart_under_both_methods(minutes: int, expected: int) -> None:
    for method in ("cms", "ama"):
        assert units({"97530": minutes}, method=method) == {"97530": expected}


@pytest.mark.parametrize(
    ("n", "row"), [(0, (0, 7)), (1, (8, 22)), (2, (23, 37)), (8, (113, 127)), (9, (128, 142))]
)
def test_chart_rows(n: int, row: tuple[int, int]) -> None:
    assert cms_chart_row(n) == row


def test_ot_example_60_minutes_of_97530() -> None:
    # §20.2 B (rules/units.md §10): 60 minutes of 97530 -> 4 units.
    assert units({"97530": 60}) == {"97530": 4}


@pytest.mark.parametrize("bad", [-1, 1441])
def test_cms_units_rejects_impossible_minutes(bad: int) -> None:
    with pytest.raises(InvalidMinutesError, match=str(bad)):
        cms_units(bad)


@pytest.mark.parametrize("bad", [True, 8.0, "8", None])
def test_cms_units_rejects_non_int(bad: object) -> None:
    with pytest.raises(InvalidTypeError):
        cms_units(bad)  # type: ignore[arg-type]


# -- the manual's Examples 1-5 (rules/units.md §2.4) --------------------------------------------


def test_example_1() -> None:
    # 24 min 97112 + 23 min 97110 = 47 min -> 3 units: 97112 x 2, 97110 x 1.
    a = compute_units({"97112": 24, "97110": 23}, on=DOS)
    assert a.units == {"97112": 2, "97110": 1}
    assert (a.total_timed_minutes, a.total_timed_units) == (47, 3)
    assert a.alternatives == ()


def test_example_2_tie_either_code_gets_two_never_three() -> None:
    # 20 + 20 = 40 min -> 3 units; either code x 2, the other x 1.
    a = compute_units({"97112": 20, "97110": 20}, on=DOS)
    both = [{"97110": 2, "97112": 1}, {"97110": 1, "97112": 2}]
    assert dict(a.units) in both
    assert [dict(x) for x in a.alternatives] == [x for x in both if x != dict(a.units)]
    assert [f.rule for f in a.findings] == ["units.cms.tie"]


def test_example_3_leftover_minutes_decide() -> None:
    # 33 min 97110 + 7 min 97140 = 40 -> 97110 x 2, 97140 x 1 (leftover 7 beats 3).
    a = compute_units({"97110": 33, "97140": 7}, on=DOS)
    assert a.units == {"97110": 2, "97140": 1}
    assert "97140 (7 min)" in a.explanation
    assert "not to 97110 (3 min)" in a.explanation


def test_example_4_four_codes_three_units() -> None:
    # 97110 18, 97140 13, 97116 10, 97035 8 = 49 min -> 3 units; 97035 not billed.
    a = compute_units({"97110": 18, "97140": 13, "97116": 10, "97035": 8}, on=DOS)
    assert a.units == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}
    assert a.total_timed_units == 3
    assert [ln.code for ln in a.lines] == ["97110", "97116", "97140"]


def test_example_5_three_short_services_one_unit_any_code() -> None:
    # 7 + 7 + 7 = 21 min -> 1 unit of any one of the three codes.
    a = compute_units({"97112": 7, "97110": 7, "97140": 7}, on=DOS)
    choices = [{**dict.fromkeys(("97110", "97112", "97140"), 0), c: 1} for c in a.units]
    assert dict(a.units) in choices
    assert sorted(map(dict, [a.units, *a.alternatives]), key=str) == sorted(choices, key=str)


def test_tie_break_options_and_prefer() -> None:
    m = {"97112": 20, "97110": 20}
    assert units(m, prefer=["97112"]) == {"97112": 2, "97110": 1}
    assert units(m, tie_break="code") == {"97110": 2, "97112": 1}
    # More total minutes wins by default when leftovers tie (22 vs 7: both 7 left).
    assert units({"97110": 22, "97140": 7}) == {"97110": 2, "97140": 0}
    assert units({"97110": 22, "97140": 7}, prefer=("97140",)) == {"97110": 1, "97140": 1}


def test_therapist_first_tie_break() -> None:
    m = {"97110": 20, "97140": 20}
    a = compute_units(m, on=DOS, assistant_minutes={"97110": 20}, tie_break="therapist_first")
    assert a.units == {"97110": 1, "97140": 2}
    a = compute_units(m, on=DOS, assistant_minutes={"97140": 20}, tie_break="therapist_first")
    assert a.units == {"97110": 2, "97140": 1}


# -- where the methods differ (rules/units.md §3.4) ---------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "cms", "ama"),
    [
        ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 1}, {"97110": 2, "97140": 0}),
        ({"97110": 20, "97140": 18}, {"97110": 2, "97140": 1}, {"97110": 1, "97140": 1}),
        ({"97110": 7, "97140": 7}, {"97110": 1, "97140": 0}, {"97110": 0, "97140": 0}),
        (
            {"97110": 10, "97140": 10, "97530": 10},
            {"97110": 1, "97140": 1, "97530": 0},
            {"97110": 1, "97140": 1, "97530": 1},
        ),
        (
            {"97110": 18, "97140": 13, "97116": 10, "97035": 8},
            {"97110": 1, "97140": 1, "97116": 1, "97035": 0},
            {"97110": 1, "97140": 1, "97116": 1, "97035": 1},
        ),
    ],
)
def test_cms_and_ama_differ(
    minutes: dict[str, int], cms: dict[str, int], ama: dict[str, int]
) -> None:
    assert units(minutes, method="cms") == cms
    assert units(minutes, method=UnitMethod.AMA) == ama


def test_ama_totals_and_explanation() -> None:
    a = compute_units({"97110": 10, "97140": 10, "97530": 10}, method="ama", on=DOS)
    assert (a.total_timed_minutes, a.total_timed_units) == (30, 3)
    assert a.alternatives == ()
    assert "no pooling" in a.explanation


# -- untimed and non-15-minute codes (rules/units.md §1.1, §4) ----------------------------------


def test_untimed_codes_one_unit_and_outside_the_total() -> None:
    a = compute_units({"97165": 45, "97150": None, "G0283": 20, "92526": 30, "97110": 7}, on=DOS)
    assert a.units == {"97165": 1, "97150": 1, "G0283": 1, "92526": 1, "97110": 0}
    assert (a.total_timed_minutes, a.total_timed_units) == (7, 0)


def test_cognitive_pair_is_one_service() -> None:
    # 97129 + 97130 pooled: 40 min -> 3 units, first 97129 then 97130 x 2.
    assert units({"97129": 15, "97130": 25}) == {"97129": 1, "97130": 2}
    assert units({"97129": 40}) == {"97129": 1, "97130": 2}
    assert units({"97129": 10}) == {"97129": 1}
    # The pair enters the CMS total like any 15-minute code.
    a = compute_units({"97129": 7, "97530": 7}, on=DOS)
    assert a.total_timed_units == 1
    assert sum(a.units.values()) == 1
    assert units({"97129": 22}, method="ama") == {"97129": 1}
    assert units({"97129": 23}, method="ama") == {"97129": 1, "97130": 1}


def test_add_on_alone_is_relabelled_with_its_base() -> None:
    a = compute_units({"97130": 20}, on=DOS)
    assert a.units == {"97129": 1, "97130": 0}
    assert "units.family.relabelled" in [f.rule for f in a.findings]


HOURS = [
    (60, {}),
    (61, {"97545": 1}),
    (150, {"97545": 1}),
    (151, {"97545": 1, "97546": 1}),
    (210, {"97545": 1, "97546": 1}),
    (211, {"97545": 1, "97546": 2}),
]


@pytest.mark.parametrize(("minutes", "expected"), HOURS)
def test_work_hardening_hours_midpoint(minutes: int, expected: dict[str, int]) -> None:
    a = compute_units({"97545": minutes}, on=DOS)
    assert {k: v for k, v in a.units.items() if v} == expected
    assert a.total_timed_minutes == 0  # never on the 15-minute chart


def test_work_hardening_full_hours_option() -> None:
    assert units({"97545": 119}, hour_rule="full") == {"97545": 0}
    assert units({"97545": 179}, hour_rule="full") == {"97545": 1}
    assert units({"97545": 180}, hour_rule="full") == {"97545": 1, "97546": 1}


@pytest.mark.parametrize("base", ["97550", "G0541"])
@pytest.mark.parametrize(
    ("minutes", "total"), [(15, 0), (16, 1), (37, 1), (38, 2), (52, 2), (53, 3)]
)
def test_caregiver_training_first_30_then_15(base: str, minutes: int, total: int) -> None:
    on = date(2025, 3, 3)
    a = compute_units({base: minutes, "97110": 10}, on=on)
    assert sum(n for c, n in a.units.items() if c != "97110") == total
    assert a.units["97110"] == 1  # its minutes are not pooled with the caregiver code
    assert a.total_timed_minutes == 10


@pytest.mark.parametrize("code", ["98980", "98981", "G0553", "G0554"])
def test_monthly_codes_are_not_counted(code: str) -> None:
    a = compute_units({code: 40, "97110": 10}, on=date(2025, 6, 2))
    assert a.units == {code: 0, "97110": 1}
    assert a.total_timed_minutes == 10
    assert [f.rule for f in a.findings] == ["units.not_daily_minutes"]


def test_98979_is_not_counted() -> None:
    a = compute_units({"98979": 12}, on=date(2026, 2, 2))
    assert a.units == {"98979": 0}
    assert a.lines == ()


# -- bad input (issue item 8) -------------------------------------------------------------------


@pytest.mark.parametrize("bad", [True, 10.0, "10", [10]])
def test_minutes_must_be_int(bad: object) -> None:
    with pytest.raises(InvalidTypeError, match="97110"):
        compute_units({"97110": bad}, on=DOS)  # type: ignore[dict-item]


@pytest.mark.parametrize("bad", [-1, 1441])
def test_minutes_range(bad: int) -> None:
    with pytest.raises(InvalidMinutesError, match=str(bad)):
        compute_units({"97110": bad}, on=DOS)


def test_day_total_over_a_day() -> None:
    with pytest.raises(InvalidMinutesError, match="1500"):
        compute_units({"97110": 1000, "97140": 500}, on=DOS)


def test_timed_code_needs_minutes() -> None:
    with pytest.raises(InvalidMinutesError, match="97110"):
        compute_units({"97110": None}, on=DOS)


def test_unknown_and_malformed_codes() -> None:
    with pytest.raises(UnknownCodeError):
        compute_units({"97531": 10}, on=DOS)
    with pytest.raises(InvalidCodeError):
        compute_units({"abc": 10}, on=DOS)
    with pytest.raises(InvalidTypeError):
        compute_units({97110: 10}, on=DOS)  # type: ignore[dict-item]


def test_code_not_effective_on_date() -> None:
    with pytest.raises(CodeNotEffectiveError) as info:
        compute_units({"97129": 20}, on="2019-06-01")
    assert info.value.code == "97129"
    with pytest.raises(CodeNotEffectiveError):
        compute_units({"G0515": 20}, on="2020-01-01")
    assert units({"G0515": 20}, on="2019-12-31") == {"G0515": 1}


def test_duplicate_after_normalisation() -> None:
    with pytest.raises(DuplicateCodeError, match="97110"):
        compute_units({"97110": 10, " 97110": 5}, on=DOS)
    with pytest.raises(DuplicateCodeError):
        compute_units({"g0283": None, "G0283 ": None}, on=DOS)


def test_assistant_minutes_checks() -> None:
    with pytest.raises(InvalidMinutesError, match="more than the code's total"):
        compute_units({"97110": 10}, assistant_minutes={"97110": 11}, on=DOS)
    with pytest.raises(InvalidInputError, match="97140"):
        compute_units({"97110": 10}, assistant_minutes={"97140": 5}, on=DOS)
    with pytest.raises(InvalidMinutesError):
        compute_units({"97150": None}, assistant_minutes={"97150": 5}, on=DOS)
    with pytest.raises(DuplicateCodeError):
        compute_units({"97110": 10}, assistant_minutes={"97110": 1, "97110 ": 1}, on=DOS)
    with pytest.raises(InvalidTypeError):
        compute_units({"97110": 10}, assistant_minutes={"97110": 1.0}, on=DOS)  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"method": "medicare"}, "method"),
        ({"discipline": "RT"}, "discipline"),
        ({"tie_break": "random"}, "tie_break"),
        ({"hour_rule": "quarter"}, "hour_rule"),
    ],
)
def test_unknown_options(kw: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidOptionError) as info:
        compute_units({"97110": 10}, on=DOS, **kw)  # type: ignore[arg-type]
    assert info.value.field == field
    assert info.value.valid


def test_options_accept_enum_and_any_case() -> None:
    assert units({"97110": 10, "97140": 10}, method="AMA") == {"97110": 1, "97140": 1}
    assert units({"97110": 10}, method=UnitMethod.CMS, discipline="pt") == {"97110": 1}


def test_minutes_must_be_a_mapping() -> None:
    with pytest.raises(InvalidTypeError, match="mapping"):
        compute_units([("97110", 10)], on=DOS)  # type: ignore[arg-type]
    with pytest.raises(InvalidTypeError, match="prefer"):
        compute_units({"97110": 10}, on=DOS, prefer="97110")


def test_empty_input() -> None:
    a = compute_units({}, on=DOS)
    assert (dict(a.units), a.lines, a.total_timed_units) == ({}, (), 0)
    assert "Billed: nothing" in a.explanation


# -- result type --------------------------------------------------------------------------------


def test_result_round_trips_and_renders() -> None:
    a = compute_units(
        {"97112": 20, "97110": 20, "97165": None},
        assistant_minutes={"97110": 12},
        on=DOS,
    )
    assert pickle.loads(pickle.dumps(a)) == a
    assert isinstance(a, UnitAllocation)
    data = json.loads(json.dumps(a.to_dict()))
    assert data["units"] == {"97110": 2, "97112": 1, "97165": 1}
    assert data["method"] == "cms"
    assert data["on"] == "2024-07-01"
    assert data["alternatives"] == [{"97110": 1, "97112": 2, "97165": 1}]
    html = a._repr_html_()
    assert "<table>" in html
    assert "97112" in html
    assert "units.cms.tie" in html
    with pytest.raises(AttributeError):
        a.total_timed_units = 4  # type: ignore[misc]


def test_unit_counts_is_an_immutable_mapping() -> None:
    c = UnitCounts({"97140": 1, "97110": 2})
    assert list(c) == ["97110", "97140"]
    assert c == {"97110": 2, "97140": 1}
    assert c != {"97110": 2}
    assert hash(c) == hash(UnitCounts([("97110", 2), ("97140", 1)]))
    assert pickle.loads(pickle.dumps(c)) == c
    with pytest.raises(TypeError):
        c["97110"] = 3  # type: ignore[index]


def test_lines_are_claim_lines() -> None:
    a = compute_units({"97110": 33, "97140": 7}, on=DOS)
    assert a.lines == (ClaimLine("97110", 2, (), 33), ClaimLine("97140", 1, (), 7))


def test_public_names_exported() -> None:
    for name in ("compute_units", "cms_units", "UnitAllocation", "UnitMethod", "TieBreak"):
        assert name in ob.__all__


def test_every_result_type_pickles() -> None:
    a = compute_units({"97129": 40, "97110": 7}, assistant_minutes={"97129": 20}, on=DOS)
    for obj in (a, a.units, a.services[0], a.lines[0], a.findings[0], ob.AssistantPolicy()):
        assert pickle.loads(pickle.dumps(obj)) == obj
    row = a.services[0].to_dict()
    assert row["service"] == "97110"
    assert row["basis"] == "fifteen"
    assert json.dumps([s.to_dict() for s in a.services])
