"""Medicare Part B as a payer record (issue 18): every field settled, no payer.* noise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from ot_billing_rules import audit_visit
from ot_billing_rules.payers import PayerPolicy, payer_policy


def test_medicare_has_a_complete_record() -> None:
    terms = payer_policy("medicare").terms
    assert terms is not None
    assert terms.unknown_fields() == ()
    assert (terms.unit_method, terms.mppr, terms.edit_set) == ("cms", "cms", "medicare_ncci")
    assert terms.assistant_factor(date(2021, 12, 31)) is None
    assert terms.assistant_factor(date(2022, 1, 1)) == Decimal("0.85")
    # The record round-trips through a policy file's dict.
    policy = payer_policy("medicare")
    assert PayerPolicy.from_dict(policy.to_dict()).terms == terms


def test_a_medicare_visit_gets_no_payer_findings() -> None:
    report = audit_visit(
        {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 90}]}
    )
    assert not [f for f in report.findings if f.rule.startswith("payer.")]


def test_medicare_policy_with_a_medicaid_edit_set_is_the_wrong_program() -> None:
    import attrs

    from ot_billing_rules import EditSet

    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "medicaid"
    mue_zip = fixtures / "medicaid-ncci-q1-2026-mue-edits-practitioner-services.zip"

    policy = attrs.evolve(payer_policy("medicare"), edits=EditSet.from_cms_files(mue_zip))
    report = audit_visit(
        {
            "date_of_service": "2026-02-02",
            "services": [{"code": "97530", "minutes": 90}],
            "payer": policy,
        }
    )
    rules = [f.rule for f in report.findings]
    assert "payer.edits_wrong_program" in rules
    assert not [r for r in rules if r.startswith("ncci.")]
