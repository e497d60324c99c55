"""Candidate codes for documented pediatric OT activities.

The activity table comes from the project's seed document (its table of
common pediatric activities by skill area: fine motor, gross motor, sensory
processing, social and cognitive skills), plus the self-care and fine-motor
tasks its text names (dressing, bathing, feeding, handwriting, shoelaces).
For each activity the library lists the codes that *can* fit and why.

An activity never decides the code on its own: the code follows from what
the therapist documented as the skilled intent of the time and how it was
delivered (one-on-one or in a group). The same obstacle course is
therapeutic activities (97530) when the note targets functional performance,
neuromuscular re-education (97112) when it targets balance and coordination,
and group therapy (97150) when two children did it together. Every
suggestion carries that caveat. Evidence grade: **inferred** — the mapping is
the project's reading of the code descriptors, not a payer rule.

>>> from ot_billing_rules import suggest_codes
>>> [(s.code, s.role) for s in suggest_codes("sensory bins")]
[('97533', 'primary'), ('97530', 'alternative')]
>>> suggest_codes("playdough")[0].activity
'Play-Dough Shapes'
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import attrs

from . import _data
from ._html import html_table
from .errors import InvalidInputError, InvalidTypeError, UnknownActivityError

__all__ = ["Activity", "CodeSuggestion", "activities", "get_activity", "suggest_codes"]

#: Said of every suggestion: the documentation, not the activity, picks the code.
GENERAL_CAVEAT = (
    "The documented skilled intent and delivery (one-on-one or group, minutes) decide the "
    "code; the activity alone does not."
)


@attrs.frozen
class CodeSuggestion:
    """One candidate code for an activity.

    ``role`` is ``"primary"`` (the usual fit) or ``"alternative"`` (fits when
    the documentation says so, see ``reason``); ``caveat`` adds the code's own
    conditions to the general one.
    """

    activity: str
    code: str
    reason: str
    role: str
    caveat: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return attrs.asdict(self)

    def _repr_html_(self) -> str:
        return html_table(f"{self.code} for {self.activity}", self.to_dict().items())


@attrs.frozen
class Activity:
    """An activity from the table: its skill areas, our description, candidate codes."""

    name: str
    skill_areas: tuple[str, ...]
    description: str
    aliases: tuple[str, ...]
    candidates: tuple[CodeSuggestion, ...]
    origin: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "name": self.name,
            "skill_areas": list(self.skill_areas),
            "description": self.description,
            "aliases": list(self.aliases),
            "candidates": [c.to_dict() for c in self.candidates],
            "origin": self.origin,
        }

    def _repr_html_(self) -> str:
        return html_table(
            f"{self.name} ({', '.join(self.skill_areas)})",
            [(c.code, c.role, c.reason, c.caveat) for c in self.candidates],
            header=("code", "role", "reason", "caveat"),
        )


def _fold(text: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split()
    # "peg board" / "pegboards" / "Peg Boards" all name one activity.
    return "".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def _load() -> tuple[tuple[Activity, ...], Mapping[str, Activity]]:
    table: list[Activity] = []
    index: dict[str, Activity] = {}
    for row in _data.read_json("activities.json"):
        name = row["name"]
        caveats = [GENERAL_CAVEAT]
        activity = Activity(
            name=name,
            skill_areas=tuple(row["skill_areas"]),
            description=row["description"],
            aliases=tuple(row["aliases"]),
            candidates=tuple(
                CodeSuggestion(
                    activity=name,
                    code=c["code"],
                    reason=c["reason"],
                    role=c["role"],
                    caveat=" ".join([*caveats, c["caveat"]]).strip(),
                )
                for c in row["candidates"]
            ),
            origin=row["origin"],
        )
        table.append(activity)
        for key in (name, *activity.aliases):
            index.setdefault(_fold(key), activity)
    return tuple(table), index


def _table() -> tuple[tuple[Activity, ...], Mapping[str, Activity]]:
    return _data.once("activities", _load)


def activities(*, skill_area: str | None = None) -> tuple[Activity, ...]:
    """All activities, or those of one skill area (case-insensitive), by name.

    >>> [a.name for a in activities(skill_area="sensory processing")]
    ['Sensory Bins', 'Swinging', 'Weighted Blanket Time']
    """
    table, _ = _table()
    if skill_area is None:
        return table
    if not isinstance(skill_area, str):
        raise InvalidTypeError(
            f"skill_area must be a string, not {type(skill_area).__name__} {skill_area!r}",
            value=skill_area,
            field="skill_area",
        )
    areas = sorted({a for act in table for a in act.skill_areas})
    wanted = _fold(skill_area)
    match = [a for a in areas if _fold(a) == wanted]
    if not match:
        raise InvalidInputError(
            f"skill_area={skill_area!r} is not one of {', '.join(areas)}",
            value=skill_area,
            field="skill_area",
        )
    return tuple(act for act in table if match[0] in act.skill_areas)


def get_activity(activity: str) -> Activity:
    """Return the activity named ``activity`` (its name or an alias, loosely matched).

    Raises :class:`~ot_billing_rules.errors.UnknownActivityError` with close
    names when there is none.
    """
    if not isinstance(activity, str):
        raise InvalidTypeError(
            f"activity must be a string, not {type(activity).__name__} {activity!r}",
            value=activity,
            field="activity",
        )
    table, index = _table()
    key = _fold(activity)
    found = index.get(key)
    if found is not None:
        return found
    close = difflib.get_close_matches(key, list(index), n=6, cutoff=0.6)
    names: list[str] = []
    for k in close:
        if index[k].name not in names:
            names.append(index[k].name)
    if not names:
        names = [a.name for a in table if key and (key in _fold(a.name))]
    raise UnknownActivityError(activity.strip(), suggestions=names[:3])


def suggest_codes(activity: str) -> tuple[CodeSuggestion, ...]:
    """Candidate codes for a documented activity, the usual fit first.

    Each :class:`CodeSuggestion` says why the code can fit and the caveat
    that the documented intent decides. Unknown activities raise
    :class:`~ot_billing_rules.errors.UnknownActivityError` with suggestions.

    >>> [s.code for s in suggest_codes("Memory Games")]
    ['97129', '97130', '97530']
    >>> suggest_codes("obstacle coarse")
    Traceback (most recent call last):
    ...
    ot_billing_rules.errors.UnknownActivityError: activity 'obstacle coarse' is not in the \
activity table; did you mean 'Obstacle Courses'? (list them with ot_billing_rules.activities())
    """
    return get_activity(activity).candidates
