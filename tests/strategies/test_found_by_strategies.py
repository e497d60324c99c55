"""Bugs the broadened ``visits()`` strategy found (issue 16 item 6), pinned as examples."""

from __future__ import annotations

import pytest

import ot_billing_rules as ob


@pytest.mark.parametrize("supplied", [("GO", "CO"), ("CO",), ()])
def test_a_supplied_co_stays_on_the_assistants_units(supplied: tuple[str, ...]) -> None:
    # Found by tests/property/test_export_properties.py once visits() drew
    # modifiers: a CO given on a service with assistant minutes was copied onto
    # the therapist's line too (two 97112 lines with CO, 5 units paid at 85%).
    visit = ob.Visit(
        "2022-01-01", [ob.Service("97112", minutes=68, assistant_minutes=1, modifiers=supplied)]
    )
    lines = [(ln.units, ln.modifiers) for ln in ob.audit_visit(visit).lines]
    assert lines == [(4, ("GO",)), (1, ("GO", "CO"))]


def test_a_supplied_co_without_assistant_minutes_is_kept() -> None:
    # Without assistant minutes nothing splits the units: the caller's CO stands.
    visit = ob.Visit("2022-01-01", [ob.Service("97112", minutes=68, modifiers=("CO",))])
    assert [ln.modifiers for ln in ob.audit_visit(visit).lines] == [("GO", "CO")]


def test_a_typed_co_with_zero_assistant_minutes_stays_on_the_line() -> None:
    # Found by tests/bundling/test_modifier_limits.py after the fix above: zero
    # assistant minutes split nothing, so the caller's CO must not vanish unnamed.
    report = ob.audit_visit(
        {
            "date_of_service": "2024-07-01",
            "services": [
                {"code": "97112", "minutes": 8, "assistant_minutes": 0, "modifiers": ["CO"]}
            ],
        }
    )
    (line,) = report.lines
    assert "CO" in line.modifiers


def test_a_typed_cq_on_a_split_ot_code_is_named_not_doubled() -> None:
    # Found by tests/property/test_export_properties.py: a CQ typed on an OT
    # service with assistant minutes rode on both the therapist's and the
    # assistant's 97110 lines (two assistant lines of one code on one day).
    report = ob.audit_visit(
        ob.Visit(
            "2022-01-01",
            [
                ob.Service("97110", minutes=19, assistant_minutes=1, modifiers=("GO", "CQ")),
                ob.Service("97112", minutes=4),
            ],
        )
    )
    assistant = [ln for ln in report.lines if {"CO", "CQ"} & set(ln.modifiers)]
    assert [ln.modifiers for ln in assistant] == [("GO", "CO")]
    assert any(
        f.rule == "modifier.discipline_mismatch" and "CQ" in f.message for f in report.findings
    )


def test_the_cq_on_ot_finding_cites_a_registered_source() -> None:
    # tests/test_rules_registry.py draws visits at random and caught this only
    # sometimes: the finding's source must be one its rule registers.
    report = ob.audit_visit(
        ob.Visit(
            "2022-01-01",
            [
                ob.Service("97110", minutes=19, assistant_minutes=1, modifiers=("GO", "CQ")),
                ob.Service("97112", minutes=4),
            ],
        )
    )
    (found,) = [f for f in report.findings if f.rule == "modifier.discipline_mismatch"]
    assert found.source in {ob.cite(c) for c in ob.rule(found.rule).citations}
