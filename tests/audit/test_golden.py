"""Golden audit reports: every rule family through ``audit_visit``, compared as JSON.

``tests/golden/visits/<name>.json`` holds an input visit and
``tests/golden/reports/<name>.json`` its ``AuditReport.to_dict()``, written by
``python scripts/update_golden.py`` (the only writer; this module compares
with the script's own :func:`render`). A change in what an audit says —
units, modifiers, findings, messages, the schema — fails here with a
unified diff; when the change is intended, regenerate and review the diff.

``data_version`` is not compared: the report stores a fixed placeholder in
its place, because the value is a hash of the package data and changes with
every data build. A data change that alters an audit still fails here in the
fields it alters.

``INDEX.json`` describes each visit (``visits``) and lists the rule ids no
golden report contains, with the reason (``not_covered``); the coverage test
finds the rule ids in ``src/`` itself, so a new rule fails it until a golden
visit exercises the rule or ``not_covered`` explains why none can.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ot_billing_rules import Visit

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "update_golden.py"
GOLDEN = ROOT / "tests" / "golden"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_golden", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden = _load_script()
NAMES = golden.visit_names(GOLDEN)
INDEX: dict[str, Any] = json.loads((GOLDEN / "INDEX.json").read_text(encoding="utf-8"))


def _report(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (golden.reports_dir(GOLDEN) / f"{name}.json").read_text(encoding="utf-8")
    )
    return data


@pytest.mark.parametrize("name", NAMES)
def test_report_matches_golden(name: str) -> None:
    path = golden.reports_dir(GOLDEN) / f"{name}.json"
    assert path.exists(), f"{path} is missing: run python scripts/update_golden.py"
    expected = path.read_text(encoding="utf-8")
    actual = golden.render(golden.load_visit(name, GOLDEN))
    if actual != expected:
        pytest.fail(
            f"audit of golden visit {name!r} changed (if intended, run "
            f"python scripts/update_golden.py and review the diff):\n"
            + golden.diff(name, expected, actual),
            pytrace=False,
        )


def test_enough_golden_visits() -> None:
    assert len(NAMES) >= 30


@pytest.mark.parametrize("name", NAMES)
def test_visit_reads_back_and_is_named_for_itself(name: str) -> None:
    data = golden.load_visit(name, GOLDEN)
    # visit_id = file name, so a report printed anywhere says which visit it is.
    assert data.get("visit_id") == name
    assert Visit.from_dict(data).visit_id == name


def test_index_and_visits_agree() -> None:
    indexed = set(INDEX["visits"])
    on_disk = set(NAMES)
    assert indexed - on_disk == set(), "INDEX.json names visits that have no file"
    assert on_disk - indexed == set(), "visits missing from INDEX.json"
    for name, entry in INDEX["visits"].items():
        assert entry["about"].strip(), name
        assert entry["exercises"], name


def test_every_report_has_a_visit() -> None:
    reports = {p.stem for p in golden.reports_dir(GOLDEN).glob("*.json")}
    assert reports == set(NAMES)


def test_data_version_is_a_placeholder() -> None:
    for name in NAMES:
        assert _report(name)["data_version"] == golden.DATA_VERSION_PLACEHOLDER, name


def test_both_payers_every_discipline_and_setting_covered() -> None:
    seen = {
        (key, _report(name)[key])
        for name in NAMES
        for key in ("payer", "discipline", "setting", "status")
    }
    for wanted in [
        ("payer", "medicare"),
        ("payer", "commercial"),
        ("discipline", "OT"),
        ("discipline", "PT"),
        ("discipline", "SLP"),
        ("setting", "practitioner"),
        ("setting", "outpatient_hospital"),
        ("status", "clean"),
        ("status", "warnings"),
        ("status", "errors"),
    ]:
        assert wanted in seen, wanted
    assert any(
        isinstance(golden.load_visit(n, GOLDEN).get("payer"), dict)
        and _report(n)["payer"] not in ("medicare", "commercial")
        for n in NAMES
    ), "no golden visit uses a user payer policy"


_RULE_ID = re.compile(r"[a-z]+(?:\.[a-z0-9_]+)+")
_FILE_SUFFIXES = {"json", "csv", "py", "md", "txt", "db", "sqlite", "gz", "zip", "toml", "html"}


def _rule_ids_in_src() -> set[str]:
    """Every string constant in the package shaped like a rule id (``family.name``)."""
    found: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _RULE_ID.fullmatch(node.value)
                and node.value.rsplit(".", 1)[1] not in _FILE_SUFFIXES
            ):
                found.add(node.value)
    return found


def test_rule_id_scan_finds_the_known_families() -> None:
    # Guards the scan itself: if it found nothing, the coverage test would pass vacuously.
    ids = _rule_ids_in_src()
    for rule in ("ncci.ptp", "units.cms.tie", "kx.threshold_reached", "modifier.59_with_x"):
        assert rule in ids


def test_golden_reports_cover_every_rule_id() -> None:
    emitted = _rule_ids_in_src()
    covered = {f["rule"] for name in NAMES for f in _report(name)["findings"]}
    not_covered = INDEX["not_covered"]
    assert covered - emitted == set(), "golden reports hold rule ids the scan did not find"
    missing = emitted - covered - set(not_covered)
    assert missing == set(), f"no golden visit exercises {sorted(missing)}"
    # An entry of not_covered that a golden report now contains, or that the
    # library no longer emits, is stale.
    assert set(not_covered) & covered == set()
    assert set(not_covered) - emitted == set()
    assert all(reason.strip() for reason in not_covered.values())


# -- the script, in a fresh process -------------------------------------------------------


def _copy_golden(tmp_path: Path) -> Path:
    target = tmp_path / "golden"
    shutil.copytree(GOLDEN, target)
    return target


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_script_check_passes_on_the_stored_reports(tmp_path: Path) -> None:
    target = _copy_golden(tmp_path)
    done = _script("--check", "--golden", str(target))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(NAMES)} golden report(s) checked, 0 differ" in done.stdout


def test_script_check_shows_a_rule_change_as_a_json_diff(tmp_path: Path) -> None:
    target = _copy_golden(tmp_path)
    name = "ptp_97150_97530_no_bypass"
    path = target / "reports" / f"{name}.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    # Pretend the stored audit had a different finding: the script must report it.
    stored["findings"][0]["rule"] = "ncci.something_else"
    path.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    done = _script("--check", "--golden", str(target))
    assert done.returncode == 1
    assert f"--- reports/{name}.json (stored)" in done.stdout
    assert '-      "rule": "ncci.something_else",' in done.stdout
    assert '+      "rule": "ncci.ptp",' in done.stdout
    assert path.read_text(encoding="utf-8") == before, "--check must not write"
    # Regenerating restores it, and removes a report whose visit is gone.
    (target / "reports" / "no_such_visit.json").write_text("{}\n", encoding="utf-8")
    assert _script("--golden", str(target)).returncode == 0
    assert path.read_text(encoding="utf-8") == (GOLDEN / "reports" / f"{name}.json").read_text(
        encoding="utf-8"
    )
    assert not (target / "reports" / "no_such_visit.json").exists()
    assert _script("--check", "--golden", str(target)).returncode == 0


def test_script_check_reports_missing_and_orphan_reports(tmp_path: Path) -> None:
    target = _copy_golden(tmp_path)
    (target / "reports" / "kx_below_threshold.json").unlink()
    (target / "reports" / "orphan.json").write_text("{}\n", encoding="utf-8")
    done = _script("--check", "--golden", str(target))
    assert done.returncode == 1
    assert "reports/kx_below_threshold.json is missing" in done.stdout
    assert "reports/orphan.json has no visit" in done.stdout


def test_script_refuses_an_unknown_visit_name(tmp_path: Path) -> None:
    done = _script("--check", "--golden", str(_copy_golden(tmp_path)), "no_such_visit")
    assert done.returncode == 2
    assert "no golden visit named no_such_visit" in done.stdout
