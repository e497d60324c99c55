"""Properties of visit audits: lines match the allocation, determinism, completeness.

Pending until ``units.py`` and ``bundling.py`` are in the tree.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules.audit import audit_visit
from ot_billing_rules.catalog import codes as catalog_codes
from ot_billing_rules.visit import Service, Visit

DOS = date(2024, 7, 1)
CODES = sorted(
    c.code
    for c in catalog_codes(on=DOS)
    if c.category.value in {"therapeutic_procedure", "evaluation", "group", "cognitive"}
)


@st.composite
def services(draw: st.DrawFn) -> Service:
    code = draw(st.sampled_from(CODES))
    minutes = draw(st.none() | st.integers(0, 75))
    assistant = None if minutes is None else draw(st.none() | st.integers(0, minutes))
    return Service(
        code,
        minutes=minutes,
        assistant_minutes=assistant,
        separate_interval=draw(st.booleans()),
    )


visits = st.builds(
    Visit,
    st.just(DOS),
    st.lists(services(), min_size=1, max_size=4, unique_by=lambda s: s.code),
    payer=st.sampled_from(["medicare", "commercial"]),
    ytd_allowed=st.none() | st.integers(0, 4000),
)


@settings(max_examples=40, deadline=None)
@given(visits)
def test_line_units_match_allocation(v: Visit) -> None:
    r = audit_visit(v)
    if r.allocation is None:
        assert r.lines == ()
        return
    for code in {ln.code for ln in r.lines}:
        assert sum(ln.units for ln in r.lines if ln.code == code) == r.allocation.units[code]


@settings(max_examples=40, deadline=None)
@given(visits)
def test_audit_is_deterministic(v: Visit) -> None:
    assert audit_visit(v) == audit_visit(v)
    assert audit_visit(v).to_dict() == audit_visit(v.to_dict()).to_dict()


@settings(max_examples=40, deadline=None)
@given(visits)
def test_every_service_is_accounted_for(v: Visit) -> None:
    r = audit_visit(v)
    assert [s.code for s in r.services] == [s.code for s in v.services]
    billed_codes = {ln.code for ln in r.lines}
    # A base code and its add-on (97129 + 97130, 97545 + 97546 …) are one
    # service whose units are labelled by position (first unit the base), so
    # a line's code need not be the input code.
    family = {c.code for c in catalog_codes() if c.add_on_to} | {
        base for c in catalog_codes() for base in c.add_on_to
    }
    assert sum(o.units for o in r.services) == sum(ln.units for ln in r.lines)
    for outcome in r.services:
        assert outcome.billed == (outcome.units > 0)
        if outcome.code not in family:
            assert outcome.billed == (outcome.code in billed_codes)
        if not outcome.billed:
            assert outcome.reason
            assert any(outcome.code in f.codes for f in r.findings)


@settings(max_examples=40, deadline=None)
@given(visits)
def test_modifier_order(v: Visit) -> None:
    rank = {"GO": 0, "CO": 1, "KX": 2, "59": 3}
    for ln in audit_visit(v).lines:
        known = [rank[m] for m in ln.modifiers if m in rank]
        assert known == sorted(known)
