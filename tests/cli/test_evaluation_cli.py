"""`ot-billing eval ot|pt|at|reeval`."""

from __future__ import annotations

import json

import pytest

from ot_billing_rules.cli import main


def test_ot_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["eval", "ot", "--profile", "expanded", "--deficits", "4", "--decision", "moderate"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("97166  moderate complexity (OT)")
    assert "typical minutes (descriptive only): 45" in out


def test_ot_json_capped_by_low_component(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "eval",
        "ot",
        "--profile",
        "extensive",
        "--deficits",
        "6",
        "--decision",
        "low",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["code"] == "97165"
    assert out["limited_by"] == ["decision_making"]


@pytest.mark.parametrize(("flag", "code"), [([], "97167"), (["--strict-boundaries"], "97166")])
def test_ot_strict_boundaries(
    flag: list[str], code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "eval",
        "ot",
        "--profile",
        "extensive",
        "--deficits",
        "5",
        "--decision",
        "high",
        "--json",
    ]
    assert main(argv + flag) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["code"] == code
    assert out["findings"][0]["rule"] == "eval.deficit_boundary"


@pytest.mark.parametrize(("value", "code"), [("none", "97166"), ("2", "97167"), ("0", "97166")])
def test_ot_comorbidities_word_or_count(
    value: str, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", "ot", "--profile", "extensive", "--deficits", "7", "--decision", "high"]
    assert main([*argv, "--comorbidities", value, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == code


def test_ot_task_modification(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "ot", "--profile", "extensive", "--deficits", "7", "--decision", "high"]
    assert main([*argv, "--task-modification", "not_necessary", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["code"], out["limited_by"]) == ("97165", ["task_modification"])


def test_pt(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "pt", "--personal-factors", "3", "--body-system-elements", "4"]
    assert main([*argv, "--presentation", "unstable", "--decision", "high", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "97163"


def test_at_text_shows_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "at", "--comorbidities", "3", "--exam-elements", "4", "--decision", "high"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("97170")
    assert "[eval.presentation_not_given]" in out
    assert main([*argv, "--presentation", "unstable", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "97171"


def test_reeval(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "reeval", "progress_report", "--discipline", "pt"]) == 0
    assert capsys.readouterr().out.startswith("97164  not billable")
    assert main(["eval", "reeval", "new_episode", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bill_instead"] == ["97165", "97166", "97167"]
    assert main(["eval", "reeval", "before_planned_discharge", "--discharge-not-billable"]) == 0
    assert "not billable" in capsys.readouterr().out


_OT_BRIEF = ["eval", "ot", "--profile", "brief", "--deficits", "2", "--decision", "low"]
_PT_BASE = ["eval", "pt", "--personal-factors", "1", "--body-system-elements", "2"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["eval", "ot", "--profile", "huge", "--deficits", "4", "--decision", "low"], "'huge'"),
        (["eval", "ot", "--profile", "brief", "--deficits", "-1", "--decision", "low"], "-1"),
        (["eval", "ot", "--profile", "brief", "--deficits", "2.5", "--decision", "low"], "2.5"),
        (["eval", "ot", "--profile", "brief", "--deficits", "2"], "--decision"),
        (["eval", "ot", "--profile", "brief", "--deficits", "2", "--decision", "mid"], "'mid'"),
        (
            [*_OT_BRIEF, "--comorbidities", "lots"],
            "'lots'",
        ),
        (
            [*_PT_BASE, "--presentation", "calm", "--decision", "low"],
            "'calm'",
        ),
        (
            ["eval", "at", "--comorbidities", "x", "--exam-elements", "2", "--decision", "low"],
            "'x'",
        ),
        (["eval", "reeval", "weekly"], "'weekly'"),
        (["eval", "reeval", "progress_report", "--discipline", "SLP"], "'SLP'"),
        (["eval"], "KIND"),
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
