"""``ot-billing audit FILE --format ...`` in a fresh process: each claim format, the charges
file, refusal with exit 1 and the findings on stderr, and ``--force``."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

VISIT = {
    "visit_id": "V1",
    "date_of_service": "2024-07-01",
    "diagnoses": ["R26.89", "M62.81"],
    "services": [
        {"code": "97530", "minutes": 38, "charge": "60.00", "diagnosis_pointers": [1, 2]},
        {"code": "97110", "minutes": 30, "assistant_minutes": 15, "charge": "45",
         "diagnosis_pointers": [1]},
    ],
}  # fmt: skip


def _run(tmp_path: Path, visit: object, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "visit.json"
    path.write_text(json.dumps(visit), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", "audit", str(path), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_837p_lines(tmp_path: Path) -> None:
    done = _run(tmp_path, VISIT, "--format", "837p-lines")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["LX*1~", "SV1*HC:97110:GO*45*UN*1***1~",
                                           "DTP*472*D8*20240701~"]  # fmt: skip
    assert "SV1*HC:97530:GO*180*UN*3***1:2~" in done.stdout


def test_837i_lines_carry_the_ot_revenue_code(tmp_path: Path) -> None:
    done = _run(tmp_path, VISIT, "--format", "837i-lines")
    assert done.returncode == 0, done.stderr
    assert "SV2*0430*HC:97530:GO*180*UN*3~" in done.stdout


@pytest.mark.parametrize(("fmt", "first"), [("cms1500-csv", "form"), ("ub04-csv", "page")])
def test_forms_as_csv(tmp_path: Path, fmt: str, first: str) -> None:
    done = _run(tmp_path, VISIT, "--format", fmt)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0])[:2] == ["visit_id", first]
    assert {r["visit_id"] for r in rows} == {"V1"}


def test_fhir_is_json_lines_of_claims(tmp_path: Path) -> None:
    done = _run(tmp_path, [VISIT, {**VISIT, "visit_id": "V2"}], "--format", "fhir")
    assert done.returncode == 0, done.stderr
    claims = [json.loads(line) for line in done.stdout.splitlines()]
    assert [c["identifier"][0]["value"] for c in claims] == ["V1", "V2"]
    assert claims[0]["diagnosis"][1]["diagnosisCodeableConcept"]["coding"][0]["code"] == "M62.81"


def test_refused_visit_exits_1_and_force_writes_it(tmp_path: Path) -> None:
    bare = {**VISIT, "services": [{"code": "97530", "minutes": 38}]}
    done = _run(tmp_path, bare, "--format", "837p-lines")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "visit V1 not exported" in done.stderr
    assert "export.pointer_missing" in done.stderr
    assert "export.charge_missing" in done.stderr
    forced = _run(tmp_path, bare, "--format", "837p-lines", "--force")
    assert forced.returncode == 0
    assert "SV1*HC:97530:GO**UN*3~" in forced.stdout


def test_charges_file_overrides(tmp_path: Path) -> None:
    charges = tmp_path / "charges.json"
    charges.write_text('{"97530": "10.00", "97110": 5}', encoding="utf-8")
    done = _run(tmp_path, VISIT, "--format", "837p-lines", "--charges", str(charges))
    assert done.returncode == 0, done.stderr
    assert "SV1*HC:97530:GO*30*UN*3***1:2~" in done.stdout
    charges.write_text("[1]", encoding="utf-8")
    bad = _run(tmp_path, VISIT, "--format", "837p-lines", "--charges", str(charges))
    assert bad.returncode == 2
    assert "charges must be a JSON object" in bad.stderr
