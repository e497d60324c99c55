"""The audit's shortcuts answer what the general code answers (issue 17).

``audit_visit`` decorates a claim line without modifiers in one step, words
``audit.not_billed`` once per (code, minutes, method), and looks up retroactive
PTP changes by code and date span instead of scanning them. Each is held here
to the general code it replaces, on random visits from the library's own
strategies.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import audit
from ot_billing_rules.ncci import _history
from ot_billing_rules.strategies import visits

HISTORY_CODES = sorted(
    {c for ch in _history.retroactive_changes() for c in (ch.column_1, ch.column_2)}
)
CODES = [*HISTORY_CODES, "97110", "97140", "99213"]


def _scan(codes: list[str], on: date, where: ob.Setting) -> tuple[_history.RetroactiveChange, ...]:
    """Every recorded change, scanned in file order: the reference."""
    billed = set(codes)
    return tuple(
        c
        for c in _history.retroactive_changes()
        if c.setting is where and {c.column_1, c.column_2} <= billed and c.covers(on)
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(CODES), max_size=6),
    st.one_of(st.dates(date(2019, 10, 1), date(2020, 6, 30)), st.dates()),
    st.sampled_from(list(ob.Setting)),
)
def test_changes_by_code_equal_a_scan(codes: list[str], on: date, where: ob.Setting) -> None:
    assert _history.changes_for(codes, on, where) == _scan(codes, on, where)


def test_the_retroactive_window_is_found() -> None:
    # Not vacuous: the 2020 evaluation edits are found inside their window only.
    inside = _history.changes_for(["97530", "97165"], date(2020, 2, 3), ob.Setting.PRACTITIONER)
    assert [(c.column_1, c.column_2) for c in inside] == [("97530", "97165")]
    assert not _history.changes_for(["97530", "97165"], date(2020, 4, 1), ob.Setting.PRACTITIONER)


@settings(max_examples=300, deadline=None)
@given(visits(max_services=6))
def test_shortcuts_equal_the_general_path(visit: ob.Visit) -> None:
    quick = audit.audit_visit(visit).to_dict()
    audit._NOT_BILLED.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(audit, "_QUICK_DECORATE", False)
        general = audit.audit_visit(visit).to_dict()
    assert quick == general


def test_not_billed_is_worded_per_method() -> None:
    # A cached wording keyed without the method would say CMS on a CPT-rule payer.
    visit = {"date_of_service": "2024-07-01", "services": [{"code": "97110", "minutes": 5}]}
    cms = ob.audit_visit(visit)
    ama = ob.audit_visit({**visit, "payer": "commercial"})
    (a,) = [f for f in cms.findings if f.rule == "audit.not_billed"]
    (b,) = [f for f in ama.findings if f.rule == "audit.not_billed"]
    assert "CMS method" in a.message
    assert "AMA method" in b.message
    assert cms.services[0].reason == "5 minutes give no billable unit under the CMS method"
