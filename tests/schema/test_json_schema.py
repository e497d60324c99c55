"""json_schema(kind) holds for the library's real outputs (every golden visit and
report, records of every level, errors included) and refuses what breaks it; the
TypedDicts name exactly the keys the dicts carry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_type_hints

import pytest

import ot_billing_rules as ob
from ot_billing_rules import SCHEMA_VERSION, audit_many, audit_visit, json_schema, to_records
from ot_billing_rules import schema as sch

jsonschema = pytest.importorskip("jsonschema")
Validator = jsonschema.Draft202012Validator

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "visits"
VISITS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLDEN.glob("*.json"))]
KINDS = ["visit", "report", "visit_record", "line_record", "finding_record"]


def _json(data: Any) -> Any:
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("kind", KINDS)
def test_each_schema_is_a_valid_2020_12_schema(kind: str) -> None:
    schema = json_schema(kind)  # type: ignore[arg-type]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Validator.check_schema(schema)
    assert json_schema(kind) is not json_schema(kind)  # type: ignore[arg-type]


def test_every_golden_visit_and_its_report_validate() -> None:
    visit_v, report_v = Validator(json_schema("visit")), Validator(json_schema("report"))
    assert len(VISITS) > 50
    for data in VISITS:
        visit_v.validate(data)
        report = _json(audit_visit(data).to_dict())
        report_v.validate(report)
        # The echo of the visit reads back: the visit schema holds for it too.
        visit_v.validate(report["visit"])


def test_records_of_every_level_validate_errors_included() -> None:
    results = list(
        audit_many([*VISITS, {"date_of_service": "bad", "services": []}], errors="collect")
    )
    assert any(not r.ok for r in results)
    for level in ("visit", "line", "finding"):
        validator = Validator(json_schema(f"{level}_record"))  # type: ignore[arg-type]
        records = list(to_records(results, level=level))
        assert records
        for record in records:
            validator.validate(_json(record))
            assert record["schema_version"] == SCHEMA_VERSION


def test_the_schemas_refuse_what_the_library_refuses() -> None:
    visit_v = Validator(json_schema("visit"))
    good = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}
    assert visit_v.is_valid(good)
    assert visit_v.is_valid(good | {"ytd_allowed": 2290.5})
    assert not visit_v.is_valid(good | {"copay": 20})
    assert not visit_v.is_valid({"date_of_service": "2024-07-01"})
    assert not visit_v.is_valid(good | {"services": [{"minutes": 30}]})
    assert not visit_v.is_valid(good | {"services": [{"code": "97530", "minutes": -1}]})
    report = _json(audit_visit(good).to_dict())
    report_v = Validator(json_schema("report"))
    assert report_v.is_valid(report)
    for key in ("schema_version", "tables", "options", "findings"):
        assert not report_v.is_valid({k: v for k, v in report.items() if k != key}), key
    assert not report_v.is_valid(report | {"schema_version": "0.9"})
    assert not report_v.is_valid(report | {"surprise": 1})


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ob.InvalidOptionError, match="'records'"):
        json_schema("records")  # type: ignore[arg-type]


def test_report_dict_names_every_key_of_a_report() -> None:
    keys = set(get_type_hints(sch.ReportDict))
    for data in VISITS:
        assert set(audit_visit(data).to_dict()) <= keys
    assert set(json_schema("report")["properties"]) == keys


@pytest.mark.parametrize(
    ("typed", "columns"),
    [
        (sch.VisitRecord, ob.RESULT_SCHEMA),
        (sch.LineRecord, ob.LINE_SCHEMA),
        (sch.FindingRecord, ob.FINDING_SCHEMA),
    ],
)
def test_record_typeddicts_match_the_columns(typed: type, columns: Any) -> None:
    assert list(get_type_hints(typed)) == list(columns)


def test_visit_dict_names_every_key_from_dict_reads() -> None:
    assert set(get_type_hints(sch.VisitDict)) == set(ob.Visit.KEYS)
    assert set(get_type_hints(sch.ServiceDict)) == set(ob.Service._KEYS)
    assert set(json_schema("visit")["properties"]) == set(ob.Visit.KEYS)


def test_typeddicts_are_total_false() -> None:
    for name in sch.__all__:
        obj = getattr(sch, name)
        if isinstance(obj, type) and issubclass(obj, dict):
            assert obj.__total__ is False, name
