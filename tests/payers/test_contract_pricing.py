"""Contracted rate tables (issue 18): a non-Medicare policy with ``terms.rates``
is priced from them, with its MPPR variant, its CQ/CO factor and dollars at risk.

Expected amounts are worked by hand from the rules as the payers state them:
- whole_rate_50 (Independence Blue Cross MPPR guideline): "The procedure code
  with the highest total allowance is eligible for reimbursement at 100 percent
  of the provider's applicable contracted rate. Each subsequent procedure code
  is eligible for reimbursement at 50 percent";
- Cigna: at most 4 units per visit, paid in claim order; CQ/CO at 85% from
  2022-10-15.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from ot_billing_rules import AuditReport, audit_visit, errors
from ot_billing_rules.lines import ServiceLine
from ot_billing_rules.payer_terms import PayerTerms
from ot_billing_rules.payers import PayerPolicy, payer_policy
from ot_billing_rules.payment import price_contract

RATES = {"97530": "40.00", "97110": "30.00", "97535": "35.00"}
DAY = "2023-03-01"


def _plan(mppr: str = "none", rates: dict[str, str] | None = RATES) -> PayerPolicy:
    cigna = payer_policy("cigna", on=date(2023, 3, 1))
    assert cigna.terms is not None
    data = cigna.to_dict()
    data["name"] = "My plan"
    data["terms"].update(id="my-plan", mppr=mppr)
    if rates is not None:
        data["terms"]["rates"] = rates
    return PayerPolicy.from_dict(data)


def _audit(policy: PayerPolicy, services: list[dict[str, Any]]) -> AuditReport:
    return audit_visit({"date_of_service": DAY, "services": services, "payer": policy})


def _by_rule(report: AuditReport, rule: str) -> list[Any]:
    return [f for f in report.findings if f.rule == rule]


# -- the whole-rate MPPR ----------------------------------------------------------------------


def test_whole_rate_50_ibx_vector() -> None:
    # 97530 x1 (40) + 97110 x1 (30): 40 + 30 x 50% = 55.
    priced = price_contract(
        [ServiceLine("97110", 1, ["GO"]), ServiceLine("97530", 1, ["GO"])],
        {"97530": Decimal("40.00"), "97110": Decimal("30.00")},
        on=date(2024, 1, 2),
        payer="IBX",
        mppr="whole_rate_50",
    )
    assert [p.allowed for p in priced.lines] == [Decimal("15.00"), Decimal("40.00")]
    assert priced.allowed == Decimal("55.00")


def test_whole_rate_50_ranks_codes_by_total_allowance_not_rate() -> None:
    # 97110 x3 at 30 = 90 beats 97530 x1 at 40: 97110 keeps 100%, 97530 is at 50%.
    priced = price_contract(
        [ServiceLine("97530", 1, []), ServiceLine("97110", 3, [])],
        {"97530": Decimal("40.00"), "97110": Decimal("30.00")},
        on=date(2024, 1, 2),
        payer="IBX",
        mppr="whole_rate_50",
    )
    assert priced.allowed == Decimal("20.00") + Decimal("90.00")


def test_no_mppr_and_the_assistant_factor() -> None:
    priced = price_contract(
        [ServiceLine("97530", 2, ["CO", "GO"]), ServiceLine("97110", 1, ["GO"])],
        {"97530": Decimal("40.00"), "97110": Decimal("30.00")},
        on=date(2024, 1, 2),
        payer="P",
        mppr="none",
        assistant_factor=Decimal("0.85"),
    )
    # 2 x 40 x 0.85 = 68.00; 30.00 unreduced.
    assert [p.allowed for p in priced.lines] == [Decimal("68.00"), Decimal("30.00")]


def test_audit_prices_a_commercial_visit_with_whole_rate_mppr() -> None:
    # AMA per-code units: 97530 30 min -> 2 units (80.00), 97110 15 min -> 1 unit (30.00).
    report = _audit(
        _plan("whole_rate_50"),
        [{"code": "97530", "minutes": 30}, {"code": "97110", "minutes": 15}],
    )
    assert report.pricing is None  # not Medicare-priced
    contract = report.contract_pricing
    assert contract is not None
    assert contract.allowed == Decimal("80.00") + Decimal("15.00")
    assert report.to_dict()["contract_pricing"]["allowed"] == "95.00"


def test_a_policy_without_rates_is_not_priced() -> None:
    report = _audit(_plan(rates=None), [{"code": "97530", "minutes": 30}])
    assert report.contract_pricing is None
    assert report.amount_at_risk is None
    assert "contract_pricing" not in report.to_dict()


# -- dollars at risk --------------------------------------------------------------------------


def test_cap_excess_units_carry_amount_at_risk_from_a_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    _plan().to_file(path)
    assert json.loads(path.read_text("utf-8"))["terms"]["rates"] == RATES
    policy = PayerPolicy.from_file(path)
    # 97530 45 min -> 3 units, 97110 45 min -> 3 units: 6 against a 4-unit visit cap
    # paid in claim order. The claim lists 97110 first: its 3 units and one 97530 unit
    # are paid, two 97530 units (2 x 40.00) are not.
    report = _audit(policy, [{"code": "97530", "minutes": 45}, {"code": "97110", "minutes": 45}])
    assert [(ln.code, ln.units) for ln in report.lines] == [("97110", 3), ("97530", 3)]
    (cap,) = _by_rule(report, "payer.daily_cap")
    assert cap.amount_at_risk == Decimal("80.00")
    assert report.amount_at_risk == Decimal("80.00")


def test_co_lines_take_the_policy_factor_in_the_audit() -> None:
    # 38 min with 20 by the assistant: the CO line at 40.00 x 85% a unit (Cigna's
    # factor from 2022-10-15), the other line at 40.00.
    report = _audit(_plan(), [{"code": "97530", "minutes": 38, "assistant_minutes": 20}])
    contract = report.contract_pricing
    assert contract is not None
    co = [p for p in contract.lines if "CO" in p.line.modifiers]
    other = [p for p in contract.lines if "CO" not in p.line.modifiers]
    assert co
    assert other
    for p in co:
        assert p.allowed == Decimal("34.00") * p.line.units
    for p in other:
        assert p.allowed == Decimal("40.00") * p.line.units


def test_a_denied_line_is_at_risk_at_its_contracted_amount() -> None:
    # 97150 / 97530 (NCCI PTP, column 2 97530): 97530's line (2 x 40.00) is denied.
    rates = {**RATES, "97150": "20.00"}
    report = _audit(
        _plan(rates=rates), [{"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 30}]
    )
    (ptp,) = _by_rule(report, "ncci.ptp")
    assert ptp.codes == ("97150", "97530")
    assert ptp.amount_at_risk == Decimal("80.00")


# -- strict reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rates", "where"),
    [
        ({"9753": "40.00"}, "terms.rates.9753"),
        ({"97530": "-1"}, "terms.rates.97530"),
        ({"97530": 40}, "terms.rates.97530"),
        ({"97530": "NaN"}, "terms.rates.97530"),
        (["97530"], "terms.rates"),
    ],
)
def test_bad_rate_tables_are_refused_naming_the_entry(rates: Any, where: str) -> None:
    data = _plan().to_dict()
    data["terms"]["rates"] = rates
    with pytest.raises(errors.InvalidInputError, match=where.replace(".", r"\.")):
        PayerPolicy.from_dict(data)


def test_terms_with_rates_pickle_in_a_fresh_process() -> None:
    terms = _plan().terms
    assert terms is not None
    code = (
        "import pickle, sys; from ot_billing_rules.payer_terms import PayerTerms; "
        "t = pickle.loads(sys.stdin.buffer.read()); sys.stdout.write(str(t.rate_table['97530']))"
    )
    import pickle

    out = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(terms), capture_output=True, check=True
    )
    assert out.stdout == b"40.00"
    assert attrs.evolve(terms, rates={"97530": Decimal("1")}).rates == (("97530", Decimal("1")),)
    assert isinstance(terms, PayerTerms)
