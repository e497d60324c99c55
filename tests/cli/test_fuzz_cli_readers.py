"""Fuzzing ``ot-billing audit FILE`` (issue 8): the JSON and CSV readers.

Whatever the file holds — random bytes, a valid visit file with bytes
flipped, inserted or deleted, truncated or re-encoded, or JSON of the right
shape with wrong values — the command ends with exit status 0 or 1 (audited)
or 2 with exactly one line on stderr; no exception escapes ``cli.main``.
That one line is the error (nothing on standard output) when the file is
broken or, with ``--fail-fast``, a visit is bad; otherwise it is the summary
line, and a bad visit is an error record in the output (issue 16).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ot_billing_rules import cli

EXAMPLES = int(os.environ.get("OT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)

VALID_JSON = json.dumps(
    [
        {
            "visit_id": "a",
            "date_of_service": "2024-07-01",
            "ytd_allowed": "2100.50",
            "services": [
                {"code": "97165"},
                {"code": "97530", "minutes": 38, "assistant_minutes": 20, "modifiers": ["GO"]},
            ],
            "plan_of_care": {"first_treatment": "2024-06-01", "certified_on": "2024-06-05"},
        },
        {
            "visit_id": "b",
            "date_of_service": "2024-07-02",
            "payer": "commercial",
            "services": [{"code": "97110", "minutes": 23}],
        },
    ],
    indent=1,
).encode()
VALID_CSV = (
    b"visit_id,date_of_service,payer,ytd_allowed,code,minutes,assistant_minutes,modifiers,"
    b"separate_interval,poc_first_treatment\n"
    b"a,2024-07-01,medicare,2100.50,97530,38,20,GO,false,2024-06-01\n"
    b'a,,,,97535,15,,"96 XU",yes,\n'
    b"b,2024-07-02,commercial,,97110,23,,,,\n"
)


def run_audit(name: str, data: bytes, *extra: str) -> tuple[int, str, str]:
    """Run ``ot-billing audit`` on ``data`` saved as ``name`` (``-``: standard input).

    Checks the exit contract; with ``--fail-fast`` as well, the same input
    gives the same exit status, or stops where the records had a failed visit.
    """
    if "--fail-fast" not in extra and "--json" in extra:
        fast = run_audit(name, data, *extra, "--fail-fast")
        full = _run_audit(name, data, *extra)
        if fast[0] == 2 and fast[1] == "" and full[1]:
            # Stopped by a bad visit: the records hold it as a failed one.
            assert full[0] == 2
            assert '"status": "failed"' in full[1]
        else:
            # The same outcome (the temporary folder in the messages differs).
            assert fast[:2] == full[:2]
            assert fast[2].startswith("ot-billing: error") == full[2].startswith(
                "ot-billing: error"
            )
        return full
    return _run_audit(name, data, *extra)


def _run_audit(name: str, data: bytes, *extra: str) -> tuple[int, str, str]:
    """One run of the command, checked against the exit contract."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        stdin = io.TextIOWrapper(io.BytesIO(data))
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            _stdin(stdin),
        ):
            code = cli.main(["audit", "-" if name == "-" else str(path), *extra])
    stdout, stderr = out.getvalue(), err.getvalue()
    assert code in (0, 1, 2), code
    assert stderr.count("\n") == 1, stderr
    if code == 2 and not stdout:
        assert stderr.startswith("ot-billing: error: "), stderr
    else:
        assert stdout
        assert SUMMARY.fullmatch(stderr), stderr
        failed = int(SUMMARY.fullmatch(stderr)[1])  # type: ignore[index]
        assert (failed > 0) == (code == 2), (code, stderr)
    return code, stdout, stderr


SUMMARY = re.compile(
    r"ot-billing: \d+ visits?: \d+ clean, \d+ with warnings, \d+ with errors, "
    r"(\d+) not audited\n"
)


def test_valid_files_audit() -> None:
    # The starting points are valid, so what the mutations find is the mutation's doing.
    for name, data in (("v.json", VALID_JSON), ("v.csv", VALID_CSV)):
        code, out, _ = run_audit(name, data, "--json")
        assert code in (0, 1)
        assert [r["visit_id"] for r in json.loads(out)] == ["a", "b"]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    buf = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "encode"]))
        at = draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[at] = draw(st.integers(0, 255))
        elif op == "insert":
            buf[at:at] = draw(
                st.sampled_from(
                    [b",", b'"', b"\n", b"\r", b"{", b"[", b"]", b"-", b"1e309", b"\x00", b"\xe9"]
                )
                | st.binary(max_size=6)
            )
        elif op == "delete":
            del buf[at : at + draw(st.integers(1, 12))]
        elif op == "truncate":
            del buf[at:]
        else:
            encoding = draw(st.sampled_from(["utf-16", "utf-8-sig", "latin-1", "utf-32-le"]))
            buf = bytearray(bytes(buf).decode("latin-1").encode(encoding, errors="replace"))
    return bytes(buf)


@FUZZ
@given(st.sampled_from(["v.json", "v.csv", "v.txt"]), st.binary(max_size=400))
def test_random_bytes(name: str, data: bytes) -> None:
    run_audit(name, data)


@contextlib.contextmanager
def _stdin(stream: io.TextIOWrapper) -> Iterator[None]:
    saved, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = saved


@FUZZ
@given(
    st.sampled_from([VALID_JSON, VALID_CSV]).flatmap(mutated)
    | st.sampled_from([VALID_JSON, VALID_CSV]),
    st.sampled_from([(), ("--input-format", "csv"), ("--input-format", "json")]),
)
def test_standard_input(data: bytes, extra: tuple[str, ...]) -> None:
    code, out, _ = run_audit("-", data, "--json", *extra)
    if data in (VALID_JSON, VALID_CSV) and not extra:
        # Sniffed right: the same visits as from the named file.
        assert code in (0, 1)
        assert [r["visit_id"] for r in json.loads(out)] == ["a", "b"]


@FUZZ
@given(mutated(VALID_JSON), st.booleans())
def test_mutated_json(data: bytes, as_json: bool) -> None:
    run_audit("v.json", data, *(["--json"] if as_json else []))


@FUZZ
@given(mutated(VALID_CSV), st.booleans())
def test_mutated_csv(data: bytes, as_json: bool) -> None:
    run_audit("v.csv", data, *(["--json"] if as_json else []))


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["97530", "2024-07-01", "GO", "medicare", "OT", "1e400", "NaN", ""])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def visit_shaped(draw: st.DrawFn) -> Any:
    """Objects with the visit keys, each value sometimes right and sometimes not."""

    def pick(good: Any) -> Any:
        return draw(st.just(good) | JSON_VALUES)

    service = {
        "code": pick("97530"),
        "minutes": pick(30),
        "assistant_minutes": pick(None),
        "modifiers": pick(["GO"]),
        "separate_interval": pick(False),
    }
    visit = {
        "date_of_service": pick("2024-07-01"),
        "discipline": pick("OT"),
        "payer": pick("medicare"),
        "setting": pick("practitioner"),
        "ytd_allowed": pick("100.00"),
        "services": draw(st.just([service]) | JSON_VALUES),
        "plan_of_care": pick({"first_treatment": "2024-06-01"}),
    }
    keys = draw(st.sets(st.sampled_from(sorted(visit))))
    return draw(st.just({k: visit[k] for k in keys}) | st.lists(st.just(visit), max_size=2))


@FUZZ
@given(visit_shaped())
def test_visit_shaped_json(data: Any) -> None:
    run_audit("v.json", json.dumps(data).encode(), "--json")


CSV_CELLS = st.sampled_from(
    [
        "",
        "1",
        "a",
        "2024-07-01",
        "2024-02-30",
        "97530",
        "9753",
        "-5",
        "1441",
        "GO",
        "ZZ",
        "x,y",
        '"',
    ]
) | st.text(max_size=6)


@FUZZ
@given(
    st.lists(
        st.sampled_from(["visit_id", "date_of_service", "code", "minutes", "modifiers", "payer"]),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.lists(CSV_CELLS, max_size=7), max_size=5),
)
def test_csv_of_odd_cells(header: list[str], rows: list[list[str]]) -> None:
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    run_audit("v.csv", text.getvalue().encode(), "--json")
