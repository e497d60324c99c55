"""Four modifiers per claim line (issue 11 item 4) and one X modifier per line (item 8)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import ClaimLine, Visit, audit_visit, check_bundling, errors
from ot_billing_rules.catalog import codes as catalog_codes
from ot_billing_rules.modifiers import (
    ASSISTANT_MODIFIERS,
    KNOWN_MODIFIERS,
    THERAPY_MODIFIERS,
    order_modifiers,
)
from ot_billing_rules.visit import Service

DOS = "2024-07-01"
MAX_MODIFIERS = 4  # CMS-1500 item 24D and the 837P hold four


def _visit(*services: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"date_of_service": DOS, "services": list(services), **extra}


# -- item 4: at most four modifiers ------------------------------------------------


def test_claim_line_refuses_a_fifth_modifier() -> None:
    with pytest.raises(errors.InvalidModifierError, match="at most 4 modifiers"):
        ClaimLine("97530", 1, ["GO", "CO", "KX", "59", "96"])
    assert ClaimLine("97530", 1, ["GO", "CO", "KX", "59"]).modifiers == ("GO", "CO", "KX", "59")


def test_audit_keeps_the_first_four_in_billing_order_and_names_the_rest() -> None:
    # GO (discipline), CO (assistant), KX (threshold) come first; then the
    # clinician's 96 and GA in the order given: GA is the fifth.
    report = audit_visit(
        _visit(
            {"code": "97530", "minutes": 30, "assistant_minutes": 30, "modifiers": ["96", "GA"]},
            ytd_allowed="5000",
        )
    )
    (line,) = report.lines
    assert line.modifiers == ("GO", "CO", "KX", "96")
    (too_many,) = [f for f in report.findings if f.rule == "modifier.too_many"]
    assert too_many.severity.value == "error"
    assert too_many.codes == ("97530",)
    assert "GA" in too_many.message
    assert "GA" not in line.modifiers
    assert report.status.value == "errors"
    assert "modifier.too_many" in report.to_text()
    assert [f["rule"] for f in report.to_dict()["findings"]].count("modifier.too_many") == 1


def test_user_order_decides_among_the_clinicians_modifiers() -> None:
    report = audit_visit(
        _visit(
            {"code": "97530", "minutes": 30, "modifiers": ["GA", "96", "76", "22"]},
        )
    )
    (line,) = report.lines
    assert line.modifiers == ("GO", "GA", "96", "76")
    (too_many,) = [f for f in report.findings if f.rule == "modifier.too_many"]
    assert "22" in too_many.message


def test_four_modifiers_draw_no_finding() -> None:
    report = audit_visit(_visit({"code": "97530", "minutes": 30, "modifiers": ["GA", "96", "76"]}))
    assert report.lines[0].modifiers == ("GO", "GA", "96", "76")
    assert "modifier.too_many" not in {f.rule for f in report.findings}


def test_a_modifier_left_off_the_claim_bypasses_no_edit() -> None:
    # 97150 RT with 97530 LT is an anatomic bypass of the 97150/97530 edit
    # (indicator 1), but on 97530's assistant line LT is the fifth modifier
    # (GO, CO, KX, 96, LT): the claim does not carry it, so the edit stands.
    report = audit_visit(
        _visit(
            {"code": "97150", "minutes": 30, "modifiers": ["RT"]},
            {"code": "97530", "minutes": 23, "assistant_minutes": 15, "modifiers": ["96", "LT"]},
            ytd_allowed="5000",
        )
    )
    assistant = [ln for ln in report.lines if ln.code == "97530" and "CO" in ln.modifiers]
    assert assistant
    assert "LT" not in assistant[0].modifiers
    rules = {f.rule for f in report.findings}
    assert "modifier.too_many" in rules
    assert "ncci.ptp" in rules
    assert "ncci.bypass" not in rules


DAY = date(2024, 7, 1)
CODES = sorted(
    c.code
    for c in catalog_codes(on=DAY)
    if c.category.value in {"therapeutic_procedure", "group", "cognitive"}
)
USER_MODIFIERS = sorted(KNOWN_MODIFIERS - THERAPY_MODIFIERS)


@st.composite
def _services(draw: st.DrawFn) -> Service:
    minutes = draw(st.integers(8, 60))
    return Service(
        draw(st.sampled_from(CODES)),
        minutes=minutes,
        assistant_minutes=draw(st.none() | st.integers(0, minutes)),
        modifiers=draw(st.lists(st.sampled_from(USER_MODIFIERS), max_size=5, unique=True)),
        separate_interval=draw(st.booleans()),
    )


_visits = st.builds(
    Visit,
    st.just(DAY),
    st.lists(_services(), min_size=1, max_size=3, unique_by=lambda s: s.code),
    payer=st.sampled_from(["medicare", "commercial"]),
    ytd_allowed=st.none() | st.integers(0, 5000),
)


@settings(max_examples=60, deadline=None)
@given(_visits)
def test_no_line_carries_more_than_four_and_every_dropped_modifier_is_named(v: Visit) -> None:
    report = audit_visit(v)
    named: dict[str, str] = {}
    for f in report.findings:
        if f.rule == "modifier.too_many":
            assert f.severity.value == "error"
            named[f.codes[0]] = named.get(f.codes[0], "") + f.message
    by_code = {s.code: s for s in v.services}
    for line in report.lines:
        assert len(line.modifiers) <= MAX_MODIFIERS
        assert line.modifiers == order_modifiers(line.modifiers)
        service = by_code.get(line.code)
        if service is None:  # an add-on line derived from a base service
            continue
        for mod in service.modifiers:
            if mod in line.modifiers:
                continue
            same_code = [ln for ln in report.lines if ln.code == line.code]
            if mod in ASSISTANT_MODIFIERS and any(
                set(ln.modifiers) & ASSISTANT_MODIFIERS for ln in same_code
            ):
                # A split code: the allocation's CQ/CO sits on the assistant's units
                # only; a typed one of the other discipline is named as a mismatch.
                if mod != v.discipline.assistant_modifier:
                    assert any(
                        f.rule == "modifier.discipline_mismatch" and mod in f.message
                        for f in report.findings
                    ), (mod, report.findings)
                continue
            assert mod in line.modifiers or mod in named.get(line.code, ""), (mod, line)


# -- item 8: one of XE/XS/XP/XU per line ------------------------------------------


def _rules(*lines: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.rule, f.codes) for f in check_bundling(list(lines), on=DOS)]


def test_two_x_modifiers_on_one_line_draw_bypass_multiple() -> None:
    found = check_bundling(["97530:GO,XU,XE"], on=DOS)
    (hit,) = [f for f in found if f.rule == "modifier.bypass_multiple"]
    assert hit.codes == ("97530",)
    assert hit.severity.value == "warning"
    assert "XE, XU" in hit.message
    assert "CR 8863" in hit.source


def test_one_x_modifier_or_59_with_x_is_not_bypass_multiple() -> None:
    assert ("modifier.bypass_multiple", ("97530",)) not in _rules("97530:GO,XU")
    with_59 = _rules("97530:GO,59,XU")
    assert ("modifier.59_with_x", ("97530",)) in with_59
    assert ("modifier.bypass_multiple", ("97530",)) not in with_59
    # 59 with two X modifiers: both findings.
    both = _rules("97530:GO,59,XU,XS")
    assert ("modifier.59_with_x", ("97530",)) in both
    assert ("modifier.bypass_multiple", ("97530",)) in both


def test_audit_reports_bypass_multiple() -> None:
    report = audit_visit(_visit({"code": "97530", "minutes": 30, "modifiers": "XU,XE"}))
    assert "modifier.bypass_multiple" in {f.rule for f in report.findings}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(KNOWN_MODIFIERS)), max_size=4, unique=True))
def test_bypass_multiple_exactly_when_two_x_modifiers(mods: list[str]) -> None:
    found = check_bundling([("97530", 1, mods)], on=DOS)
    xs = set(mods) & {"XE", "XS", "XP", "XU"}
    assert ("modifier.bypass_multiple" in {f.rule for f in found}) == (len(xs) >= 2)


def test_check_bundling_names_a_line_with_more_than_four_modifiers() -> None:
    found = check_bundling(["97530:GO,KX,96,GA,76"], on=DOS)
    (hit,) = [f for f in found if f.rule == "modifier.too_many"]
    assert hit.severity.value == "error"
    assert hit.codes == ("97530",)
    assert "76" in hit.suggestion
    assert "modifier.too_many" not in {
        f.rule for f in check_bundling(["97530:GO,KX,96,GA"], on=DOS)
    }
