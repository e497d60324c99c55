"""``ot-billing audit FILE.csv --history``, run as a user runs it (a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEADER = "visit_id,patient_id,billing_provider,date_of_service,code,minutes,visit_allowed,"
CSV = (
    HEADER
    + """progress_report
a,p1,111,2024-03-04,97530,10,50.00,
b,p1,111,2024-03-04,97530,10,50.00,true
c,p2,111,2024-03-04,97530,10,50.00,
"""
)


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "claims.csv"
    path.write_text(CSV, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", "audit", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_history_pools_the_same_day_in_json(tmp_path: Path) -> None:
    done = _run(tmp_path, "--history", "--json")
    assert done.returncode == 0, done.stderr
    reports = json.loads(done.stdout)
    assert [r["visit_id"] for r in reports] == ["a", "b", "c"]
    assert [sum(ln["units"] for ln in r["lines"]) for r in reports] == [1, 0, 1]
    assert "history.same_day_merged" in {f["rule"] for f in reports[0]["findings"]}
    assert reports[1]["visit"]["progress_report"] is True


def test_without_history_each_visit_stands_alone(tmp_path: Path) -> None:
    done = _run(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    assert [sum(ln["units"] for ln in r["lines"]) for r in json.loads(done.stdout)] == [1, 1, 1]


def test_history_text_output(tmp_path: Path) -> None:
    done = _run(tmp_path, "--history")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Visit ") == 3
    assert "history.same_day_merged" in done.stdout
