"""Payer records (issue 18): versioned built-ins, the payer.* findings, policy files.

The Done-when vectors: a Cigna visit with 6 timed units on 2023-03-01 reports
the 4 it pays and the 2 it does not, the same visit on 2022-10-01 has no cap
finding; an Illinois adult's 21st OT visit in a fiscal year is flagged while a
child's is not; a user policy file round-trips.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import AuditReport, audit_visit, errors
from ot_billing_rules.payer_terms import PayerKind, PayerTerms
from ot_billing_rules.payers import PayerPolicy, payer_policies, payer_policy

SIX = [{"code": "97530", "minutes": 45}, {"code": "97110", "minutes": 45}]


def _audit(payer: Any, on: str, services: list[dict[str, Any]] = SIX, **kw: Any) -> AuditReport:
    return audit_visit({"date_of_service": on, "services": services, "payer": payer, **kw})


def _by_rule(report: AuditReport, rule: str) -> list[Any]:
    return [f for f in report.findings if f.rule == rule]


# -- Done when ------------------------------------------------------------------------------


def test_cigna_2023_reports_the_four_units_it_pays_and_the_two_it_does_not() -> None:
    report = _audit("cigna", "2023-03-01")
    assert sum(line.units for line in report.lines) == 6
    (cap,) = _by_rule(report, "payer.daily_cap")
    # Claim order: 97110 x3 is listed first, then 97530 x3; the 4th unit is the first 97530.
    assert "Paid: 97110 x3, 97530 x1; not paid: 97530 x2" in cap.message
    assert "claim" in cap.message
    assert "grade B" in cap.message
    assert cap.codes == ("97530",)
    assert cap.severity.value == "error"
    assert cap.source.startswith("https://")


def test_cigna_before_the_cap_has_no_cap_finding() -> None:
    assert not _by_rule(_audit("cigna", "2022-10-01"), "payer.daily_cap")


@pytest.mark.parametrize(
    ("state", "on", "capped"),
    [
        ("TX", "2022-10-20", False),
        ("TX", "2022-11-01", True),
        ("NE", "2022-10-20", True),
        (None, "2022-10-15", True),
    ],
)
def test_cigna_state_start_dates(state: str | None, on: str, capped: bool) -> None:
    kw = {"state": state} if state else {}
    assert bool(_by_rule(_audit("cigna", on, **kw), "payer.daily_cap")) is capped


@pytest.mark.parametrize(("birth", "flagged"), [("1990-01-01", True), ("2015-01-01", False)])
def test_illinois_21st_ot_visit_in_the_fiscal_year(birth: str, flagged: bool) -> None:
    report = _audit(
        "medicaid-il",
        "2024-03-01",
        [{"code": "97530", "minutes": 30}],
        visits_this_period=20,
        patient_birth_date=birth,
    )
    limits = _by_rule(report, "payer.visit_limit")
    assert bool(limits) is flagged
    if flagged:
        assert "visit 21" in limits[0].message
        assert "2023-07-01" in limits[0].message
    else:
        assert _by_rule(report, "payer.age")


def test_illinois_20th_visit_is_within_the_limit() -> None:
    report = _audit(
        "medicaid-il",
        "2024-03-01",
        [{"code": "97530", "minutes": 30}],
        visits_this_period=19,
        patient_birth_date="1990-01-01",
    )
    assert not _by_rule(report, "payer.visit_limit")


def test_illinois_limit_without_a_birth_date_says_so() -> None:
    report = _audit(
        "medicaid-il", "2024-03-01", [{"code": "97530", "minutes": 30}], visits_this_period=20
    )
    assert not _by_rule(report, "payer.visit_limit")
    assert any("birth date" in f.message for f in _by_rule(report, "payer.age"))


def test_user_policy_file_round_trips(tmp_path: Path) -> None:
    mine = attrs.evolve(
        payer_policy("cigna", on=date(2023, 3, 1)),
        name="My plan",
        terms=attrs.evolve(payer_policy("cigna", on=date(2023, 3, 1)).terms, id="my-plan"),
    )
    path = tmp_path / "plan.json"
    mine.to_file(path)
    assert PayerPolicy.from_file(path) == mine
    # And it audits like the built-in it copies, when passed in (never registered globally).
    with pytest.raises(errors.InvalidOptionError):  # unknown without policies=
        _audit("my-plan", "2023-03-01")
    report = audit_visit(
        {"date_of_service": "2023-03-01", "services": SIX, "payer": "my-plan"}, policies=[mine]
    )
    assert _by_rule(report, "payer.daily_cap")
    with pytest.raises(errors.InvalidOptionError):
        payer_policy("my-plan")


def test_user_policy_toml(tmp_path: Path) -> None:
    pytest.importorskip("tomllib")
    path = tmp_path / "plan.toml"
    path.write_text('name = "toml plan"\nunit_method = "ama"\n', "utf-8")
    assert PayerPolicy.from_file(path).unit_method.value == "ama"


# -- strict reading ---------------------------------------------------------------------------


def _cigna_dict() -> dict[str, Any]:
    return payer_policy("cigna", on=date(2023, 3, 1)).to_dict()


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["terms"].update(colour="red"), "terms: unknown key"),
        (lambda d: d["terms"]["daily_caps"][0].update(per="week"), "terms.daily_caps[0].per"),
        (lambda d: d["terms"].update(kind="hmo"), "terms.kind"),
        (lambda d: d["terms"].update(state="Texas"), "terms.state"),
        (lambda d: d["terms"].update(grade="E"), "terms.grade"),
        (
            lambda d: d["terms"]["assistant_factors"][0].update(factor=0.85),
            "terms.assistant_factors[0].factor",
        ),
        (lambda d: d["terms"].update(until="2020-01-01"), "terms.until"),
    ],
)
def test_unknown_keys_and_values_are_refused_with_their_path(
    tmp_path: Path, change: Any, where: str
) -> None:
    data = _cigna_dict()
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(errors.InvalidInputError) as info:
        PayerPolicy.from_file(path)
    assert where in str(info.value)


def test_a_missing_or_broken_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(errors.InvalidInputError, match="cannot read"):
        PayerPolicy.from_file(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    with pytest.raises(errors.InvalidInputError, match="not valid"):
        PayerPolicy.from_file(bad)


# -- the built-ins ------------------------------------------------------------------------------


def test_every_builtin_has_sources_a_grade_and_a_kind() -> None:
    records = [p for p in payer_policies() if p.terms is not None]
    assert len({p.id for p in records}) >= 21
    for p in records:
        assert p.terms is not None
        assert p.terms.sources
        assert all(s.startswith("http") for s in p.terms.sources)
        assert p.terms.grade in "ABCDI"
        assert isinstance(p.terms.kind, PayerKind)
        assert PayerTerms.from_dict(p.terms.to_dict()) == p.terms


def test_medicaid_states_are_all_there() -> None:
    ids = {p.id for p in payer_policies()}
    for st_ in ("tx", "ok", "ks", "ny", "ca", "ky", "fl", "pa", "il", "oh", "ga", "nc"):
        assert f"medicaid-{st_}" in ids


def test_version_in_force_and_the_newest() -> None:
    assert payer_policy("anthem", on=date(2021, 3, 31)).terms.daily_caps is None  # type: ignore[union-attr]
    cap = payer_policy("anthem", on=date(2021, 4, 1)).terms.daily_caps  # type: ignore[union-attr]
    assert cap is not None
    assert cap[0].max_units == 4
    assert "97530" not in cap[0].codes
    assert payer_policy("aetna").terms.assistant_factor(date(2023, 11, 30)) is None  # type: ignore[union-attr]
    assert str(payer_policy("aetna").terms.assistant_factor(date(2023, 12, 1))) == "0.85"  # type: ignore[union-attr]


def test_a_visit_names_a_payer_by_id_or_name_and_gets_the_dated_version() -> None:
    by_name = _audit("Cigna", "2022-10-01")
    assert by_name.visit.payer.terms is not None
    assert by_name.visit.payer.terms.until == date(2022, 10, 14)
    again = audit_visit(by_name.visit.to_dict())
    assert again.visit == by_name.visit


def test_unknown_fields_are_reported_not_guessed() -> None:
    (unknown,) = _by_rule(_audit("aetna", "2024-03-01"), "payer.unknown")
    assert "unit_method" in unknown.message
    assert "daily_caps" in unknown.message


def test_medicaid_without_its_edit_set_says_so_and_uses_no_medicare_rows() -> None:
    report = _audit(
        "medicaid-ok",
        "2024-07-01",
        [{"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 30}],
    )
    assert _by_rule(report, "payer.edits_not_loaded")
    assert not [f for f in report.findings if f.rule.startswith("ncci.")]


def test_texas_child_cap_is_a_warning_and_at_is_required() -> None:
    report = _audit("medicaid-tx", "2024-03-01", patient_birth_date="2015-01-01")
    (cap,) = _by_rule(report, "payer.daily_cap")
    assert cap.severity.value == "warning"
    assert "Paid: none" in cap.message
    assert _by_rule(report, "payer.modifier_required")
    adult = _audit("medicaid-tx", "2024-03-01", patient_birth_date="1990-01-01")
    assert _by_rule(adult, "payer.daily_cap")[0].severity.value == "error"
    assert not _by_rule(adult, "payer.modifier_required")


def test_per_provider_cap_names_the_billing_provider() -> None:
    services = [{"code": c, "minutes": 15} for c in ("97110", "97112", "97140", "97530", "97535")]
    report = _audit("highmark", "2024-03-01", services, billing_provider="1234567890")
    (cap,) = _by_rule(report, "payer.daily_cap")
    assert "1234567890" in cap.message


# -- invariants ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(8, 60), min_size=1, max_size=5))
def test_cap_paid_plus_unpaid_is_the_billed_units(minutes: list[int]) -> None:
    codes = ["97110", "97112", "97140", "97530", "97535"]
    services = [{"code": c, "minutes": m} for c, m in zip(codes, minutes, strict=False)]
    report = _audit("cigna", "2023-03-01", services)
    billed = sum(line.units for line in report.lines)
    caps = _by_rule(report, "payer.daily_cap")
    assert bool(caps) is (billed > 4)
    for cap in caps:
        paid, unpaid = cap.message.split("Paid: ")[1].split(" — ")[0].split("; not paid: ")
        count = sum(int(x.split(" x")[1]) for x in (paid + ", " + unpaid).split(", ") if " x" in x)
        assert count == billed
        assert sum(int(x.split(" x")[1]) for x in paid.split(", ")) == 4


def test_records_load_in_a_fresh_process() -> None:
    code = (
        "import pickle; from ot_billing_rules import Visit, audit_visit;"
        "v = Visit.from_dict({'date_of_service': '2023-03-01', 'payer': 'cigna',"
        " 'services': [{'code': '97530', 'minutes': 45}, {'code': '97110', 'minutes': 45}]});"
        "v2 = pickle.loads(pickle.dumps(v)); assert v2 == v, (v2, v);"
        "print(sorted({f.rule for f in audit_visit(v2).findings}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "payer.daily_cap" in out.stdout


# -- docs ----------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def test_payer_docs_table_is_generated_from_the_data() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_payer_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    page = (ROOT / "docs" / "payer-policies.md").read_text("utf-8")
    for p in payer_policies():
        if p.terms is not None:
            assert f"`{p.id}`" in page


def test_schema_names_every_key_policies_write() -> None:
    schema = json.loads((ROOT / "docs" / "payer-policy.schema.json").read_text("utf-8"))
    terms_schema = schema["properties"]["terms"]
    for p in payer_policies():
        data = p.to_dict()
        assert set(data) <= set(schema["properties"])
        if p.terms is not None:
            assert set(data["terms"]) <= set(terms_schema["properties"])
            assert set(terms_schema["required"]) <= set(data["terms"])


def test_unknown_unit_method_bills_the_lower_and_says_why() -> None:
    ten_ten = [{"code": "97530", "minutes": 10}, {"code": "97110", "minutes": 10}]
    report = _audit("cigna", "2023-03-01", ten_ten)
    # CPT per code: 1 + 1; CMS total time (20 minutes): 1. Cigna publishes neither.
    assert sum(line.units for line in report.lines) == 1
    (why,) = _by_rule(report, "payer.unit_method_unknown")
    assert "bills the lower (cms)" in why.message
    # A payer that publishes its method is billed by it: UHC commercial is CMS-aligned.
    uhc = _audit("uhc-commercial", "2023-03-01", ten_ten)
    assert not _by_rule(uhc, "payer.unit_method_unknown")
    # The generic commercial policy (AMA, no record) bills 2.
    assert sum(line.units for line in _audit("commercial", "2023-03-01", ten_ten).lines) == 2
