"""End-to-end visit audits with known outcomes (units, modifiers, findings).

Pending until ``units.py`` and ``bundling.py`` are in the tree: the module is
skipped while either is missing.
"""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ot_billing_rules.audit import AuditReport, AuditStatus, audit_visit
from ot_billing_rules.errors import InvalidInputError, InvalidTypeError
from ot_billing_rules.modifiers import order_modifiers
from ot_billing_rules.payers import MEDICARE
from ot_billing_rules.visit import Visit


def visit(*services: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"date_of_service": "2024-07-01", "services": list(services), **extra}


def lines(report: AuditReport) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(ln.code, ln.units, ln.modifiers) for ln in report.lines]


def rules(report: AuditReport) -> list[str]:
    return [f.rule for f in report.findings]


def test_medicare_two_timed_codes_get_go() -> None:
    r = audit_visit(visit({"code": "97530", "minutes": 30}, {"code": "97535", "minutes": 15}))
    assert lines(r) == [("97530", 2, ("GO",)), ("97535", 1, ("GO",))]
    assert r.status is AuditStatus.CLEAN
    assert set(rules(r)) == {"kx.not_checked", "poc.not_checked"}


def test_cms_example_33_and_7_minutes() -> None:
    # Pub. 100-04 Ch. 5 §20.2, Example 3: 33 min therapeutic exercise and 7 min
    # neuromuscular re-education = 40 timed minutes = 3 units: 2 x 97110, 1 x 97112.
    r = audit_visit(visit({"code": "97110", "minutes": 33}, {"code": "97112", "minutes": 7}))
    assert lines(r) == [("97110", 2, ("GO",)), ("97112", 1, ("GO",))]


def test_commercial_ama_per_code_and_no_medicare_modifiers() -> None:
    r = audit_visit(
        visit(
            {"code": "97530", "minutes": 22, "modifiers": ["96"]},
            {"code": "97535", "minutes": 8, "modifiers": ["96"]},
            {"code": "97165", "minutes": 45, "modifiers": ["96"]},
            payer="commercial",
        )
    )
    assert sorted(lines(r)) == [
        ("97165", 1, ("96",)),
        ("97530", 1, ("96",)),
        ("97535", 1, ("96",)),
    ]
    assert not any(rule.startswith(("kx.", "poc.", "status.")) for rule in rules(r))


def test_medicare_pools_minutes_commercial_does_not() -> None:
    # Three 7-minute services: 21 total minutes = 1 CMS unit; under CPT each
    # code alone is under 8 minutes, so nothing is billable.
    services = [{"code": c, "minutes": 7} for c in ("97530", "97535", "97110")]
    medicare = audit_visit(visit(*services))
    commercial = audit_visit(visit(*services, payer="commercial"))
    assert sum(ln.units for ln in medicare.lines) == 1
    assert commercial.lines == ()
    assert [s.billed for s in commercial.services] == [False, False, False]
    assert rules(commercial).count("audit.not_billed") == 3


def test_kx_added_when_visit_crosses_threshold() -> None:
    r = audit_visit(
        visit(
            {"code": "97530", "minutes": 30},
            {"code": "97535", "minutes": 15, "modifiers": ["96"]},
            ytd_allowed="2290.00",
            visit_allowed="118.40",
        )
    )
    assert lines(r) == [("97530", 2, ("GO", "KX")), ("97535", 1, ("GO", "KX", "96"))]
    assert "kx.threshold_reached" in rules(r)
    assert r.kx is not None
    assert r.kx.total == Decimal("2408.40")
    assert r.status is AuditStatus.WARNINGS


def test_no_kx_below_threshold() -> None:
    r = audit_visit(visit({"code": "97530", "minutes": 30}, ytd_allowed=1000, visit_allowed=90))
    assert lines(r) == [("97530", 2, ("GO",))]
    assert "kx.below_threshold" in rules(r)


GROUP = ({"code": "97150"}, {"code": "97530", "minutes": 15, "separate_interval": True})


def ptp_errors(report: AuditReport) -> list[str]:
    return [
        f.rule
        for f in report.findings
        if f.rule.startswith("ncci.ptp") and f.severity.value == "error"
    ]


def test_group_and_individual_in_separate_intervals_get_59() -> None:
    # 97150 is column 1 over 97530, modifier indicator 1 (rules/bundling.md §1.4):
    # bypassable when the services were in separate time intervals.
    flagged = audit_visit(visit(*GROUP))
    assert ("97530", 1, ("GO", "59")) in lines(flagged)
    assert "audit.bypass_added" in rules(flagged)
    assert ptp_errors(flagged) == []
    plain = audit_visit(visit({"code": "97150"}, {"code": "97530", "minutes": 15}))
    assert ("97530", 1, ("GO",)) in lines(plain)
    assert ptp_errors(plain)
    assert plain.status is AuditStatus.ERRORS


def test_xu_when_the_payer_prefers_it() -> None:
    payer = attrs.evolve(MEDICARE, name="mac-xu", bypass_modifier="XU")
    r = audit_visit(Visit("2024-07-01", list(GROUP), payer=payer))
    assert ("97530", 1, ("GO", "XU")) in lines(r)


def test_indicator_0_edit_gets_no_bypass() -> None:
    # Two OT evaluation codes on one date edit each other with indicator 0.
    r = audit_visit(
        visit(
            {"code": "97165", "separate_interval": True},
            {"code": "97166", "separate_interval": True},
        )
    )
    assert not any(m in {"59", "XU"} for ln in r.lines for m in ln.modifiers)
    assert ptp_errors(r)


def test_code_not_effective_is_reported_not_billed() -> None:
    r = audit_visit(visit({"code": "97127"}, {"code": "97530", "minutes": 30}))
    assert lines(r) == [("97530", 2, ("GO",))]
    (outcome,) = [s for s in r.services if s.code == "97127"]
    assert not outcome.billed
    assert "2024-07-01" in outcome.reason
    (f,) = [f for f in r.findings if f.rule == "code.not_effective"]
    assert "97129" in f.message
    assert r.status is AuditStatus.ERRORS


def test_timed_code_without_minutes() -> None:
    r = audit_visit(visit({"code": "97530"}))
    assert r.lines == ()
    assert "units.minutes_missing" in rules(r)
    assert r.services[0].billed is False


def test_discipline_mismatch() -> None:
    r = audit_visit(visit({"code": "97530", "minutes": 30, "modifiers": ["GP"]}))
    assert lines(r) == [("97530", 2, ("GO",))]
    assert "modifier.discipline_mismatch" in rules(r)


def test_progress_report_due_from_plan_of_care() -> None:
    r = audit_visit(
        visit(
            {"code": "97530", "minutes": 30},
            plan_of_care={
                "first_treatment": "2024-05-06",
                "certified_on": "2024-05-20",
                "treatment_days_since_report": 9,
            },
        )
    )
    assert "poc.progress_report_due" in rules(r)


def test_assistant_minutes_give_co_under_medicare_only() -> None:
    services = [{"code": "97530", "minutes": 45, "assistant_minutes": 45}]
    medicare = audit_visit(visit(*services))
    assert all("CO" in ln.modifiers for ln in medicare.lines)
    assert all(ln.modifiers.index("GO") < ln.modifiers.index("CO") for ln in medicare.lines)
    commercial = audit_visit(visit(*services, payer="commercial"))
    assert not any("CO" in ln.modifiers for ln in commercial.lines)
    assert "payer.assistant_minutes_unused" in rules(commercial)


def test_report_outputs() -> None:
    r = audit_visit(visit({"code": "97530", "minutes": 30}, visit_id="x1"))
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert list(d) == [
        "visit_id",
        "date_of_service",
        "payer",
        "discipline",
        "setting",
        "status",
        "lines",
        "services",
        "findings",
        "units",
        "kx",
        "pricing",
        "amount_at_risk",
        "visit",
        "data_version",
        "schema_version",
        "options",
        "tables",
    ]
    assert d["lines"] == [{"code": "97530", "units": 2, "modifiers": ["GO"], "minutes": 30}]
    text = r.to_text()
    assert text.startswith("Visit x1 2024-07-01")
    assert "97530  units=2  modifiers=GO" in text
    assert "<table>" in r._repr_html_()
    assert pickle.loads(pickle.dumps(r)) == r


def test_order_modifiers() -> None:
    assert order_modifiers(["96", "XU", "KX", "CO", "GO"]) == ("GO", "CO", "KX", "XU", "96")


def test_bad_input() -> None:
    with pytest.raises(InvalidTypeError):
        audit_visit("97530")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        audit_visit({"date_of_service": "2024-07-01", "services": [], "extra": 1})
