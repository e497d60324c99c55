"""Bad input to the audit's pricing: typed errors naming the value, or a finding, never a crash."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

import ot_billing_rules as ob
from ot_billing_rules import audit_visit
from ot_billing_rules.errors import InvalidInputError, InvalidOptionError, InvalidTypeError
from ot_billing_rules.findings import Finding, Severity
from ot_billing_rules.payers import MEDICARE, PayerPolicy

VISIT = {
    "date_of_service": "2025-06-02",
    "locality": "10112-00",
    "services": [{"code": "97530", "minutes": 30}],
}


def test_locality_not_in_the_release_is_a_typed_error() -> None:
    # The shape is right; the 2025 release has no such locality.
    with pytest.raises(InvalidOptionError) as caught:
        audit_visit({**VISIT, "locality": "10112-99"})
    message = str(caught.value)
    assert "'10112-99'" in message
    assert "RVU25D" in message
    assert "localities(on=" in message
    assert caught.value.field == "locality"
    assert "10112-00" in caught.value.valid


def test_locality_error_is_collected_by_audit_many() -> None:
    (result,) = ob.audit_many([{**VISIT, "locality": "10112-99"}], errors="collect")
    assert result.error_kind == "invalid_input"
    assert "10112-99" in str(result.error)


def test_unpriced_payer_never_checks_the_locality() -> None:
    # Commercial prices nothing, so a locality the release lacks is not looked up.
    report = audit_visit({**VISIT, "locality": "10112-99", "payer": "commercial"})
    assert report.pricing is None


def test_two_plans_of_care_on_one_line_is_a_finding_not_a_crash() -> None:
    payer = attrs.evolve(MEDICARE, name="no-discipline", discipline_modifiers=False)
    services = [{"code": "97530", "minutes": 30, "modifiers": ["GO", "GP"]}]
    report = audit_visit({**VISIT, "services": services, "payer": payer})
    assert report.pricing is None
    (unknown,) = [f for f in report.findings if f.rule == "fee.unknown"]
    assert "GO, GP" in unknown.message
    # Without the locality the same visit audits the same lines.
    plain = audit_visit({**VISIT, "services": services, "payer": payer, "locality": None})
    assert plain.lines == report.lines


@pytest.mark.parametrize("value", [1.5, True, [1], {"a": 1}, "abc", "-1", "1.234"])
def test_finding_amount_refuses_what_is_not_dollars(value: Any) -> None:
    with pytest.raises(InvalidTypeError, match="amount_at_risk"):
        Finding("ncci.ptp", Severity.ERROR, (), "m", amount_at_risk=value)


@pytest.mark.parametrize(
    "value", [Decimal("-1"), Decimal("1.234"), Decimal("NaN"), Decimal("Infinity"), -3]
)
def test_finding_amount_refuses_negative_or_sub_cent(value: Any) -> None:
    with pytest.raises(InvalidInputError, match="amount_at_risk"):
        Finding("ncci.ptp", Severity.ERROR, (), "m", amount_at_risk=value)


def test_finding_amount_normalises_zero_and_ints() -> None:
    assert (
        Finding("ncci.ptp", "error", (), "m", amount_at_risk=Decimal("-0")).to_dict()[
            "amount_at_risk"
        ]
        == "0.00"
    )
    assert (
        Finding("ncci.ptp", "error", (), "m", amount_at_risk=7).to_dict()["amount_at_risk"]
        == "7.00"
    )


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_medicare_pricing_must_be_a_bool(value: Any) -> None:
    with pytest.raises(InvalidTypeError, match="medicare_pricing"):
        PayerPolicy("x", medicare_pricing=value)
    with pytest.raises(InvalidTypeError, match="medicare_pricing"):
        ob.payer_policy({"name": "medicare", "medicare_pricing": value})
