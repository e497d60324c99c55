"""HL7 FHIR R4 (4.0.1) resources as plain dicts: Claim items, a Claim, an
OperationOutcome of findings, and the adjustments a remittance should show.

Codings carry a system and a code only: no CPT descriptor text (the AMA's
copyright) and no NUBC descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..findings import Finding, Severity
from ..terms import Setting
from ._lines import ExportLine
from ._write import gate

if TYPE_CHECKING:
    from ..audit import AuditReport

__all__ = [
    "CPT_SYSTEM",
    "HCPCS_SYSTEM",
    "RULE_SYSTEM",
    "expected_adjustments",
    "to_fhir_claim",
    "to_fhir_claim_items",
    "to_operation_outcome",
]

CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEM = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
_REVENUE_SYSTEM = "https://www.nubc.org/CodeSystem/RevenueCodes"
_POS_SYSTEM = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
_ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
_CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
_ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
_C4BB_DISCRIMINATOR = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator"
#: The system of the library's rule ids in an OperationOutcome.
RULE_SYSTEM = "urn:ot-billing-rules:rule"


def _system(code: str) -> str:
    # CPT codes and CPT modifiers are numeric (97530, 59); HCPCS Level II
    # codes and modifiers start with a letter (G0283, GO, KX).
    return CPT_SYSTEM if code[:1].isdigit() else HCPCS_SYSTEM


def _cc(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _money(amount: Decimal) -> dict[str, Any]:
    return {"value": float(amount), "currency": "USD"}


def to_fhir_claim_items(
    lines: Iterable[ExportLine | Mapping[str, Any]], *, force: bool = False
) -> list[dict[str, Any]]:
    """``Claim.item`` entries: sequence, productOrService, modifiers, date, units, charge.

    >>> from datetime import date
    >>> item, = to_fhir_claim_items([ExportLine("97110", 1, ("GO", "CO"), date(2026, 1, 5),
    ...     diagnosis_pointers=(1,), place_of_service="11")])
    >>> item["productOrService"], [m["coding"][0]["code"] for m in item["modifier"]]
    ({'coding': [{'system': 'http://www.ama-assn.org/go/cpt', 'code': '97110'}]}, ['GO', 'CO'])
    """
    items = []
    for n, line in enumerate(gate(lines, target="fhir", force=force), start=1):
        item: dict[str, Any] = {"sequence": n}
        if line.diagnosis_pointers:
            item["diagnosisSequence"] = list(line.diagnosis_pointers)
        if line.revenue_code:
            item["revenue"] = _cc(_REVENUE_SYSTEM, line.revenue_code)
        item["productOrService"] = _cc(_system(line.code), line.code)
        if line.modifiers:
            item["modifier"] = [_cc(_system(m), m) for m in line.modifiers]
        item["servicedDate"] = line.date_of_service.isoformat()
        if line.place_of_service:
            item["locationCodeableConcept"] = _cc(_POS_SYSTEM, line.place_of_service)
        item["quantity"] = {"value": line.units}
        if line.charge is not None:
            item["net"] = _money(line.charge)
        items.append(item)
    return items


def _ref(value: str | Mapping[str, Any]) -> dict[str, Any]:
    return {"reference": value} if isinstance(value, str) else dict(value)


def to_fhir_claim(
    report: AuditReport,
    *,
    patient: str | Mapping[str, Any],
    provider: str | Mapping[str, Any],
    coverage: str | Mapping[str, Any],
    diagnoses: Sequence[str] = (),
    lines: Sequence[ExportLine] | None = None,
    created: date | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """A FHIR R4 ``Claim`` for the audited visit.

    ``patient``, ``provider`` and ``coverage`` are references (``"Patient/1"``)
    or Reference dicts; ``diagnoses`` are ICD-10-CM codes in pointer order;
    ``lines`` default to :func:`export_lines` of the report with pointer 1 on
    each line when there are diagnoses. ``created`` defaults to the date of
    service so one visit always gives the same Claim. An outpatient-hospital
    visit is an ``institutional`` claim, else ``professional``.
    """
    from ._lines import export_lines

    visit = report.visit
    if lines is None:
        lines = export_lines(report, pointers=(lambda _l, _n: (1,)) if diagnoses else None)
    institutional = visit.setting is Setting.OUTPATIENT_HOSPITAL
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "status": "active",
        "type": _cc(
            "http://terminology.hl7.org/CodeSystem/claim-type",
            "institutional" if institutional else "professional",
        ),
        "use": "claim",
        "patient": _ref(patient),
        "created": (created or visit.date_of_service).isoformat(),
        "provider": _ref(provider),
        "priority": _cc("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
        "insurance": [{"sequence": 1, "focal": True, "coverage": _ref(coverage)}],
    }
    if visit.visit_id:
        claim["identifier"] = [{"value": visit.visit_id}]
    if diagnoses:
        claim["diagnosis"] = [
            {"sequence": n, "diagnosisCodeableConcept": _cc(_ICD10CM, code)}
            for n, code in enumerate(diagnoses, start=1)
        ]
    claim["item"] = to_fhir_claim_items(lines, force=force)
    total = [line.charge for line in lines if line.charge is not None]
    if total and len(total) == len(lines):
        claim["total"] = _money(sum(total, Decimal(0)))
    return claim


_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "information"}


def to_operation_outcome(findings: Iterable[Finding]) -> dict[str, Any]:
    """Findings as a FHIR ``OperationOutcome``.

    Severity maps onto the four valid codes (error, warning, information;
    never fatal); the issue type is ``invalid`` for the structural
    ``export.*`` checks and ``business-rule`` for the rest; the rule id is a
    coding under :data:`RULE_SYSTEM`, the citation the ``diagnostics``.

    >>> from ot_billing_rules import Finding
    >>> f = Finding("modifier.too_many", "error", ("97110",), "5 modifiers")
    >>> oo = to_operation_outcome([f])
    >>> oo["issue"][0]["severity"], oo["issue"][0]["code"]
    ('error', 'business-rule')
    """
    issues = []
    for f in findings:
        issue: dict[str, Any] = {
            "severity": _SEVERITY[f.severity],
            "code": "invalid" if f.rule.startswith("export.") else "business-rule",
            "details": {"coding": [{"system": RULE_SYSTEM, "code": f.rule}], "text": f.message},
        }
        if f.source:
            issue["diagnostics"] = f.source
        issues.append(issue)
    if not issues:
        issues.append(
            {"severity": "information", "code": "informational", "details": {"text": "no findings"}}
        )
    return {"resourceType": "OperationOutcome", "issue": issues}


def expected_adjustments(report: AuditReport) -> list[dict[str, Any]]:
    """The adjustments a Medicare remittance should show, as ``ExplanationOfBenefit.item``
    entries (``itemSequence`` of the line in :func:`export_lines` order).

    Only what the priced audit predicts: the therapy MPPR reduction as group
    CO, CARC 59 (CMS Pub. 100-04 Ch. 5 §10.7) and sequestration as CARC 253.
    An unpriced report (no ``locality``) predicts nothing: ``[]``.
    """
    from ._lines import export_lines

    pricing = report.pricing
    if pricing is None:
        return []
    priced = {(p.line.code, tuple(sorted(p.line.modifiers))): p for p in pricing.lines}
    out = []
    for n, line in enumerate(export_lines(report), start=1):
        p = priced.get((line.code, tuple(sorted(line.modifiers))))
        if p is None or p.fee is None:
            continue
        adj: list[dict[str, Any]] = [
            {"category": _cc(_ADJUDICATION, "eligible"), "amount": _money(p.allowed)}
        ]
        mppr = (p.fee.amount - p.fee.reduced_amount) * p.reduced_units
        if mppr > 0:
            adj.append(_reason("59", mppr))
        if p.sequestration > 0:
            adj.append(_reason("253", p.sequestration))
        out.append({"itemSequence": n, "adjudication": adj})
    return out


def _reason(carc: str, amount: Decimal) -> dict[str, Any]:
    return {
        "category": _cc(_C4BB_DISCRIMINATOR, "adjustmentreason"),
        "reason": {"coding": [{"system": _CARC, "code": carc}], "text": f"CO-{carc}"},
        "amount": _money(amount),
    }
