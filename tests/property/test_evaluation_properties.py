"""Invariants of evaluation tier selection (OT, PT, athletic training)."""

from __future__ import annotations

import pickle
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

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

counts = st.integers(min_value=0, max_value=15)
cdm = st.sampled_from(list(Complexity))
ot_inputs = st.fixed_dictionaries(
    {
        "profile": st.sampled_from(list(OccupationalProfile)),
        "performance_deficits": counts,
        "decision_making": cdm,
    },
    optional={
        "comorbidities": st.none() | st.sampled_from(list(Comorbidities)),
        "task_modification": st.none() | st.sampled_from(list(TaskModification)),
        "boundaries": st.sampled_from(list(BoundaryPolicy)),
    },
)
pt_inputs = st.fixed_dictionaries(
    {
        "personal_factors": counts,
        "body_system_elements": counts,
        "presentation": st.sampled_from(list(Presentation)),
        "decision_making": cdm,
    }
)
at_inputs = st.fixed_dictionaries(
    {"comorbidities": counts, "exam_elements": counts, "decision_making": cdm},
    optional={"presentation": st.none() | st.sampled_from(list(Presentation))},
)

# --- an independent oracle, written from the tier tables in rules/codes_and_evaluations.md ---


def _deficit_rank(n: int, policy: BoundaryPolicy) -> int:
    if policy is BoundaryPolicy.STRICT:
        return 0 if n <= 3 else 1 if n <= 5 else 2
    return 0 if n <= 2 else 1 if n <= 4 else 2


def _ot_oracle(kw: dict[str, Any]) -> dict[str, int]:
    ranks = {
        "profile": list(OccupationalProfile).index(kw["profile"]),
        "performance_deficits": _deficit_rank(
            kw["performance_deficits"], kw.get("boundaries", BoundaryPolicy.INCLUSIVE)
        ),
        "decision_making": list(Complexity).index(kw["decision_making"]),
    }
    if kw.get("comorbidities") is not None:
        # none meets low and moderate ("may be present"); only present meets high.
        ranks["comorbidities"] = 2 if kw["comorbidities"] is Comorbidities.PRESENT else 1
    if kw.get("task_modification") is not None:
        ranks["task_modification"] = list(TaskModification).index(kw["task_modification"])
    return ranks


def _factor_rank(n: int) -> int:  # PT personal factors / AT comorbidities: 0, 1-2, 3+
    return 0 if n == 0 else 1 if n <= 2 else 2


def _element_rank(n: int) -> int:  # exam elements: 1-2, 3+, 4+
    return 0 if n <= 2 else 1 if n == 3 else 2


def _pt_oracle(kw: dict[str, Any]) -> dict[str, int]:
    return {
        "personal_factors": _factor_rank(kw["personal_factors"]),
        "body_system_elements": _element_rank(kw["body_system_elements"]),
        "presentation": list(Presentation).index(kw["presentation"]),
        "decision_making": list(Complexity).index(kw["decision_making"]),
    }


def _at_oracle(kw: dict[str, Any]) -> dict[str, int]:
    return {
        "comorbidities": _factor_rank(kw["comorbidities"]),
        "exam_elements": _element_rank(kw["exam_elements"]),
        "presentation": 2 if kw.get("presentation") is Presentation.UNSTABLE else 1,
        "decision_making": list(Complexity).index(kw["decision_making"]),
    }


OT_CODES = ("97165", "97166", "97167")
PT_CODES = ("97161", "97162", "97163")
AT_CODES = ("97169", "97170", "97171")


def _check_against_oracle(sel: Any, oracle: dict[str, int], codes: tuple[str, ...]) -> None:
    assert {c.name: c.level.rank for c in sel.components} == oracle
    tier = min(oracle.values())
    assert sel.code == codes[tier]
    assert sel.complexity.rank == tier
    expected_limit = [n for n, r in oracle.items() if r == tier] if tier < 2 else []
    assert list(sel.limited_by) == expected_limit


@given(ot_inputs)
def test_ot_tier_is_minimum_of_component_levels(kw: dict[str, Any]) -> None:
    _check_against_oracle(select_ot_evaluation(**kw), _ot_oracle(kw), OT_CODES)


@given(pt_inputs)
def test_pt_tier_is_minimum_of_component_levels(kw: dict[str, Any]) -> None:
    _check_against_oracle(select_pt_evaluation(**kw), _pt_oracle(kw), PT_CODES)


@given(at_inputs)
def test_at_tier_is_minimum_of_component_levels(kw: dict[str, Any]) -> None:
    _check_against_oracle(select_at_evaluation(**kw), _at_oracle(kw), AT_CODES)


# --- monotonicity: raising any one component never lowers the tier ---------------------------


def _raise_one(kw: dict[str, Any], key: str, step: int) -> dict[str, Any] | None:
    value = kw.get(key)
    if value is None:
        return None
    if isinstance(value, int):
        return {**kw, key: value + step}
    members = list(type(value))
    i = members.index(value)
    if i + 1 >= len(members):
        return None
    return {**kw, key: members[min(len(members) - 1, i + step)]}


@given(ot_inputs, st.data())
def test_ot_raising_a_component_never_lowers_the_tier(kw: dict[str, Any], data: Any) -> None:
    keys = [
        k
        for k in (
            "profile",
            "performance_deficits",
            "decision_making",
            "comorbidities",
            "task_modification",
        )
        if kw.get(k) is not None
    ]
    key = data.draw(st.sampled_from(keys))
    raised = _raise_one(kw, key, data.draw(st.integers(1, 4)))
    if raised is None:
        return
    before = select_ot_evaluation(**kw).complexity.rank
    assert select_ot_evaluation(**raised).complexity.rank >= before


@given(
    pt_inputs,
    st.sampled_from(
        ["personal_factors", "body_system_elements", "presentation", "decision_making"]
    ),
    st.integers(1, 4),
)
def test_pt_raising_a_component_never_lowers_the_tier(
    kw: dict[str, Any], key: str, step: int
) -> None:
    raised = _raise_one(kw, key, step)
    if raised is None:
        return
    before = select_pt_evaluation(**kw).complexity.rank
    assert select_pt_evaluation(**raised).complexity.rank >= before


@given(
    at_inputs,
    st.sampled_from(["comorbidities", "exam_elements", "decision_making"]),
    st.integers(1, 4),
)
def test_at_raising_a_component_never_lowers_the_tier(
    kw: dict[str, Any], key: str, step: int
) -> None:
    raised = _raise_one(kw, key, step)
    if raised is None:
        return
    before = select_at_evaluation(**kw).complexity.rank
    assert select_at_evaluation(**raised).complexity.rank >= before


@given(ot_inputs)
def test_ot_adding_an_optional_sub_element_never_raises_the_tier(kw: dict[str, Any]) -> None:
    # Comorbidities and task modification cap decision making; they never lift it.
    base = {k: v for k, v in kw.items() if k not in ("comorbidities", "task_modification")}
    assert (
        select_ot_evaluation(**kw).complexity.rank <= select_ot_evaluation(**base).complexity.rank
    )


# --- spelling, warnings, pickling -------------------------------------------------------------


def _respell(value: Any, style: int) -> Any:
    if not isinstance(
        value,
        (
            Complexity,
            OccupationalProfile,
            Comorbidities,
            TaskModification,
            Presentation,
            BoundaryPolicy,
        ),
    ):
        return value
    text = str(value.value)
    return [
        value,
        text,
        text.upper(),
        f"  {text.title().replace('_', ' ')} ",
        text.replace("_", "-"),
    ][style]


@given(ot_inputs, st.integers(0, 4))
def test_ot_spelling_does_not_matter(kw: dict[str, Any], style: int) -> None:
    spelled = {k: _respell(v, style) for k, v in kw.items()}
    assert select_ot_evaluation(**spelled) == select_ot_evaluation(**kw)


@given(pt_inputs, st.integers(0, 4))
def test_pt_spelling_does_not_matter(kw: dict[str, Any], style: int) -> None:
    spelled = {k: _respell(v, style) for k, v in kw.items()}
    assert select_pt_evaluation(**spelled) == select_pt_evaluation(**kw)


@given(at_inputs, st.integers(0, 4))
def test_at_spelling_does_not_matter(kw: dict[str, Any], style: int) -> None:
    spelled = {k: _respell(v, style) for k, v in kw.items()}
    assert select_at_evaluation(**spelled) == select_at_evaluation(**kw)


@given(ot_inputs)
def test_ot_boundary_warning_iff_count_on_overlap(kw: dict[str, Any]) -> None:
    rules = [w.rule for w in select_ot_evaluation(**kw).warnings]
    assert ("eval.deficit_boundary" in rules) == (kw["performance_deficits"] in (3, 5))
    assert ("eval.below_range" in rules) == (kw["performance_deficits"] == 0)


@given(ot_inputs)
def test_typical_minutes_follow_the_code(kw: dict[str, Any]) -> None:
    sel = select_ot_evaluation(**kw)
    assert sel.typical_minutes == {"97165": 30, "97166": 45, "97167": 60}[sel.code]


@given(
    st.one_of(
        ot_inputs.map(lambda kw: select_ot_evaluation(**kw)),
        pt_inputs.map(lambda kw: select_pt_evaluation(**kw)),
        at_inputs.map(lambda kw: select_at_evaluation(**kw)),
    )
)
def test_results_pickle_round_trip(sel: Any) -> None:
    again = pickle.loads(pickle.dumps(sel))
    assert again == sel
    assert again.to_dict() == sel.to_dict()
