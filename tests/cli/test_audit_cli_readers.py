"""The streaming readers of ``ot-billing audit`` (issue 11), in process.

Chunk boundaries anywhere in the input change nothing; bad input anywhere is
refused before a single report is printed; rows of one visit spread over a
CSV still make one visit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ot_billing_rules import cli
from ot_billing_rules.cli import _readers as _cli_readers
from ot_billing_rules.errors import OTBillingError

HEADER = "visit_id,date_of_service,code,minutes\n"
GOOD = "a,2024-07-01,97530,30\nb,2024-07-02,97110,20\n"


def audit(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = cli.main(["audit", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("c,2024-07-01\n", "line 4: fewer cells than header columns (2, header has 4)"),
        # Once read as a visit with no minutes: a short row is never padded silently.
        ("c,2024-07-01,97530\n", "line 4: fewer cells than header columns (3, header has 4)"),
        ("c,2024-07-01,97530,30,x\n", "line 4: more cells than header columns"),
        ("c,2024-07-01,97530,ten\n", "line 4"),
        ("c,2024-13-01,97530,30\n", "2024-13-01"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_a_bad_last_row_means_no_output_at_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, needle: str, as_json: bool
) -> None:
    path = tmp_path / "v.csv"
    path.write_text(HEADER + GOOD + body)
    code, out, err = audit(capsys, path, "--fail-fast", *(["--json"] if as_json else []))
    assert (code, out) == (2, "")
    assert needle in err
    assert err.count("\n") == 1


def test_a_bad_last_json_visit_means_no_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    visits = [{"date_of_service": "2024-07-01", "services": [{"code": "97530"}]}] * 3
    visits.append({"date_of_service": "2024-07-01", "services": [{"code": "9753"}]})
    path = tmp_path / "v.json"
    path.write_text(json.dumps(visits))
    code, out, err = audit(capsys, path, "--fail-fast")
    assert (code, out) == (2, "")
    assert "visit 4" in err


def test_interleaved_csv_rows_still_make_one_visit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "v.csv"
    path.write_text(
        HEADER + "a,,97530,30\nb,2024-07-02,97110,20\na,2024-07-01,97535,15\nb,,97112,10\n"
    )
    code, out, err = audit(capsys, path, "--json")
    assert code == 0, err
    reports = json.loads(out)
    assert [(r["visit_id"], len(r["services"])) for r in reports] == [("a", 2), ("b", 2)]


def test_interleaved_csv_errors_are_the_whole_visit_s(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The first run of "a" alone lacks its date; read whole, the visit is fine
    # but for the disagreeing minutes on line 5.
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "a,,97530,30\nb,2024-07-02,97110,20\na,2024-07-01,97535,x\n")
    code, out, err = audit(capsys, path, "--fail-fast")
    assert (code, out) == (2, "")
    assert "line 4" in err
    assert "'x'" in err


VISITS = [
    {
        "visit_id": "a",
        "date_of_service": "2024-07-01",
        "ytd_allowed": 2100.5,
        "services": [{"code": "97530", "minutes": 38, "modifiers": ["GO"]}],
    },
    {"visit_id": "b", "date_of_service": "2024-07-02", "services": [{"code": "97110"}]},
    {"visit_id": "é\udcff", "date_of_service": "2024-07-03", "services": [{"code": "97535"}]},
]


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chunk=st.integers(1, 40),
    indent=st.sampled_from([None, 0, 1, 3]),
    count=st.integers(1, 3),
    single=st.booleans(),
)
def test_json_chunk_boundaries_change_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    indent: int | None,
    count: int,
    single: bool,
) -> None:
    data = VISITS[0] if single else VISITS[:count]
    text = json.dumps(data, indent=indent)
    path = tmp_path / "v.json"
    path.write_text(text, encoding="utf-8")
    expected = [data] if single else data
    with monkeypatch.context() as m:
        m.setattr(_cli_readers, "_CHUNK", chunk)
        with _cli_readers.open_source(str(path)) as src:
            visits, was_single = _cli_readers.json_visits(src)
            got = [v.visit_id for v in visits]
    assert was_single is single
    assert got == [v["visit_id"] for v in expected]


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(1, 30), cut=st.integers(0, 200))
def test_json_errors_are_the_same_at_any_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, cut: int
) -> None:
    text = json.dumps(VISITS[:2], indent=1)
    text = text[:cut] + text[cut + 1 :]  # one character gone: broken, or still valid
    path = tmp_path / "v.json"
    path.write_text(text)

    def outcome(size: int) -> str:
        with monkeypatch.context() as m:
            m.setattr(_cli_readers, "_CHUNK", size)
            try:
                with _cli_readers.open_source(str(path)) as src:
                    visits, _ = _cli_readers.json_visits(src)
                    return repr([v.visit_id for v in visits])
            except OTBillingError as exc:
                return str(exc)

    assert outcome(chunk) == outcome(1 << 16)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5])
def test_utf8_check_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(_cli_readers, "_CHUNK", chunk)
    path = tmp_path / "v.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + (HEADER + "\u00e9\u7642\U0001f600,x\n").encode() + b"\n\xe9!"
    )
    with _cli_readers.open_source(str(path)) as src, pytest.raises(OTBillingError) as info:
        _cli_readers.check_utf8(src)
    offset = len(b"\xef\xbb\xbf" + (HEADER + "\u00e9\u7642\U0001f600,x\n").encode() + b"\n")
    assert f"byte 0xe9 at offset {offset}" in str(info.value)
    assert "line 4" in str(info.value)
