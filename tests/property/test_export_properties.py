"""Hypothesis properties of the export: for any audited visit the exported lines
carry at most four modifiers, whole units >= 1, GO/GP/GN in position 1 or 2,
one line per (code, date) except the CO/CQ split, and input order never
changes the output."""

from __future__ import annotations

from collections import Counter

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import strategies as obst
from ot_billing_rules.audit import audit_visit
from ot_billing_rules.export import export_lines, to_837p_sv1
from ot_billing_rules.modifiers import ASSISTANT_MODIFIERS, THERAPY_MODIFIERS
from ot_billing_rules.visit import Visit


@settings(max_examples=150, deadline=None)
@given(obst.visits(), st.randoms(use_true_random=False))
def test_exported_lines_are_claim_ready_and_order_free(visit: Visit, rnd: object) -> None:
    lines = export_lines(audit_visit(visit), pointers=lambda _l, _n: (1,), charges=lambda _l, _n: 1)
    for line in lines:
        assert len(line.modifiers) <= 4
        assert isinstance(line.units, int)
        assert line.units >= 1
        therapy = [i for i, m in enumerate(line.modifiers) if m in THERAPY_MODIFIERS]
        assert all(i <= 1 for i in therapy)
    per_day = Counter(
        (line.code, line.date_of_service, bool(set(line.modifiers) & ASSISTANT_MODIFIERS))
        for line in lines
    )
    assert max(per_day.values(), default=1) == 1
    shuffled = list(visit.services)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again = export_lines(
        audit_visit(attrs.evolve(visit, services=tuple(shuffled))),
        pointers=lambda _l, _n: (1,),
        charges=lambda _l, _n: 1,
    )
    assert again == lines
    # The SV1 composite carries the modifiers in the line's order.
    if lines:
        sv1 = to_837p_sv1(lines, force=True)[1]
        assert sv1.split("*")[1].split(":")[2:] == list(lines[0].modifiers)
