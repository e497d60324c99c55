"""An audit uses the rules of its own date where the data covers it and names
each table it lacks (issue 15; CMS NCCI MUE files of 2024-07-01 and
2026-04-01, PTP of 2024-07-01; KX amounts per year as cited in the data)."""

from __future__ import annotations

import ot_billing_rules as ob


def _audit(day: str) -> ob.AuditReport:
    visit = ob.Visit.from_dict(
        {
            "visit_id": day,
            "date_of_service": day,
            "ytd_allowed": "100.00",
            "services": [{"code": "97530", "minutes": 30}],
        }
    )
    return ob.audit_visit(visit)


def _by_rule(report: ob.AuditReport, rule: str) -> list[ob.Finding]:
    return [f for f in report.findings if f.rule == rule]


def test_2018_visit_uses_2018_kx_and_names_the_missing_mue_table() -> None:
    report = _audit("2018-06-04")
    (kx,) = _by_rule(report, "kx.below_threshold")
    assert "2018 KX threshold of $2,010.00" in kx.message
    (gap,) = _by_rule(report, "ncci.uncovered")
    assert "MUE" in gap.message
    assert not _by_rule(report, "ncci.stale")


def test_2021_visit_uses_2021_kx_and_names_the_missing_mue_table() -> None:
    report = _audit("2021-06-07")
    (kx,) = _by_rule(report, "kx.below_threshold")
    assert "2021 KX threshold of $2,110.00" in kx.message
    assert len(_by_rule(report, "ncci.uncovered")) == 1


def test_2026_visit_uses_2026_mue_and_names_the_stale_ptp_table() -> None:
    report = _audit("2026-05-04")
    (kx,) = _by_rule(report, "kx.below_threshold")
    assert "2026 KX threshold of $2,480.00" in kx.message
    (stale,) = _by_rule(report, "ncci.stale")
    assert "PTP table" in stale.message
    assert not _by_rule(report, "ncci.uncovered")
    edits = ob.EditSet.bundled()
    assert edits.mue("97530", on="2026-05-04").effective.isoformat() == "2026-04-01"  # type: ignore[union-attr]
