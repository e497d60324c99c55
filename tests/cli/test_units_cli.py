"""``ot-billing units``: exit codes, output, one-line errors."""

from __future__ import annotations

import json

import pytest

from ot_billing_rules.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_example_3_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "units", "97110=33", "97140=7", "97165", "--on", "2024-07-01")
    assert code == 0
    assert err == ""
    assert "chart row 38–52 min → 3 unit(s)" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("97")]
    assert ["97110", "2", "33"] in rows
    assert ["97140", "1", "7"] in rows
    assert ["97165", "1"] in rows


def test_json_and_ama(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "units", "97110=33", "97140=7", "--method", "ama", "--on", "2024-07-01", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["units"] == {"97110": 2, "97140": 0}
    assert data["method"] == "ama"


def test_assistant_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "units",
        "97110=30",
        "--assistant",
        "97110=20",
        "--discipline",
        "PT",
        "--on",
        "2024-07-01",
        "--json",
    )
    assert code == 0
    lines = json.loads(out)["lines"]
    assert [(ln["units"], ln["modifiers"]) for ln in lines] == [(1, []), (1, ["CQ"])]


def test_ties_list_alternatives(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "units", "97112=20", "97110=20", "--on", "2024-07-01")
    assert code == 0
    assert "Equally valid alternatives:" in out
    assert "info: units.cms.tie" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["97110=abc"], "'abc'"),
        (["97110=3.5"], "'3.5'"),
        (["97110=-5"], "-5"),
        (["97110"], "97110"),
        (["97110=10", "97110=5"], "repeats 97110"),
        (["97110=10", "--method", "xyz"], "'xyz'"),
        (["97110=10", "--discipline", "RT"], "'RT'"),
        (["97110=10", "--assistant", "97110"], "CODE=MINUTES"),
        (["97110=10", "--assistant", "97140=5"], "97140"),
        (["97110=10", "--on", "2024-13-01"], "2024-13-01"),
        (["97129=20", "--on", "2019-06-01"], "97129"),
        (["99999=10"], "99999"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, "units", *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("ot-billing: error: ")
    assert needle in err


def test_no_services_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "units")
    assert code == 2
    assert err.count("\n") == 1
