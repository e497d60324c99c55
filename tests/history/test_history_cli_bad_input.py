"""``ot-billing audit FILE --history --fail-fast`` with a row the history refuses: nothing
printed first (without ``--fail-fast`` the visit is an error record in its place).

Run as a user runs it (a fresh process): the reader accepts the row, the
history refuses it (a visit's own ``ytd_allowed``), and stdout must stay
empty with the error naming the file's line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = "visit_id,patient_id,billing_provider,date_of_service,code,minutes,ytd_allowed\n"
ROWS = (
    "a,p1,111,2024-03-04,97530,10,\n"
    "b,p1,111,2024-03-05,97530,10,\n"
    "c,p2,111,2024-03-06,97530,10,100.00\n"  # the 3rd row: line 4 of the file
    "d,p3,111,2024-03-07,97530,10,\n"
)


def _run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ot_billing_rules.cli",
            "audit",
            str(path),
            "--history",
            "--fail-fast",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_a_refused_csv_row_prints_nothing(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    done = _run(path, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{path}, line 4: visit c: ytd_allowed=100.00" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_refused_json_visit_is_named_by_position(tmp_path: Path) -> None:
    visits = [
        {"visit_id": v, "patient_id": "p1", "date_of_service": f"2024-03-0{n + 4}",
         "services": [{"code": "97530", "minutes": 10}]}
        for n, v in enumerate("abc")
    ]  # fmt: skip
    visits[2]["visits_this_period"] = 3
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(visits), encoding="utf-8")
    done = _run(path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{path}: visit #3: visit c: visits_this_period=3" in done.stderr
