"""CQ/CO: which units of a code were furnished "in whole or in part" by an assistant.

The rule depends on the date of service (SSA §1834(v); CMS Pub. 100-04 Ch. 5
§20.1; the CY 2020 and CY 2022 PFS final rules):

- before 2020-01-01: no assistant modifier exists on claims (SSA §1834(v)
  required it from 2020) — every unit is billed plain;
- 2020-01-01 to 2021-12-31 (CY 2020 PFS, 84 FR 62702–62707; AOTA/APTA
  summaries, grade A): whole 15-minute blocks the assistant furnished alone
  carry the modifier; each remaining unit carries it when the assistant's
  independent minutes exceed 10% of that unit's minutes;
- from 2022-01-01 (CY 2022 PFS, 86 FR 64996; AOTA, CMS examples page, grade
  A): as above, but the final unit is the therapist's when the therapist
  furnished 8 minutes or more of it, the assistant's when the assistant did
  (and the therapist did not), else the 10% test; two remaining units with
  8 or more minutes from each clinician are billed one with, one without the
  modifier (the CY 2022 9–14 minute case).

Untimed codes: the modifier applies when the assistant independently
furnished more than 10% of the service's time (the whole service included).

Where no public source settles the answer (both clinicians with 8 or more
minutes of a final unit, the 10% denominator, two leftover units),
:class:`AssistantPolicy` holds the documented default and the alternative,
and the case is reported as ``units.assistant.open_case``.
"""

from __future__ import annotations

import enum
from datetime import date

import attrs

from .._coerce import coerce_enum

__all__ = [
    "AssistantPeriod",
    "AssistantPolicy",
    "BothEight",
    "DeMinimisBase",
    "Split",
    "TwoLeftoverUnits",
    "period_on",
    "split_timed",
    "split_whole_service",
]

MODIFIER_REQUIRED_FROM = date(2020, 1, 1)
FINAL_UNIT_RULE_FROM = date(2022, 1, 1)


class AssistantPeriod(str, enum.Enum):
    """Which CQ/CO rule is in force on the date of service."""

    NONE = "none"
    """Before 2020-01-01: no modifier on claims."""
    DE_MINIMIS_2020 = "de_minimis_2020"
    """2020-01-01 to 2021-12-31: per-unit 10% test."""
    FINAL_UNIT_2022 = "final_unit_2022"
    """From 2022-01-01: 8-minute final-unit rule, then the 10% test."""


def period_on(on: date) -> AssistantPeriod:
    """The CQ/CO rule in force on date of service ``on``."""
    if on < MODIFIER_REQUIRED_FROM:
        return AssistantPeriod.NONE
    if on < FINAL_UNIT_RULE_FROM:
        return AssistantPeriod.DE_MINIMIS_2020
    return AssistantPeriod.FINAL_UNIT_2022


class BothEight(str, enum.Enum):
    """CY 2022 final unit where therapist and assistant each furnished ≥ 8 minutes.

    ``therapist`` (default): no modifier — CMS's wording ("if the therapist
    furnishes 8 minutes or more of the final unit, no modifier") reads as
    therapist precedence (inferred from the CMS CQ/CO billing-examples page
    and AOTA's summary of the CY 2022 PFS final rule). ``assistant``:
    the modifier (the conservative choice, paid at 85%).
    """

    THERAPIST = "therapist"
    ASSISTANT = "assistant"


class DeMinimisBase(str, enum.Enum):
    """Denominator of the 10% test for a partial final unit.

    ``unit`` (default): the minutes actually in that unit (therapist plus
    assistant leftover, at most 15) — the CY 2020 proposal defined total time
    that way. ``fifteen``: always 15 minutes. They differ only for short units
    such as 7 + 1 minutes (no public source settles the denominator).
    """

    UNIT = "unit"
    FIFTEEN = "fifteen"


class TwoLeftoverUnits(str, enum.Enum):
    """Two remaining units of one code outside the settled 8/8 (9–14) case.

    This happens when a code wins an extra unit from leftover minutes that
    already add up to a 15-minute block (e.g. therapist 14 + assistant 5 plus
    the extra unit). No public source addresses it.
    ``split`` (default): one unit with, one without the modifier. ``modifier``:
    both with the modifier.
    """

    SPLIT = "split"
    MODIFIER = "modifier"


def _both_eight(value: object) -> BothEight:
    return coerce_enum(BothEight, value, field="both_eight")


def _de_minimis_base(value: object) -> DeMinimisBase:
    return coerce_enum(DeMinimisBase, value, field="de_minimis_base")


def _two_leftover_units(value: object) -> TwoLeftoverUnits:
    return coerce_enum(TwoLeftoverUnits, value, field="two_leftover_units")


@attrs.frozen
class AssistantPolicy:
    """The choices this library makes where the CQ/CO sources leave a case open.

    Every field takes the enum or its string value. The defaults are
    documented on each enum; every time one of them decides a line, the
    allocation reports a ``units.assistant.open_case`` finding.

    >>> AssistantPolicy(both_eight="assistant").both_eight
    <BothEight.ASSISTANT: 'assistant'>
    """

    both_eight: BothEight = attrs.field(default=BothEight.THERAPIST, converter=_both_eight)
    de_minimis_base: DeMinimisBase = attrs.field(
        default=DeMinimisBase.UNIT, converter=_de_minimis_base
    )
    two_leftover_units: TwoLeftoverUnits = attrs.field(
        default=TwoLeftoverUnits.SPLIT,
        converter=_two_leftover_units,
    )

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-ready dict."""
        return {
            "both_eight": self.both_eight.value,
            "de_minimis_base": self.de_minimis_base.value,
            "two_leftover_units": self.two_leftover_units.value,
        }


DEFAULT_POLICY = AssistantPolicy()


@attrs.frozen
class Split:
    """Units of one service: ``plain`` without and ``modifier`` with CQ/CO."""

    plain: int
    modifier: int
    reason: str
    open_case: str = ""


def _over_tenth(assistant: int, base: int) -> bool:
    return assistant * 10 > base


def split_timed(
    units: int, minutes: int, assistant: int, period: AssistantPeriod, policy: AssistantPolicy
) -> Split:
    """Split the units of a 15-minute service given its assistant-alone minutes."""
    if assistant == 0 or units == 0 or period is AssistantPeriod.NONE:
        return Split(units, 0, "")
    therapist = minutes - assistant
    whole_t, left_t = divmod(therapist, 15)
    whole_a, left_a = divmod(assistant, 15)
    rest = units - whole_t - whole_a
    head = (
        f"therapist {therapist} min ({whole_t} whole unit(s), {left_t} left), "
        f"assistant alone {assistant} min ({whole_a} whole unit(s), {left_a} left)"
    )
    if rest <= 0:
        return Split(whole_t, whole_a, f"{head}; whole 15-minute blocks only")
    if rest == 1:
        return _final_unit(whole_t, whole_a, left_t, left_a, period, policy, head)
    if period is AssistantPeriod.FINAL_UNIT_2022 and left_t >= 8 and left_a >= 8:
        return Split(
            whole_t + 1,
            whole_a + 1,
            f"{head}; two units left with ≥ 8 minutes from each clinician: one with, "
            "one without the modifier (CY 2022 rule)",
        )
    open_case = (
        f"two remaining units built from {left_t} therapist and {left_a} assistant leftover "
        f"minutes: no source settles their modifiers; applied '{policy.two_leftover_units.value}'"
    )
    if policy.two_leftover_units is TwoLeftoverUnits.MODIFIER:
        return Split(whole_t, whole_a + 2, f"{head}; {open_case}", open_case)
    return Split(whole_t + 1, whole_a + 1, f"{head}; {open_case}", open_case)


def _final_unit(
    whole_t: int,
    whole_a: int,
    left_t: int,
    left_a: int,
    period: AssistantPeriod,
    policy: AssistantPolicy,
    head: str,
) -> Split:
    plain = Split(whole_t + 1, whole_a, "")
    marked = Split(whole_t, whole_a + 1, "")
    if period is AssistantPeriod.FINAL_UNIT_2022:
        if left_t >= 8 and left_a >= 8:
            open_case = (
                f"final unit with {left_t} therapist and {left_a} assistant minutes (both ≥ 8): "
                f"applied '{policy.both_eight.value}'"
            )
            pick = plain if policy.both_eight is BothEight.THERAPIST else marked
            return attrs.evolve(pick, reason=f"{head}; {open_case}", open_case=open_case)
        if left_t >= 8:
            why = f"therapist furnished {left_t} ≥ 8 minutes of the final unit: no modifier"
            return attrs.evolve(plain, reason=f"{head}; {why}")
        if left_a >= 8:
            why = f"assistant furnished {left_a} ≥ 8 minutes of the final unit: modifier"
            return attrs.evolve(marked, reason=f"{head}; {why}")
    unit = min(left_t + left_a, 15)
    base = unit if policy.de_minimis_base is DeMinimisBase.UNIT else 15
    other = 15 if policy.de_minimis_base is DeMinimisBase.UNIT else unit
    over = _over_tenth(left_a, base)
    why = (
        f"assistant's {left_a} min {'exceed' if over else 'do not exceed'} 10% of the "
        f"{base}-minute final unit: {'modifier' if over else 'no modifier'}"
    )
    open_case = ""
    if left_a and over != _over_tenth(left_a, other):
        open_case = (
            f"10% test on a {unit}-minute final unit with {left_a} assistant minutes depends "
            f"on the denominator: applied '{policy.de_minimis_base.value}' ({base} minutes)"
        )
    return attrs.evolve(marked if over else plain, reason=f"{head}; {why}", open_case=open_case)


def split_whole_service(
    units: int, minutes: int, assistant: int, period: AssistantPeriod, *, open_case: str = ""
) -> Split:
    """Split a service judged as a whole (untimed codes and non-15-minute codes)."""
    if assistant == 0 or units == 0 or period is AssistantPeriod.NONE:
        return Split(units, 0, "")
    if _over_tenth(assistant, minutes):
        why = (
            f"assistant alone {assistant} of {minutes} min, more than 10% of the service: "
            "modifier on every unit"
        )
        return Split(0, units, why, open_case)
    why = f"assistant alone {assistant} of {minutes} min, not more than 10%: no modifier"
    return Split(units, 0, why, open_case)
