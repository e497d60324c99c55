"""audit_records equals to_records(audit_many(...)) record for record, in and out of a pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from _fresh import KILLER, run_script
from ot_billing_rules import strategies as obst
from ot_billing_rules.errors import InvalidCodeError, InvalidOptionError, InvalidTypeError

BAD = {"visit_id": "bad", "date_of_service": "2024-07-01",
       "services": [{"code": "9753", "minutes": 38}]}  # fmt: skip
LEVELS = ["visit", "line", "finding"]


def _inputs() -> st.SearchStrategy[list[Any]]:
    item = st.one_of(obst.visits(max_services=5), st.just(BAD))
    return st.lists(item, min_size=0, max_size=25)


@settings(deadline=None, max_examples=40)
@given(visits=_inputs(), level=st.sampled_from(LEVELS))
def test_records_equal_to_records_of_audit_many(visits: list[Any], level: str) -> None:
    expected = list(ob.to_records(ob.audit_many(visits, errors="collect"), level=level))
    assert list(ob.audit_records(visits, level=level)) == expected


@settings(deadline=None, max_examples=8)
@given(visits=_inputs(), level=st.sampled_from(LEVELS), size=st.integers(1, 7))
def test_pooled_records_equal_to_records_of_audit_many(
    visits: list[Any], level: str, size: int
) -> None:
    expected = list(ob.to_records(ob.audit_many(visits, errors="collect"), level=level))
    got = list(ob.audit_records(visits, level=level, workers=2, chunksize=size))
    assert got == expected


def _visits(n: int) -> list[dict[str, Any]]:
    good = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 38}]}
    return [dict(BAD if i % 7 == 3 else good, visit_id=f"v{i}") for i in range(n)]


@pytest.mark.parametrize("workers", [1, 2])
def test_raise_mode_delivers_the_records_before_the_error(workers: int) -> None:
    got: list[str] = []
    records = ob.audit_records(_visits(20), errors="raise", workers=workers, chunksize=2)
    with pytest.raises(InvalidCodeError, match="9753"):
        got.extend(record["visit_id"] for record in records)
    assert got == ["v0", "v1", "v2"]


def test_collect_keeps_the_failed_visit_as_a_record() -> None:
    records = list(ob.audit_records(_visits(8), workers=2, chunksize=3))
    assert [r["index"] for r in records] == list(range(8))
    assert [r["ok"] for r in records] == [i % 7 != 3 for i in range(8)]
    assert records[3]["error_kind"] == "invalid_input"
    assert records[3]["error_type"] == "InvalidCodeError"


@pytest.mark.parametrize("level", [*LEVELS, "patient"])
def test_history_records_are_audit_history_records(level: str) -> None:
    rows = [
        {"visit_id": "h1", "patient_id": "A", "date_of_service": "2024-03-04", "code": "97530",
         "minutes": "10"},
        {"visit_id": "h2", "patient_id": "A", "date_of_service": "2024-03-04", "code": "97530",
         "minutes": "10"},
        {"visit_id": "h3", "patient_id": "B", "date_of_service": "2024-03-06", "code": "97110",
         "minutes": "30"},
    ]  # fmt: skip
    expected = list(
        ob.audit_history(ob.visits_from_rows(rows), errors="collect").to_records(level=level)
    )
    got = list(ob.audit_records(ob.visits_from_rows(rows), level=level, history=True))
    assert got == expected
    assert got  # the comparison compared something


def test_records_are_in_the_published_schema() -> None:
    schemas = {"visit": ob.RESULT_SCHEMA, "line": ob.LINE_SCHEMA, "finding": ob.FINDING_SCHEMA}
    for level, schema in schemas.items():
        for record in ob.audit_records(_visits(8), level=level, workers=2, chunksize=3):
            assert list(record) == list(schema)
            assert all(v is None or isinstance(v, schema[k]) for k, v in record.items())


# -- bad input


def test_patient_level_needs_history() -> None:
    with pytest.raises(InvalidOptionError, match="level='patient' needs history=True"):
        ob.audit_records(_visits(2), level="patient")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"level": "visits"}, InvalidOptionError, "level='visits' is not one of"),
        ({"errors": "ignore"}, InvalidOptionError, "errors='ignore'"),
        ({"workers": 0}, Exception, "workers"),
        ({"chunksize": "big"}, InvalidTypeError, "chunksize"),
        ({"history": "yes"}, InvalidTypeError, "history must be True or False, not str"),
    ],
)
def test_bad_options_are_typed_errors(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match) as info:
        ob.audit_records(_visits(2), **kwargs)
    assert isinstance(info.value, ob.OTBillingError)


def test_visits_must_be_an_iterable_of_visits() -> None:
    with pytest.raises(InvalidTypeError, match="visits must be an iterable"):
        ob.audit_records({"date_of_service": "2024-07-01"})  # type: ignore[arg-type]


# -- in a fresh interpreter, under fork and spawn: the pool is audit_many's, hostile inputs too

SCRIPT = (
    """
import json, multiprocessing, os, sys, types
from collections.abc import Mapping
import ot_billing_rules as ob

GOOD = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 38}]}
BAD = {"date_of_service": "2024-07-01", "services": [{"code": "9753", "minutes": 38}]}
"""
    + KILLER
    + """
def visits(hostile):
    for i in range(300):
        if hostile and i == 50:
            yield types.MappingProxyType(dict(GOOD, visit_id="proxy"))  # cannot be pickled
        elif hostile and i == 200:
            yield Killer("killer")
        else:
            yield dict(BAD if i % 7 == 3 else GOOD, visit_id=f"v{i}")

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    out = {}
    for level in ("visit", "line", "finding"):
        pooled = list(ob.audit_records(visits(False), level=level, workers=2, chunksize=32))
        serial = list(ob.to_records(ob.audit_many(visits(False), errors="collect"), level=level))
        out[level] = [pooled == serial, len(pooled)]
    hostile = list(ob.audit_records(visits(True), workers=2, chunksize=32))
    out["hostile"] = [[r["index"], r["visit_id"], r["ok"], r["error_type"]] for r in hostile]
    print(json.dumps(out))
"""
)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pooled_records_in_a_fresh_process(tmp_path: Path, method: str) -> None:
    out = run_script(tmp_path, SCRIPT, method)
    assert out["visit"] == [True, 300]
    assert out["line"] == [True, 300 - 43]  # the 43 failed visits have no line
    assert out["finding"][0] is True
    hostile = out["hostile"]
    assert [row[0] for row in hostile] == list(range(300))
    assert hostile[50] == [50, "proxy", True, None]  # audited in the parent
    assert hostile[200] == [200, "killer", False, "WorkerError"]  # only the killer is lost
    assert [row[2] for i, row in enumerate(hostile) if i not in (50, 200)] == [
        i % 7 != 3 for i in range(300) if i not in (50, 200)
    ]
