"""Audit step 8c (ot_billing_rules._audit_telehealth): Medicare telehealth
findings for therapists, golden-style visits for 2021, the 2025-10-15 lapse
and 2026, and POS 02/10 accepted with a dated rate."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import Visit, audit_visit
from ot_billing_rules.sources import cite

TWO = [{"code": "97110", "minutes": 30}, {"code": "97112", "minutes": 15}]


def _audit(day: str, pos: str | None, mods: tuple[str, ...] = (), **kw: Any) -> Any:
    services = [{**s, "modifiers": list(mods)} for s in TWO]
    return audit_visit(
        {"date_of_service": day, "place_of_service": pos, "services": services, **kw}
    )


def _tele(report: Any) -> list[tuple[str, str]]:
    return sorted(
        (f.rule, f.severity.value) for f in report.findings if f.rule.startswith("telehealth.")
    )


# -- golden-style visits -------------------------------------------------------------------


def test_2021_visit_in_person_pos_with_95_is_clean() -> None:
    # 2021: PHE waiver (CMS 2020-04-30), in-person POS with 95 (NGS, Telehealth Changes for 2024).
    report = _audit("2021-06-01", "11", ("95",))
    assert _tele(report) == []
    assert [ln.modifiers for ln in report.lines] == [("GO", "95"), ("GO", "95")]


def test_2025_10_15_lapse_is_retroactively_reinstated() -> None:
    # Lapse 2025-10-01, reversed by Pub. L. 119-37 signed 2025-11-12 (APMA 2025-11-19).
    report = _audit("2025-10-15", "10")
    assert _tele(report) == [("telehealth.retroactive", "info")]
    (f,) = [f for f in report.findings if f.rule == "telehealth.retroactive"]
    assert "Pub. L. 119-37" in f.message
    assert "2025-11-12" in f.message
    assert f.source.startswith(cite("telehealth_practitioners") + "; ")


def test_2026_visit_at_home_is_priced_non_facility() -> None:
    # CAA 2026 (H.R. 7148) through 2027-12-31; POS 10 non-facility from 2024 (CY 2024 PFS).
    report = _audit("2026-03-02", "10", locality="10112-00")
    assert _tele(report) == []
    assert report.pricing is not None
    assert report.pricing.facility is False


# -- the rules -----------------------------------------------------------------------------


def test_before_the_waiver_the_therapist_is_not_eligible() -> None:
    report = _audit("2019-06-03", "02")
    assert _tele(report) == [("telehealth.therapist_not_eligible", "error")]


def test_after_2027_the_therapist_is_not_eligible() -> None:
    assert _tele(_audit("2028-01-03", "10")) == [("telehealth.therapist_not_eligible", "error")]


def test_pos_02_without_95_in_2021_asks_for_the_modifier() -> None:
    assert _tele(_audit("2021-06-01", "02")) == [("telehealth.modifier_missing", "warning")]


def test_pos_10_before_2022_is_a_mismatch() -> None:
    # CR 12427: POS 10 from 2022-01-01.
    assert ("telehealth.pos_modifier_mismatch", "error") in _tele(
        _audit("2021-12-31", "10", ("95",))
    )


def test_95_with_office_pos_from_2024_is_a_mismatch() -> None:
    assert _tele(_audit("2024-03-04", "11", ("95",))) == [
        ("telehealth.pos_modifier_mismatch", "error")
    ]


@pytest.mark.parametrize("mod", ["GT", "FQ"])
def test_gt_and_fq_are_not_for_a_therapist_claim(mod: str) -> None:
    assert ("telehealth.pos_modifier_mismatch", "warning") in _tele(
        _audit("2024-03-04", "10", (mod,))
    )


def test_a_code_not_on_the_list() -> None:
    # 97550 was new in 2024 and added to the list from 2025 (Manatt CY 2025 PFS summary).
    report = audit_visit(
        {
            "date_of_service": "2024-06-03",
            "place_of_service": "10",
            "services": [{"code": "97550", "minutes": 30}],
        }
    )
    assert _tele(report) == [("telehealth.code_not_on_list", "error")]


def test_unknown_list_status_is_said() -> None:
    report = audit_visit(
        {
            "date_of_service": "2024-06-03",
            "place_of_service": "10",
            "services": [{"code": "97140", "minutes": 30}],
        }
    )
    assert _tele(report) == [("telehealth.unknown", "info")]


def test_commercial_payers_are_not_checked() -> None:
    assert _tele(_audit("2019-06-03", "02", payer="commercial")) == []


def test_institutional_claims_are_unknown() -> None:
    report = _audit("2024-06-03", "10", setting="outpatient_hospital")
    assert _tele(report) == [("telehealth.unknown", "info")]


def test_in_person_visit_gets_no_telehealth_finding() -> None:
    assert _tele(_audit("2019-06-03", "11")) == []


# -- POS 02/10 on the visit, and pricing ----------------------------------------------------


def test_telehealth_pos_is_accepted_with_a_dated_rate() -> None:
    assert (
        Visit("2024-06-03", [{"code": "97110", "minutes": 30}], place_of_service="02").facility_rate
        is True
    )
    assert (
        Visit("2021-06-03", [{"code": "97110", "minutes": 30}], place_of_service=2).facility_rate
        is None
    )


def test_unknown_rate_is_not_priced() -> None:
    report = _audit("2021-06-01", "02", ("95",), locality="10112-00")
    assert report.pricing is None
    assert any(
        f.rule == "telehealth.unknown" and "not priced" in f.message for f in report.findings
    )


def test_explicit_facility_overrides_the_unknown_rate() -> None:
    # The caller's rate wins over the dated one (POS 10 is non-facility from 2024).
    report = _audit("2024-06-03", "10", locality="10112-00", facility=True)
    assert report.pricing is not None
    assert report.pricing.facility is True


def test_visit_round_trips_a_telehealth_pos() -> None:
    v = Visit("2024-06-03", [{"code": "97110", "minutes": 30}], place_of_service="10")
    assert Visit.from_dict(v.to_dict()) == v


# -- property ------------------------------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(
    day=st.dates(min_value=date(2020, 3, 1), max_value=date(2027, 12, 31)),
    pos=st.sampled_from(["02", "10", "11"]),
    mods=st.sampled_from([(), ("95",)]),
)
def test_a_date_inside_a_window_is_never_not_eligible(
    day: date, pos: str, mods: tuple[str, ...]
) -> None:
    report = _audit(day.isoformat(), pos, mods)
    assert "telehealth.therapist_not_eligible" not in {f.rule for f in report.findings}
