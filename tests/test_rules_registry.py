"""Rules and citations are declared once, in ``ot_billing_rules.sources``.

Every rule id the package writes is registered; every finding the library
emits (golden visits, Hypothesis-generated visits, lines, minutes and
evaluations) carries a registered id, one of the rule's severities, and a
source that is one of the rule's citations — the text itself, or the text
followed by what the case adds (a year's amount, an edit release). A
citation whose rows carry their own source (``Citation.data``) is cited by a
row: the finding's source then appears in that data file.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import strategies as obst
from ot_billing_rules.errors import InvalidOptionError
from ot_billing_rules.findings import Finding, Severity
from ot_billing_rules.sources import CITATIONS, RULES, Evidence, check_rule_prefix, cite, rule

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
_RULE_ID = re.compile(r"[a-z]+(?:\.[a-z0-9_]+)+")
_FILE_SUFFIXES = {"json", "csv", "py", "md", "txt", "db", "sqlite", "gz", "zip", "toml", "html"}
# Dotted strings in src that are not rule ids: citation ids (the argument of
# cite()) and module paths.
_NOT_RULES = re.compile(r"ot_billing_rules\..*")


def _string_constants() -> set[tuple[str, str]]:
    """(file, value) of every rule-id-shaped string constant outside cite() calls."""
    found: set[tuple[str, str]] = set()
    for path in (ROOT / "src").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        cited = {
            id(arg)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"cite", "Citation", "Rule", "rule"}
            for arg in node.args[:1]
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in cited
                and _RULE_ID.fullmatch(node.value)
                and node.value.rsplit(".", 1)[1] not in _FILE_SUFFIXES
                and not _NOT_RULES.fullmatch(node.value)
            ):
                found.add((path.name, node.value))
    return found


def test_every_rule_id_literal_in_src_is_registered() -> None:
    literals = _string_constants()
    values = {v for _, v in literals}
    # Guards the scan: it must see the families written outside sources.py.
    assert {"ncci.ptp", "status.bundled", "units.cms.tie", "poc.not_checked"} <= values
    unregistered = sorted(f"{f}: {v}" for f, v in literals if v not in RULES)
    assert unregistered == []


def test_every_registered_rule_is_written_somewhere_else() -> None:
    # A registered id no module emits is a stale row of the table.
    outside = {v for f, v in _string_constants() if f != "sources.py"}
    assert sorted(set(RULES) - outside) == []


def test_every_rule_cites_registered_citations() -> None:
    for r in RULES.values():
        assert r.citations, r.id
        for c in r.citations:
            assert c in CITATIONS, (r.id, c)
        assert r.id.split(".")[0] == r.family, r.id
        assert r.meaning.strip().endswith("."), r.id
        assert r.severity not in r.also, r.id
        assert r.evidence is CITATIONS[r.citation].evidence, r.id
    used = {c for r in RULES.values() for c in r.citations}
    assert used <= set(CITATIONS)


def test_every_citation_is_cited_somewhere() -> None:
    # A citation neither a rule nor a cite() call uses is a stale row.
    by_rules = {c for r in RULES.values() for c in r.citations}
    by_code = set()
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "cite"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                by_code.add(node.args[0].value)
    assert by_code <= set(CITATIONS), sorted(by_code - set(CITATIONS))
    assert sorted(set(CITATIONS) - by_rules - by_code) == []


def test_every_citation_is_graded_on_the_one_scale() -> None:
    for c in CITATIONS.values():
        assert isinstance(c.evidence, Evidence), c.id
        assert c.text.strip(), c.id


def test_letter_grades_map_onto_the_scale() -> None:
    assert Evidence.from_grade("A") is Evidence.SOURCE
    assert Evidence.from_grade("B via C") is Evidence.SOURCE
    assert Evidence.from_grade("C") is Evidence.WEAK_SOURCE
    assert Evidence.from_grade("D") is Evidence.INFERRED
    assert Evidence.from_grade("user") is Evidence.UNVERIFIED
    user = ob.assess_kx(Decimal(100), year=2024, threshold=Decimal(50)).threshold
    assert user is not None
    assert user.evidence is Evidence.UNVERIFIED
    # Every grade the bundled KX data uses lands on a sourced step.
    for year in ob.kx_years():
        found = ob.kx_threshold(year, "OT")
        assert found is not None
        assert found.evidence in (Evidence.SOURCE, Evidence.WEAK_SOURCE), (year, found.grade)


def test_evidence_is_one_class() -> None:
    from ot_billing_rules import catalog

    assert catalog.Evidence is ob.Evidence is Evidence
    assert Evidence.__module__ == "ot_billing_rules.sources"


# -- every emitted finding ----------------------------------------------------------------

_DATA_TEXT: dict[str, str] = {}


def _data_text(name: str) -> str:
    if name not in _DATA_TEXT:
        _DATA_TEXT[name] = (
            resources.files("ot_billing_rules").joinpath("_data", name).read_text("utf-8")
        )
    return _DATA_TEXT[name]


def _cites(source: str, citation: str) -> bool:
    c = CITATIONS[citation]
    if c.data is not None:
        return bool(source.strip()) and json.dumps(source)[1:-1] in _data_text(c.data)
    # The text whole, or the text and what the case adds after a space or "; ".
    return source == c.text or (source.startswith(c.text) and source[len(c.text)] in " ;")


def _check(findings: Any) -> None:
    for f in findings:
        assert isinstance(f, Finding)
        assert f.rule in RULES, f"{f.rule} is not registered"
        r = RULES[f.rule]
        assert f.severity in r.severities, (f.rule, f.severity)
        assert any(_cites(f.source, c) for c in r.citations), (f.rule, f.source)


def _golden_reports() -> list[dict[str, Any]]:
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((GOLDEN / "reports").glob("*.json"))
    ]


def test_golden_findings_are_registered() -> None:
    reports = _golden_reports()
    assert len(reports) > 10
    for report in reports:
        _check(Finding(**{**f, "codes": tuple(f["codes"])}) for f in report["findings"])


def test_the_check_catches_a_wrong_source_and_severity() -> None:
    # The check itself must be able to fail.
    good = Finding("kx.not_checked", Severity.INFO, (), "m", source=cite("kx_therapy_services"))
    _check([good])
    for bad in (
        Finding("kx.not_checkd", Severity.INFO, (), "m", source=good.source),
        Finding("kx.not_checked", Severity.ERROR, (), "m", source=good.source),
        Finding("kx.not_checked", Severity.INFO, (), "m", source="CMS Therapy"),
        Finding("eval.below_range", Severity.WARNING, (), "m", source="https://example.com/x"),
    ):
        with pytest.raises(AssertionError):
            _check([bad])


@settings(max_examples=150)
@given(obst.visits(max_services=6))
def test_every_audit_finding_is_registered(visit: ob.Visit) -> None:
    _check(ob.audit_visit(visit).findings)


@given(
    lines=st.lists(obst.service_lines(), min_size=1, max_size=5),
    on=obst.dates_of_service(min_value=date(2018, 1, 1)),
    setting=st.sampled_from(["practitioner", "outpatient_hospital"]),
    discipline=st.sampled_from([None, "OT", "PT", "SLP"]),
)
def test_every_bundling_finding_is_registered(
    lines: list[ob.ServiceLine], on: date, setting: str, discipline: str | None
) -> None:
    _check(ob.check_bundling(lines, on=on, setting=setting, discipline=discipline))


@given(minutes=obst.sessions(max_size=4), method=st.sampled_from(["cms", "ama"]))
def test_every_unit_finding_is_registered(minutes: dict[str, int], method: str) -> None:
    _check(ob.compute_units(minutes, on="2024-07-01", method=method).findings)


def test_special_unit_findings_are_registered() -> None:
    _check(ob.compute_units({"98980": 25, "97530": 30}, on="2024-07-01").findings)
    _check(ob.compute_units({"97129": 40}, on="2024-07-01").findings)


@given(obst.ot_evaluation_inputs())
def test_every_ot_evaluation_finding_is_registered(kwargs: dict[str, Any]) -> None:
    _check(ob.select_ot_evaluation(**kwargs).warnings)


@given(obst.pt_evaluation_inputs())
def test_every_pt_evaluation_finding_is_registered(kwargs: dict[str, Any]) -> None:
    _check(ob.select_pt_evaluation(**kwargs).warnings)


@given(obst.at_evaluation_inputs())
def test_every_at_evaluation_finding_is_registered(kwargs: dict[str, Any]) -> None:
    _check(ob.select_at_evaluation(**kwargs).warnings)


@pytest.mark.parametrize("discipline", ["OT", "PT", "AT"])
@pytest.mark.parametrize("reason", [r.value for r in ob.ReevaluationReason])
def test_every_reevaluation_finding_is_registered(discipline: str, reason: str) -> None:
    _check(ob.reevaluation_billable(reason, discipline=discipline).warnings)


@given(
    ytd=st.integers(min_value=0, max_value=5000),
    visit=st.none() | st.integers(min_value=0, max_value=500),
    year=st.integers(min_value=2015, max_value=2032),
    threshold=st.none() | st.integers(min_value=1, max_value=4000),
)
def test_every_kx_finding_is_registered(
    ytd: int, visit: int | None, year: int, threshold: int | None
) -> None:
    _check(ob.check_kx(Decimal(ytd), visit, year=year, threshold=threshold))


@given(
    days=st.integers(min_value=-10, max_value=200),
    certified=st.none() | st.integers(min_value=0, max_value=60),
    report=st.none() | st.integers(min_value=0, max_value=15),
)
def test_every_plan_of_care_finding_is_registered(
    days: int, certified: int | None, report: int | None
) -> None:
    start = date(2024, 1, 2)
    cert = None if certified is None else date.fromordinal(start.toordinal() + certified)
    poc = ob.PlanOfCare(start, certified_on=cert, treatment_days_since_report=report)
    _check(ob.check_plan_of_care(poc, on=date.fromordinal(start.toordinal() + max(days, 0))))


# -- cite, rule and suppress_rules ---------------------------------------------------------


def test_cite_and_rule_refuse_unknown_ids_with_close_matches() -> None:
    with pytest.raises(InvalidOptionError, match=r"ncci\.ptp"):
        rule("ncci.ptpp")
    with pytest.raises(InvalidOptionError, match="cms_poc"):
        cite("cms_pocc")
    with pytest.raises(InvalidOptionError):
        rule(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["stauts.", "ncci.ptpp", "kx.threshold", "modifer.", "status.x"])
def test_a_misspelt_suppress_rule_is_refused(bad: str) -> None:
    with pytest.raises(InvalidOptionError) as info:
        ob.PayerPolicy(name="x", suppress_rules=[bad])
    assert repr(bad) in str(info.value)
    assert info.value.field == "suppress_rules"
    assert info.value.value == bad


def test_a_misspelt_family_names_the_close_match() -> None:
    with pytest.raises(InvalidOptionError, match=r"did you mean 'status\.'"):
        ob.PayerPolicy(name="x", suppress_rules=["stauts."])


@pytest.mark.parametrize("good", ["status.", "status", "ncci.ptp", "units.cms.", "modifier."])
def test_registered_ids_and_prefixes_are_accepted(good: str) -> None:
    assert ob.PayerPolicy(name="x", suppress_rules=[good]).suppress_rules == (good,)
    assert check_rule_prefix(good) == good


def test_cli_refuses_a_misspelt_suppress_rule_in_a_visit_file(tmp_path: Path) -> None:
    # Crosses a process boundary: the visit file's payer reaches PayerPolicy in the CLI.
    visit = {
        "date_of_service": "2024-07-01",
        "payer": {"name": "acme", "suppress_rules": ["stauts."]},
        "services": [{"code": "97530", "minutes": 30}],
    }
    f = tmp_path / "visit.json"
    f.write_text(json.dumps(visit), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", "audit", str(f), "--fail-fast"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert "stauts." in done.stderr
    assert "status." in done.stderr
    visit["payer"] = {"name": "acme", "suppress_rules": ["status."]}
    f.write_text(json.dumps(visit), encoding="utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", "audit", str(f)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert ok.returncode in (0, 1), ok.stdout + ok.stderr


def test_built_in_payer_policies_use_registered_prefixes() -> None:
    for name in ("medicare", "commercial"):
        for p in ob.payer_policy(name).suppress_rules:
            assert check_rule_prefix(p) == p


# -- generated docs ------------------------------------------------------------------------


def test_docs_rule_tables_are_generated_from_rules() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_rule_tables.py"), "--check"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_docs_rules_page_lists_every_rule_and_citation() -> None:
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in RULES:
        assert f"| `{r}` |" in page, r
    for c in CITATIONS:
        assert f"| `{c}` |" in page, c


def test_gen_rule_tables_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    # The check must be able to fail: a table row edited by hand is stale.
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_rule_tables.py")
    assert spec is not None
    assert spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    page = "<!-- rules: kx -->\n| old |\n<!-- /rules -->\n"
    new = gen.render(page)
    assert new != page
    assert "`kx.threshold_reached`" in new
    assert gen.render(new) == new
