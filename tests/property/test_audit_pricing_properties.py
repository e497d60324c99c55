"""Properties of priced audits (issue 13): a visit that names its locality.

- the report's pricing is exactly :func:`price_lines` of the claim lines as
  billed, and its total is the sum of its lines;
- a finding's amount at risk is at most the allowed amount of its codes'
  lines, the visit's at most the total and at least any one finding's;
- naming a locality changes no claim line except by KX, and no finding
  except KX's wording, ``fee.unknown`` and the amounts at risk;
- KX counts the computed amount of the discipline's bucket exactly when
  ``visit_allowed`` is not given and every line of the bucket was priced.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import Visit, audit_visit
from ot_billing_rules import strategies as obst
from ot_billing_rules.audit import AuditReport
from ot_billing_rules.payment import ClaimType, FeeSchedule, price_lines
from ot_billing_rules.terms import Discipline, Setting

_SCHEDULE = FeeSchedule.bundled()
# Localities every bundled release holds, so any date 2024-2026 prices with them.
_LOCALITIES = sorted(set.intersection(*(set(r.localities) for r in _SCHEDULE.releases)))


@st.composite
def priced_visits(draw: st.DrawFn) -> Visit:
    base = draw(
        obst.visits(
            dates=obst.dates_of_service(min_value=date(2023, 10, 1), max_value=date(2026, 12, 31)),
            payers=st.sampled_from(["medicare", "medicare", "commercial"]),
            max_services=5,
        )
    )
    # Often just under a KX threshold ($2,230-$2,480), so a visit's amount crosses it.
    money = st.none() | st.integers(0, 3000).map(Decimal) | st.integers(2200, 2480).map(Decimal)
    # Clinician modifiers, so KX can push one past the fourth place.
    services = tuple(
        attrs.evolve(s, modifiers=draw(st.sampled_from([(), ("59",), ("XU", "96"), ("76", "XS")])))
        for s in base.services
    )
    return attrs.evolve(
        base,
        services=services,
        discipline=draw(st.sampled_from(list(Discipline))),
        locality=draw(st.sampled_from(_LOCALITIES)),
        place_of_service=draw(st.sampled_from([None, "11", "12", "22", "19"])),
        ytd_allowed=draw(money),
        visit_allowed=draw(st.none() | st.none() | st.integers(0, 300).map(Decimal)),
    )


@settings(max_examples=120, deadline=None)
@given(priced_visits())
def test_pricing_is_price_lines_of_the_billed_lines(visit: Visit) -> None:
    report = audit_visit(visit)
    if not visit.payer.medicare_pricing or visit.date_of_service < date(2024, 1, 1):
        assert report.pricing is None
        assert report.amount_at_risk is None
        return
    pricing = report.pricing
    assert pricing is not None
    direct = price_lines(
        report.lines,
        on=visit.date_of_service,
        locality=visit.locality,
        facility=visit.facility_rate or False,
        discipline=visit.discipline,
        claim=ClaimType.INSTITUTIONAL
        if visit.setting is Setting.OUTPATIENT_HOSPITAL
        else ClaimType.PROFESSIONAL,
    )
    assert pricing == direct
    assert pricing.allowed == sum((p.allowed for p in pricing.lines), Decimal("0.00"))
    assert pricing.release == _SCHEDULE.release_for(visit.date_of_service).name


@settings(max_examples=120, deadline=None)
@given(priced_visits())
def test_amounts_at_risk_are_bounded(visit: Visit) -> None:
    report = audit_visit(visit)
    if report.pricing is None:
        assert all(f.amount_at_risk is None for f in report.findings)
        return
    total = report.amount_at_risk
    assert total is not None
    assert Decimal(0) <= total <= report.pricing.allowed
    amounts = [f.amount_at_risk for f in report.findings if f.amount_at_risk is not None]
    for f in report.findings:
        if f.amount_at_risk is None:
            continue
        codes_allowed = sum(
            (p.allowed for p in report.pricing.lines if p.line.code in f.codes), Decimal(0)
        )
        assert Decimal(0) < f.amount_at_risk <= codes_allowed, f
        assert f.amount_at_risk <= total
    assert total <= sum(amounts, Decimal("0.00"))
    if not amounts:
        assert total == 0


def _comparable(report: AuditReport) -> set[tuple[object, ...]]:
    """The findings without their amounts, KX wording and ``fee.unknown``."""
    return {
        (f.rule, f.severity, f.codes, f.message, f.suggestion, f.source)
        for f in report.findings
        if not f.rule.startswith(("kx.", "fee."))
    }


@settings(max_examples=150, deadline=None)
@given(priced_visits())
def test_a_locality_acts_as_its_computed_visit_amount(visit: Visit) -> None:
    # Naming the locality is the same audit as giving no locality and the
    # computed amount as visit_allowed: nothing else changes.
    priced = audit_visit(visit)
    computed = (
        priced.kx.visit_amount
        if priced.kx is not None and visit.visit_allowed is None and priced.pricing is not None
        else None
    )
    plain = audit_visit(
        attrs.evolve(visit, locality=None, visit_allowed=computed or visit.visit_allowed)
    )
    assert priced.lines == plain.lines
    assert _comparable(priced) == _comparable(plain)
    assert [f.rule for f in priced.findings if f.rule.startswith("kx.")] == [
        f.rule for f in plain.findings if f.rule.startswith("kx.")
    ]
    assert priced.services == plain.services
    assert plain.pricing is None
    assert all(f.amount_at_risk is None for f in plain.findings)
    if computed is None:
        assert priced.kx == plain.kx


@settings(max_examples=120, deadline=None)
@given(priced_visits())
def test_kx_uses_the_computed_amount_exactly_when_it_should(visit: Visit) -> None:
    report = audit_visit(visit)
    if report.kx is None or visit.visit_allowed is not None:
        return
    bucket = visit.discipline.kx_bucket
    unknown = {c for f in report.findings if f.rule == "fee.unknown" for c in f.codes}
    incomplete = report.pricing is None or any(
        p.kx_bucket == bucket for p in report.pricing.unpriced if p.line.code in unknown
    )
    if incomplete:
        assert report.kx.visit_amount is None
        return
    assert report.pricing is not None
    assert report.kx.visit_amount == report.pricing.kx_amounts.get(bucket, Decimal("0.00"))
    assert all("computed from the Medicare fee schedule" in f.message for f in report.kx.findings)
