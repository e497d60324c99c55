"""The CSV columns of the plan's report and order dates reach the audit (a fresh CLI process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEADER = (
    "visit_id,date_of_service,code,minutes,poc_first_treatment,poc_certified_on,"
    "poc_last_progress_report_on,poc_treatment_days_since_report\n"
)


def _poc_rules(path: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", "audit", str(path), "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    (line,) = done.stdout.splitlines()
    return [f["rule"] for f in json.loads(line)["findings"] if f["rule"].startswith("poc.")]


def test_a_2012_report_date_column_makes_the_report_overdue(tmp_path: Path) -> None:
    # Pub. 100-02 Ch. 15 §220.3 before 2013: 10 treatment days or 30 calendar days.
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "v1,2012-06-15,97530,30,2012-05-01,2012-05-01,2012-05-10,6\n")
    assert _poc_rules(path) == ["poc.progress_report_overdue"]


def test_the_same_row_in_2013_is_not_due(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "v1,2013-06-15,97530,30,2013-05-01,2013-05-01,2013-05-10,6\n")
    assert _poc_rules(path) == []
