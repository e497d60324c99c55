"""A visit that cannot be audited keeps its visit_id, so its error joins back to the claim."""

from __future__ import annotations

import ot_billing_rules as ob

DOS = "2024-07-01"


def _rows() -> list[dict[str, str]]:
    return [
        {"visit_id": "ok-1", "date_of_service": DOS, "code": "97530", "minutes": "38"},
        {"visit_id": "bad-minutes", "date_of_service": DOS, "code": "97530", "minutes": "x"},
        {"visit_id": "bad-code", "date_of_service": DOS, "code": "9753", "minutes": "20"},
        {"visit_id": "clash", "date_of_service": DOS, "code": "97530", "minutes": "20"},
        {"visit_id": "clash", "date_of_service": "2024-07-02", "code": "97110", "minutes": "20"},
        {"visit_id": "ok-2", "date_of_service": DOS, "code": "97110", "minutes": "30"},
    ]


def test_rows_path_keeps_visit_id_on_every_failed_visit() -> None:
    results = list(ob.audit_many(ob.visits_from_rows(_rows()), errors="collect"))
    assert [(r.visit_id, r.ok) for r in results] == [
        ("ok-1", True),
        ("bad-minutes", False),
        ("bad-code", False),
        ("clash", False),
        ("ok-2", True),
    ]
    records = list(ob.to_records(results))
    assert [rec["visit_id"] for rec in records] == [
        "ok-1",
        "bad-minutes",
        "bad-code",
        "clash",
        "ok-2",
    ]
    assert [rec["error_kind"] for rec in records] == [
        None,
        "invalid_input",
        "invalid_input",
        "invalid_input",
        None,
    ]


def test_grouped_rows_path_keeps_visit_id() -> None:
    rows = [*_rows(), {"visit_id": "ok-1", "date_of_service": DOS, "code": "97110", "minutes": "9"}]
    results = list(ob.audit_many(ob.visits_from_rows(rows, grouped=True), errors="collect"))
    assert [r.visit_id for r in results if not r.ok] == ["bad-minutes", "bad-code", "clash", "ok-1"]


def test_an_unknown_column_names_its_row_visit() -> None:
    rows = [{"visit_id": "v7", "date_of_service": DOS, "code": "97530", "icd10": "F82"}]
    (error,) = ob.visits_from_rows(rows)
    assert isinstance(error, ob.DataFileError)
    assert error.visit_id == "v7"
    (result,) = ob.audit_many([error], errors="collect")
    assert result.visit_id == "v7"


def test_mapping_path_keeps_visit_id_on_failure() -> None:
    bad = {"visit_id": "m1", "date_of_service": DOS, "services": [{"code": "97530", "minutes": -1}]}
    (result,) = ob.audit_many([bad], errors="collect")
    assert (result.visit_id, result.ok) == ("m1", False)
    (record,) = ob.to_records([result])
    assert record["visit_id"] == "m1"


def test_visit_id_survives_pickling_of_the_error() -> None:
    import pickle

    (error,) = ob.visits_from_rows(
        [{"visit_id": "p1", "date_of_service": DOS, "code": "97530", "minutes": "x"}]
    )
    assert isinstance(error, ob.DataFileError)
    assert pickle.loads(pickle.dumps(error)).visit_id == "p1"
