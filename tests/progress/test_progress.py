"""progress= on audit_many, audit_history and audit_frame; the CLI helper (issue 16, item 3)."""

from __future__ import annotations

import io
import sys

import pytest

import ot_billing_rules as ob
from ot_billing_rules import _progress
from ot_billing_rules._progress import cli_progress, track
from ot_billing_rules.errors import InvalidTypeError

VISITS = [
    {
        "visit_id": f"v{n}",
        "patient_id": f"p{n % 2}",
        "date_of_service": f"2024-07-{n + 1:02d}",
        "services": [{"code": "97530", "minutes": 38}],
    }
    for n in range(5)
]


def _calls() -> tuple[list[tuple[int, int | None]], object]:
    seen: list[tuple[int, int | None]] = []
    return seen, lambda done, total: seen.append((done, total))


def test_audit_many_calls_back_after_each_result_with_the_total() -> None:
    seen, callback = _calls()
    results = list(ob.audit_many(VISITS, progress=callback))  # type: ignore[arg-type]
    assert len(results) == 5
    assert seen == [(n, 5) for n in range(1, 6)]


def test_a_generator_input_has_no_total() -> None:
    seen, callback = _calls()
    list(ob.audit_many((v for v in VISITS), progress=callback))  # type: ignore[arg-type]
    assert seen == [(n, None) for n in range(1, 6)]


def test_progress_is_reported_as_results_are_consumed() -> None:
    seen, callback = _calls()
    results = ob.audit_many(VISITS, progress=callback)  # type: ignore[arg-type]
    assert seen == []
    next(results)
    assert seen == [(1, 5)]


def test_pooled_audit_many_reports_every_result() -> None:
    seen, callback = _calls()
    list(ob.audit_many(VISITS, workers=2, chunksize=2, progress=callback))  # type: ignore[arg-type]
    assert [d for d, _ in seen] == [1, 2, 3, 4, 5]


def test_audit_history_calls_back_and_its_state_still_comes() -> None:
    seen, callback = _calls()
    run = ob.audit_history(VISITS, progress=callback)  # type: ignore[arg-type]
    assert len(list(run)) == 5
    assert seen[-1] == (5, 5)
    assert set(run.state.patients) == {"p0", "p1"}


def test_an_abandoned_history_run_is_closed_through_the_progress_wrapper() -> None:
    seen, callback = _calls()
    run = ob.audit_history(VISITS, progress=callback)  # type: ignore[arg-type]
    it = iter(run)
    next(it)
    it.close()  # type: ignore[attr-defined]
    assert seen == [(1, 5)]


@pytest.mark.parametrize("bad", ["yes", 1, None, [1]])
def test_progress_must_be_a_bool_or_a_callable(bad: object) -> None:
    with pytest.raises(InvalidTypeError, match="progress"):
        ob.audit_many(VISITS, progress=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidTypeError, match="progress"):
        ob.audit_history(VISITS, progress=bad)  # type: ignore[arg-type]


def test_plain_counter_on_stderr_without_tqdm(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if not installed
    results = list(ob.audit_many(VISITS, progress=True))
    captured = capsys.readouterr()
    assert len(results) == 5
    assert captured.out == ""
    assert "visits: 5/5" in captured.err
    assert captured.err.endswith("\n")


def test_tqdm_bar_when_installed(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    list(ob.audit_many(VISITS, progress=True))
    err = capsys.readouterr().err
    assert "5/5" in err
    assert "visits" in err


def test_false_adds_no_wrapper_and_no_output(capsys: pytest.CaptureFixture[str]) -> None:
    inner = iter([1, 2])
    assert track(inner, False, 2) is inner
    list(ob.audit_many(VISITS))
    assert capsys.readouterr().err == ""


def test_counter_redraws_at_most_every_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setitem(sys.modules, "tqdm", None)
    list(track(range(1000), True, 1000, stream=out))
    # A fast run draws its first count, then only the last: never once per item.
    assert out.getvalue().count("\r") <= 3
    assert "1000/1000" in out.getvalue()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_progress_only_on_a_terminal_and_not_quiet() -> None:
    assert cli_progress(False, _Tty()) is True
    assert cli_progress(True, _Tty()) is False
    assert cli_progress(False, io.StringIO()) is False
    closed = io.StringIO()
    closed.close()  # isatty() on a closed stream raises ValueError
    assert cli_progress(False, closed) is False


def test_audit_frame_passes_progress_on() -> None:
    pd = pytest.importorskip("pandas")
    from ot_billing_rules.pandas import audit_frame

    seen, callback = _calls()
    frame = pd.DataFrame(
        {
            "visit_id": ["a", "a", "b"],
            "date_of_service": ["2024-07-01"] * 3,
            "code": ["97530", "97535", "97530"],
            "minutes": [30, 15, 20],
        }
    )
    audit_frame(frame, progress=callback)  # type: ignore[arg-type]
    assert seen == [(1, 2), (2, 2)]


def test_the_module_names_what_it_exports() -> None:
    assert set(_progress.__all__) <= set(dir(_progress))
