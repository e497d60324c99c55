"""Build the pediatric activity table (``_data/activities.json``) from the seed.

The seed document (a web guide on pediatric OT billing the project started
from) lists common pediatric OT activities by skill area in a ``Skill Area |
Activity | Description |`` table; ``data/sources/seed/activity_table.txt`` is
that table, verbatim. This script reads the activity names and their skill
areas from it (an activity listed under two areas keeps both), and adds the
self-care and fine-motor tasks the seed's prose names (dressing, bathing,
feeding, handwriting, tying shoelaces), which are written out below.

Descriptions and candidate codes are the project's own: each candidate says
why the code can fit and under what documented condition. No CPT descriptor
text is copied. Run through ``python scripts/build_data.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _manifest import record

SEED = "seed/activity_table.txt"

# Reasons, written once and reused: why a code can fit a kind of activity.
R_97530 = (
    "therapeutic activities: dynamic, functional tasks one-on-one to improve functional performance"
)
R_97110 = "therapeutic exercise: when the documented aim is strength, endurance or range of motion"
R_97112 = (
    "neuromuscular re-education: when the documented aim is balance, coordination, "
    "kinesthetic sense, posture or proprioception"
)
R_97533 = (
    "sensory integrative techniques: when the activity is used to improve sensory "
    "processing and adaptive responses, one-on-one"
)
R_97535 = "self-care training: when the child is trained in an everyday self-care task (ADL)"
R_97129 = (
    "cognitive function intervention: when the documented aim is attention, memory, "
    "problem solving or executive function (first 15 minutes; add 97130 for each further 15)"
)
R_97130 = "cognitive function intervention add-on: each 15 minutes beyond the first (with 97129)"
R_97150 = "group therapy: when two or more patients are treated together in the activity"

MAIN = "primary"
ALT = "alternative"

# name -> (our description, aliases, [(code, reason, role)])
ACTIVITIES: dict[str, tuple[str, list[str], list[tuple[str, str, str]]]] = {
    "Bead Threading": (
        "Threading large beads on a lace to practise eye-hand coordination and finger dexterity.",
        ["bead stringing", "threading beads"],
        [("97530", R_97530, MAIN), ("97112", R_97112, ALT)],
    ),
    "Play-Dough Shapes": (
        "Squeezing, rolling and shaping dough to build hand strength and finger control.",
        ["play dough", "playdough", "putty", "theraputty"],
        [("97530", R_97530, MAIN), ("97110", R_97110, ALT)],
    ),
    "Peg Boards": (
        "Placing pegs in a board to work on precise grasp and grip strength.",
        ["pegboard", "peg board"],
        [("97530", R_97530, MAIN), ("97110", R_97110, ALT), ("97112", R_97112, ALT)],
    ),
    "Obstacle Courses": (
        "A course of jumping, crawling and balancing tasks for whole-body coordination, "
        "strength and motor planning.",
        ["obstacle course"],
        [("97530", R_97530, MAIN), ("97112", R_97112, ALT), ("97150", R_97150, ALT)],
    ),
    "Bean Bag Toss": (
        "Throwing bean bags at targets to build body awareness and coordination.",
        ["beanbag toss", "bean bags"],
        [("97530", R_97530, MAIN), ("97112", R_97112, ALT)],
    ),
    "Animal Walks": (
        "Moving like animals (bear crawl, crab walk) to build strength and motor planning.",
        ["animal walking", "bear walk", "crab walk"],
        [("97110", R_97110, MAIN), ("97530", R_97530, ALT), ("97112", R_97112, ALT)],
    ),
    "Sensory Bins": (
        "Searching bins of textured material for hidden objects to work on tactile "
        "processing and fine-motor skill.",
        ["sensory bin", "tactile bin"],
        [("97533", R_97533, MAIN), ("97530", R_97530, ALT)],
    ),
    "Weighted Blanket Time": (
        "Time under a weighted blanket for deep-pressure (proprioceptive) input that helps "
        "a sensory-sensitive child calm.",
        ["weighted blanket", "deep pressure"],
        [("97533", R_97533, MAIN)],
    ),
    "Swinging": (
        "Gentle swinging for vestibular input in support of sensory processing.",
        ["swing", "vestibular swinging"],
        [("97533", R_97533, MAIN), ("97112", R_97112, ALT)],
    ),
    "Role-Playing Games": (
        "Pretend play to practise social cues, turn-taking and listening.",
        ["role play", "pretend play"],
        [("97530", R_97530, MAIN), ("97150", R_97150, ALT)],
    ),
    "Board Games": (
        "Playing board games to practise following rules, turn-taking, and winning or "
        "losing gracefully.",
        ["board game"],
        [
            ("97530", R_97530, MAIN),
            ("97129", R_97129, ALT),
            ("97150", R_97150, ALT),
        ],
    ),
    "Group Projects": (
        "A shared task such as building a puzzle or a fort, for teamwork and communication.",
        ["group project", "fort building", "collaborative project"],
        [("97150", R_97150, MAIN), ("97530", R_97530, ALT)],
    ),
    "Memory Games": (
        "Card-matching and similar games for concentration, attention and working memory.",
        ["memory game", "memory cards", "card matching"],
        [("97129", R_97129, MAIN), ("97130", R_97130, ALT), ("97530", R_97530, ALT)],
    ),
    "Puzzle Solving": (
        "Completing puzzles for problem solving, spatial awareness and persistence.",
        ["puzzles", "puzzle"],
        [("97129", R_97129, MAIN), ("97130", R_97130, ALT), ("97530", R_97530, ALT)],
    ),
}

# Tasks from the seed's prose on fine-motor and self-care skills.
PROSE: dict[str, tuple[str, str, list[str], list[tuple[str, str, str]]]] = {
    "Dressing Practice": (
        "Self-Care",
        "Practising putting on and taking off clothes, fasteners included.",
        ["dressing", "buttons", "zippers"],
        [("97535", R_97535, MAIN), ("97530", R_97530, ALT)],
    ),
    "Bathing Routine": (
        "Self-Care",
        "Practising the steps of bathing or washing with the child and caregiver.",
        ["bathing", "washing"],
        [("97535", R_97535, MAIN)],
    ),
    "Self-Feeding": (
        "Self-Care",
        "Practising feeding oneself with utensils and a cup.",
        ["feeding", "utensil use", "eating"],
        [("97535", R_97535, MAIN), ("97530", R_97530, ALT)],
    ),
    "Tying Shoelaces": (
        "Fine Motor",
        "Learning to tie shoelaces as an everyday fine-motor and self-care task.",
        ["shoe tying", "shoelaces"],
        [("97535", R_97535, MAIN), ("97530", R_97530, ALT)],
    ),
    "Handwriting": (
        "Fine Motor",
        "Practising letter formation, pencil grasp and writing control.",
        ["writing", "pencil grasp"],
        [("97530", R_97530, MAIN), ("97112", R_97112, ALT)],
    ),
}

CAVEATS = {
    "97150": "Bill group therapy only when two or more patients shared the activity; "
    "one-on-one codes are for one-on-one time.",
    "97533": "Must be skilled, one-on-one sensory integrative treatment, not passive "
    "equipment use alone.",
    "97129": "Once per day; further 15-minute blocks go on add-on 97130 (codes from 2020).",
    "97130": "Only with 97129 on the same day (codes from 2020).",
}


def seed_table(text: str) -> list[tuple[str, str]]:
    """Return (skill area, activity) pairs from the seed's activity table."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Skill Area | Activity |"))
    pairs: list[tuple[str, str]] = []
    area = ""
    for ln in lines[start + 1 :]:
        if "|" not in ln:
            break
        cells = [c.strip() for c in ln.split("|")]
        if len(cells) >= 4 and cells[0] and cells[1] and cells[2]:
            area, name = cells[0], cells[1]
        elif cells[0]:
            name = cells[0]
        else:
            continue
        pairs.append((area, name))
    return pairs


def build(sources: Path, dest: Path) -> None:
    """Write ``dest/activities.json`` from ``sources/seed/activity_table.txt``."""
    pairs = seed_table((sources / SEED).read_text("utf-8"))
    areas: dict[str, list[str]] = {}
    for area, name in pairs:
        areas.setdefault(name, [])
        if area not in areas[name]:
            areas[name].append(area)
    if set(areas) != set(ACTIVITIES):
        raise SystemExit(f"seed activities changed: {sorted(set(areas) ^ set(ACTIVITIES))}")
    out = []
    for name, (desc, aliases, cands) in ACTIVITIES.items():
        out.append(_record(name, areas[name], desc, aliases, cands, "seed activity table"))
    for name, (area, desc, aliases, cands) in PROSE.items():
        out.append(
            _record(
                name, [area], desc, aliases, cands, "seed text on self-care and fine-motor skills"
            )
        )
    out.sort(key=lambda r: r["name"])
    target = dest / "activities.json"
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", "utf-8")
    record(
        dest,
        "activities.json",
        source="activity names and skill areas from a pediatric OT billing guide's "
        "table of common activities; descriptions and candidate codes are the project's own "
        "(scripts/build_activities.py)",
        release="seed",
    )


def _record(
    name: str,
    areas: list[str],
    desc: str,
    aliases: list[str],
    cands: list[tuple[str, str, str]],
    origin: str,
) -> dict[str, Any]:
    return {
        "name": name,
        "skill_areas": areas,
        "description": desc,
        "aliases": aliases,
        "candidates": [
            {"code": code, "reason": reason, "role": role, "caveat": CAVEATS.get(code, "")}
            for code, reason, role in cands
        ],
        "origin": origin,
    }
