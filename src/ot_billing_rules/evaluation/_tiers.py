"""The evaluation tier tables, read from ``_data/evaluation_levels.json``.

Private helper of :mod:`ot_billing_rules.evaluation`. Levels are plain ints
here (0 low, 1 moderate, 2 high) so the rating code stays small; the public
module turns them into :class:`~ot_billing_rules.evaluation.Complexity`.

A component's *own* level is the highest tier whose requirement the finding
meets (meet-or-exceed): a count meets a tier when it lies in the tier's range;
a named finding meets a tier when it ranks at or above the finding the tier
asks for, in the order the data gives (``choice_order``); a tier that sets no
requirement for a component is met by anything, including "not given".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .. import _data
from ..errors import DataFileError

LEVEL_NAMES = ("low", "moderate", "high")


_FILE = "evaluation_levels.json"


@attrs.frozen
class Requirement:
    """What one tier asks of one component: a count range, a finding, or nothing."""

    kind: str
    minimum: int | None = None
    maximum: int | None = None
    value: str | None = None
    text: str = ""

    def contains(self, count: int) -> bool:
        assert self.minimum is not None
        return self.minimum <= count and (self.maximum is None or count <= self.maximum)

    def describe(self) -> str:
        """Short words for the requirement: ``"1-3"``, ``"5 or more"``, ``"brief"``."""
        if self.kind == "count":
            if self.maximum is None:
                return f"{self.minimum} or more"
            if self.maximum == self.minimum:
                return str(self.minimum)
            return f"{self.minimum}-{self.maximum}"
        if self.kind == "choice":
            return self.text
        return "no requirement"


@attrs.frozen
class Tier:
    """One tier (code) of a discipline's evaluation family."""

    level: int
    code: str
    typical_minutes: int
    source: str
    requirements: Mapping[str, Requirement]


@attrs.frozen
class Reevaluation:
    """The discipline's re-evaluation code."""

    code: str
    typical_minutes: int | None
    source: str
    note: str
    unverified: bool


@attrs.frozen
class Table:
    """Everything the data says about one discipline's evaluation codes."""

    discipline: str
    tiers: tuple[Tier, ...]
    reevaluation: Reevaluation
    selection_rule: str
    selection_sources: tuple[str, ...]
    note: str
    choice_order: Mapping[str, tuple[str, ...]]
    overlap: Mapping[str, str]

    def requirement(self, level: int, component: str) -> Requirement:
        return self.tiers[level].requirements[component]


@attrs.frozen
class CountRating:
    """A count's own level, and whether it sat on an overlap or below every range."""

    level: int
    boundary: bool = False
    below_range: bool = False


def _requirement(raw: Mapping[str, Any]) -> Requirement:
    kind = raw["kind"]
    if kind == "count":
        return Requirement("count", minimum=raw["min"], maximum=raw["max"])
    if kind == "choice":
        return Requirement("choice", value=raw["value"], text=raw["text"])
    if kind == "any":
        return Requirement("any", text=raw.get("text", ""))
    raise ValueError(f"unknown requirement kind {kind!r}")


def _build(discipline: str) -> Table:
    raw = _data.read_json(_FILE)
    try:
        section = raw["disciplines"][discipline]
        if [e["level"] for e in section["levels"]] != list(LEVEL_NAMES):
            raise ValueError("tiers are not low, moderate, high in order")
        tiers = tuple(
            Tier(
                level=n,
                code=entry["code"],
                typical_minutes=int(entry["typical_minutes"]),
                source=entry["source"],
                requirements=MappingProxyType(
                    {k: _requirement(v) for k, v in entry["requirements"].items()}
                ),
            )
            for n, entry in enumerate(section["levels"])
        )
        reeval = section["reevaluation"]
        return Table(
            discipline=discipline,
            tiers=tiers,
            reevaluation=Reevaluation(
                code=reeval["code"],
                typical_minutes=reeval["typical_minutes"],
                source=reeval["source"],
                note=reeval["note"],
                unverified=bool(reeval["unverified"]),
            ),
            selection_rule=section["selection_rule"],
            selection_sources=tuple(section["selection_sources"]),
            note=section["note"],
            choice_order=MappingProxyType({k: tuple(v) for k, v in raw["choice_order"].items()}),
            overlap=MappingProxyType(dict(section.get("deficit_overlap", {}))),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataFileError(f"malformed evaluation data ({exc!r})", path=_FILE) from None


def table(discipline: str) -> Table:
    """Return the tier table of ``discipline`` ("OT", "PT" or "AT"), loaded once."""
    return _data.once(f"evaluation:{discipline}", lambda: _build(discipline))


def rate_count(table: Table, component: str, count: int, *, strict: bool) -> CountRating:
    """Rate a count against the tiers' ranges.

    A count lying in two ranges where the lower range is closed at that very
    count (OT deficits: 3 in 1-3 and 3-5, 5 in 3-5 and 5+) is on a boundary:
    it takes the higher tier, or the lower one when ``strict``. An open-ended
    lower range ("3 or more" beside "4 or more") is no boundary: the count
    simply meets both.
    """
    reqs = [(t.level, t.requirements[component]) for t in table.tiers]
    containing = [(lv, r) for lv, r in reqs if r.contains(count)]
    if not containing:
        lowest = min(r.minimum for _, r in reqs if r.minimum is not None)
        if count < lowest:
            return CountRating(0, below_range=True)
        # A gap between ranges: the count still meets every tier that starts below it.
        return CountRating(
            max(lv for lv, r in reqs if r.minimum is not None and r.minimum <= count)
        )
    top = max(lv for lv, _ in containing)
    closed_here = [lv for lv, r in containing if lv < top and r.maximum == count]
    if not closed_here:
        return CountRating(top)
    return CountRating(max(closed_here) if strict else top, boundary=True)


def rate_choice(table: Table, component: str, value: str | None) -> int:
    """Return the highest tier whose requirement the finding ``value`` meets."""
    order = table.choice_order[component]
    rank = order.index(value) if value is not None else -1
    met = [
        t.level
        for t in table.tiers
        if (req := t.requirements[component]).kind == "any"
        or (req.value is not None and rank >= order.index(req.value))
    ]
    return max(met, default=0)
