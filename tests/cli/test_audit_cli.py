"""``ot-billing audit``: JSON and CSV input, exit codes, one-line errors.

Pending until ``units.py`` and ``bundling.py`` are in the tree and the
``_cli_audit`` module is registered in ``cli._SUBCOMMANDS``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ot_billing_rules import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_example_json_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", str(EXAMPLES / "pediatric_ot_visit.json"))
    assert code == 0, err
    assert out.startswith("Visit peds-2024-07-01-A 2024-07-01")
    assert "Claim lines:" in out
    assert "97530" in out
    assert "KX" in out
    assert "poc.progress_report_due" in out


def test_example_json_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", str(EXAMPLES / "pediatric_ot_visit.json"), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["visit_id"] == "peds-2024-07-01-A"
    assert {s["code"] for s in report["services"]} == {"97530", "97533", "97535"}
    assert all("GO" in ln["modifiers"] for ln in report["lines"])


def test_example_csv_many_visits(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", str(EXAMPLES / "visits.csv"), "--json")
    reports = json.loads(out)
    assert [r["visit_id"] for r in reports] == ["v1", "v2", "v3"]
    assert [r["payer"] for r in reports] == ["medicare", "medicare", "commercial"]
    # v2 is past its certified interval: an error, so the exit status is 1.
    assert reports[1]["status"] == "errors"
    assert code == 1
    v2 = {ln["code"]: ln["modifiers"] for ln in reports[1]["lines"]}
    assert v2["97530"] == ["GO", "KX", "59"]


def test_errors_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "v.json"
    f.write_text(json.dumps({"date_of_service": "2024-07-01", "services": [{"code": "97127"}]}))
    code, out, _ = run(capsys, "audit", str(f))
    assert code == 1
    assert "code.not_effective" in out


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("v.json", "{not json", "not valid JSON"),
        ("v.json", '{"date_of_service": "2024-07-01", "services": [], "x": 1}', "'x'"),
        (
            "v.json",
            '{"date_of_service": "2024-07-01", "ytd_allowed": 12.345, '
            '"services": [{"code": "97530", "minutes": 8}]}',
            "ytd_allowed",
        ),
        ("v.csv", "visit_id,date_of_service,code,copay\nv,2024-07-01,97530,3\n", "'copay'"),
        ("v.csv", "visit_id,date_of_service,code,minutes\nv,2024-07-01,97530,ten\n", "line 2"),
        (
            "v.csv",
            "visit_id,date_of_service,code\nv,2024-07-01,97530\nv,2024-07-02,97535\n",
            "disagrees",
        ),
        ("v.csv", "visit_id,code\nv,97530\n", "date_of_service"),
    ],
)
def test_bad_input_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str, needle: str
) -> None:
    f = tmp_path / name
    f.write_text(content)
    # --fail-fast: the contract before error records (issue 16): nothing printed.
    code, out, err = run(capsys, "audit", str(f), "--fail-fast")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("ot-billing: error:")
    assert needle in err


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "audit", str(tmp_path / "nope.json"))
    assert code == 2
    assert "nope.json" in err
