"""The fast paths give exactly what the full paths give (issue 17).

``compute_units`` answers the common case (CMS, 15-minute and untimed codes,
no assistant minutes, no ``prefer``; leftover ties included) without its
scratch objects, and
builds its values through positional makers; these properties hold it to the
full path on the same input: the same value, repr, explanation, dict, hash
and pickle, or the same error.
"""

from __future__ import annotations

import pickle
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import UnitBasis, compute_units
from ot_billing_rules import units as units_module
from ot_billing_rules.units._families import basis_of

DOS = date(2024, 7, 1)
_ALL = ob.codes(on=DOS)
FIFTEEN = sorted(c.code for c in _ALL if basis_of(c) is UnitBasis.FIFTEEN)
UNTIMED = sorted(c.code for c in _ALL if basis_of(c) is UnitBasis.UNTIMED)
OTHER = sorted(c.code for c in _ALL if basis_of(c) not in (UnitBasis.FIFTEEN, UnitBasis.UNTIMED))

codes = st.one_of(
    st.sampled_from(FIFTEEN),
    st.sampled_from(UNTIMED),
    st.sampled_from(OTHER),
    # Spellings the look-up normalises, a malformed and an unknown code.
    st.sampled_from(FIFTEEN).map(lambda c: f" {c.lower()} "),
    st.sampled_from(UNTIMED).map(lambda c: f"{c} "),
    st.sampled_from(["9711", "99999", "G0283"]),
)
minutes_value = st.one_of(
    st.integers(0, 60),
    st.integers(0, 60),
    st.none(),
    st.sampled_from([-1, 1441, True, 7.5, "15"]),
)
days = st.one_of(
    st.just(DOS),
    st.dates(date(2019, 1, 1), date(2026, 12, 31)),
    st.sampled_from(["2024-07-01", "2024-13-01", None]),
)
options = st.fixed_dictionaries(
    {},
    optional={
        "method": st.sampled_from(["cms", "ama", ob.UnitMethod.CMS, "CMS", "nope"]),
        "discipline": st.sampled_from(["OT", "PT", "SLP", ob.Discipline.PT, "ot", "XX"]),
        "tie_break": st.sampled_from(["minutes", "code", "therapist_first", "nope"]),
        "prefer": st.sampled_from([(), [], ["97110"], "97110"]),
        "hour_rule": st.sampled_from(["midpoint", "full", "nope"]),
    },
)


def _outcome(fn: Any, minutes: Any, kwargs: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", fn(minutes, **kwargs)
    except ob.OTBillingError as exc:
        return "error", (type(exc), str(exc), getattr(exc, "field", None))


def _same(minutes: Any, kwargs: dict[str, Any]) -> ob.UnitAllocation | None:
    fast = _outcome(compute_units, minutes, kwargs)
    full = _outcome(units_module._full, minutes, kwargs)
    assert fast[0] == full[0], (fast, full)
    if fast[0] == "error":
        assert fast == full
        return None
    a, b = fast[1], full[1]
    assert type(a) is type(b) is ob.UnitAllocation
    assert a == b
    assert hash(a) == hash(b)
    assert repr(a) == repr(b)
    assert a.explanation == b.explanation
    assert a.to_dict() == b.to_dict()
    assert a._repr_html_() == b._repr_html_()
    for x, y in zip(a.services, b.services, strict=True):
        assert type(x) is type(y)
        assert repr(x) == repr(y)
    for x, y in zip(a.lines, b.lines, strict=True):
        assert type(x) is type(y) is ob.ClaimLine
        assert repr(x) == repr(y)
    assert type(a.alternatives) is tuple
    for x, y in zip(a.alternatives, b.alternatives, strict=True):
        assert type(x) is type(y) is ob.UnitCounts
        assert repr(x) == repr(y)
    assert a.findings == b.findings
    for x, y in zip(a.findings, b.findings, strict=True):
        assert repr(x) == repr(y)
        assert x.to_dict() == y.to_dict()
    assert pickle.loads(pickle.dumps(a)) == b
    return a


@settings(max_examples=400)
@given(st.dictionaries(codes, minutes_value, max_size=7), days, options)
def test_compute_units_fast_path_equals_the_full_path(
    minutes: dict[str, Any], on: Any, kwargs: dict[str, Any]
) -> None:
    _same(minutes, {"on": on, **kwargs})


@settings(max_examples=400)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(FIFTEEN), st.sampled_from(UNTIMED)),
        st.integers(0, 60),
        max_size=7,
    ),
    st.sampled_from(["OT", "PT", "SLP"]),
)
def test_fast_path_equals_full_path_on_its_own_inputs(
    minutes: dict[str, int], discipline: str
) -> None:
    # Inputs the fast path takes (unless leftovers tie): the common case, densely.
    _same(minutes, {"on": DOS, "discipline": discipline})


# Minutes whose leftovers often tie: a few leftover values, whole blocks on top, so that
# several codes share the leftover at the cut (many-way ties past the alternatives' cap too).
tie_minutes = st.builds(
    lambda blocks, left: 15 * blocks + left,
    st.integers(0, 3),
    st.sampled_from([0, 1, 7, 8, 8, 8, 14]),
)


@settings(max_examples=600)
@given(
    st.dictionaries(st.sampled_from(FIFTEEN), tie_minutes, min_size=2, max_size=12),
    st.dictionaries(st.sampled_from(UNTIMED), st.one_of(st.none(), st.integers(0, 30)), max_size=2),
    st.sampled_from(["OT", "PT", "SLP"]),
    st.sampled_from(["minutes", "therapist_first", "code", *ob.TieBreak]),
)
def test_fast_path_equals_full_path_on_ties(
    timed: dict[str, int], untimed: dict[str, int | None], discipline: str, tie_break: Any
) -> None:
    _same({**timed, **untimed}, {"on": DOS, "discipline": discipline, "tie_break": tie_break})


@settings(max_examples=300)
@given(
    st.dictionaries(
        # Few codes, two spellings each: a code given twice is common.
        st.sampled_from(
            ["97110", "97110 ", "97140", " 97140", "97165", "97165 ", "97010", " 97010"]
        ),
        st.one_of(st.none(), st.integers(0, 30)),
        max_size=5,
    ),
    st.sampled_from(["minutes", "code"]),
)
def test_fast_path_equals_full_path_on_codes_given_twice(
    minutes: dict[str, int | None], tie_break: str
) -> None:
    _same(minutes, {"on": DOS, "tie_break": tie_break})


def _ties() -> list[tuple[dict[str, int], int]]:
    """Ties of 2 to 9 codes for a varying share of units: (minutes, count of tied codes)."""
    out = []
    for k in range(2, 10):
        for share in range(1, k):
            # k codes with 8 leftover minutes, distinct whole blocks so minutes order them.
            minutes = {code: 15 * (i % 3) + 8 for i, code in enumerate(FIFTEEN[:k])}
            # Units left after the whole blocks: share of the k tied codes, plus a sure winner.
            minutes[FIFTEEN[k]] = 14
            spare = share + 1
            pad = 15 * spare - 7 - sum(m % 15 for m in minutes.values())
            minutes[FIFTEEN[k + 1]] = 15 * 2 + min(pad, 7) if pad > 0 else 30
            out.append((minutes, k))
    return out


@pytest.mark.parametrize("tie_break", ["minutes", "therapist_first", "code"])
def test_every_tie_shape_is_fast_and_equal(tie_break: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = 0
    for minutes, k in _ties():
        a = _same(minutes, {"on": DOS, "tie_break": tie_break})
        assert a is not None
        assert [len(f.codes) for f in a.findings if f.rule == "units.cms.tie"] == [k]
        seen += bool(a.alternatives)
    assert seen > 20
    # The inputs above never reach the full path (the comparison called it directly).
    monkeypatch.setattr(units_module, "_full", None)
    for minutes, _ in _ties():
        assert compute_units(minutes, on=DOS, tie_break=tie_break).units


def test_a_tie_past_the_cap_is_cut_short_alike() -> None:
    # Ten codes tie with 8 leftover minutes for five units: C(10, 5) - 1 = 251 alternatives.
    minutes = dict.fromkeys(FIFTEEN[:10], 8)
    minutes[FIFTEEN[10]] = 2 * 15 - 7 - 1  # 22 minutes: one whole block, 7 left (loses)
    a = _same(minutes, {"on": DOS})
    assert a is not None
    assert len(a.alternatives) == units_module.MAX_ALTERNATIVES
    assert "(the first 64 are listed)" in a.findings[0].message


def test_the_fast_path_is_taken_and_declines_what_it_cannot_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def full(*args: Any, **kwargs: Any) -> ob.UnitAllocation:
        calls.append("full")
        return units_module.__dict__["_full_original"](*args, **kwargs)

    monkeypatch.setitem(units_module.__dict__, "_full_original", units_module._full)
    monkeypatch.setattr(units_module, "_full", full)
    compute_units({"97110": 30, "97140": 22, "97530": 38, "97112": 12, "97165": None}, on=DOS)
    assert calls == []
    # A tie is allocated from the input the fast path read (no second read).
    compute_units({"97110": 23, "97140": 18, "97530": 38, "97112": 8}, on=DOS)
    assert calls == []
    compute_units({"97110": 30}, on=DOS, assistant_minutes={"97110": 10})
    compute_units({"97129": 30}, on=DOS)  # a code family
    compute_units({"97110": 30}, on=DOS, method="ama")
    assert calls == ["full"] * 3


def test_made_values_behave_like_constructed_ones() -> None:
    a = compute_units({"97110": 30, "97140": 22}, on=DOS)
    row = a.services[0]
    built = ob.ServiceUnits(**attrs.asdict(row, recurse=False))
    assert row == built
    assert hash(row) == hash(built)
    assert repr(row) == repr(built)
    assert attrs.evolve(row, units=5).units == 5
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        row.units = 3  # type: ignore[misc]
    line = a.lines[0]
    assert line == ob.ClaimLine(line.code, line.units, line.modifiers, line.minutes)
    assert type(line) is ob.ClaimLine
    assert not hasattr(line, "__dict__")
