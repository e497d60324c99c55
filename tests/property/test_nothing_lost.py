"""Nothing lost (issue 8): every input row comes back, as a result or as an error.

- ``ot-billing audit FILE.csv --json``: every ``visit_id`` in the CSV appears
  in the output, once, in first-seen order — or the run fails with exit 2 and
  one line naming a bad row (its line number or its visit id).
- ``audit_many(..., errors="collect", workers=2)``: one result per input, in
  order, whatever fails. Monkeypatching does not cross into the worker
  processes, so the failures here are real ones: malformed codes, negative
  minutes, minutes over a day, repeated codes, rows that are not mappings.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import cli

COLUMNS = ["visit_id", "date_of_service", "code", "minutes", "modifiers"]
GOOD_SERVICES = [("97530", "30", "GO"), ("97110", "15", ""), ("97165", "", ""), ("97535", "8", "")]
# Each bad kind breaks one row; the reader must name the row, never skip it.
BAD_ROWS = {
    "malformed_code": ("9753", "30", ""),
    "negative_minutes": ("97530", "-5", ""),
    "word_minutes": ("97530", "thirty", ""),
    "over_a_day": ("97530", "1441", ""),
    "bad_modifier": ("97530", "30", "G"),
}

VISIT_IDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=8,
).filter(lambda s: s.strip() == s and s != "")


@st.composite
def csv_visits(draw: st.DrawFn) -> tuple[list[list[str]], dict[int, str]]:
    """CSV rows (header first) and, for rows made bad on purpose, line -> visit id."""
    ids = draw(st.lists(VISIT_IDS, min_size=1, max_size=6, unique=True))
    body: list[tuple[list[str], bool]] = []
    for vid in ids:
        count = draw(st.integers(1, len(GOOD_SERVICES)))
        services = draw(st.permutations(GOOD_SERVICES))[:count]
        for n, (code, minutes, mods) in enumerate(services):
            kind = draw(st.sampled_from([None, None, None, None, *sorted(BAD_ROWS)]))
            if kind is not None:
                code, minutes, mods = BAD_ROWS[kind]
            # visit-level cells may be empty on all rows of a visit but one
            day = "2024-07-01" if n == 0 else draw(st.sampled_from(["", "2024-07-01"]))
            body.append(([vid, day, code, minutes, mods], kind is not None))
    if draw(st.booleans()):  # rows of different visits may interleave
        body = draw(st.permutations(body))
    rows = [COLUMNS] + [row for row, _ in body]
    bad = {line: row[0] for line, (row, is_bad) in enumerate(body, 2) if is_bad}
    return rows, bad


def _first_seen(rows: list[list[str]]) -> list[str]:
    out: list[str] = []
    for row in rows[1:]:
        if row[0] not in out:
            out.append(row[0])
    return out


@settings(
    max_examples=40, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow]
)
@given(csv_visits())
def test_cli_csv_every_visit_id_comes_back(case: tuple[list[list[str]], dict[int, str]]) -> None:
    rows, bad = case
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "visits.csv"
        path.write_text(text.getvalue(), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["audit", str(path), "--json", "--quiet"])
        # Without --fail-fast a bad visit is an error record in its place (issue 16).
        records = json.loads(out.getvalue())
        assert [r["visit_id"] for r in records] == _first_seen(rows)
        failed = {r["visit_id"] for r in records if r["status"] == "failed"}
        assert failed == set(bad.values())
        assert code == (2 if bad else max(r["status"] == "errors" for r in records))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["audit", str(path), "--json", "--fail-fast"])
    if not bad:
        assert code in (0, 1), err.getvalue()
        reports = json.loads(out.getvalue())
        assert [r["visit_id"] for r in reports] == _first_seen(rows)
        # and every service row of each visit is accounted for in its report
        per_visit = {vid: sum(1 for r in rows[1:] if r[0] == vid) for vid in _first_seen(rows)}
        assert {r["visit_id"]: len(r["services"]) for r in reports} == per_visit
        return
    assert code == 2
    assert out.getvalue() == ""
    message = err.getvalue()
    assert message.count("\n") == 1
    bad_ids = set(bad.values())
    bad_visit_lines = {
        n for n, row in enumerate(rows[1:], 2) if row[0] in bad_ids
    }  # a visit-level error points at the visit's first row
    named_line = any(f"line {n}:" in message for n in bad_visit_lines)
    named_id = any(repr(vid) in message for vid in bad_ids)
    assert named_line or named_id, (message, bad)


# -- audit_many in a process pool with real failures ------------------------------------------

GOOD = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}
FAILING: dict[str, tuple[Any, type[Exception]]] = {
    "malformed_code": (
        {"date_of_service": "2024-07-01", "services": [{"code": "9753", "minutes": 30}]},
        ob.InvalidCodeError,
    ),
    "negative_minutes": (
        {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": -1}]},
        ob.InvalidMinutesError,
    ),
    "over_a_day": (
        {
            "date_of_service": "2024-07-01",
            "services": [{"code": "97530", "minutes": 800}, {"code": "97110", "minutes": 800}],
        },
        ob.InvalidMinutesError,
    ),
    "repeated_code": (
        {
            "date_of_service": "2024-07-01",
            "services": [{"code": "97530", "minutes": 8}, {"code": "97530", "minutes": 8}],
        },
        ob.DuplicateCodeError,
    ),
    "bad_date": ({**GOOD, "date_of_service": "2024-02-30"}, ob.InvalidDateError),
    "not_a_mapping": (["97530", 30], ob.InvalidTypeError),
    "none": (None, ob.InvalidTypeError),
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(["ok", "ok", *sorted(FAILING)]), min_size=0, max_size=30),
    st.integers(1, 7),
)
def test_audit_many_in_a_pool_returns_every_input(kinds: list[str], chunksize: int) -> None:
    inputs: list[Any] = []
    for n, kind in enumerate(kinds):
        if kind == "ok":
            inputs.append({**GOOD, "visit_id": f"v{n}"})
        else:
            data, _ = FAILING[kind]
            inputs.append({**data, "visit_id": f"v{n}"} if isinstance(data, dict) else data)
    results = list(ob.audit_many(inputs, errors="collect", workers=2, chunksize=chunksize))
    assert [r.index for r in results] == list(range(len(inputs)))
    for n, (kind, result) in enumerate(zip(kinds, results, strict=True)):
        if kind == "ok":
            assert result.ok
            assert result.report is not None
            assert result.report.visit.visit_id == f"v{n}"
        else:
            assert not result.ok
            assert type(result.error) is FAILING[kind][1], (kind, result.error)
            assert result.error_kind == "invalid_input"
            if isinstance(inputs[n], dict):
                assert result.visit_id == f"v{n}"
    records = list(ob.to_records(results))
    assert [r["index"] for r in records] == list(range(len(inputs)))
    assert sum(1 for r in records if r["ok"]) == kinds.count("ok")
