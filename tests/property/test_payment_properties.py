"""Properties of Medicare pricing: order, the MPPR and monotonicity."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules.lines import ServiceLine
from ot_billing_rules.payment import FeeSchedule, fee, price_lines

SCHEDULE = FeeSchedule.bundled()
FIRST, LAST = SCHEDULE.releases[0].start, SCHEDULE.releases[-1].end
# Codes every bundled release prices.
CODES = sorted(
    set.intersection(
        *(
            {code for (code, _), row in r.rows.items() if row.status in {"A", "R", "T"}}
            for r in SCHEDULE.releases
        )
    )
)
ALWAYS = sorted(
    {
        code
        for r in SCHEDULE.releases
        for (code, _), row in r.rows.items()
        if row.mult_proc == "5" and row.pctc == "7"
    }
)
LOCALITIES = sorted(SCHEDULE.releases[-1].localities)

days = st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n))
localities = st.none() | st.sampled_from(LOCALITIES)
lines = st.builds(
    ServiceLine,
    st.sampled_from(CODES),
    st.integers(1, 4),
    st.lists(st.sampled_from(["GO", "GP", "GN", "CO", "CQ", "59"]), max_size=2, unique=True).filter(
        lambda mods: sum(m in ("GO", "GP", "GN") for m in mods) <= 1
    ),
)


@given(st.lists(lines, min_size=1, max_size=6), days, localities, st.randoms())
def test_order_of_lines_never_changes_totals(
    items: list[ServiceLine], day: date, locality: str | None, rnd: object
) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = price_lines(items, on=day, locality=locality)
    b = price_lines(shuffled, on=day, locality=locality)
    assert (a.allowed, a.coinsurance, a.assistant_reduction, a.sequestration, a.paid) == (
        b.allowed, b.coinsurance, b.assistant_reduction, b.sequestration, b.paid,
    )  # fmt: skip
    assert a.kx_amounts == b.kx_amounts


@given(st.lists(lines, min_size=1, max_size=6), days, localities, st.booleans())
def test_mppr_never_raises_an_amount(
    items: list[ServiceLine], day: date, locality: str | None, facility: bool
) -> None:
    p = price_lines(items, on=day, locality=locality, facility=facility)
    for line in p.lines:
        assert line.fee is not None
        assert line.fee.reduced_amount <= line.fee.amount
        assert line.fee_schedule_amount <= line.fee.amount * line.line.units
        assert line.allowed == line.fee_schedule_amount
    assert sum(line.full_units for line in p.lines if line.fee and line.fee.mppr) <= 1


@given(st.lists(lines, max_size=5), lines, days, localities)
def test_adding_a_line_never_lowers_the_total(
    items: list[ServiceLine], extra: ServiceLine, day: date, locality: str | None
) -> None:
    before = price_lines(items, on=day, locality=locality)
    after = price_lines([*items, extra], on=day, locality=locality)
    assert after.allowed >= before.allowed


@given(st.sampled_from(ALWAYS), days, localities)
def test_facility_equals_non_facility_for_always_therapy_codes(
    code: str, day: date, locality: str | None
) -> None:
    release = SCHEDULE.release_for(day)
    row = release.rows.get((code, ""))
    if row is None or row.status not in {"A", "R", "T"}:
        return
    nonfac = fee(code, on=day, locality=locality)
    fac = fee(code, on=day, locality=locality, facility=True)
    assert (fac.amount, fac.reduced_amount) == (nonfac.amount, nonfac.reduced_amount)
