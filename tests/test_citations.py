"""Citations name public sources, never the project's internal research notes.

Users have the CMS manuals, NCCI manual, statutes and MAC articles; they do
not have the notes the rules were researched in (``rules/units.md`` and its
siblings, the ``shared/`` research tree). So no ``Finding.source``, no
docstring or comment in the package and no bundled data file may point at
them, and every finding must cite something.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import strategies as obst
from ot_billing_rules.findings import Finding

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ot_billing_rules"

# The internal notes by name, any path into the research tree, and the
# research notes' own section style ("§7 item 9", "research §7.9").
_NOTE = r"(?:units|bundling|payment|payers|codes_and_evaluations|export)\.md"
INTERNAL = re.compile(
    rf"\brules/|\bshared/|{_NOTE}|project research|research §|§\d+(?:\.\d+)* item \d",
    re.IGNORECASE,
)
# Documentation pages share names with some notes (docs/units.md), so docs are
# held only to the unambiguous forms.
INTERNAL_IN_DOCS = re.compile(
    rf"\brules/{_NOTE}|codes_and_evaluations|payment\.md|export\.md|project research"
)


def _internal(text: str) -> list[str]:
    return [m.group(0) for m in INTERNAL.finditer(text)]


def _check(findings: Any) -> None:
    for f in findings:
        assert isinstance(f, Finding)
        assert f.source.strip(), f"{f.rule} has no source"
        assert not _internal(f.source), f"{f.rule} cites an internal note: {f.source!r}"


# -- static: sources, docstrings, comments, data -----------------------------------------


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_package_source_cites_no_internal_note(path: Path) -> None:
    hits = [
        f"{n}: {line.strip()}"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if _internal(line)
    ]
    assert not hits, "\n".join(hits)


def test_bundled_data_cites_no_internal_note() -> None:
    data = resources.files("ot_billing_rules").joinpath("_data")
    names = [e.name for e in data.iterdir() if e.name.endswith((".json", ".csv"))]
    assert "manifest.json" in names
    for name in names:
        text = data.joinpath(name).read_text("utf-8")
        assert not _internal(text), f"_data/{name}: {sorted(set(_internal(text)))}"


def test_data_version_sources_are_public() -> None:
    for entry in ob.data_version().files:
        assert entry.source.strip(), entry.name
        assert not _internal(entry.source), f"{entry.name}: {entry.source!r}"


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "docs").rglob("*.md"), *(ROOT / "scripts").glob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_docs_and_build_scripts_cite_no_internal_note(path: Path) -> None:
    text = path.read_text("utf-8")
    assert not INTERNAL_IN_DOCS.search(text), INTERNAL_IN_DOCS.findall(text)


def test_the_check_catches_the_old_citations() -> None:
    # The forms that were in the package before: each must be caught.
    for old in (
        "rules/codes_and_evaluations.md §2.2",
        "MUE 1 (rules/units.md)",
        "``rules/bundling.md`` §10.2",
        "shared/data/kx_thresholds.json (project research)",
        "contested (research §7.9)",
        "(``rules/units.md`` §7 item 9, §10)",
    ):
        assert _internal(old), old
    for public in (
        "CMS Pub. 100-04 Ch. 5 §20.2",
        "NCCI Policy Manual Ch. I",
        "http://www.asha.org/Practice/reimbursement/medicare/SLP_coding_rules/",
        "CMS CR 11168",
    ):
        assert not _internal(public), public


# -- runtime: every finding the library emits ------------------------------------------


# Each case drives one rule whose source used to cite an internal note.
BUNDLING_CASES = [
    ("status", ["97010"], {}),
    ("addon.once_per_day", ["97129x2", "97130"], {}),
    ("modifier.59_with_x", ["97140:GO,59,XU", "97530:GO"], {}),
    ("modifier.misplaced", ["97530:GO,25"], {}),
    ("modifier.unknown", ["97530:GO,ZZ"], {}),
    ("modifier.discipline", ["97530:GP"], {}),
    ("ncci", ["97150:GO", "97530:GO"], {}),
]


@pytest.mark.parametrize(
    ("rule", "lines", "kw"), BUNDLING_CASES, ids=[c[0] for c in BUNDLING_CASES]
)
def test_bundling_findings_cite_public_sources(
    rule: str, lines: list[str], kw: dict[str, Any]
) -> None:
    found = ob.check_bundling(lines, on="2024-07-01", **kw)
    assert any(f.rule.startswith(rule) for f in found), [f.rule for f in found]
    _check(found)


def test_unit_findings_cite_public_sources() -> None:
    monthly = ob.compute_units({"98980": 25, "97530": 30}, on="2024-07-01")
    assert any(f.rule == "units.not_daily_minutes" for f in monthly.findings)
    family = ob.compute_units({"97129": 40}, on="2024-07-01")
    assert any(f.rule == "units.family.relabelled" for f in family.findings)
    tie = ob.compute_units({"97110": 20, "97112": 20}, on="2024-07-01")
    for alloc in (monthly, family, tie):
        _check(alloc.findings)


def test_evaluation_findings_cite_public_sources() -> None:
    boundary = ob.select_ot_evaluation(
        profile="expanded", performance_deficits=3, decision_making="moderate"
    )
    assert any(f.rule == "eval.deficit_boundary" for f in boundary.warnings)
    at = ob.select_at_evaluation(comorbidities=3, exam_elements=5, decision_making="high")
    assert any(f.rule == "eval.rule_inferred" for f in at.warnings)
    for sel in (boundary, at):
        assert sel.source.strip()
        assert not _internal(sel.source), sel.source
        _check(sel.warnings)


@pytest.mark.parametrize("discipline", ["OT", "PT", "AT"])
@pytest.mark.parametrize("reason", [r.value for r in ob.ReevaluationReason])
def test_reevaluation_cites_public_sources(discipline: str, reason: str) -> None:
    d = ob.reevaluation_billable(reason, discipline=discipline)
    assert d.source.strip()
    assert not _internal(d.source), d.source
    _check(d.warnings)


@pytest.mark.parametrize("year", [2017, 2024, 2099])
def test_kx_findings_cite_public_sources(year: int) -> None:
    _check(ob.check_kx(Decimal("3100"), Decimal("100"), year=year))
    _check(ob.check_kx(Decimal("100"), year=2024, threshold=Decimal("50")))


def test_plan_of_care_findings_cite_public_sources() -> None:
    late = ob.PlanOfCare("2024-01-02", certified_on="2024-03-15", treatment_days_since_report=12)
    found = ob.check_plan_of_care(late, on="2024-03-20")
    assert found
    _check(found)
    _check(ob.check_plan_of_care(ob.PlanOfCare("2024-01-02"), on="2024-05-20"))


@given(obst.visits(max_services=6))
def test_every_audit_finding_cites_a_public_source(visit: ob.Visit) -> None:
    _check(ob.audit_visit(visit).findings)


@given(
    lines=st.lists(obst.service_lines(), min_size=1, max_size=5),
    on=obst.dates_of_service(min_value=date(2018, 1, 1)),
    setting=st.sampled_from(["practitioner", "outpatient_hospital"]),
)
def test_every_bundling_finding_cites_a_public_source(
    lines: list[ob.ServiceLine], on: date, setting: str
) -> None:
    _check(ob.check_bundling(lines, on=on, setting=setting))


@given(obst.ot_evaluation_inputs() | obst.pt_evaluation_inputs() | obst.at_evaluation_inputs())
def test_every_evaluation_finding_cites_a_public_source(kwargs: dict[str, Any]) -> None:
    if "profile" in kwargs:
        sel = ob.select_ot_evaluation(**kwargs)
    elif "personal_factors" in kwargs:
        sel = ob.select_pt_evaluation(**kwargs)
    else:
        sel = ob.select_at_evaluation(**kwargs)
    assert not _internal(sel.source)
    _check(sel.warnings)
