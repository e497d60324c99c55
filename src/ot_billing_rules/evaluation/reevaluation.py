"""Re-evaluation (OT 97168, PT 97164, athletic training 97172): billable or routine?

Public names are exported from :mod:`ot_billing_rules.evaluation`.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from .._coerce import coerce_enum
from .._html import html_table
from ..catalog import Evidence
from ..errors import InvalidTypeError
from ..findings import Finding, Severity, findings_html
from ..terms import EvaluationDiscipline
from . import _tiers as _levels

__all__ = ["ReevaluationDecision", "ReevaluationReason", "reevaluation_billable"]

_MBPM = "CMS Pub. 100-02 Ch. 15"
_S_220_3_C = f"{_MBPM} §220.3.C"
_S_ASSESSMENT = f"{_MBPM} §220 A (definition of assessment)"
_S_EPISODE = f"{_MBPM} §220 A (definition of episode)"
_S_A53309 = "MAC article A53309 (outpatient PT/OT billing), as quoted by learnmedicarebilling.com"


class ReevaluationReason(str, enum.Enum):
    """Why a re-evaluation is being considered.

    Billable under Medicare: ``new_clinical_findings``,
    ``significant_change_in_condition`` (including improvement or decline the
    plan did not anticipate), ``failure_to_respond_to_treatment``,
    ``newly_diagnosed_related_condition`` and, by default,
    ``before_planned_discharge``. Not billable as a re-evaluation:
    ``routine_reassessment`` (scheduled or continuous checks of expected
    progress), ``progress_report``, and ``new_episode`` (a new episode takes a
    new evaluation instead).
    """

    NEW_CLINICAL_FINDINGS = "new_clinical_findings"
    SIGNIFICANT_CHANGE = "significant_change_in_condition"
    FAILURE_TO_RESPOND = "failure_to_respond_to_treatment"
    NEW_RELATED_CONDITION = "newly_diagnosed_related_condition"
    BEFORE_DISCHARGE = "before_planned_discharge"
    ROUTINE_REASSESSMENT = "routine_reassessment"
    PROGRESS_REPORT = "progress_report"
    NEW_EPISODE = "new_episode"


@attrs.frozen
class _Rule:
    billable: bool
    why: str
    source: str
    evidence: Evidence


_RULES = {
    ReevaluationReason.NEW_CLINICAL_FINDINGS: _Rule(
        True,
        "new clinical findings are one of the manual's indications for re-evaluation",
        _S_220_3_C,
        Evidence.SOURCE,
    ),
    ReevaluationReason.SIGNIFICANT_CHANGE: _Rule(
        True,
        "a significant change in the patient's condition (including improvement or decline "
        "the plan did not anticipate) indicates re-evaluation",
        f"{_S_220_3_C}; {_S_A53309}",
        Evidence.SOURCE,
    ),
    ReevaluationReason.FAILURE_TO_RESPOND: _Rule(
        True,
        "failure to respond to the interventions in the plan of care indicates re-evaluation",
        _S_220_3_C,
        Evidence.SOURCE,
    ),
    ReevaluationReason.NEW_RELATED_CONDITION: _Rule(
        True,
        "a related condition newly diagnosed during the episode makes a re-evaluation "
        "separately payable",
        _S_A53309,
        Evidence.SOURCE,
    ),
    ReevaluationReason.BEFORE_DISCHARGE: _Rule(
        True,
        "the manual says a re-evaluation may be appropriate before planned discharge, to "
        "judge whether goals were met or to inform the next setting",
        _S_220_3_C,
        Evidence.SOURCE,
    ),
    ReevaluationReason.ROUTINE_REASSESSMENT: _Rule(
        False,
        "re-evaluation is not a routine, recurring service: continuous or scheduled "
        "assessment of expected progress is part of treatment, not a re-evaluation",
        f"{_S_220_3_C}; {_S_ASSESSMENT}",
        Evidence.SOURCE,
    ),
    ReevaluationReason.PROGRESS_REPORT: _Rule(
        False,
        "assessment for a progress report is routine and not separately payable; the "
        "progress report is documentation, not a billable re-evaluation",
        f"{_S_A53309}; {_MBPM} §220.3.D",
        Evidence.SOURCE,
    ),
    ReevaluationReason.NEW_EPISODE: _Rule(
        False,
        "a new episode of care (for example after discharge) starts with a new evaluation, "
        "not a re-evaluation",
        f"{_S_EPISODE} (the eval-versus-re-eval consequence is inferred)",
        Evidence.INFERRED,
    ),
}


def _findings(value: Any) -> tuple[Finding, ...]:
    return tuple(value)


def _codes(value: Any) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class ReevaluationDecision:
    """Whether Medicare treats a re-evaluation as billable, and why.

    ``code`` is the discipline's re-evaluation code; ``billable`` whether it
    may be billed for ``reason``; ``bill_instead`` what to bill when not (the
    evaluation codes for a new episode, else nothing); ``typical_minutes`` the
    code's typical time (``None`` where unverified); ``evidence`` how well the
    rule is sourced; ``findings`` (alias ``warnings``) caveats; ``explanation`` the rule in words.
    """

    reason: ReevaluationReason
    discipline: EvaluationDiscipline
    code: str
    billable: bool
    bill_instead: tuple[str, ...] = attrs.field(converter=_codes)
    typical_minutes: int | None
    evidence: Evidence
    findings: tuple[Finding, ...] = attrs.field(converter=_findings)
    explanation: str
    source: str

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The same as :attr:`findings` (its name before 0.1; kept as an alias)."""
        return self.findings

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "reason": self.reason.value,
            "discipline": self.discipline.value,
            "code": self.code,
            "billable": self.billable,
            "bill_instead": list(self.bill_instead),
            "typical_minutes": self.typical_minutes,
            "evidence": self.evidence.value,
            "findings": [f.to_dict() for f in self.findings],
            "explanation": self.explanation,
            "source": self.source,
        }

    def _repr_html_(self) -> str:
        rows = [
            (k, ", ".join(v) if isinstance(v, list) else v)
            for k, v in self.to_dict().items()
            if k != "findings"
        ]
        table = html_table(f"Re-evaluation {self.code}: {self.reason.value}", rows)
        return table + (findings_html(self.findings) if self.findings else "")


def reevaluation_billable(
    reason: ReevaluationReason | str,
    *,
    discipline: EvaluationDiscipline | str = EvaluationDiscipline.OT,
    before_discharge_billable: bool = True,
) -> ReevaluationDecision:
    """Say whether Medicare pays a re-evaluation (97168 OT, 97164 PT, 97172 AT) for ``reason``.

    The rule (Pub. 100-02 Ch. 15 §220.3.C, grade: source, as quoted by
    pt-management.com and experts123): re-evaluation is not a routine,
    recurring service. It is covered when the documentation shows a need for
    further tests and measurements after the initial evaluation — new clinical
    findings, a significant change in condition, or failure to respond to the
    plan — and may be appropriate before planned discharge. Continuous or
    scheduled assessment of progress is part of treatment (§220 A) and the
    assessment behind a progress report is not separately payable (MAC article
    A53309, which also names a newly diagnosed related condition as payable).

    Whether contractors pay a pre-discharge re-evaluation routinely is
    contested (the manual says "may be appropriate"; secondary sources differ):
    ``before_discharge_billable`` (default ``True``, the manual's wording) makes
    it configurable, and the result warns either way. For athletic training the
    Medicare reasoning applies by analogy only and 97172's typical time is
    unverified; the result warns about both.

    >>> d = reevaluation_billable("routine_reassessment")
    >>> d.code, d.billable
    ('97168', False)
    >>> reevaluation_billable("new clinical findings", discipline="pt").code
    '97164'
    """
    why = coerce_enum(ReevaluationReason, reason, field="reason")
    disc = coerce_enum(EvaluationDiscipline, discipline, field="discipline")
    if not isinstance(before_discharge_billable, bool):
        raise InvalidTypeError(
            "before_discharge_billable must be True or False, not "
            f"{type(before_discharge_billable).__name__} {before_discharge_billable!r}",
            value=before_discharge_billable,
            field="before_discharge_billable",
        )
    table = _levels.table(disc.value)
    re = table.reevaluation
    rule = _RULES[why]
    billable = rule.billable
    warnings: list[Finding] = []
    if why is ReevaluationReason.BEFORE_DISCHARGE:
        billable = before_discharge_billable
        warnings.append(
            Finding(
                rule="eval.reeval_before_discharge",
                severity=Severity.WARNING,
                codes=(re.code,),
                message="the manual says a pre-discharge re-evaluation 'may be appropriate'; "
                "whether contractors pay it routinely is contested",
                suggestion="document why goal attainment or the next setting needs new tests "
                "and measurements",
                source=_S_220_3_C,
            )
        )
    if disc is EvaluationDiscipline.AT:
        warnings.append(
            Finding(
                rule="eval.rule_inferred",
                severity=Severity.INFO,
                codes=(re.code,),
                message="Medicare does not recognise athletic trainers as an outpatient therapy "
                "provider type (inferred); the Medicare re-evaluation rule is applied by analogy",
                source=f"{_S_220_3_C} by analogy; inferred by ot-billing-rules (no public "
                "source addresses athletic-trainer re-evaluations)",
            )
        )
    if re.unverified:
        warnings.append(
            Finding(
                rule="eval.unverified",
                severity=Severity.WARNING,
                codes=(re.code,),
                message=f"{re.code}: {re.note}",
                source=re.source,
            )
        )
    instead: tuple[str, ...] = ()
    if why is ReevaluationReason.NEW_EPISODE:
        instead = tuple(t.code for t in table.tiers)
    verdict = "billable" if billable else "not billable as a re-evaluation"
    then = f"; bill a new evaluation ({', '.join(instead)}) instead" if instead else ""
    if why is ReevaluationReason.BEFORE_DISCHARGE and not billable:
        then = "; treated as not billable by the before_discharge_billable=False option"
    explanation = (
        f"{re.code} for {why.value.replace('_', ' ')}: {verdict}. Medicare: {rule.why}{then}."
    )
    return ReevaluationDecision(
        reason=why,
        discipline=disc,
        code=re.code,
        billable=billable,
        bill_instead=instead,
        typical_minutes=re.typical_minutes,
        evidence=rule.evidence,
        findings=warnings,
        explanation=explanation,
        source=f"{rule.source}; {re.code} descriptor: {re.source}",
    )
