"""Evaluation complexity: golden cases from the tier tables, validation, result shape."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

import ot_billing_rules as ob
from ot_billing_rules import (
    BoundaryPolicy,
    Comorbidities,
    Complexity,
    OccupationalProfile,
    Presentation,
    TaskModification,
    select_at_evaluation,
    select_ot_evaluation,
    select_pt_evaluation,
)

# --- OT golden cases -------------------------------------------------------------------------
# rules/codes_and_evaluations.md §1.2 tier table (97165 brief / 1-3 / low / 30 min,
# 97166 expanded / 3-5 / moderate / 45 min, 97167 extensive / 5+ / high / 60 min).


@pytest.mark.parametrize(
    ("profile", "deficits", "cdm", "code", "minutes"),
    [
        ("brief", 2, "low", "97165", 30),
        ("expanded", 4, "moderate", "97166", 45),
        ("extensive", 6, "high", "97167", 60),
    ],
)
def test_ot_tier_table_rows(profile: str, deficits: int, cdm: str, code: str, minutes: int) -> None:
    sel = select_ot_evaluation(profile=profile, performance_deficits=deficits, decision_making=cdm)
    assert sel.code == code
    assert sel.typical_minutes == minutes
    assert sel.warnings == ()


def test_ensora_example_low_profile_and_assessment_moderate_cdm_bills_low() -> None:
    # §1.3, Ensora Health: profile and assessment at low, CDM at moderate => 97165.
    sel = select_ot_evaluation(profile="brief", performance_deficits=2, decision_making="moderate")
    assert sel.code == "97165"
    assert sel.complexity is Complexity.LOW
    assert sel.limited_by == ("profile", "performance_deficits")
    assert sel.levels["decision_making"] is Complexity.MODERATE


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        # §1.4 worked consequences of the proposed (inclusive) policy.
        ({"profile": "brief", "performance_deficits": 3, "decision_making": "high"}, "97165"),
        (
            {"profile": "expanded", "performance_deficits": 3, "decision_making": "moderate"},
            "97166",
        ),
        (
            {"profile": "extensive", "performance_deficits": 5, "decision_making": "moderate"},
            "97166",
        ),
    ],
)
def test_research_overlap_examples(kwargs: dict[str, Any], code: str) -> None:
    assert select_ot_evaluation(**kwargs).code == code


def test_high_component_capped_by_low_one() -> None:
    sel = select_ot_evaluation(profile="extensive", performance_deficits=8, decision_making="low")
    assert sel.code == "97165"
    assert sel.limited_by == ("decision_making",)
    assert sel.levels == {
        "profile": Complexity.HIGH,
        "performance_deficits": Complexity.HIGH,
        "decision_making": Complexity.LOW,
    }
    assert "lowest decides" in sel.explanation
    assert "decision_making" in sel.explanation


def test_all_high_has_no_limit() -> None:
    sel = select_ot_evaluation(profile="extensive", performance_deficits=9, decision_making="high")
    assert sel.code == "97167"
    assert sel.limited_by == ()


@pytest.mark.parametrize(
    ("deficits", "inclusive", "strict"),
    [
        (1, "low", "low"),
        (2, "low", "low"),
        (3, "moderate", "low"),
        (4, "moderate", "moderate"),
        (5, "high", "moderate"),
        (6, "high", "high"),
        (12, "high", "high"),
    ],
)
def test_deficit_count_levels_under_both_policies(
    deficits: int, inclusive: str, strict: str
) -> None:
    common = {"profile": "extensive", "decision_making": "high", "performance_deficits": deficits}
    assert select_ot_evaluation(**common).levels["performance_deficits"].value == inclusive
    got = select_ot_evaluation(**common, boundaries="strict").levels["performance_deficits"]
    assert got.value == strict


@pytest.mark.parametrize("deficits", [3, 5])
@pytest.mark.parametrize("policy", list(BoundaryPolicy))
def test_boundary_counts_always_warn(deficits: int, policy: BoundaryPolicy) -> None:
    sel = select_ot_evaluation(
        profile="extensive",
        performance_deficits=deficits,
        decision_making="high",
        boundaries=policy,
    )
    [warning] = sel.warnings
    assert warning.rule == "eval.deficit_boundary"
    assert warning.severity is ob.Severity.WARNING
    assert str(deficits) in warning.message
    assert policy.value in warning.message
    assert "inferred" in warning.message


@pytest.mark.parametrize("deficits", [1, 2, 4, 6, 40])
def test_non_boundary_counts_do_not_warn(deficits: int) -> None:
    sel = select_ot_evaluation(
        profile="brief", performance_deficits=deficits, decision_making="low"
    )
    assert sel.warnings == ()


def test_zero_deficits_rates_low_with_warning() -> None:
    sel = select_ot_evaluation(profile="extensive", performance_deficits=0, decision_making="high")
    assert sel.code == "97165"
    assert [w.rule for w in sel.warnings] == ["eval.below_range"]


@pytest.mark.parametrize(
    ("comorbidities", "task", "code", "limited"),
    [
        ("none", None, "97166", ("comorbidities",)),
        (0, None, "97166", ("comorbidities",)),
        ("present", None, "97167", ()),
        (2, "significant", "97167", ()),
        (None, "minimal_to_moderate", "97166", ("task_modification",)),
        (None, "not_necessary", "97165", ("task_modification",)),
        ("none", "not necessary", "97165", ("task_modification",)),
    ],
)
def test_cdm_sub_elements_cap_decision_making(
    comorbidities: object, task: object, code: str, limited: tuple[str, ...]
) -> None:
    sel = select_ot_evaluation(
        profile="extensive",
        performance_deficits=7,
        decision_making="high",
        comorbidities=comorbidities,  # type: ignore[arg-type]
        task_modification=task,  # type: ignore[arg-type]
    )
    assert sel.code == code
    assert sel.limited_by == limited


def test_sub_elements_never_lift_low_decision_making() -> None:
    sel = select_ot_evaluation(
        profile="extensive",
        performance_deficits=7,
        decision_making="low",
        comorbidities="present",
        task_modification="significant",
    )
    assert sel.code == "97165"
    assert sel.limited_by == ("decision_making",)


def test_optional_components_only_listed_when_given() -> None:
    sel = select_ot_evaluation(profile="brief", performance_deficits=1, decision_making="low")
    assert [c.name for c in sel.components] == [
        "profile",
        "performance_deficits",
        "decision_making",
    ]
    sel = select_ot_evaluation(
        profile="brief",
        performance_deficits=1,
        decision_making="low",
        task_modification="significant",
    )
    assert sel.components[-1].name == "task_modification"
    assert "decision making" in sel.components[-1].note


def test_typical_minutes_never_an_input() -> None:
    # Time is descriptive (§1.5): the selectors take no minutes at all.
    with pytest.raises(TypeError):
        select_ot_evaluation(  # type: ignore[call-arg]
            profile="brief", performance_deficits=1, decision_making="low", minutes=60
        )


# --- PT and AT golden cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factors", "elements", "presentation", "cdm", "code", "minutes"),
    [
        # §2.1 table: 97161 none / 1-2 / stable / low / 20; 97162 1-2 / 3+ / evolving /
        # moderate / 30; 97163 3+ / 4+ / unstable / high / 45.
        (0, 2, "stable", "low", "97161", 20),
        (2, 3, "evolving", "moderate", "97162", 30),
        (3, 4, "unstable", "high", "97163", 45),
        (5, 9, "unstable", "high", "97163", 45),
        (3, 3, "unstable", "high", "97162", 30),
        (0, 4, "unstable", "high", "97161", 20),
    ],
)
def test_pt_tier_table(
    factors: int, elements: int, presentation: str, cdm: str, code: str, minutes: int
) -> None:
    sel = select_pt_evaluation(
        personal_factors=factors,
        body_system_elements=elements,
        presentation=presentation,
        decision_making=cdm,
    )
    assert (sel.code, sel.typical_minutes) == (code, minutes)
    assert sel.discipline is ob.EvaluationDiscipline.PT


def test_pt_four_elements_is_not_a_boundary() -> None:
    # "3 or more" beside "4 or more" is open-ended: 4 meets both, rates high, no warning.
    sel = select_pt_evaluation(
        personal_factors=3, body_system_elements=4, presentation="unstable", decision_making="high"
    )
    assert sel.levels["body_system_elements"] is Complexity.HIGH
    assert sel.warnings == ()


@pytest.mark.parametrize(
    ("comorbidities", "elements", "presentation", "cdm", "code", "minutes"),
    [
        # §2.2 table: 97169 none / 1-2 / low / 15; 97170 1-2 / 3+ / moderate / 30;
        # 97171 3+ / 4+ / unstable / high / 45.
        (0, 1, None, "low", "97169", 15),
        (2, 3, None, "moderate", "97170", 30),
        (3, 4, "unstable", "high", "97171", 45),
        (3, 4, "evolving", "high", "97170", 30),
        (1, 6, "stable", "high", "97170", 30),
    ],
)
def test_at_tier_table(
    comorbidities: int, elements: int, presentation: str | None, cdm: str, code: str, minutes: int
) -> None:
    sel = select_at_evaluation(
        comorbidities=comorbidities,
        exam_elements=elements,
        decision_making=cdm,
        presentation=presentation,
    )
    assert (sel.code, sel.typical_minutes) == (code, minutes)


def test_at_missing_presentation_caps_at_moderate_and_warns() -> None:
    sel = select_at_evaluation(comorbidities=4, exam_elements=5, decision_making="high")
    assert sel.code == "97170"
    assert sel.limited_by == ("presentation",)
    rules = [w.rule for w in sel.warnings]
    assert "eval.presentation_not_given" in rules
    assert "eval.rule_inferred" in rules


def test_at_results_flag_the_inferred_rule() -> None:
    sel = select_at_evaluation(comorbidities=0, exam_elements=1, decision_making="low")
    assert [w.rule for w in sel.warnings] == ["eval.rule_inferred"]
    assert sel.warnings[0].severity is ob.Severity.INFO


# --- validation ------------------------------------------------------------------------------

_OT_OK: dict[str, Any] = {"profile": "brief", "performance_deficits": 2, "decision_making": "low"}


@pytest.mark.parametrize(
    ("override", "field", "valid"),
    [
        ({"profile": "huge"}, "profile", ("brief", "expanded", "extensive")),
        ({"decision_making": "medium"}, "decision_making", ("low", "moderate", "high")),
        ({"comorbidities": "many"}, "comorbidities", ("none", "present")),
        ({"task_modification": "lots"}, "task_modification", tuple(TaskModification)),
        ({"boundaries": "lenient"}, "boundaries", ("inclusive", "strict")),
    ],
)
def test_unknown_names_are_invalid_option(
    override: dict[str, Any], field: str, valid: tuple[str, ...]
) -> None:
    with pytest.raises(ob.InvalidOptionError) as info:
        select_ot_evaluation(**{**_OT_OK, **override})
    err = info.value
    assert err.field == field
    assert err.value == next(iter(override.values()))
    assert err.valid == tuple(str(getattr(v, "value", v)) for v in valid)
    assert repr(err.value) in str(err)
    assert all(str(getattr(v, "value", v)) in str(err) for v in valid)


@pytest.mark.parametrize("bad", [True, False, 2.0, "3", None])
def test_deficit_count_must_be_int(bad: object) -> None:
    with pytest.raises(ob.InvalidTypeError) as info:
        select_ot_evaluation(**{**_OT_OK, "performance_deficits": bad})
    assert info.value.field == "performance_deficits"
    assert isinstance(info.value, TypeError)


def test_negative_count_is_invalid_input() -> None:
    with pytest.raises(ob.InvalidInputError) as info:
        select_ot_evaluation(**{**_OT_OK, "performance_deficits": -1})
    assert info.value.value == -1
    assert "-1" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", [True, 1.5, [1]])
def test_ot_comorbidities_type(bad: object) -> None:
    with pytest.raises(ob.InvalidTypeError, match="none, present"):
        select_ot_evaluation(**{**_OT_OK, "comorbidities": bad})


def test_ot_comorbidities_negative_count() -> None:
    with pytest.raises(ob.InvalidInputError, match="comorbidities=-2"):
        select_ot_evaluation(**{**_OT_OK, "comorbidities": -2})


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"personal_factors": -1}, ob.InvalidInputError, "personal_factors"),
        ({"personal_factors": 1.0}, ob.InvalidTypeError, "personal_factors"),
        ({"body_system_elements": False}, ob.InvalidTypeError, "body_system_elements"),
        ({"presentation": "wobbly"}, ob.InvalidOptionError, "presentation"),
        ({"presentation": 2}, ob.InvalidTypeError, "presentation"),
        ({"decision_making": "extreme"}, ob.InvalidOptionError, "decision_making"),
    ],
)
def test_pt_validation(kwargs: dict[str, Any], error: type[Exception], field: str) -> None:
    base: dict[str, Any] = {
        "personal_factors": 0,
        "body_system_elements": 1,
        "presentation": "stable",
        "decision_making": "low",
    }
    with pytest.raises(error) as info:
        select_pt_evaluation(**{**base, **kwargs})
    assert info.value.field == field  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"comorbidities": "none"}, ob.InvalidTypeError, "comorbidities"),
        ({"exam_elements": -3}, ob.InvalidInputError, "exam_elements"),
        ({"presentation": "calm"}, ob.InvalidOptionError, "presentation"),
    ],
)
def test_at_validation(kwargs: dict[str, Any], error: type[Exception], field: str) -> None:
    base: dict[str, Any] = {"comorbidities": 0, "exam_elements": 1, "decision_making": "low"}
    with pytest.raises(error) as info:
        select_at_evaluation(**{**base, **kwargs})
    assert info.value.field == field  # type: ignore[attr-defined]


def test_enums_and_strings_are_interchangeable() -> None:
    by_enum = select_ot_evaluation(
        profile=OccupationalProfile.EXPANDED,
        performance_deficits=4,
        decision_making=Complexity.HIGH,
        comorbidities=Comorbidities.PRESENT,
        task_modification=TaskModification.MINIMAL_TO_MODERATE,
        boundaries=BoundaryPolicy.STRICT,
    )
    by_text = select_ot_evaluation(
        profile=" Expanded ",
        performance_deficits=4,
        decision_making="HIGH",
        comorbidities="present",
        task_modification="Minimal-to-Moderate",
        boundaries="STRICT",
    )
    assert by_enum == by_text
    pt_enum = select_pt_evaluation(
        personal_factors=1,
        body_system_elements=3,
        presentation=Presentation.EVOLVING,
        decision_making=Complexity.MODERATE,
    )
    pt_text = select_pt_evaluation(
        personal_factors=1,
        body_system_elements=3,
        presentation="Evolving",
        decision_making="moderate",
    )
    assert pt_enum == pt_text


# --- result shape ----------------------------------------------------------------------------


def _examples() -> list[ob.EvaluationSelection]:
    return [
        select_ot_evaluation(
            profile="extensive",
            performance_deficits=3,
            decision_making="high",
            comorbidities=1,
            task_modification="significant",
        ),
        select_pt_evaluation(
            personal_factors=2,
            body_system_elements=0,
            presentation="stable",
            decision_making="high",
        ),
        select_at_evaluation(comorbidities=3, exam_elements=4, decision_making="high"),
    ]


@pytest.mark.parametrize("sel", _examples(), ids=["ot", "pt", "at"])
def test_results_pickle_equal(sel: ob.EvaluationSelection) -> None:
    again = pickle.loads(pickle.dumps(sel))
    assert again == sel
    assert hash(again) == hash(sel)


@pytest.mark.parametrize("sel", _examples(), ids=["ot", "pt", "at"])
def test_to_dict_is_json_ready(sel: ob.EvaluationSelection) -> None:
    d = json.loads(json.dumps(sel.to_dict()))
    assert d["code"] == sel.code
    assert d["complexity"] in ("low", "moderate", "high")
    assert [c["name"] for c in d["components"]] == [c.name for c in sel.components]
    assert {"limited_by", "typical_minutes", "findings", "explanation", "source"} <= set(d)


def test_html_repr_escapes_and_shows_components() -> None:
    sel = _examples()[0]
    html = sel._repr_html_()
    assert html.startswith("<table>")
    assert "performance_deficits" in html
    assert "OT evaluation: 97166 (moderate)" in html
    assert "<script" not in html


def test_results_are_frozen() -> None:
    sel = _examples()[0]
    with pytest.raises(AttributeError):
        sel.code = "97167"  # type: ignore[misc]


def test_evaluation_data_is_in_the_manifest() -> None:
    names = {f.name for f in ob.data_version().files}
    assert "evaluation_levels.json" in names


def test_findings_is_the_field_and_warnings_its_alias() -> None:
    sel = ob.select_ot_evaluation(profile="expanded", performance_deficits=3, decision_making="low")
    assert sel.findings
    assert sel.warnings == sel.findings
    assert "findings" in sel.to_dict()
    assert "warnings" not in sel.to_dict()
    decision = ob.reevaluation_billable("before_planned_discharge")
    assert decision.warnings == decision.findings
