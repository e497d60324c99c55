"""``ot-billing check`` and ``ot-billing ncci import``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ot_billing_rules.cli import main

FIX = Path(__file__).parents[1] / "fixtures" / "cms"


def test_check_error_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "97150:GO", "97530:GO", "--on", "2024-07-01"]) == 1
    out = capsys.readouterr().out
    assert "ncci.ptp" in out
    assert "97150 97530" in out


def test_check_bypassed_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "97150:GO", "97530:GO,59", "--on", "2024-07-01"]) == 0
    assert "ncci.bypass" in capsys.readouterr().out


def test_check_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "97110x2:GO", "97530x2:GO", "--on", "2024-07-01"]) == 0
    assert capsys.readouterr().out.strip() == "no findings"


def test_check_json_and_setting(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "97165:GO", "97750:GO,59", "--on", "2024-07-01", "--json"]
    assert main([*argv, "--setting", "outpatient_hospital"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in data["findings"]] == ["ncci.bypass"]
    assert data["lines"][1] == {"code": "97750", "units": 1, "modifiers": ["GO", "59"]}
    assert main(argv) == 1
    assert json.loads(capsys.readouterr().out)["findings"][0]["rule"] == "ncci.ptp"


def test_check_discipline_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "97530", "--on", "2024-07-01"]) == 1
    capsys.readouterr()
    assert main(["check", "97530", "--on", "2024-07-01", "--discipline", "none"]) == 0


def test_check_mue_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "97530x7:GO", "--on", "2024-07-01"]) == 1
    assert "MUE of 6" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check", "9753", "--on", "2024-07-01"], "'9753'"),
        (["check", "97530:GOO", "--on", "2024-07-01"], "GOO"),
        (["check", "97530", "--on", "2024-02-30"], "2024-02-30"),
        (["check", "97530", "--discipline", "OTA"], "OTA"),
        (["check", "97530", "--db", "/nonexistent/edits.sqlite"], "no such NCCI store"),
    ],
)
def test_check_user_errors(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ot-billing: error:")
    assert words in err
    assert err.count("\n") == 1


def test_bad_setting_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "97530", "--setting", "hospital"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_import_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "edits.sqlite"
    files = [
        FIX / "medicare-ncci-2024q3-practitioner-ptp-edits-ccipra-v302r0-f1.zip",
        FIX / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv",
    ]
    assert main(["ncci", "import", *map(str, files), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "7 PTP rows" in out
    assert "2024-07-01" in out
    argv = ["check", "97530x4:GO", "97535:GO", "--on", "2021-06-01", "--db", str(db)]
    assert main(argv) == 1
    assert "ncci.ptp" in capsys.readouterr().out
    assert main([*argv[:4], "2022-06-01", "--db", str(db)]) == 0


def test_import_json_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "edits.sqlite"
    assert (
        main(["ncci", "import", str(FIX / "ccioph-v302r0-f1.txt"), "--db", str(db), "--json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["tables"][0]["setting"] == "outpatient_hospital"
    bad = FIX / "bad_date" / "ccipra-v302r0-f1.txt"
    assert main(["ncci", "import", str(bad), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "line 9" in err
    assert err.count("\n") == 1
    assert main(["ncci", "import", str(tmp_path / "nope.txt"), "--db", str(db)]) == 2
    assert "nope.txt" in capsys.readouterr().err
    assert main(["ncci", "import", "--db", str(db)]) == 2
