"""Properties of contracted-rate pricing (payment.price_contract)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules.lines import ServiceLine
from ot_billing_rules.payment import price_contract

CODES = ["97110", "97112", "97530", "97535", "97140"]
DAY = date(2024, 3, 1)

rates = st.dictionaries(
    st.sampled_from(CODES),
    st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False),
    min_size=1,
)
lines = st.lists(
    st.builds(
        ServiceLine,
        st.sampled_from(CODES),
        st.integers(min_value=1, max_value=8),
        st.sampled_from([[], ["GO"], ["CO", "GO"]]),
    ),
    min_size=1,
    max_size=6,
)


@given(lines, rates, st.randoms(use_true_random=False))
def test_order_of_lines_never_changes_the_whole_rate_total(
    items: list[ServiceLine], table: dict[str, Decimal], rnd: object
) -> None:
    # A tie between codes goes to the first billed, but tied codes have equal
    # allowances (CQ/CO factor included): which one keeps 100% changes the sum
    # only by per-line cent rounding.
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    factor = Decimal("0.85")
    a = price_contract(
        items, table, on=DAY, payer="P", mppr="whole_rate_50", assistant_factor=factor
    )
    b = price_contract(
        shuffled, table, on=DAY, payer="P", mppr="whole_rate_50", assistant_factor=factor
    )
    assert abs(a.allowed - b.allowed) <= Decimal("0.01") * len(items)


def test_a_tie_on_rate_x_units_is_broken_by_the_assistant_factor() -> None:
    # 97530 CO x1 at 10.00 allows 8.50; 97110 x1 at 10.00 allows 10.00: 97110 keeps 100%
    # whichever is billed first -> 10.00 + 4.25.
    table = {"97530": Decimal("10.00"), "97110": Decimal("10.00")}
    for items in (
        [ServiceLine("97530", 1, ["CO"]), ServiceLine("97110", 1, [])],
        [ServiceLine("97110", 1, []), ServiceLine("97530", 1, ["CO"])],
    ):
        priced = price_contract(
            items, table, on=DAY, payer="P", mppr="whole_rate_50", assistant_factor=Decimal("0.85")
        )
        assert priced.allowed == Decimal("14.25")


@given(lines, rates, st.sampled_from([None, Decimal("0.85")]))
def test_whole_rate_50_pays_between_half_and_all_of_the_unreduced_total(
    items: list[ServiceLine], table: dict[str, Decimal], factor: Decimal | None
) -> None:
    full = price_contract(items, table, on=DAY, payer="P", mppr="none", assistant_factor=factor)
    reduced = price_contract(
        items, table, on=DAY, payer="P", mppr="whole_rate_50", assistant_factor=factor
    )
    assert reduced.allowed <= full.allowed
    # Per-line rounding moves each line by at most half a cent.
    assert reduced.allowed * 2 >= full.allowed - Decimal("0.01") * len(items)
    # Exactly one code, the highest total allowance, keeps 100%.
    kept = {p.line.code for p in reduced.lines if p.priced and p.multiplier == 1}
    assert len(kept) <= 1
