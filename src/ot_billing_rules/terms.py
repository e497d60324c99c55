"""The shared vocabulary: the closed sets every rule family speaks in.

The bottom layer of the package: this module imports nothing of the
library's own, so any family can use these enums without depending on
another family (units need a :class:`Discipline` without importing payer
policies; bundling needs a :class:`Setting` without importing the NCCI
store). Every enum also accepts its string value wherever the library takes
one (``"OT"``, ``"practitioner"``, ``"cms"``).

>>> from ot_billing_rules.terms import Discipline, Setting
>>> Discipline("OT").therapy_modifier, Setting("outpatient_hospital").name
('GO', 'OUTPATIENT_HOSPITAL')
"""

from __future__ import annotations

import enum

__all__ = [
    "Discipline",
    "EvaluationDiscipline",
    "HourRule",
    "Setting",
    "UnitBasis",
    "UnitMethod",
]


class Discipline(str, enum.Enum):
    """The therapy discipline whose plan of care a service is under.

    ``therapy_modifier`` is the Medicare plan-of-care modifier (GO for OT, GP
    for PT, GN for SLP); ``assistant_modifier`` the CO/CQ modifier for
    assistant-furnished services (SLP has none); ``kx_bucket`` the annual
    threshold the discipline's services count toward — OT alone, PT and SLP
    combined (MAC KX-threshold pages, Noridian JE and NGS, grade B).
    """

    OT = "OT"
    PT = "PT"
    SLP = "SLP"

    @property
    def therapy_modifier(self) -> str:
        """GO, GP or GN."""
        # _value_, not value: the enum's value property is a Python-level call, and
        # the audit asks for this once per claim line.
        return _THERAPY_MODIFIER[self._value_]

    @property
    def assistant_modifier(self) -> str | None:
        """CO (OT assistant), CQ (PT assistant), or ``None`` for SLP."""
        return _ASSISTANT_MODIFIER[self._value_]

    @property
    def kx_bucket(self) -> str:
        """``"OT"`` or ``"PT_SLP"``: the KX threshold the services count toward."""
        return "OT" if self is Discipline.OT else "PT_SLP"


_THERAPY_MODIFIER = {"OT": "GO", "PT": "GP", "SLP": "GN"}
_ASSISTANT_MODIFIER: dict[str, str | None] = {"OT": "CO", "PT": "CQ", "SLP": None}


class Setting(str, enum.Enum):
    """Which CMS edit tables apply.

    ``practitioner``: the ``ccipra`` PTP files and the practitioner MUE table
    (physicians, non-physician practitioners, therapists in private practice,
    ASCs). ``outpatient_hospital``: the ``ccioph`` files and the outpatient
    hospital MUE table (bill types run through the Outpatient Code Editor —
    hospital outpatient, Part B SNF, CORF, rehabilitation agencies, some HHA
    bill types). Source: the CMS Medicare NCCI PTP and MUE pages (the files
    themselves, grade A); the list of bill types from trade sources
    (therapycomply, grade C).
    """

    PRACTITIONER = "practitioner"
    OUTPATIENT_HOSPITAL = "outpatient_hospital"


class UnitMethod(str, enum.Enum):
    """How minutes become units.

    ``cms``: Medicare total-time 8-minute rule (Pub. 100-04 Ch. 5 §20.2).
    ``ama``: CPT per-code midpoint rule (no pooling, no cap).
    """

    CMS = "cms"
    AMA = "ama"


class UnitBasis(str, enum.Enum):
    """How a code's minutes become units: the catalog's unit basis (see ``units``)."""

    FIFTEEN = "fifteen"
    """Plain 15-minute timed code on the CMS chart."""
    COGNITIVE = "cognitive"
    """97129 + 97130: one 15-minute service, first unit 97129, the rest 97130."""
    CAREGIVER = "caregiver"
    """97550 + 97551, G0541 + G0542: first 30 minutes, then 15-minute add-ons."""
    HOURS = "hours"
    """97545 + 97546: initial 2 hours, then 1-hour add-ons."""
    UNTIMED = "untimed"
    """One unit per date of service whatever the minutes."""
    MONTHLY = "monthly"
    """Time counted per calendar month (RTM, DMHT): not counted here."""


class HourRule(str, enum.Enum):
    """When an hour-based work-hardening unit (97545/97546) is attained.

    ``midpoint`` (default; CPT's general time rule, inferred for these codes):
    past half the block. ``full``: the whole block.
    """

    MIDPOINT = "midpoint"
    FULL = "full"


class EvaluationDiscipline(str, enum.Enum):
    """Whose evaluation family: occupational therapy, physical therapy, athletic training."""

    OT = "OT"
    PT = "PT"
    AT = "AT"
