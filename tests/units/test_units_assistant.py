"""CQ/CO: assistant-furnished units split onto their own claim lines (rules/units.md §5)."""

from __future__ import annotations

from datetime import date

import pytest

from ot_billing_rules import AssistantPolicy, InvalidOptionError, compute_units

Y2020 = date(2021, 6, 1)  # CY 2020 rule in force (per-unit 10% test)
Y2022 = date(2024, 7, 1)  # CY 2022 rule in force (final-unit 8-minute rule)


def lines(minutes: dict[str, int | None], assistant: dict[str, int], **kw: object) -> list[tuple]:
    kw.setdefault("on", Y2022)
    a = compute_units(minutes, assistant_minutes=assistant, **kw)  # type: ignore[arg-type]
    return [(ln.code, ln.units, ln.modifiers) for ln in a.lines]


def rules(minutes: dict[str, int | None], assistant: dict[str, int], **kw: object) -> list[str]:
    kw.setdefault("on", Y2022)
    a = compute_units(minutes, assistant_minutes=assistant, **kw)  # type: ignore[arg-type]
    return [f.rule for f in a.findings]


@pytest.mark.parametrize("on", [Y2020, Y2022])
def test_therapycomply_example_a(on: date) -> None:
    # PTA 10 + PT 5 of 97110 = 15 min -> 1 unit with CQ, under both policy periods (§5.5).
    assert lines({"97110": 15}, {"97110": 10}, on=on, discipline="PT") == [("97110", 1, ("CQ",))]


@pytest.mark.parametrize("on", [Y2020, Y2022])
def test_webpt_scenario(on: date) -> None:
    # PTA 13 + PT 15 of 97110, PT 22 of 97140 = 50 min -> 3 units:
    # 97140 x 1, 97110 x 1, 97110 x 1 with CQ (§5.5, S10).
    assert lines({"97110": 28, "97140": 22}, {"97110": 13}, on=on, discipline="PT") == [
        ("97110", 1, ()),
        ("97110", 1, ("CQ",)),
        ("97140", 1, ()),
    ]


def test_cms_patient_scenario_1_before_2022() -> None:
    # PTA 23 + PT 13 of 97110, PT 30 of 97140: 66 min = 4 units; 97110 2 units.
    # Pre-2022 per-unit test: the second 97110 unit has 8 of 21 assistant minutes -> CQ.
    got = lines({"97110": 36, "97140": 30}, {"97110": 23}, on=Y2020, discipline="PT")
    assert got == [("97110", 2, ("CQ",)), ("97140", 2, ())]


def test_cms_patient_scenario_1_from_2022_is_an_open_case() -> None:
    # CY 2022: PT furnished 13 >= 8 minutes of the final unit -> no CQ (default),
    # but the PTA also furnished >= 8 of it: flagged (§7 item 9).
    m, a = {"97110": 36, "97140": 30}, {"97110": 23}
    assert lines(m, a, discipline="PT") == [
        ("97110", 1, ()),
        ("97110", 1, ("CQ",)),
        ("97140", 2, ()),
    ]
    assert rules(m, a, discipline="PT") == ["units.assistant.open_case"]
    strict = AssistantPolicy(both_eight="assistant")
    assert lines(m, a, discipline="PT", assistant_policy=strict) == [
        ("97110", 2, ("CQ",)),
        ("97140", 2, ()),
    ]


def test_apta_quick_guide_d() -> None:
    # PT 15 of 97140 then PTA 7 of 97110 = 22 min -> 1 unit: 97140 without CQ.
    a = compute_units(
        {"97140": 15, "97110": 7}, assistant_minutes={"97110": 7}, on=Y2022, discipline="PT"
    )
    assert a.units == {"97140": 1, "97110": 0}
    assert [(ln.code, ln.modifiers) for ln in a.lines] == [("97140", ())]


def test_accountmattersma_case_capped_by_total_time() -> None:
    # PT 20 of 97110, PTA 10 of 97116 = 30 min -> 2 units (not 3): 97110 plain, 97116 CQ.
    assert lines({"97110": 20, "97116": 10}, {"97116": 10}, discipline="PT") == [
        ("97110", 1, ()),
        ("97116", 1, ("CQ",)),
    ]


@pytest.mark.parametrize(("t", "a"), [(12, 12), (9, 14), (14, 9), (11, 13)])
def test_cy2022_two_units_one_each(t: int, a: int) -> None:
    # Therapist and assistant each 9-14 minutes (23-28 in all), two units: one with, one without.
    m, asst = {"97530": t + a}, {"97530": a}
    assert lines(m, asst) == [("97530", 1, ()), ("97530", 1, ("CO",))]
    assert rules(m, asst) == []


def test_cy2020_two_leftover_units_are_an_open_case() -> None:
    m, asst = {"97530": 24}, {"97530": 12}
    assert lines(m, asst, on=Y2020) == [("97530", 1, ()), ("97530", 1, ("CO",))]
    assert rules(m, asst, on=Y2020) == ["units.assistant.open_case"]


def test_two_leftover_units_outside_the_settled_case() -> None:
    # 97110 t=14 + a=5 wins an extra unit in a three-way tie: two units from 19 minutes.
    m = {"97110": 19, "97140": 4, "97530": 4}
    asst = {"97110": 5}
    assert lines(m, asst, prefer=["97110"]) == [("97110", 1, ()), ("97110", 1, ("CO",))]
    assert "units.assistant.open_case" in rules(m, asst, prefer=["97110"])
    both = AssistantPolicy(two_leftover_units="modifier")
    assert lines(m, asst, prefer=["97110"], assistant_policy=both) == [("97110", 2, ("CO",))]


@pytest.mark.parametrize(("t", "a", "modifier"), [(8, 7, False), (3, 9, True), (10, 12, False)])
def test_cy2022_final_unit_eight_minutes(t: int, a: int, modifier: bool) -> None:
    got = lines({"97110": t + a}, {"97110": a})
    assert got == [("97110", 1, ("CO",) if modifier else ())]


def test_de_minimis_denominator_open_case() -> None:
    # 7 therapist + 1 assistant = 8 min, 1 unit: 1/8 = 12.5% > 10% (unit base, default)
    # vs 1/15 = 6.7% (fifteen base) -> flagged (§7 item 10).
    m, asst = {"97110": 8}, {"97110": 1}
    assert lines(m, asst) == [("97110", 1, ("CO",))]
    assert rules(m, asst) == ["units.assistant.open_case"]
    fifteen = AssistantPolicy(de_minimis_base="fifteen")
    assert lines(m, asst, assistant_policy=fifteen) == [("97110", 1, ())]


def test_de_minimis_clear_cases_not_flagged() -> None:
    assert lines({"97110": 14}, {"97110": 1}, on=Y2020) == [("97110", 1, ())]
    assert rules({"97110": 14}, {"97110": 1}, on=Y2020) == []
    assert lines({"97110": 14}, {"97110": 2}, on=Y2020) == [("97110", 1, ("CO",))]


def test_whole_blocks_by_the_assistant() -> None:
    assert lines({"97110": 30}, {"97110": 30}) == [("97110", 2, ("CO",))]
    assert lines({"97110": 45}, {"97110": 15}) == [("97110", 2, ()), ("97110", 1, ("CO",))]


def test_split_lines_carry_the_minutes_behind_them() -> None:
    a = compute_units({"97110": 30}, assistant_minutes={"97110": 20}, on=Y2022)
    assert [(ln.units, ln.modifiers, ln.minutes) for ln in a.lines] == [
        (1, (), 10),
        (1, ("CO",), 20),
    ]


@pytest.mark.parametrize(("asst", "modifier"), [(3, False), (4, True), (30, True), (0, False)])
def test_untimed_code_ten_percent_of_the_service(asst: int, modifier: bool) -> None:
    assert lines({"97150": 30}, {"97150": asst}) == [("97150", 1, ("CO",) if modifier else ())]


def test_before_2020_no_modifier() -> None:
    m, asst = {"97110": 30}, {"97110": 30}
    assert lines(m, asst, on="2019-12-31") == [("97110", 2, ())]
    assert rules(m, asst, on="2019-12-31") == ["units.assistant.no_modifier"]
    assert lines(m, asst, on="2020-01-01") == [("97110", 2, ("CO",))]


def test_policy_period_boundaries() -> None:
    # 8 therapist + 5 assistant: pre-2022 the 10% test -> CO; from 2022 the therapist's 8.
    m, asst = {"97110": 13}, {"97110": 5}
    assert lines(m, asst, on="2021-12-31") == [("97110", 1, ("CO",))]
    assert lines(m, asst, on="2022-01-01") == [("97110", 1, ())]


def test_discipline_picks_the_modifier() -> None:
    assert lines({"97110": 15}, {"97110": 15}, discipline="OT") == [("97110", 1, ("CO",))]
    assert lines({"97110": 15}, {"97110": 15}, discipline="PT") == [("97110", 1, ("CQ",))]
    assert lines({"97110": 15}, {"97110": 15}, discipline="SLP") == [("97110", 1, ())]
    assert rules({"97110": 15}, {"97110": 15}, discipline="SLP") == ["units.assistant.no_modifier"]


def test_cognitive_family_with_assistant() -> None:
    # 40 min = 3 units; therapist 20 (1 block + 5), assistant 20 (1 block + 5):
    # final unit 5/10 > 10% -> CO. Therapist units labelled first: 97129 plain.
    a = compute_units({"97129": 40}, assistant_minutes={"97129": 20}, on=Y2022)
    assert [(ln.code, ln.units, ln.modifiers) for ln in a.lines] == [
        ("97129", 1, ()),
        ("97130", 2, ("CO",)),
    ]
    assert "units.assistant.open_case" in [f.rule for f in a.findings]


def test_ama_method_splits_too() -> None:
    assert lines({"97110": 15, "97140": 7}, {"97110": 10}, method="ama") == [("97110", 1, ("CO",))]


def test_assistant_policy_rejects_unknown_values() -> None:
    with pytest.raises(InvalidOptionError):
        AssistantPolicy(both_eight="nobody")
    assert AssistantPolicy().to_dict() == {
        "both_eight": "therapist",
        "de_minimis_base": "unit",
        "two_leftover_units": "split",
    }
