"""Activity table from the seed and code suggestions."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import ot_billing_rules as ob
from ot_billing_rules import errors
from ot_billing_rules.activities import GENERAL_CAVEAT, activities, get_activity, suggest_codes

SEED = Path(__file__).resolve().parents[1] / "data" / "sources" / "seed" / "activity_table.txt"

# The seed's table: skill area -> activities.
SEED_TABLE = {
    "Fine Motor": ["Bead Threading", "Play-Dough Shapes", "Peg Boards"],
    "Gross Motor": ["Obstacle Courses", "Bean Bag Toss", "Animal Walks"],
    "Sensory Processing": ["Sensory Bins", "Weighted Blanket Time", "Swinging"],
    "Social Skills": ["Role-Playing Games", "Board Games", "Group Projects"],
    "Cognitive Skills": ["Memory Games", "Puzzle Solving", "Group Projects"],
}


@pytest.mark.parametrize(
    ("area", "name"), [(a, n) for a, names in SEED_TABLE.items() for n in names]
)
def test_every_seed_activity_is_in_its_area(area: str, name: str) -> None:
    act = get_activity(name)
    assert area in act.skill_areas
    assert act.candidates, name


def test_group_projects_in_both_areas() -> None:
    assert get_activity("group projects").skill_areas == ("Social Skills", "Cognitive Skills")


@pytest.mark.parametrize(
    ("activity", "first", "also"),
    [
        ("Bead Threading", "97530", {"97112"}),
        ("sensory bins", "97533", {"97530"}),
        ("Weighted blanket time", "97533", set()),
        ("swinging", "97533", {"97112"}),
        ("Memory games", "97129", {"97130", "97530"}),
        ("Puzzle solving", "97129", {"97130"}),
        ("Group Projects", "97150", {"97530"}),
        ("Obstacle courses", "97530", {"97112", "97150"}),
        ("dressing", "97535", {"97530"}),
        ("Tying shoelaces", "97535", set()),
        ("animal walks", "97110", {"97530", "97112"}),
    ],
)
def test_candidate_codes(activity: str, first: str, also: set[str]) -> None:
    found = suggest_codes(activity)
    assert found[0].code == first
    assert found[0].role == "primary"
    assert also <= {s.code for s in found[1:]}
    assert all(s.role == "alternative" for s in found[1:])


def test_every_suggestion_has_reason_caveat_and_catalog_code() -> None:
    for act in activities():
        for s in act.candidates:
            assert s.reason
            assert s.caveat.startswith(GENERAL_CAVEAT)
            assert ob.get(s.code) is not None, s.code
            assert s.activity == act.name


def test_group_caveat_names_two_patients() -> None:
    (group,) = [s for s in suggest_codes("board games") if s.code == "97150"]
    assert "two or more patients" in group.caveat


@pytest.mark.parametrize("spelling", ["PEGBOARDS", "peg-board", " Peg Boards "])
def test_loose_spellings(spelling: str) -> None:
    assert get_activity(spelling).name == "Peg Boards"


def test_unknown_activity_suggests_close_names() -> None:
    with pytest.raises(errors.UnknownActivityError) as info:
        suggest_codes("puzle solving")
    assert info.value.suggestions[0] == "Puzzle Solving"
    assert isinstance(info.value, LookupError)
    assert "'puzle solving'" in str(info.value)
    assert pickle.loads(pickle.dumps(info.value)) == info.value


def test_unknown_without_suggestions() -> None:
    with pytest.raises(errors.UnknownActivityError) as info:
        suggest_codes("juggling")
    assert info.value.suggestions == ()


def test_skill_area_filter() -> None:
    names = [a.name for a in activities(skill_area="Cognitive skills")]
    assert names == ["Group Projects", "Memory Games", "Puzzle Solving"]
    with pytest.raises(errors.InvalidInputError, match="Fine Motor"):
        activities(skill_area="motor")


def test_bad_types() -> None:
    with pytest.raises(errors.InvalidTypeError):
        suggest_codes(97530)  # type: ignore[arg-type]


@pytest.mark.skipif(not SEED.exists(), reason="seed document not present")
def test_table_follows_the_seed() -> None:
    text = SEED.read_text("utf-8")
    for names in SEED_TABLE.values():
        for name in names:
            assert f"{name} |" in text
    seed_names = {n for names in SEED_TABLE.values() for n in names}
    table = {a.name for a in activities() if a.origin == "seed activity table"}
    assert table == seed_names


def test_values_pickle_and_render() -> None:
    act = get_activity("swinging")
    assert pickle.loads(pickle.dumps(act)) == act
    assert act.to_dict()["candidates"][0]["code"] == "97533"
    assert "<table>" in act._repr_html_()
    assert "97533" in act.candidates[0]._repr_html_()
