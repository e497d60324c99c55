"""How each catalog code turns minutes into units ("unit basis").

Each code's basis and the base + add-on families are read from the catalog
(``Code.unit_basis`` and the add-on links; the data build checks that every
family is one base and one add-on of the same basis); this module holds the
arithmetic. Most timed therapy codes are plain 15-minute codes and go through
the CMS chart. A few are not, and must never be treated as if they were:

- **97129 + 97130** (cognitive function intervention): one service billed as a
  first 15-minute unit (97129, at most once a day) plus 15-minute add-on units
  (97130). Minutes of both codes are pooled into the one service, which enters
  the CMS total like any 15-minute code; its first unit is labelled 97129 and
  the rest 97130. Source: the CPT descriptors (initial 15 minutes / each
  additional 15, from 2020-01-01; UnitedHealthcare's commercial policy lists
  both as timed); the pooling and labelling are **inferred** by
  ot-billing-rules from Pub. 100-04 Ch. 5 §20.2 (no public source settles
  them), the once-a-day limit is by descriptor and CMS NCCI MUE 1.
- **97545 + 97546** (work hardening/conditioning): an initial 2-hour block and
  1-hour add-ons. Never on the 15-minute chart and never in the CMS total.
  Default (``HourRule.MIDPOINT``, CPT's general time rule, **inferred** for
  these codes: no public source applies it to them): 97545 at 61 minutes or
  more, one 97546 at 151 minutes or more and another each further 60 minutes
  (211, 271 …). ``HourRule.FULL`` requires the whole block (120, 180, 240 …),
  as many workers'-compensation schedules do.
- **97550 + 97551** and **G0541 + G0542** (caregiver training): a first
  30-minute unit then 15-minute add-ons. Billed on their own per-code time
  rule under both methods, minutes kept out of the CMS total: the first unit
  once the 30-minute midpoint is passed (16 minutes), each add-on unit at 38,
  53, 68 … minutes. Source: code descriptors (first 30 minutes / each
  additional 15) and secondary billing guides; the thresholds and the
  exclusion from the CMS total are **inferred**.
- **Monthly codes** (remote therapeutic monitoring 98979/98980/98981, digital
  mental-health treatment G0553/G0554): their time is counted per calendar
  month, not per date of service, so this module does not count them: they
  get 0 units and a ``units.not_daily_minutes`` finding.
- **Untimed codes** (evaluations, 97150 group, supervised modalities, 92526,
  G0283, unlisted codes …): 1 unit per date of service whatever the minutes,
  which never enter the timed total (Pub. 100-04 Ch. 5 §20.2 B, source grade).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .. import _data
from ..catalog import Code, codes
from ..errors import DataFileError
from ..terms import HourRule, UnitBasis

__all__ = ["FAMILY_BASES", "Family", "HourRule", "UnitBasis", "basis_of", "families", "family_of"]


@attrs.frozen
class Family:
    """A base code and its add-on, billed as one service."""

    basis: UnitBasis
    base: str
    add_on: str
    base_minutes: int
    add_on_minutes: int

    @property
    def name(self) -> str:
        """``"97129+97130"``."""
        return f"{self.base}+{self.add_on}"

    def units(self, minutes: int, hour_rule: HourRule = HourRule.MIDPOINT) -> int:
        """Total units (base + add-ons) for the family's minutes, on its own time rule."""
        if self.basis is UnitBasis.COGNITIVE:
            return (minutes + 7) // 15
        if self.basis is UnitBasis.HOURS and hour_rule is HourRule.FULL:
            if minutes < self.base_minutes:
                return 0
            return 1 + (minutes - self.base_minutes) // self.add_on_minutes
        # Midpoint: a block is attained once more than half of it has passed.
        if 2 * minutes <= self.base_minutes:
            return 0
        extra = minutes - self.base_minutes
        below_half = (self.add_on_minutes - 1) // 2
        return 1 + max(0, (extra + below_half) // self.add_on_minutes)

    def split(self, units: int) -> tuple[int, int]:
        """Label ``units`` of the service: (base units, add-on units)."""
        return min(units, 1), max(0, units - 1)


#: Bases whose codes pair into a base + add-on family with its own time rule.
FAMILY_BASES = frozenset({UnitBasis.COGNITIVE, UnitBasis.CAREGIVER, UnitBasis.HOURS})


def _block_minutes(entry: Code) -> int:
    if entry.unit_minutes is None:  # the data build refuses this; never guess a block length
        raise DataFileError(
            f"catalog code {entry.code} is in a {entry.unit_basis.value} family but has no "
            "unit minutes",
            path="code_catalog.json",
        )
    return entry.unit_minutes


def _build() -> Mapping[str, Family]:
    entries = {c.code: c for c in codes()}
    by_code: dict[str, Family] = {}
    for add_on in entries.values():
        if add_on.unit_basis in FAMILY_BASES and add_on.add_on_to:
            base = entries[add_on.add_on_to[0]]
            fam = Family(
                add_on.unit_basis,
                base.code,
                add_on.code,
                _block_minutes(base),
                _block_minutes(add_on),
            )
            by_code[base.code] = by_code[add_on.code] = fam
    return by_code


def _by_code() -> Mapping[str, Family]:
    return _data.once("code_catalog:families", _build)


def families() -> tuple[Family, ...]:
    """Every base + add-on family in the catalog, sorted by base code."""
    return tuple(sorted({f.base: f for f in _by_code().values()}.values(), key=lambda f: f.base))


def family_of(code: str) -> Family | None:
    """The base/add-on family ``code`` belongs to, or ``None``."""
    return _by_code().get(code)


def basis_of(entry: Code) -> UnitBasis:
    """Return how ``entry``'s minutes become units (the catalog's ``unit_basis``)."""
    return entry.unit_basis
