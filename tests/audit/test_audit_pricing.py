"""The audit prices a visit that names its locality (issue 13, the audit part).

Amounts are CMS's published 2025 Alabama ones (locality 10112-00, RVU25D, as
the payment docs show them against the CMS payment files) or worked by hand
from the RVU file: 97530 $31.85 a unit, $23.13 an MPPR-reduced unit; 97110
$26.83 and $20.79.
"""

from __future__ import annotations

import pickle
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

import ot_billing_rules as ob
from ot_billing_rules import AuditReport, FeeScheduleStatus, audit_visit, to_records
from ot_billing_rules.findings import Finding, Severity
from ot_billing_rules.ncci import MUE, PTPEdit, Setting
from ot_billing_rules.payers import COMMERCIAL, MEDICARE
from ot_billing_rules.payment import FeeSchedule

DOS = "2025-06-02"
AL = "10112-00"
OT_2025 = Decimal("2410.00")  # the 2025 KX threshold, OT (CMS)


def _audit(*services: dict[str, Any], **kw: Any) -> AuditReport:
    data = {"date_of_service": DOS, "locality": AL, "services": list(services), **kw}
    return audit_visit({k: v for k, v in data.items() if v is not None})


def _by_rule(report: AuditReport, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def _line(report: AuditReport, code: str, units: int) -> Any:
    assert report.pricing is not None
    (found,) = [p for p in report.pricing.lines if (p.line.code, p.line.units) == (code, units)]
    return found


# -- Done when: a visit priced through audit_visit drives KX ------------------------------


def test_computed_amount_puts_kx_on_the_lines() -> None:
    # 2 x 97530 = $31.85 + $23.13 = $54.98; $2,360 + $54.98 = $2,414.98 > $2,410.
    ytd = "2360.00"
    priced = _audit({"code": "97530", "minutes": 30}, ytd_allowed=ytd)
    assert priced.pricing is not None
    assert priced.pricing.allowed == Decimal("54.98")
    assert priced.kx is not None
    assert priced.kx.visit_amount == Decimal("54.98")
    assert priced.kx.total == Decimal("2414.98") > OT_2025
    assert priced.kx.kx_required is True
    assert [(ln.code, ln.modifiers) for ln in priced.lines] == [("97530", ("GO", "KX"))]
    (reached,) = _by_rule(priced, "kx.threshold_reached")
    assert "computed from the Medicare fee schedule (release RVU25D, locality 10112-00" in (
        reached.message
    )
    assert reached.source.endswith("; visit amount: CMS PFS Relative Value File RVU25D")
    assert priced.kx.findings == (reached,)

    # The same visit without a locality: no amount, so no KX, and the message says why.
    unpriced = _audit({"code": "97530", "minutes": 30}, ytd_allowed=ytd, locality=None)
    assert unpriced.pricing is None
    assert unpriced.kx is not None
    assert unpriced.kx.kx_required is False
    assert [(ln.code, ln.modifiers) for ln in unpriced.lines] == [("97530", ("GO",))]
    (below,) = _by_rule(unpriced, "kx.below_threshold")
    assert "allowed amount was not given" in below.message


def test_visit_allowed_wins_over_the_computed_amount() -> None:
    report = _audit({"code": "97530", "minutes": 30}, ytd_allowed="2360.00", visit_allowed="10")
    assert report.kx is not None
    assert report.kx.visit_amount == Decimal("10.00")
    assert report.kx.kx_required is False
    assert all("computed" not in f.message for f in report.findings)
    assert report.pricing is not None  # still priced: the report shows the dollars


def test_pt_visit_accrues_to_the_pt_slp_bucket() -> None:
    report = _audit(
        {"code": "97110", "minutes": 30}, discipline="PT", ytd_allowed="2400.00"
    )  # 26.83 + 20.79 = 47.62 -> 2,447.62 > 2,410 (PT/SLP)
    assert report.pricing is not None
    assert report.pricing.kx_amounts == {"PT_SLP": Decimal("47.62")}
    assert report.kx is not None
    assert report.kx.visit_amount == Decimal("47.62")
    assert report.lines[0].modifiers == ("GP", "KX")


# -- amounts at risk -----------------------------------------------------------------------


def test_ptp_column2_line_is_at_risk() -> None:
    # 97150/97530: 97530 is column 2. 97530's PE (0.62) outranks 97150's (0.24), so
    # its first unit is paid in full: $31.85 + $23.13.
    report = _audit({"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 30})
    (ptp,) = _by_rule(report, "ncci.ptp")
    assert ptp.codes == ("97150", "97530")
    assert ptp.amount_at_risk == Decimal("54.98")
    assert report.amount_at_risk == Decimal("54.98")
    assert ptp.to_dict()["amount_at_risk"] == "54.98"
    assert "(at risk $54.98)" in report.to_text()


def test_mue_date_of_service_edit_puts_every_unit_at_risk() -> None:
    # 120 minutes: 8 units of 97110 over its MUE of 6 (MAI 3): all 8 are denied,
    # 26.83 + 7 x 20.79 = 172.36, not the two units over.
    report = _audit({"code": "97110", "minutes": 120})
    (mue,) = _by_rule(report, "ncci.mue")
    assert mue.amount_at_risk == Decimal("172.36")
    assert report.amount_at_risk == Decimal("172.36")


class _Mai1:
    """Edit data with one MAI-1 MUE: 97530, one unit a line."""

    release = "test-mai1"
    release_date = None

    def ptp_edits(
        self, code_a: str, code_b: str, *, on: date | None, setting: Setting
    ) -> tuple[PTPEdit, ...]:
        return ()

    def mue(self, code: str, *, on: date, setting: Setting) -> MUE | None:
        if code != "97530":
            return None
        return MUE("97530", 1, "1", "test", setting)

    def status(self, code: str) -> FeeScheduleStatus | None:
        return None


def test_mue_line_edit_puts_only_the_lines_over_at_risk() -> None:
    payer = attrs.evolve(MEDICARE, name="mai1", edits=_Mai1())
    # 45 minutes, 30 by the assistant: 97530 x1 (GO) and 97530 x2 (GO, CO).
    report = _audit({"code": "97530", "minutes": 45, "assistant_minutes": 30}, payer=payer)
    assert [(ln.units, ln.modifiers) for ln in report.lines] == [(1, ("GO",)), (2, ("GO", "CO"))]
    (mue,) = _by_rule(report, "ncci.mue")
    over = _line(report, "97530", 2)
    assert mue.amount_at_risk == over.allowed
    assert report.amount_at_risk == over.allowed
    assert report.pricing is not None
    assert over.allowed < report.pricing.allowed
    # One unit takes the full PE, the other two are reduced: the x2 line holds two
    # reduced units or one of each.
    assert over.allowed in (Decimal("46.26"), Decimal("54.98"))


def test_mue_line_edits_with_two_unit_counts_each_carry_their_lines() -> None:
    # Two findings for one code (a 2-unit and a 4-unit line over an MUE of 1): 83
    # minutes are 6 units, the assistant's 30 minutes 2 of them.
    payer = attrs.evolve(MEDICARE, name="mai1", edits=_Mai1())
    report = _audit({"code": "97530", "minutes": 83, "assistant_minutes": 30}, payer=payer)
    units = sorted(ln.units for ln in report.lines)
    assert units == [2, 4], units
    amounts = sorted(f.amount_at_risk for f in _by_rule(report, "ncci.mue"))  # type: ignore[type-var]
    assert amounts == sorted([_line(report, "97530", 2).allowed, _line(report, "97530", 4).allowed])
    assert report.pricing is not None
    assert report.amount_at_risk == report.pricing.allowed


def test_a_line_denied_twice_counts_once() -> None:
    # 97530 is column 2 of 97150 and 7 units exceed its MUE of 6.
    report = _audit({"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 105})
    (ptp,) = _by_rule(report, "ncci.ptp")
    (mue,) = _by_rule(report, "ncci.mue")
    line = _line(report, "97530", 7)
    # 31.85 + 6 x 23.13
    assert line.allowed == Decimal("170.63")
    assert ptp.amount_at_risk == mue.amount_at_risk == Decimal("170.63")
    assert report.amount_at_risk == Decimal("170.63")


def test_status_lines_without_a_fee_carry_no_amount() -> None:
    # 97010 (status B, MUE 0) has no fee; 97026 (status R) is paid:
    # (0.06 + 0.14 x 0.869 + 0.01 x 0.575) x 32.3465 = 6.06.
    report = _audit({"code": "97010"}, {"code": "97026"})
    (bundled,) = _by_rule(report, "status.bundled")
    (restricted,) = _by_rule(report, "status.restricted")
    (zero_mue,) = _by_rule(report, "ncci.mue")
    assert bundled.amount_at_risk is None
    assert zero_mue.amount_at_risk is None
    assert restricted.amount_at_risk == Decimal("6.06")
    assert report.amount_at_risk == Decimal("6.06")
    assert not _by_rule(report, "fee.unknown")  # status B is known: Medicare pays nothing


def test_status_i_and_addon_without_primary() -> None:
    report = _audit({"code": "97014"}, {"code": "97598"})
    (invalid,) = _by_rule(report, "status.invalid")
    assert invalid.amount_at_risk is None
    (addon,) = _by_rule(report, "addon.without_primary")
    priced = _line(report, "97598", 1)
    assert priced.priced
    assert addon.amount_at_risk == priced.allowed > 0


def test_suppressed_rules_put_nothing_at_risk() -> None:
    payer = attrs.evolve(MEDICARE, name="no-status", suppress_rules=["status."])
    report = _audit({"code": "97026"}, payer=payer)
    assert report.amount_at_risk == Decimal("0.00")


def test_findings_that_deny_nothing_carry_no_amount() -> None:
    report = _audit({"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 30})
    for f in report.findings:
        if f.rule != "ncci.ptp":
            assert f.amount_at_risk is None, f.rule


def test_clean_priced_visit_has_zero_at_risk_and_unpriced_has_none() -> None:
    clean = _audit({"code": "97530", "minutes": 30})
    assert clean.amount_at_risk == Decimal("0.00")
    assert _audit({"code": "97530", "minutes": 30}, locality=None).amount_at_risk is None


# -- fee.unknown ----------------------------------------------------------------------------


def test_date_without_release_is_fee_unknown_never_another_year() -> None:
    report = _audit(
        {"code": "97530", "minutes": 30}, date_of_service="2023-12-29", ytd_allowed="2000"
    )
    assert report.pricing is None
    assert report.amount_at_risk is None
    (unknown,) = _by_rule(report, "fee.unknown")
    assert unknown.codes == ()
    assert "2023-12-29" in unknown.message
    assert "10112-00" in unknown.message
    assert report.kx is not None
    assert report.kx.visit_amount is None
    plain = _audit({"code": "97530", "minutes": 30}, date_of_service="2023-12-29", locality=None)
    assert plain.lines == report.lines


def test_mac_priced_code_is_fee_unknown_and_kx_amount_unknown() -> None:
    report = _audit({"code": "97039"}, {"code": "97530", "minutes": 30}, ytd_allowed="2400")
    (unknown,) = _by_rule(report, "fee.unknown")
    assert unknown.codes == ("97039",)
    assert "status C" in unknown.message
    assert report.pricing is not None
    assert report.pricing.allowed == Decimal("54.98")  # the rest is priced
    assert report.kx is not None
    assert report.kx.visit_amount is None  # the OT bucket's amount is incomplete


def test_code_without_a_row_is_fee_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = FeeSchedule.bundled()
    without = FeeSchedule(
        tuple(
            attrs.evolve(r, rows={k: v for k, v in r.rows.items() if k[0] != "97110"})
            for r in bundled.releases
        )
    )
    monkeypatch.setattr(FeeSchedule, "bundled", classmethod(lambda cls: without))
    report = _audit(
        {"code": "97110", "minutes": 15}, {"code": "97530", "minutes": 30}, ytd_allowed="100"
    )
    (unknown,) = _by_rule(report, "fee.unknown")
    assert unknown.codes == ("97110",)
    assert "no row in fee schedule release RVU25D" in unknown.message
    assert unknown.source == "CMS PFS Relative Value File RVU25D"
    assert report.kx is not None
    assert report.kx.visit_amount is None


# -- which visits are priced ------------------------------------------------------------------


def test_commercial_payer_is_not_priced() -> None:
    report = _audit({"code": "97530", "minutes": 30}, payer="commercial")
    assert report.visit.payer == COMMERCIAL
    assert report.pricing is None
    assert report.to_dict()["pricing"] is None


def test_place_of_service_sets_the_facility_rate() -> None:
    # 97530's facility and non-facility PE RVUs are equal, 97129's are not.
    office = _audit({"code": "97129", "minutes": 15}, place_of_service="11")
    hospital = _audit({"code": "97129", "minutes": 15}, place_of_service="22")
    assert office.pricing is not None
    assert hospital.pricing is not None
    assert office.pricing.facility is False
    assert hospital.pricing.facility is True
    assert office.pricing.allowed != hospital.pricing.allowed


# -- outputs --------------------------------------------------------------------------------


def test_to_dict_text_and_pickle() -> None:
    report = _audit({"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 30})
    d = report.to_dict()
    assert report.pricing is not None
    assert d["pricing"] == report.pricing.to_dict()
    assert d["amount_at_risk"] == "54.98"
    # The report's pricing shows the lines as billed (KX, bypass and all).
    assert [p["line"] for p in d["pricing"]["lines"]] == [
        {"code": ln.code, "units": ln.units, "modifiers": list(ln.modifiers)} for ln in report.lines
    ]
    assert "Medicare allowed $67.92 (release RVU25D, locality 10112-00" in report.to_text()
    assert "Medicare payment" in report._repr_html_()
    assert pickle.loads(pickle.dumps(report)) == report


def test_records_carry_the_dollars() -> None:
    results = list(
        ob.audit_many(
            [
                {"date_of_service": DOS, "locality": AL, "services": [
                    {"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 30}]},
                {"date_of_service": DOS, "services": [{"code": "97530", "minutes": 30}]},
            ]
        )
    )  # fmt: skip
    visits = list(to_records(results))
    assert (visits[0]["allowed"], visits[0]["amount_at_risk"]) == ("67.92", "54.98")
    assert (visits[1]["allowed"], visits[1]["amount_at_risk"]) == (None, None)
    findings = list(to_records(results, level="finding"))
    ptp = [r for r in findings if r["rule"] == "ncci.ptp"]
    assert [r["amount_at_risk"] for r in ptp] == ["54.98"]
    assert all(r["amount_at_risk"] is None for r in findings if r["rule"] != "ncci.ptp")
    assert set(ob.RESULT_SCHEMA) >= {"allowed", "amount_at_risk"}
    assert "amount_at_risk" in ob.FINDING_SCHEMA


def test_pooled_audit_carries_pricing() -> None:
    visits = [
        {"date_of_service": DOS, "locality": AL, "services": [{"code": "97530", "minutes": m}]}
        for m in range(8, 40)
    ]
    serial = list(ob.audit_many(visits))
    pooled = list(ob.audit_many(visits, workers=2, chunksize=5))
    assert [r.report for r in pooled] == [r.report for r in serial]
    assert all(r.report is not None and r.report.pricing is not None for r in pooled)


# -- Finding.amount_at_risk ----------------------------------------------------------------


def test_finding_amount_reads_back_from_its_dict() -> None:
    f = Finding("ncci.ptp", Severity.ERROR, ("97150", "97530"), "m", amount_at_risk="54.9")
    assert f.amount_at_risk == Decimal("54.90")
    assert f.to_dict()["amount_at_risk"] == "54.90"
    assert Finding(**{**f.to_dict(), "codes": f.codes}) == f
    assert Finding("kx.not_checked", Severity.INFO, (), "m").to_dict()["amount_at_risk"] is None
    assert pickle.loads(pickle.dumps(f)) == f
