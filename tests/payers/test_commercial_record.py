"""The generic commercial policy carries a record whose fields are its inferred defaults."""

from __future__ import annotations

import attrs

from ot_billing_rules import audit_visit
from ot_billing_rules.payers import COMMERCIAL, COMMERCIAL_TERMS, PayerPolicy, payer_policy

_VISIT = {
    "date_of_service": "2024-03-01",
    "payer": "commercial",
    "services": [{"code": "97530", "minutes": 38}, {"code": "97110", "minutes": 22}],
}


def test_the_record_settles_every_field_at_the_inferred_grade() -> None:
    terms = payer_policy("commercial").terms
    assert terms is not None
    assert terms.grade == "I"
    assert terms.unknown_fields() == ()
    assert terms.unit_method == COMMERCIAL.unit_method.value


def test_a_commercial_audit_gains_no_payer_noise() -> None:
    report = audit_visit(_VISIT)
    assert not [f for f in report.findings if f.rule.startswith("payer.")]
    # CPT per-code units (38 -> 3, 22 -> 1), not the lower of two methods.
    assert sorted((ln.code, ln.units) for ln in report.lines) == [("97110", 1), ("97530", 3)]


def test_a_renamed_copy_keeps_no_record() -> None:
    mine = attrs.evolve(COMMERCIAL, name="state-medicaid")
    assert mine.terms is None
    assert mine.id == "state-medicaid"
    # Its own record is kept.
    assert attrs.evolve(mine, terms=attrs.evolve(COMMERCIAL_TERMS, id="x")).id == "x"


def test_the_record_round_trips() -> None:
    assert PayerPolicy.from_dict(COMMERCIAL.to_dict()) == COMMERCIAL
