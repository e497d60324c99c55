"""Every PayerPolicy flag changes the audit the documented way (issue 11 items 6, 9, 17).

Each test audits one visit under a policy and under the same policy with one
field changed, and checks the difference: a flag no test can see would be
read nowhere (as ``ncci_edits`` was).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ot_billing_rules import AuditReport, FeeScheduleStatus, Visit, audit_visit, errors
from ot_billing_rules.ncci import MUE, PTPEdit, Setting
from ot_billing_rules.payers import COMMERCIAL, MEDICARE, PayerPolicy, payer_policy

DOS = "2024-07-01"


def _audit(
    policy: PayerPolicy | dict[str, Any] | str, *services: dict[str, Any], **kw: Any
) -> AuditReport:
    return audit_visit({"date_of_service": DOS, "services": list(services), "payer": policy, **kw})


def _rules(report: AuditReport) -> set[str]:
    return {f.rule for f in report.findings}


def _lines(report: AuditReport) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(ln.code, ln.units, ln.modifiers) for ln in report.lines]


# 97150 (group) with 97530: an indicator-1 PTP edit; 97014: fee-schedule
# status I and an MUE of 0; 97598 without 97597: an add-on without primary;
# XU with XE: two X modifiers on one line.
GROUP = {"code": "97150", "minutes": 30}
ONE_ON_ONE = {"code": "97530", "minutes": 30, "modifiers": ["XU", "XE"]}
STATUS_I = {"code": "97014"}
ADD_ON = {"code": "97598"}


# -- ncci_edits (item 9) -----------------------------------------------------------


def test_ncci_edits_false_drops_every_ncci_finding_and_keeps_the_others() -> None:
    on = _audit(MEDICARE, GROUP, {"code": "97530", "minutes": 30}, STATUS_I, ADD_ON)
    off_policy = attrs.evolve(MEDICARE, name="no-ncci", ncci_edits=False)
    off = _audit(off_policy, GROUP, {"code": "97530", "minutes": 30}, STATUS_I, ADD_ON)
    assert {"ncci.ptp", "ncci.mue"} <= _rules(on)
    assert not {r for r in _rules(off) if r.startswith("ncci.")}
    # Fee-schedule status, add-on and modifier checks still run.
    for rule in ("status.invalid", "addon.without_primary"):
        assert rule in _rules(on)
        assert rule in _rules(off)
    assert _lines(on) == _lines(off)


def test_ncci_edits_false_keeps_modifier_checks() -> None:
    off_policy = attrs.evolve(MEDICARE, name="no-ncci", ncci_edits=False)
    off = _audit(off_policy, GROUP, ONE_ON_ONE)
    assert "modifier.bypass_multiple" in _rules(off)
    assert "ncci.bypass" in _rules(_audit(MEDICARE, GROUP, ONE_ON_ONE))
    assert "ncci.bypass" not in _rules(off)


def test_ncci_edits_false_adds_no_bypass_modifier() -> None:
    separate = {"code": "97530", "minutes": 30, "separate_interval": True}
    on = _audit(MEDICARE, GROUP, separate)
    off = _audit(attrs.evolve(MEDICARE, name="no-ncci", ncci_edits=False), GROUP, separate)
    assert ("97530", 2, ("GO", "59")) in _lines(on)
    assert "audit.bypass_added" in _rules(on)
    assert ("97530", 2, ("GO",)) in _lines(off)
    assert "audit.bypass_added" not in _rules(off)


def test_ncci_edits_false_from_a_mapping() -> None:
    off = _audit({"name": "medicare", "ncci_edits": False}, GROUP, {"code": "97530", "minutes": 30})
    assert "ncci.ptp" not in _rules(off)
    assert "ncci.ptp" in _rules(_audit("medicare", GROUP, {"code": "97530", "minutes": 30}))


# -- every other flag -----------------------------------------------------------------


def test_unit_method() -> None:
    services = ({"code": "97110", "minutes": 10}, {"code": "97140", "minutes": 10})
    cms = _audit(attrs.evolve(MEDICARE, unit_method="cms"), *services)
    ama = _audit(attrs.evolve(MEDICARE, unit_method="ama"), *services)
    # CMS pools 20 minutes into 1 unit; CPT counts each 10-minute code (>= 8) alone.
    assert sum(ln.units for ln in cms.lines) == 1
    assert sum(ln.units for ln in ama.lines) == 2
    assert cms.to_dict()["units"]["method"] == "cms"
    assert ama.to_dict()["units"]["method"] == "ama"


class _NoEdits:
    """A payer's edit data with no edits at all."""

    release = "payer-none"
    release_date = None

    def ptp_edits(
        self, code_a: str, code_b: str, *, on: date | None, setting: Setting
    ) -> tuple[PTPEdit, ...]:
        return ()

    def mue(self, code: str, *, on: date, setting: Setting) -> MUE | None:
        return None

    def status(self, code: str) -> FeeScheduleStatus | None:
        return None


def test_edits() -> None:
    services = (GROUP, {"code": "97530", "minutes": 30})
    bundled = _audit(MEDICARE, *services)
    custom = _audit(attrs.evolve(MEDICARE, name="own-edits", edits=_NoEdits()), *services)
    assert "ncci.ptp" in _rules(bundled)
    assert "ncci.ptp" not in _rules(custom)
    assert attrs.evolve(MEDICARE, edits=_NoEdits()).to_dict()["edits"] == "custom"


def test_suppress_rules() -> None:
    plain = _audit(MEDICARE, {"code": "97530", "minutes": 30})
    quiet = _audit(
        attrs.evolve(MEDICARE, suppress_rules=["kx.", "poc.not_checked"]),
        {"code": "97530", "minutes": 30},
    )
    assert {"kx.not_checked", "poc.not_checked"} <= _rules(plain)
    assert not {"kx.not_checked", "poc.not_checked"} & _rules(quiet)


def test_discipline_modifiers() -> None:
    on = _audit(MEDICARE, {"code": "97530", "minutes": 30})
    off = _audit(
        attrs.evolve(MEDICARE, discipline_modifiers=False), {"code": "97530", "minutes": 30}
    )
    assert _lines(on) == [("97530", 2, ("GO",))]
    assert _lines(off) == [("97530", 2, ())]
    assert "modifier.therapy_missing" not in _rules(off)


def test_assistant_modifiers() -> None:
    service = {"code": "97530", "minutes": 38, "assistant_minutes": 20}
    on = _audit(MEDICARE, service)
    off = _audit(attrs.evolve(MEDICARE, assistant_modifiers=False), service)
    assert any("CO" in ln.modifiers for ln in on.lines)
    assert not any("CO" in ln.modifiers for ln in off.lines)
    assert "payer.assistant_minutes_unused" in _rules(off)
    assert "payer.assistant_minutes_unused" not in _rules(on)


def test_kx_threshold() -> None:
    service = {"code": "97530", "minutes": 30}
    on = _audit(MEDICARE, service, ytd_allowed="5000")
    off = _audit(attrs.evolve(MEDICARE, kx_threshold=False), service, ytd_allowed="5000")
    assert on.kx is not None
    assert "KX" in on.lines[0].modifiers
    assert "kx.threshold_reached" in _rules(on)
    assert off.kx is None
    assert "KX" not in off.lines[0].modifiers
    assert not {r for r in _rules(off) if r.startswith("kx.")}


def test_plan_of_care_timing() -> None:
    service = {"code": "97530", "minutes": 30}
    on = _audit(MEDICARE, service)
    off = _audit(attrs.evolve(MEDICARE, plan_of_care_timing=False), service)
    assert "poc.not_checked" in _rules(on)
    assert not {r for r in _rules(off) if r.startswith("poc.")}


def test_bypass_modifier() -> None:
    separate = {"code": "97530", "minutes": 30, "separate_interval": True}
    default = _audit(MEDICARE, GROUP, separate)
    xu = _audit(attrs.evolve(MEDICARE, bypass_modifier="xu"), GROUP, separate)
    assert ("97530", 2, ("GO", "59")) in _lines(default)
    assert ("97530", 2, ("GO", "XU")) in _lines(xu)
    assert "ncci.ptp" not in _rules(xu)


def test_medicare_pricing() -> None:
    service = {"code": "97530", "minutes": 30}
    kw = {"locality": "10112-00", "ytd_allowed": "2300"}
    on = _audit(MEDICARE, service, **kw)
    off = _audit(attrs.evolve(MEDICARE, medicare_pricing=False), service, **kw)
    # 2 x 97530 in Alabama (10112-00), July 2024 (RVU24C, CF 33.2875; GPCIs 1, 0.869,
    # 0.575): (0.44 + 0.65*0.869 + 0.01*0.575) * CF = 33.64, the MPPR unit with half
    # the PE (0.44 + 0.325*0.869 + 0.00575) * CF = 24.24: $57.88.
    assert on.pricing is not None
    assert on.pricing.allowed == Decimal("57.88")
    assert on.kx is not None
    assert on.kx.visit_amount == Decimal("57.88")
    assert "KX" in on.lines[0].modifiers
    assert off.pricing is None
    assert off.amount_at_risk is None
    assert off.kx is not None
    assert off.kx.visit_amount is None
    assert "KX" not in off.lines[0].modifiers
    assert COMMERCIAL.medicare_pricing is False
    assert MEDICARE.medicare_pricing is True
    assert PayerPolicy.from_dict({"name": "x"}).medicare_pricing is True


def test_name_and_description_are_reported() -> None:
    policy = attrs.evolve(MEDICARE, name="state-medicaid", description="Medicaid, CMS rules")
    report = _audit(policy, {"code": "97530", "minutes": 30})
    assert report.to_dict()["payer"] == "state-medicaid"
    assert "payer=state-medicaid" in report.to_text()
    assert report.to_dict()["visit"]["payer"]["description"] == "Medicaid, CMS rules"


def test_every_field_has_a_test_here() -> None:
    tested = {
        "name",
        "unit_method",
        "ncci_edits",
        "edits",
        "suppress_rules",
        "discipline_modifiers",
        "assistant_modifiers",
        "kx_threshold",
        "plan_of_care_timing",
        "bypass_modifier",
        "description",
        "medicare_pricing",
    }
    assert {f.name for f in attrs.fields(PayerPolicy)} == tested


# -- partial mappings (item 6) ------------------------------------------------------


@pytest.mark.parametrize("name", ["commercial", " Commercial ", "COMMERCIAL"])
def test_partial_commercial_mapping_is_the_commercial_policy(name: str) -> None:
    assert PayerPolicy.from_dict({"name": name}) == COMMERCIAL
    assert payer_policy({"name": name}) == COMMERCIAL
    visit = Visit.from_dict(
        {
            "date_of_service": DOS,
            "services": [{"code": "97530", "minutes": 30}],
            "payer": {"name": name},
        }
    )
    assert visit.payer == COMMERCIAL
    report = audit_visit(visit)
    assert report.to_dict()["units"]["method"] == "ama"
    assert _lines(report) == [("97530", 2, ())]


def test_partial_mapping_overrides_only_the_keys_it_gives() -> None:
    policy = payer_policy({"name": "commercial", "kx_threshold": True})
    assert policy == attrs.evolve(COMMERCIAL, kx_threshold=True)
    assert policy.unit_method == "ama"
    assert payer_policy({"name": "medicare", "unit_method": "ama"}) == attrs.evolve(
        MEDICARE, unit_method="ama"
    )


def test_full_mappings_round_trip() -> None:
    for policy in (MEDICARE, COMMERCIAL, attrs.evolve(COMMERCIAL, ncci_edits=False)):
        assert PayerPolicy.from_dict(policy.to_dict()) == policy
    custom = PayerPolicy("aetna", unit_method="ama", kx_threshold=False)
    assert PayerPolicy.from_dict(custom.to_dict()) == custom


def test_partial_mapping_with_bad_values_is_refused() -> None:
    with pytest.raises(errors.InvalidOptionError):
        payer_policy({"name": "commercial", "unit_method": "cpt"})
    with pytest.raises(errors.InvalidInputError, match="unknown payer policy key"):
        payer_policy({"name": "commercial", "copay": 20})
    with pytest.raises(errors.InvalidInputError, match="non-empty name"):
        payer_policy({"name": 5})


# -- suppress_rules input (item 17) -----------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["status.", b"status.", 5, None, {"status.": True}, 1.5],
    ids=["str", "bytes", "int", "None", "dict", "float"],
)
def test_suppress_rules_refuses_non_containers(value: Any) -> None:
    with pytest.raises(errors.InvalidTypeError, match="suppress_rules must be a list"):
        PayerPolicy("x", suppress_rules=value)


@pytest.mark.parametrize("items", [[5], ["status.", None], [""], [b"status."]])
def test_suppress_rules_refuses_non_string_items(items: list[Any]) -> None:
    with pytest.raises(errors.InvalidTypeError, match="non-empty strings"):
        PayerPolicy("x", suppress_rules=items)


def test_suppress_rules_refuses_pandas_na() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(errors.InvalidTypeError, match="suppress_rules"):
        PayerPolicy("x", suppress_rules=pd.NA)
    with pytest.raises(errors.InvalidTypeError, match="suppress_rules"):
        PayerPolicy("x", suppress_rules=["status.", pd.NA])
    with pytest.raises(errors.InvalidTypeError, match="suppress_rules"):
        payer_policy({"name": "x", "suppress_rules": pd.NA})


def test_suppress_rules_accepts_lists_tuples_and_sets() -> None:
    assert PayerPolicy("x", suppress_rules=["status.", "kx."]).suppress_rules == ("status.", "kx.")
    assert PayerPolicy("x", suppress_rules=("status.",)).suppress_rules == ("status.",)
    assert PayerPolicy("x", suppress_rules={"status.", "kx."}).suppress_rules == ("kx.", "status.")
