"""Hypothesis properties of the minutes-to-units rules (rules/units.md §2, §3, §5)."""

from __future__ import annotations

import pickle
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import UnitBasis, cms_units, compute_units
from ot_billing_rules.units._families import basis_of

DOS = date(2024, 7, 1)
PLAIN = sorted(c.code for c in ob.codes(on=DOS, timed=True) if basis_of(c) is UnitBasis.FIFTEEN)

day_minutes = st.dictionaries(st.sampled_from(PLAIN), st.integers(0, 150), max_size=6)
nonempty = st.dictionaries(st.sampled_from(PLAIN), st.integers(0, 150), min_size=1, max_size=6)


def test_plain_codes_are_the_15_minute_procedures() -> None:
    # Guard against the strategy silently shrinking to nothing.
    assert {"97110", "97140", "97530", "97035", "97763"} <= set(PLAIN)
    assert "97129" not in PLAIN
    assert "97545" not in PLAIN


@given(day_minutes)
def test_cms_units_sum_to_the_chart(minutes: dict[str, int]) -> None:
    a = compute_units(minutes, on=DOS)
    assert sum(a.units.values()) == cms_units(sum(minutes.values())) == a.total_timed_units
    assert a.total_timed_minutes == sum(minutes.values())


@given(day_minutes)
def test_cms_floor_and_one_extra_at_most(minutes: dict[str, int]) -> None:
    a = compute_units(minutes, on=DOS)
    for code, m in minutes.items():
        assert m // 15 <= a.units[code] <= m // 15 + 1
        assert a.units[code] * 15 < m + 15  # never a unit without minutes behind it


@given(day_minutes)
def test_extra_units_go_to_the_largest_leftovers(minutes: dict[str, int]) -> None:
    a = compute_units(minutes, on=DOS)
    won = [m % 15 for c, m in minutes.items() if a.units[c] > m // 15]
    lost = [m % 15 for c, m in minutes.items() if a.units[c] == m // 15 and m % 15]
    if won and lost:
        assert min(won) >= max(lost)


@given(day_minutes, st.randoms(use_true_random=False))
def test_input_order_never_changes_the_result(minutes: dict[str, int], rnd: object) -> None:
    items = list(minutes.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    first = compute_units(minutes, on=DOS)
    again = compute_units(dict(items), on=DOS)
    assert first == again
    assert first.explanation == again.explanation


@given(nonempty, st.integers(1, 60), st.data())
def test_adding_minutes_never_lowers_the_total(
    minutes: dict[str, int], more: int, data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from(sorted(minutes)))
    before = compute_units(minutes, on=DOS).total_timed_units
    after = compute_units({**minutes, code: minutes[code] + more}, on=DOS).total_timed_units
    assert after >= before


@given(day_minutes)
def test_ama_each_code_on_its_own(minutes: dict[str, int]) -> None:
    a = compute_units(minutes, method="ama", on=DOS)
    for code, m in minutes.items():
        alone = compute_units({code: m}, method="ama", on=DOS)
        assert a.units[code] == alone.units[code]
        # Midpoint rule: a unit needs more than 7.5 minutes of its own.
        assert 15 * a.units[code] - 7 <= max(m, 0) or a.units[code] == 0
        assert a.units[code] * 15 <= m + 7


@given(day_minutes)
def test_ama_never_pools(minutes: dict[str, int]) -> None:
    short = {c: m % 8 for c, m in minutes.items()}  # every code under 8 minutes
    assert sum(compute_units(short, method="ama", on=DOS).units.values()) == 0


@given(day_minutes)
def test_alternatives_are_equally_valid(minutes: dict[str, int]) -> None:
    a = compute_units(minutes, on=DOS)
    seen = {tuple(a.units.items())}
    for alt in a.alternatives:
        assert sum(alt.values()) == a.total_timed_units
        for code, m in minutes.items():
            assert m // 15 <= alt[code] <= m // 15 + 1
            # Only tied leftovers swap units.
            if alt[code] != a.units[code]:
                assert any(
                    minutes[c] % 15 == m % 15 and alt[c] != a.units[c] for c in minutes if c != code
                )
        seen.add(tuple(alt.items()))
    assert len(seen) == len(a.alternatives) + 1


@given(day_minutes)
def test_every_tie_break_picks_a_listed_allocation(minutes: dict[str, int]) -> None:
    a = compute_units(minutes, on=DOS)
    listed = [dict(a.units), *map(dict, a.alternatives)]
    for tie in ("code", "therapist_first"):
        assert dict(compute_units(minutes, on=DOS, tie_break=tie).units) in listed
    for code in minutes:
        assert dict(compute_units(minutes, on=DOS, prefer=[code]).units) in listed


assisted = st.dictionaries(
    st.sampled_from(PLAIN), st.integers(0, 90), min_size=1, max_size=5
).flatmap(
    lambda m: st.tuples(
        st.just(m),
        st.fixed_dictionaries({c: st.integers(0, v) for c, v in m.items()}),
    )
)
policy_days = st.dates(min_value=date(2018, 1, 1), max_value=date(2026, 12, 31))


@given(assisted, policy_days, st.sampled_from(["OT", "PT"]), st.sampled_from(["cms", "ama"]))
def test_assistant_lines_add_up_to_the_units(
    pair: tuple[dict[str, int], dict[str, int]], on: date, discipline: str, method: str
) -> None:
    minutes, assistant = pair
    a = compute_units(
        minutes, on=on, assistant_minutes=assistant, discipline=discipline, method=method
    )
    plain = compute_units(minutes, on=on, discipline=discipline, method=method)
    assert a.units == plain.units  # assistant minutes never change the count
    modifier = "CO" if discipline == "OT" else "CQ"
    for code, n in a.units.items():
        on_lines = [ln for ln in a.lines if ln.code == code]
        assert sum(ln.units for ln in on_lines) == n
        assert len(on_lines) <= 2
        assert all(ln.modifiers in ((), (modifier,)) for ln in on_lines)
        marked = sum(ln.units for ln in on_lines if ln.modifiers)
        if on < date(2020, 1, 1) or assistant[code] == 0:
            assert marked == 0
        elif assistant[code] == minutes[code]:
            assert marked == n  # furnished wholly by the assistant
        # Whole blocks: each full 15 minutes of one clinician is that clinician's unit.
        assert marked >= min(n, assistant[code] // 15) or on < date(2020, 1, 1)
        assert n - marked >= min(n, (minutes[code] - assistant[code]) // 15)


@given(assisted, policy_days)
def test_results_pickle_and_serialise(
    pair: tuple[dict[str, int], dict[str, int]], on: date
) -> None:
    minutes, assistant = pair
    a = compute_units(minutes, on=on, assistant_minutes=assistant)
    assert pickle.loads(pickle.dumps(a)) == a
    d = a.to_dict()
    assert d["units"] == dict(a.units)
    assert len(d["lines"]) == len(a.lines)


@given(st.integers(0, 300), st.integers(0, 300), st.sampled_from(["cms", "ama"]))
def test_cognitive_pair_first_unit_once(m129: int, m130: int, method: str) -> None:
    a = compute_units({"97129": m129, "97130": m130}, method=method, on=DOS)
    assert a.units.get("97129", 0) <= 1
    assert a.units.get("97129", 0) + a.units.get("97130", 0) == (m129 + m130 + 7) // 15
    assert a.units.get("97130", 0) == 0 or a.units["97129"] == 1


@given(st.integers(0, 600), st.sampled_from(["midpoint", "full"]))
def test_work_hardening_never_uses_the_15_minute_chart(m: int, rule: str) -> None:
    a = compute_units({"97545": m, "97110": 7}, on=DOS, hour_rule=rule)
    assert a.total_timed_minutes == 7
    base, add = a.units.get("97545", 0), a.units.get("97546", 0)
    assert base <= 1
    assert add == 0 or base == 1
    # Each block needs more than half of it (midpoint) or all of it (full).
    if base:
        needed = 120 + 60 * add if rule == "full" else (61 if add == 0 else 120 + 60 * add - 29)
        assert m >= needed
    # ... and the next block would not have been reached.
    nxt = 120 if not base else 120 + 60 * (add + 1)
    assert m < (nxt if rule == "full" else (61 if not base else nxt - 29))
