"""Evaluation complexity: which evaluation code the documentation supports.

Since 2017-01-01 an occupational-therapy evaluation is billed as one of three
tiers — 97165 (low), 97166 (moderate), 97167 (high) — and a re-evaluation as
97168. Physical therapy (97161–97163, re-evaluation 97164) and athletic
training (97169–97171, re-evaluation 97172) have the same structure with their
own components. The component requirements are read from the bundled data
(``_data/evaluation_levels.json``: the project's own paraphrase of the CPT
descriptors as printed by coding-reference sites — codingahead/case2code,
mirahealth — each tier naming its source).

**The selection rule** (grade: source — MMP 2017-04-04, Ensora Health and the
Clinicient knowledge base for OT; APTA Pelvic Health and Theraplatform for PT):
a tier may be billed only when *every* tiering component meets it. Each
component therefore has its own level — the highest tier it meets — and the
code is set by the lowest of them; a higher component never lifts the code.

>>> from ot_billing_rules import select_ot_evaluation
>>> sel = select_ot_evaluation(profile="extensive", performance_deficits=6,
...                            decision_making="low")
>>> sel.code, sel.complexity.value, sel.limited_by
('97165', 'low', ('decision_making',))

Typical face-to-face minutes (30/45/60 for OT) describe each code; time never
decides the tier (CMS Pub. 100-02 Ch. 15 §220.3.C: evaluations are untimed).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from .._coerce import coerce_enum, require_int
from .._html import html_table
from ..errors import InvalidTypeError
from ..findings import Finding, Severity, findings_html
from ..terms import EvaluationDiscipline
from . import _tiers as _levels
from .reevaluation import ReevaluationDecision, ReevaluationReason, reevaluation_billable

__all__ = [
    "BoundaryPolicy",
    "Comorbidities",
    "Complexity",
    "ComponentLevel",
    "EvaluationDiscipline",
    "EvaluationSelection",
    "OccupationalProfile",
    "Presentation",
    "ReevaluationDecision",
    "ReevaluationReason",
    "TaskModification",
    "reevaluation_billable",
    "select_at_evaluation",
    "select_ot_evaluation",
    "select_pt_evaluation",
]


class Complexity(str, enum.Enum):
    """An evaluation tier, and the level of clinical decision making."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for low, 1 for moderate, 2 for high."""
        return _LEVELS.index(self)


_LEVELS = (Complexity.LOW, Complexity.MODERATE, Complexity.HIGH)


class OccupationalProfile(str, enum.Enum):
    """Depth of the OT occupational profile and medical/therapy history."""

    BRIEF = "brief"
    EXPANDED = "expanded"
    EXTENSIVE = "extensive"


class Comorbidities(str, enum.Enum):
    """Whether comorbidities affect occupational performance (part of OT decision making).

    The low tier asks for none, the high tier for some; the moderate tier says
    they "may be present", so it accepts either.
    """

    NONE = "none"
    PRESENT = "present"


class TaskModification(str, enum.Enum):
    """Modification of tasks or assistance the patient needed to complete the OT evaluation.

    Part of OT clinical decision making: not necessary (low), minimal to
    moderate (moderate), significant (high).
    """

    NOT_NECESSARY = "not_necessary"
    MINIMAL_TO_MODERATE = "minimal_to_moderate"
    SIGNIFICANT = "significant"


class Presentation(str, enum.Enum):
    """Clinical presentation (PT and athletic training).

    ``stable`` — stable and/or uncomplicated; ``evolving`` — evolving, with
    changing characteristics; ``unstable`` — unstable and unpredictable.
    """

    STABLE = "stable"
    EVOLVING = "evolving"
    UNSTABLE = "unstable"


class BoundaryPolicy(str, enum.Enum):
    """How an OT deficit count on an overlap of two ranges is rated.

    The descriptors' ranges overlap: 3 lies in 1–3 (97165) and 3–5 (97166), 5
    in 3–5 and "5 or more" (97167). No AMA or AOTA text resolving this was
    found, so the choice is
    **inferred** and configurable:

    - ``inclusive`` (default): a count meets every tier whose range holds it,
      so 3 rates moderate and 5 rates high;
    - ``strict``: the count takes the lower tier, so 3 rates low and 5 moderate.

    Either way the result carries an ``eval.deficit_boundary`` warning.
    """

    INCLUSIVE = "inclusive"
    STRICT = "strict"


@attrs.frozen
class ComponentLevel:
    """One component of an evaluation and the level it supports on its own.

    ``value`` is the finding as given (a count, a finding name, or ``None`` when
    an optional component was not given); ``level`` the highest tier it meets;
    ``meets`` what that tier asks of the component; ``note`` any caveat.
    """

    name: str
    value: int | str | None
    level: Complexity
    meets: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "name": self.name,
            "value": self.value,
            "level": self.level.value,
            "meets": self.meets,
            "note": self.note,
        }


def _findings(value: Any) -> tuple[Finding, ...]:
    return tuple(value)


def _components(value: Any) -> tuple[ComponentLevel, ...]:
    return tuple(value)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class EvaluationSelection:
    """The evaluation code the documented components support, and why.

    ``code`` is the CPT code to bill; ``complexity`` its tier; ``components``
    each component's own level; ``limited_by`` the components at the lowest
    level, which kept the tier from going higher (empty when the tier is
    high); ``typical_minutes`` the code's typical face-to-face time —
    descriptive only, it never decides the tier; ``findings`` (alias ``warnings``) those that
    need a person's judgment (a deficit count on a range boundary, a count
    below every range, an inferred rule); ``explanation`` the reasoning in
    words; ``source`` the public sources of the tier table and selection rule.
    """

    discipline: EvaluationDiscipline
    code: str
    complexity: Complexity
    components: tuple[ComponentLevel, ...] = attrs.field(converter=_components)
    limited_by: tuple[str, ...] = attrs.field(converter=_names)
    typical_minutes: int
    findings: tuple[Finding, ...] = attrs.field(converter=_findings)
    explanation: str
    source: str

    @property
    def levels(self) -> Mapping[str, Complexity]:
        """Each component's own level, by component name."""
        return {c.name: c.level for c in self.components}

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The same as :attr:`findings` (its name before 0.1; kept as an alias)."""
        return self.findings

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "discipline": self.discipline.value,
            "code": self.code,
            "complexity": self.complexity.value,
            "components": [c.to_dict() for c in self.components],
            "limited_by": list(self.limited_by),
            "typical_minutes": self.typical_minutes,
            "findings": [f.to_dict() for f in self.findings],
            "explanation": self.explanation,
            "source": self.source,
        }

    def _repr_html_(self) -> str:
        head = html_table(
            f"{self.discipline.value} evaluation: {self.code} ({self.complexity.value})",
            [
                (c.name, "" if c.value is None else c.value, c.level.value, c.meets, c.note)
                for c in self.components
            ],
            header=("component", "value", "level", "meets", "note"),
        )
        summary = html_table(
            "Selection",
            [
                ("limited by", ", ".join(self.limited_by) or "nothing"),
                ("typical minutes (descriptive)", self.typical_minutes),
                ("explanation", self.explanation),
            ],
        )
        return head + summary + (findings_html(self.findings) if self.findings else "")


# --- building a selection -------------------------------------------------------------------


@attrs.frozen
class _Rated:
    name: str
    value: int | str | None
    level: int
    note: str = ""


_TITLES = {
    EvaluationDiscipline.OT: "OT",
    EvaluationDiscipline.PT: "PT",
    EvaluationDiscipline.AT: "athletic training",
}


def _show(value: int | str | None) -> str:
    if value is None:
        return "not given"
    return str(value) if isinstance(value, int) else repr(value)


def _select(
    discipline: EvaluationDiscipline, rated: list[_Rated], warnings: list[Finding]
) -> EvaluationSelection:
    table = _levels.table(discipline.value)
    tier_level = min(r.level for r in rated)
    tier = table.tiers[tier_level]
    complexity = _LEVELS[tier_level]
    top = len(table.tiers) - 1
    limited = [r.name for r in rated if r.level == tier_level] if tier_level < top else []
    components = [
        ComponentLevel(
            name=r.name,
            value=r.value,
            level=_LEVELS[r.level],
            meets=table.requirement(r.level, r.name).describe(),
            note=r.note,
        )
        for r in rated
    ]
    parts = "; ".join(f"{r.name} {_show(r.value)} -> {_LEVELS[r.level].value}" for r in rated)
    if limited:
        why = (
            f"Every component must meet a tier to bill it, so the lowest decides: "
            f"{complexity.value}, set by {', '.join(limited)}."
        )
    else:
        why = "Every component meets the high tier."
    explanation = (
        f"Bill {tier.code} ({complexity.value}-complexity {_TITLES[discipline]} evaluation). "
        f"Component levels: {parts}. {why} Typical face-to-face time for {tier.code} is "
        f"{tier.typical_minutes} minutes; it describes the code and never decides the tier."
    )
    sources = [tier.source, *table.selection_sources]
    return EvaluationSelection(
        discipline=discipline,
        code=tier.code,
        complexity=complexity,
        components=components,
        limited_by=limited,
        typical_minutes=tier.typical_minutes,
        findings=warnings,
        explanation=explanation,
        source=" ; ".join(sources),
    )


def _rate_count(
    discipline: EvaluationDiscipline,
    name: str,
    count: int,
    warnings: list[Finding],
    *,
    strict: bool = False,
    noun: str,
) -> _Rated:
    table = _levels.table(discipline.value)
    rating = _levels.rate_count(table, name, count, strict=strict)
    codes = tuple(t.code for t in table.tiers)
    if rating.below_range:
        low = table.requirement(0, name)
        warnings.append(
            Finding(
                rule="eval.below_range",
                severity=Severity.WARNING,
                codes=codes[:1],
                message=f"{count} {noun} is below the {low.describe()} range of the lowest "
                f"tier ({codes[0]}); rated low",
                suggestion=f"check the count: {codes[0]} expects {low.describe()} {noun}",
                source=table.tiers[0].source,
            )
        )
        return _Rated(name, count, 0, note=f"below the {low.describe()} range")
    note = ""
    if rating.boundary:
        policy = BoundaryPolicy.STRICT if strict else BoundaryPolicy.INCLUSIVE
        pair = [t for t in table.tiers if t.requirements[name].contains(count)]
        ranges = " and ".join(f"{t.requirements[name].describe()} ({t.code})" for t in pair)
        note = f"on the {ranges} overlap; {policy.value} policy"
        warnings.append(
            Finding(
                rule="eval.deficit_boundary",
                severity=Severity.WARNING,
                codes=tuple(t.code for t in pair),
                message=f"{count} {noun} lies in both {ranges}; rated "
                f"{_LEVELS[rating.level].value} under the {policy.value} boundary policy "
                "(inferred: no AMA/AOTA text resolves the overlap)",
                suggestion="confirm the tier with the profile and decision-making documentation",
                source="CPT descriptors 97165-97167 (overlapping deficit ranges); boundary "
                "policy inferred by ot-billing-rules (no AMA or AOTA text settles it)",
            )
        )
    return _Rated(name, count, rating.level, note=note)


def _rate_choice(
    discipline: EvaluationDiscipline, name: str, value: str | None, note: str = ""
) -> _Rated:
    level = _levels.rate_choice(_levels.table(discipline.value), name, value)
    return _Rated(name, value, level, note=note)


def _count(value: object, field: str) -> int:
    return require_int(value, field=field, minimum=0)


def _coerce_comorbidities(value: object) -> Comorbidities:
    if isinstance(value, (str, Comorbidities)):
        return coerce_enum(Comorbidities, value, field="comorbidities")
    if isinstance(value, int) and not isinstance(value, bool):
        return Comorbidities.PRESENT if _count(value, "comorbidities") else Comorbidities.NONE
    raise InvalidTypeError(
        "comorbidities must be one of none, present (a string or Comorbidities) or a "
        f"count (int), not {type(value).__name__} {value!r}",
        value=value,
        field="comorbidities",
    )


# --- public selectors ------------------------------------------------------------------------


def select_ot_evaluation(
    *,
    profile: OccupationalProfile | str,
    performance_deficits: int,
    decision_making: Complexity | str,
    comorbidities: Comorbidities | str | int | None = None,
    task_modification: TaskModification | str | None = None,
    boundaries: BoundaryPolicy | str = BoundaryPolicy.INCLUSIVE,
) -> EvaluationSelection:
    """Select the OT evaluation code (97165, 97166 or 97167) the documentation supports.

    Components (paraphrasing the CPT descriptors, grade: source —
    codingahead/case2code):

    - ``profile`` — occupational profile and history: ``brief`` (low),
      ``expanded`` (moderate), ``extensive`` (high);
    - ``performance_deficits`` — the number of performance deficits (physical,
      cognitive or psychosocial skills) limiting activity or participation:
      1–3 (low), 3–5 (moderate), 5 or more (high). Counts on the overlaps
      (3, 5) follow ``boundaries`` (see :class:`BoundaryPolicy`; inferred) and
      always add a warning; 0 rates low with a warning;
    - ``decision_making`` — clinical decision making: ``low``, ``moderate``,
      ``high``;
    - ``comorbidities`` and ``task_modification`` — optional sub-elements of
      clinical decision making. When given, each caps it: no comorbidities
      cannot support the high tier (the moderate tier's "may be present"
      accepts either, so ``none`` rates moderate); ``not_necessary`` task
      modification rates low, ``minimal_to_moderate`` moderate,
      ``significant`` high. ``comorbidities`` may also be a count (0 = none).

    The code is the lowest component level (grade: source; see the module
    docstring). Every enum parameter also takes its string value, in any case.

    :raises InvalidOptionError: a level or finding name that is not one of the accepted values.
    :raises InvalidTypeError: a count that is not an ``int`` (bools and floats are refused).
    :raises InvalidInputError: a negative count.

    >>> sel = select_ot_evaluation(profile="expanded", performance_deficits=4,
    ...                            decision_making="moderate")
    >>> sel.code, sel.typical_minutes
    ('97166', 45)
    >>> select_ot_evaluation(profile="extensive", performance_deficits=7,
    ...                      decision_making="high", comorbidities="none").limited_by
    ('comorbidities',)
    """
    d = EvaluationDiscipline.OT
    prof = coerce_enum(OccupationalProfile, profile, field="profile")
    deficits = _count(performance_deficits, "performance_deficits")
    cdm = coerce_enum(Complexity, decision_making, field="decision_making")
    comorb = None if comorbidities is None else _coerce_comorbidities(comorbidities)
    task = (
        None
        if task_modification is None
        else coerce_enum(TaskModification, task_modification, field="task_modification")
    )
    policy = coerce_enum(BoundaryPolicy, boundaries, field="boundaries")

    warnings: list[Finding] = []
    rated = [
        _rate_choice(d, "profile", prof.value),
        _rate_count(
            d,
            "performance_deficits",
            deficits,
            warnings,
            strict=policy is BoundaryPolicy.STRICT,
            noun="performance deficits",
        ),
        _rate_choice(d, "decision_making", cdm.value),
    ]
    sub = "part of clinical decision making; caps it"
    if comorb is not None:
        rated.append(_rate_choice(d, "comorbidities", comorb.value, note=sub))
    if task is not None:
        rated.append(_rate_choice(d, "task_modification", task.value, note=sub))
    return _select(d, rated, warnings)


def select_pt_evaluation(
    *,
    personal_factors: int,
    body_system_elements: int,
    presentation: Presentation | str,
    decision_making: Complexity | str,
) -> EvaluationSelection:
    """Select the PT evaluation code (97161, 97162 or 97163) the documentation supports.

    Components (paraphrasing the CPT descriptors, grade: source —
    codingahead/case2code/btetechnologies, APTA):

    - ``personal_factors`` — personal factors and/or comorbidities affecting the
      plan of care: 0 (low), 1–2 (moderate), 3 or more (high);
    - ``body_system_elements`` — elements examined with standardized tests and
      measures (body structures and functions, activity limitations,
      participation restrictions): 1–2 (low), 3 or more (moderate), 4 or more
      (high). The open-ended "3 or more" beside "4 or more" is no real overlap:
      4 meets both and rates high. 0 rates low with a warning;
    - ``presentation`` — ``stable`` (low), ``evolving`` (moderate),
      ``unstable`` (high);
    - ``decision_making`` — ``low``, ``moderate``, ``high``.

    All four must meet a tier (APTA Pelvic Health, Theraplatform; grade: source);
    the code is the lowest component level.

    >>> sel = select_pt_evaluation(personal_factors=1, body_system_elements=4,
    ...                            presentation="unstable", decision_making="high")
    >>> sel.code, sel.limited_by
    ('97162', ('personal_factors',))
    """
    d = EvaluationDiscipline.PT
    factors = _count(personal_factors, "personal_factors")
    elements = _count(body_system_elements, "body_system_elements")
    pres = coerce_enum(Presentation, presentation, field="presentation")
    cdm = coerce_enum(Complexity, decision_making, field="decision_making")
    warnings: list[Finding] = []
    rated = [
        _rate_count(d, "personal_factors", factors, warnings, noun="personal factors"),
        _rate_count(d, "body_system_elements", elements, warnings, noun="exam elements"),
        _rate_choice(d, "presentation", pres.value),
        _rate_choice(d, "decision_making", cdm.value),
    ]
    return _select(d, rated, warnings)


def select_at_evaluation(
    *,
    comorbidities: int,
    exam_elements: int,
    decision_making: Complexity | str,
    presentation: Presentation | str | None = None,
) -> EvaluationSelection:
    """Select the athletic-training evaluation code (97169, 97170 or 97171).

    Components (paraphrasing the CPT descriptors, grade: source —
    codingahead/case2code, Indiana ATA):

    - ``comorbidities`` — comorbidities affecting physical activity: 0 (low),
      1–2 (moderate), 3 or more (high);
    - ``exam_elements`` — elements examined (body structures, physical
      activity, participation deficiencies): 1–2 (low), 3 or more (moderate),
      4 or more (high); 0 rates low with a warning;
    - ``decision_making`` — ``low``, ``moderate``, ``high``;
    - ``presentation`` — only the high tier (97171) names one: unstable and
      unpredictable. Any presentation meets low and moderate. When it is not
      given the library cannot confirm the high tier, so it rates moderate and
      warns if that is what held the tier down (an inferred, conservative
      default: pass ``presentation="unstable"`` to claim 97171).

    The all-components-must-be-met rule is sourced for OT and PT only; it is
    applied to athletic training by analogy (**inferred**), and every result
    says so in its warnings. Medicare does not recognise athletic trainers as
    an outpatient therapy provider type (**inferred**), so
    the codes matter to other payers.

    >>> sel = select_at_evaluation(comorbidities=3, exam_elements=5, decision_making="high",
    ...                            presentation="unstable")
    >>> sel.code
    '97171'
    >>> select_at_evaluation(comorbidities=3, exam_elements=5, decision_making="high").code
    '97170'
    """
    d = EvaluationDiscipline.AT
    comorb = _count(comorbidities, "comorbidities")
    elements = _count(exam_elements, "exam_elements")
    cdm = coerce_enum(Complexity, decision_making, field="decision_making")
    pres = (
        None
        if presentation is None
        else coerce_enum(Presentation, presentation, field="presentation")
    )
    warnings: list[Finding] = []
    rated = [
        _rate_count(d, "comorbidities", comorb, warnings, noun="comorbidities"),
        _rate_count(d, "exam_elements", elements, warnings, noun="exam elements"),
        _rate_choice(
            d,
            "presentation",
            None if pres is None else pres.value,
            note="not given: only 97171 names a presentation" if pres is None else "",
        ),
        _rate_choice(d, "decision_making", cdm.value),
    ]
    codes = tuple(t.code for t in _levels.table(d.value).tiers)
    others_high = all(r.level == len(codes) - 1 for r in rated if r.name != "presentation")
    if pres is None and others_high:
        warnings.append(
            Finding(
                rule="eval.presentation_not_given",
                severity=Severity.WARNING,
                codes=codes[2:],
                message=f"every other component meets {codes[2]}, but it also needs an "
                "unstable and unpredictable presentation, which was not given; rated "
                f"{codes[1]}",
                suggestion="pass presentation='unstable' when the record documents it",
                source=_levels.table(d.value).tiers[2].source,
            )
        )
    warnings.append(
        Finding(
            rule="eval.rule_inferred",
            severity=Severity.INFO,
            codes=codes,
            message="the all-components-must-be-met rule is sourced for OT and PT; applied to "
            "athletic training by analogy (inferred). Medicare does not recognise athletic "
            "trainers as an outpatient therapy provider type (inferred)",
            source="all-components rule: MMP (2017-04-04), Ensora Health, Clinicient (OT); "
            "APTA Pelvic Health, Theraplatform (PT); athletic training by analogy, inferred by "
            "ot-billing-rules",
        )
    )
    return _select(d, rated, warnings)
