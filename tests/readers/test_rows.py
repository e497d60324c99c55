"""visits_from_rows: claim-table rows to visits, nothing lost."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

import ot_billing_rules as ob

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "visits.csv"


def test_example_csv_groups_into_three_visits() -> None:
    with EXAMPLE.open(newline="", encoding="utf-8") as fh:
        visits = list(ob.visits_from_rows(csv.DictReader(fh), first_line=2))
    assert [v.visit_id for v in visits] == ["v1", "v2", "v3"]  # type: ignore[union-attr]
    v2 = visits[1]
    assert isinstance(v2, ob.Visit)
    assert [s.code for s in v2.services] == ["97150", "97530"]
    assert v2.services[1].separate_interval is True
    assert v2.plan_of_care is not None


def test_interleaved_rows_and_pandas_missing_values() -> None:
    rows = [
        {"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530", "minutes": "25"},
        {"visit_id": "b", "date_of_service": "2024-07-02", "code": "97110", "minutes": 30},
        {"visit_id": "a", "code": "97533", "minutes": "20", "modifiers": math.nan},
    ]
    a, b = ob.visits_from_rows(rows)
    assert isinstance(a, ob.Visit)
    assert [s.code for s in a.services] == ["97530", "97533"]
    assert isinstance(b, ob.Visit)
    assert b.services[0].minutes == 30


@pytest.mark.parametrize(
    ("rows", "needle", "line"),
    [
        ([{"visit_id": "", "code": "97530"}], "empty visit_id", 5),
        ([{"visit_id": "a", "copay": "20"}], "copay", 5),
        (
            [{"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530", "minutes": "x"}],
            "'x'",
            5,
        ),
        (
            [
                {
                    "visit_id": "a",
                    "date_of_service": "2024-07-01",
                    "code": "97530",
                    "separate_interval": "maybe",
                }
            ],
            "maybe",
            5,
        ),
        (
            [
                {"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530"},
                {"visit_id": "a", "date_of_service": "2024-07-02", "code": "97110"},
            ],
            "disagrees",
            6,
        ),
        ([{"visit_id": "a", "date_of_service": "2024-07-01", "code": "9753"}], "9753", 5),
        (["not a row"], "mapping", 5),
    ],
)
def test_bad_rows_come_back_as_errors(rows: list[object], needle: str, line: int) -> None:
    good = {"visit_id": "z", "date_of_service": "2024-07-01", "code": "97530", "minutes": "30"}
    out = list(ob.visits_from_rows([*rows, good], source="claims.csv", first_line=5))  # type: ignore[list-item]
    assert isinstance(out[-1], ob.Visit)
    (error,) = out[:-1]
    assert isinstance(error, ob.DataFileError)
    assert needle in str(error)
    assert error.path == "claims.csv"
    assert error.line == line


def test_audit_many_counts_every_visit_of_a_table() -> None:
    rows = [
        {"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530", "minutes": "25"},
        {"visit_id": "b", "date_of_service": "2024-07-01", "code": "97530", "minutes": "-1"},
    ]
    results = list(ob.audit_many(ob.visits_from_rows(rows), errors="collect"))
    assert [r.ok for r in results] == [True, False]


def test_reader_errors_pass_through_audit_many_unchanged() -> None:
    rows = [{"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530", "minutes": "x"}]
    (result,) = ob.audit_many(ob.visits_from_rows(rows, source="t.csv"), errors="collect")
    assert isinstance(result.error, ob.DataFileError)
    assert result.error.path == "t.csv"
    (record,) = ob.to_records([result])
    assert record["error_type"] == "DataFileError"
    with pytest.raises(ob.DataFileError):
        list(ob.audit_many(ob.visits_from_rows(rows)))
