"""`ot-billing lookup` and `ot-billing codes`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ot_billing_rules.cli import main


def test_lookup_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "97003", "--on", "2016-06-01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["code"] == "97003"
    assert out["replaced_by"] == ["97165", "97166", "97167"]


def test_lookup_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "g0283", "--on", "2024-07-01"]) == 0
    assert "G0283" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["lookup", "97003", "--on", "2017-01-01"], "97165, 97166, 97167"),
        (["lookup", "9711"], "'9711'"),
        (["lookup", "97531", "--on", "2024-07-01"], "97530"),
        (["lookup", "97530", "--on", "July 1"], "'July 1'"),
        (["codes", "--category", "massage"], "massage"),
        (["codes", "--on", "2024-02-30"], "2024-02-30"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_user_errors_are_one_line_exit_2(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert needle in err
    assert "Traceback" not in err


def test_codes_filters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codes", "--untimed", "--category", "modality_supervised", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["code"] for r in rows} >= {"97010", "97016", "97018", "G0283"}
    assert all(not r["timed"] for r in rows)


def test_codes_on_date_excludes_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codes", "--on", "2024-07-01"]) == 0
    out = capsys.readouterr().out
    assert "97530" in out
    assert "97003" not in out


def test_console_script_runs_as_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", "lookup", "97010", "--on", "2024-07-01"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "97010" in done.stdout
