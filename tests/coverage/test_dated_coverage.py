"""Dated code recognition and coverage (CY2018 PFS final rule: 97127 not
recognised by Medicare, G0515 paid 2018-2019; CMS NCD 30.3 and 30.3.3, Pub.
100-03: dry needling 20560/20561 is acupuncture, covered from 2020-01-21 only
for chronic low back pain and not when a therapist furnishes it)."""

from __future__ import annotations

import ot_billing_rules as ob


def _audit(day: str, codes: list[dict[str, object]], payer: str = "medicare") -> ob.AuditReport:
    visit = ob.Visit.from_dict(
        {"visit_id": "v", "date_of_service": day, "services": codes, "payer": payer}
    )
    return ob.audit_visit(visit)


def test_2018_visit_billing_97127_is_not_clean() -> None:
    report = _audit("2018-05-01", [{"code": "97127"}])
    assert report.status.value != "clean"
    (hit,) = [f for f in report.findings if f.rule == "status.invalid"]
    assert "G0515" in hit.suggestion
    assert "PFS final rule" in hit.source


def test_97127_for_a_commercial_payer_is_not_flagged() -> None:
    report = _audit("2018-05-01", [{"code": "97127"}], payer="commercial")
    assert "status.invalid" not in [f.rule for f in report.findings]


def test_g0515_in_2018_is_not_flagged() -> None:
    found = ob.check_bundling(["G0515x2:GO"], on="2018-05-01")
    assert "status.invalid" not in [f.rule for f in found]


def test_dry_needling_by_a_therapist_is_noncovered() -> None:
    for code in ("20560", "20561"):
        found = ob.check_bundling([f"{code}:GP"], on="2024-07-01", discipline="PT")
        (hit,) = [f for f in found if f.rule == "coverage.noncovered"]
        assert "NCD 30.3.3" in hit.source
        assert hit.severity is ob.Severity.ERROR


def test_dry_needling_without_a_therapy_claim_is_not_flagged() -> None:
    found = ob.check_bundling(["20560"], on="2024-07-01", discipline=None)
    assert "coverage.noncovered" not in [f.rule for f in found]


def test_rule_is_registered_with_its_citation() -> None:
    r = ob.rule("coverage.noncovered")
    assert r.citation == "ncd_acupuncture"
    assert ob.CITATIONS["ncd_acupuncture"].evidence is ob.Evidence.SOURCE


def test_dry_needling_audit_is_noncovered_not_unknown() -> None:
    report = _audit("2024-07-01", [{"code": "20561", "modifiers": ["GO"]}])
    rules = [f.rule for f in report.findings]
    assert "coverage.noncovered" in rules
    assert "code.unknown" not in rules
    assert ob.lookup("20560", on="2024-07-01").unit_basis.value == "untimed"
