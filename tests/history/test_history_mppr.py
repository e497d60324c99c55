"""The therapy MPPR priced per patient-day across disciplines (Pub. 100-04 Ch. 5 §10.7).

Hand-computed from the bundled release RVU25D (CMS "2025 National Physician
Fee Schedule Relative Value File October Release":
``data/sources/pfs/rvu25d/PPRRVU2025_Oct.csv``, non-facility columns, CF
32.3465) and locality 10112-00, Alabama (``data/sources/pfs/rvu25d/GPCI2025.csv``:
work 1.000, PE 0.869, MP 0.575):

- 97530 (work 0.44, PE 0.62, MP 0.01): one unit (0.44 + 0.62 x 0.869 + 0.01 x 0.575)
  x CF = 0.98453 x 32.3465 = 31.85; a reduced unit, PE at 50%,
  (0.44 + 0.31 x 0.869 + 0.00575) x CF = 0.71514 x 32.3465 = 23.13.
- 97110 (work 0.45, PE 0.43, MP 0.01): one unit 0.82942 x CF = 26.83; reduced
  (0.45 + 0.215 x 0.869 + 0.00575) x CF = 0.642585 x 32.3465 = 20.79.

An OT visit bills 97530 x2 and a PT visit 97110 x2, same patient, day and
billing provider. 97530 has the higher PE, so its first unit is the day's one
full unit: OT 31.85 + 23.13 = 54.98; PT 2 x 20.79 = 41.58 (priced alone, PT
would be 26.83 + 20.79 = 47.62). 2025 KX threshold (PT+SLP): $2,410.00.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import audit_history
from ot_billing_rules.payment import price_lines

DAY = "2025-06-02"
PROVIDER = "1234567893"


def _visit(vid: str, discipline: str, services: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {
        "patient_id": "p1",
        "visit_id": vid,
        "date_of_service": DAY,
        "discipline": discipline,
        "billing_provider": PROVIDER,
        "locality": "10112-00",
        "services": services,
        **kw,
    }


OT = _visit("ot1", "OT", [{"code": "97530", "minutes": 30}])
PT = _visit("pt1", "PT", [{"code": "97110", "minutes": 30}])


def _kx(run: Any) -> dict[str, str]:
    state = run.state.to_dict()["patients"]["p1"]["kx"]
    return {row["bucket"]: row["allowed"] for row in state}


def test_the_day_is_priced_across_disciplines() -> None:
    run = audit_history([OT, PT])
    ot, pt = (r.report for r in run)
    assert [(p.line.code, p.full_units, p.reduced_units, p.allowed) for p in ot.pricing.lines] == [
        ("97530", 1, 1, Decimal("54.98"))
    ]
    assert [(p.line.code, p.full_units, p.reduced_units, p.allowed) for p in pt.pricing.lines] == [
        ("97110", 0, 2, Decimal("41.58"))
    ]
    assert (ot.pricing.allowed, pt.pricing.allowed) == (Decimal("54.98"), Decimal("41.58"))
    assert (ot.kx.visit_amount, pt.kx.visit_amount) == (Decimal("54.98"), Decimal("41.58"))
    assert _kx(run) == {"OT": "54.98", "PT_SLP": "41.58"}
    (summary,) = run.summaries
    assert (summary.allowed["OT"], summary.allowed["PT_SLP"]) == (
        Decimal("54.98"),
        Decimal("41.58"),
    )


def test_input_order_does_not_move_the_full_unit() -> None:
    run = audit_history([PT, OT])
    assert [str(r.report.pricing.allowed) for r in run] == ["41.58", "54.98"]


def test_kx_follows_the_day_priced_amount() -> None:
    # 2,365.00 + 41.58 = 2,406.58 stays within $2,410.00; priced alone (47.62) it would cross.
    run = audit_history([OT, PT], opening_balances={"p1": {(2025, "PT_SLP"): "2365.00"}})
    _, pt = (r.report for r in run)
    assert pt.kx.kx_required is False
    assert pt.kx.visit_amount == Decimal("41.58")
    assert "KX" not in pt.lines[0].modifiers
    assert _kx(run)["PT_SLP"] == "2406.58"


def test_the_callers_visit_allowed_wins() -> None:
    run = audit_history([dict(OT, visit_allowed="100.00"), PT])
    ot, pt = (r.report for r in run)
    assert ot.visit.visit_allowed == Decimal("100.00")
    # The OT lines still take the day's full unit: the PT visit keeps its reduced price.
    assert _kx(run) == {"OT": "100.00", "PT_SLP": "41.58"}
    assert pt.pricing.allowed == Decimal("41.58")


def test_another_billing_provider_is_priced_apart() -> None:
    run = audit_history([OT, dict(PT, billing_provider="1111111112")])
    list(run)
    assert _kx(run) == {"OT": "54.98", "PT_SLP": "47.62"}


def test_amount_at_risk_is_the_day_priced_amount() -> None:
    # 200 minutes: 13 units of 97110, over its MUE of 6 (MAI 3: every unit is denied).
    # All 13 are reduced units on this day: 13 x 20.79 = 270.27 (alone: 26.83 + 12 x 20.79).
    pt = _visit("pt1", "PT", [{"code": "97110", "minutes": 200}])
    _, report = (r.report for r in audit_history([OT, pt]))
    (mue,) = [f for f in report.findings if f.rule == "ncci.mue"]
    assert mue.amount_at_risk == Decimal("270.27")
    assert report.amount_at_risk == Decimal("270.27")


_SERVICE = st.fixed_dictionaries(
    {
        "code": st.sampled_from(["97530", "97110", "97112", "97140", "97535"]),
        "minutes": st.integers(min_value=8, max_value=60),
    }
)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["OT", "PT", "SLP"]), st.lists(_SERVICE, min_size=1, max_size=2)),
        min_size=1,
        max_size=4,
    )
)
def test_the_visits_share_the_days_joint_price(
    day: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    # Invariant: what the day's visits accrue is what price_lines gives the day's
    # billed lines priced together, whatever the disciplines and input order.
    visits = [
        _visit(f"v{n}", disc, [dict(s) for s in {s["code"]: s for s in services}.values()])
        for n, (disc, services) in enumerate(day)
    ]
    run = audit_history(visits, errors="collect")
    lines = [ln for r in run if r.report is not None for ln in r.report.lines]
    if not lines:
        return
    joint = price_lines(lines, on=DAY, locality="10112-00")
    accrued = sum((Decimal(a) for a in _kx(run).values()), Decimal(0))
    assert accrued == joint.allowed
    again = audit_history(list(reversed(visits)), errors="collect")
    list(again)
    assert _kx(again) == _kx(run)
