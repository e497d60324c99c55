"""``strategies.visits`` reaches every rule family; options; ``invalid_visits`` (issue 16, 6).

QA drew 1,000 visits from the old strategy: no ``ytd_allowed``, no plan of
care, no modifiers, OT only — the KX, plan-of-care, bypass and modifier rules
never ran. These tests draw a fixed-seed sample and name the families hit.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import strategies as obst

SAMPLE = settings(
    max_examples=500,
    database=None,
    derandomize=True,  # a fixed seed: the same 500 visits on every run
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)

#: The families a default sample must reach, as :func:`families` names them.
EVERY_FAMILY = {
    "kx",
    "poc",
    "ncci",
    "modifier",
    "units",
    "cq/co",
    "discipline:PT",
    "discipline:SLP",
    "payer:commercial",
}


def families(report: ob.AuditReport) -> set[str]:
    """The rule families one audit reached (a "not checked" finding reaches none)."""
    out = set()
    for f in report.findings:
        family = f.rule.split(".")[0]
        if f.rule in ("kx.not_checked", "poc.not_checked"):
            continue
        if family in ("kx", "poc", "modifier", "units"):
            out.add(family)
        if f.rule in ("ncci.ptp", "ncci.bypass"):
            out.add("ncci")
    if any(m in ("CQ", "CO") for line in report.lines for m in line.modifiers):
        out.add("cq/co")
    if report.lines:
        # The discipline and payer rules ran on billed lines.
        out.add(f"discipline:{report.visit.discipline.value}")
        out.add(f"payer:{report.visit.payer.name}")
    return out


def sample_families(strategy: st.SearchStrategy[ob.Visit]) -> set[str]:
    hit: set[str] = set()

    @SAMPLE
    @given(strategy)
    def audit(visit: ob.Visit) -> None:
        hit.update(families(ob.audit_visit(visit)))

    audit()
    return hit


def test_default_visits_reach_every_rule_family() -> None:
    hit = sample_families(obst.visits())
    assert hit >= EVERY_FAMILY, f"never reached: {sorted(EVERY_FAMILY - hit)}"


def test_switching_a_family_off_keeps_it_out() -> None:
    hit = sample_families(
        obst.visits(
            kx=False,
            plan_of_care=False,
            modifiers=False,
            ncci=False,
            disciplines=["OT"],
            payers=["medicare"],
        )
    )
    # ncci=False leaves out the added PTP pairs; two drawn codes may still form one.
    assert not {"kx", "poc", "discipline:PT", "discipline:SLP", "payer:commercial"} & hit


@settings(max_examples=60, deadline=None)
@given(
    obst.visits(
        kx=True, plan_of_care=True, modifiers=True, disciplines=["PT"], payers=["commercial"]
    )
)
def test_options_that_force_a_family_are_kept(visit: ob.Visit) -> None:
    assert isinstance(visit.ytd_allowed, Decimal)
    assert visit.plan_of_care is not None
    assert visit.discipline is ob.Discipline.PT
    assert visit.payer.name == "commercial"
    assert any(s.modifiers for s in visit.services)


@settings(max_examples=150, deadline=None)
@given(obst.visits())
def test_generated_visits_are_sound(visit: ob.Visit) -> None:
    # Sound: the library accepts every draw, and the JSON shape reads back equal.
    report = ob.audit_visit(visit)
    assert len(report.services) == len(visit.services)
    assert ob.Visit.from_dict(visit.to_dict()) == visit


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"kx": "yes"}, ob.InvalidTypeError),
        ({"plan_of_care": 1}, ob.InvalidTypeError),
        ({"modifiers": "GO"}, ob.InvalidTypeError),
        ({"disciplines": "PT"}, ob.InvalidTypeError),
        ({"disciplines": []}, ob.InvalidTypeError),
        ({"disciplines": ["XX"]}, ob.InvalidOptionError),
        ({"payers": ["no-such-payer"]}, ob.OTBillingError),
        ({"payers": "medicare"}, ob.InvalidTypeError),
        ({"max_services": 0}, ob.InvalidInputError),
    ],
)
def test_visit_options_are_checked_at_once(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        obst.visits(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(obst.plans_of_care(date_of_service="2025-03-03"))
def test_plans_of_care_are_valid(plan: ob.PlanOfCare) -> None:
    assert plan.first_treatment <= plan.start
    assert ob.PlanOfCare.from_dict(plan.to_dict()) == plan


@settings(max_examples=40, deadline=None)
@given(obst.payer_policies())
def test_payer_policies_audit(policy: ob.PayerPolicy) -> None:
    visit = ob.Visit("2024-07-01", [ob.Service("97530", minutes=30)], payer=policy)
    assert ob.audit_visit(visit).visit.payer == policy


# -- invalid visits ------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obst.invalid_visits())
def test_invalid_visits_are_refused_with_a_typed_error(payload: object) -> None:
    if isinstance(payload, dict):
        with pytest.raises(ob.OTBillingError):
            ob.Visit.from_dict(payload)
    with pytest.raises(ob.OTBillingError):
        ob.audit_visit(payload)  # type: ignore[arg-type]


def test_invalid_visits_cover_payloads_and_other_inputs() -> None:
    kinds: set[str] = set()

    @SAMPLE
    @given(obst.invalid_visits())
    def draw(payload: object) -> None:
        kinds.add("dict" if isinstance(payload, dict) else "other")

    draw()
    assert kinds == {"dict", "other"}
