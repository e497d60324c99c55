"""audit_many / to_records: one result per input, flat records, process pools."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

import ot_billing_rules as ob
from ot_billing_rules import batch

GOOD = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 38}]}
TWO = {
    "visit_id": "v2",
    "date_of_service": "2024-07-01",
    "services": [{"code": "97530", "minutes": 33}, {"code": "97112", "minutes": 7}],
}
BAD_CODE = {"date_of_service": "2024-07-01", "services": [{"code": "9753", "minutes": 38}]}
BAD_MINUTES = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": -5}]}


def test_collect_returns_one_result_per_input_in_order() -> None:
    inputs: list[Any] = [GOOD, BAD_CODE, TWO, BAD_MINUTES, "not a visit"]
    results = list(ob.audit_many(iter(inputs), errors="collect"))
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert [r.ok for r in results] == [True, False, True, False, False]
    assert isinstance(results[1].error, ob.InvalidCodeError)
    assert isinstance(results[3].error, ob.InvalidMinutesError)
    assert isinstance(results[4].error, TypeError)
    assert results[2].visit_id == "v2"
    assert results[4].error_kind == "invalid_input"


def test_raise_mode_raises_the_first_error() -> None:
    results = ob.audit_many([GOOD, BAD_CODE, GOOD])
    assert next(results).ok
    with pytest.raises(ob.InvalidCodeError):
        next(results)


def test_audit_many_is_lazy() -> None:
    def endless() -> Any:
        while True:
            yield GOOD

    first = next(ob.audit_many(endless()))
    assert first.ok


def test_results_match_audit_visit() -> None:
    (result,) = ob.audit_many([TWO])
    assert result.report == ob.audit_visit(TWO)
    # CMS manual Example 3 (33 + 7 minutes): 2 units of the larger code, 1 of the other.
    assert {ln.code: ln.units for ln in result.report.lines} == {"97530": 2, "97112": 1}


def test_internal_errors_are_collected_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(visit: object) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(batch, "audit_visit", boom)
    (result,) = ob.audit_many([GOOD], errors="collect")
    assert result.error_kind == "internal"
    with pytest.raises(RuntimeError):
        list(ob.audit_many([GOOD]))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"errors": "ignore"}, ob.InvalidOptionError),
        ({"workers": 0}, ob.InvalidInputError),
        ({"workers": 1.5}, TypeError),
        ({"chunksize": 0}, ob.InvalidInputError),
    ],
)
def test_options_are_validated(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        ob.audit_many([GOOD], **kwargs)


def test_process_pool_matches_single_process() -> None:
    inputs = [GOOD, BAD_CODE, TWO] * 7
    single = list(ob.audit_many(inputs, errors="collect"))
    pooled = list(ob.audit_many(inputs, errors="collect", workers=2, chunksize=4))
    assert [r.index for r in pooled] == list(range(len(inputs)))
    assert [r.report for r in pooled] == [r.report for r in single]
    assert [type(r.error) for r in pooled] == [type(r.error) for r in single]


def test_results_pickle_equal() -> None:
    for result in ob.audit_many([GOOD, BAD_CODE, TWO], errors="collect"):
        assert pickle.loads(pickle.dumps(result)) == result


def test_visit_records_follow_the_schema() -> None:
    results = list(ob.audit_many([GOOD, BAD_CODE, TWO], errors="collect"))
    records = list(ob.to_records(results))
    assert len(records) == 3
    version = ob.data_version().version
    for rec in records:
        assert list(rec) == list(ob.RESULT_SCHEMA)
        assert rec["data_version"] == version
        for column, kind in ob.RESULT_SCHEMA.items():
            assert rec[column] is None or type(rec[column]) is kind, (column, rec[column])
    assert records[0]["claim_lines"] == "97530x3:GO"
    assert records[0]["total_timed_minutes"] == 38
    assert records[1]["error_type"] == "InvalidCodeError"
    assert "9753" in records[1]["error_message"]
    assert records[2]["visit_id"] == "v2"
    json.dumps(records)


@pytest.mark.parametrize(
    ("level", "schema"), [("line", ob.LINE_SCHEMA), ("finding", ob.FINDING_SCHEMA)]
)
def test_line_and_finding_records(level: str, schema: Any) -> None:
    results = list(ob.audit_many([TWO, BAD_CODE], errors="collect"))
    records = list(ob.to_records(results, level=level))
    assert records
    for rec in records:
        assert list(rec) == list(schema)
        assert rec["visit_id"] == "v2"
    if level == "line":
        assert sorted((r["code"], r["units"]) for r in records) == [("97112", 1), ("97530", 2)]


def test_to_records_rejects_other_values() -> None:
    with pytest.raises(TypeError):
        list(ob.to_records([GOOD]))  # type: ignore[list-item]
    with pytest.raises(ob.InvalidOptionError):
        list(ob.to_records([], level="claim"))


def test_html_escapes_error_text() -> None:
    (result,) = ob.audit_many([{"date_of_service": "<b>", "services": []}], errors="collect")
    html = result._repr_html_()
    assert "<b>" not in html
    assert "&lt;b&gt;" in html
