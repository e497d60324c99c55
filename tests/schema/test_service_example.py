"""The how-to's FastAPI service (docs/examples/fastapi_app.py), through its test client:
JSON money, paths in 422s, the customer's quarter in the report, OpenAPI from the
library's schema and TypedDicts. Skipped only where FastAPI is not installed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from ot_billing_rules import EditSet, json_schema

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "cms" / "ccipra-v302r0-f1.txt"
VISIT = {
    "visit_id": "enc-1",
    "date_of_service": "2024-07-01",
    "ytd_allowed": 2290.5,
    "locality": "10112-00",
    "services": [{"code": "97530", "minutes": 30}, {"code": "97535", "minutes": 23}],
}


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fastapi_app", ROOT / "docs" / "examples" / "fastapi_app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def app_module() -> ModuleType:
    return _module()


def _post(client: TestClient, body: Any, **params: str) -> Any:
    return client.post("/audit", json=body, params=params)


def test_a_visit_with_json_money_is_audited(app_module: ModuleType) -> None:
    client = TestClient(app_module.create_app())
    response = _post(client, VISIT)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["visit"]["ytd_allowed"] == "2290.50"
    assert report["kx"]["ytd_allowed"] == "2290.50"
    assert report["schema_version"] == "1.0"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json_schema("report")).validate(report)


def test_errors_come_back_as_422_with_paths(app_module: ModuleType) -> None:
    client = TestClient(app_module.create_app())
    bad = VISIT | {
        "services": [{"code": "97530", "minutes": 30}, {"code": "97110", "minutes": "x"}],
        "ytd_allowed": 0.333,
    }
    response = _post(client, bad)
    assert response.status_code == 422
    paths = [d["path"] for d in response.json()["detail"]]
    assert paths == ["ytd_allowed", "services[1].minutes"]  # in input order
    option = _post(client, VISIT, tie_break="random")
    assert option.status_code == 422  # FastAPI's own check of the Literal


def test_the_customers_quarter_shows_in_the_report(app_module: ModuleType, tmp_path: Path) -> None:
    quarter = tmp_path / "ccipra-v302r0-f1.txt"
    quarter.write_bytes(
        FIXTURE.read_bytes().replace(
            b"97530\t97535\t\t20200101\t20211231\t1", b"97530\t97535\t\t20200101\t*\t0"
        )
    )
    bundled = _post(TestClient(app_module.create_app()), VISIT).json()
    mine = _post(TestClient(app_module.create_app(EditSet.from_cms_files(quarter))), VISIT).json()
    ptp = [(t["release"], t["digest"]) for t in mine["tables"] if t["table"] == "ncci_ptp"]
    assert ptp
    assert all(p not in [(t["release"], t["digest"]) for t in bundled["tables"]] for p in ptp)
    assert "ncci.ptp" in [f["rule"] for f in mine["findings"]]
    assert "ncci.ptp" not in [f["rule"] for f in bundled["findings"]]


def test_options_reach_the_report(app_module: ModuleType) -> None:
    client = TestClient(app_module.create_app())
    report = _post(client, VISIT, tie_break="code", bypass="column2").json()
    assert report["options"]["tie_break"] == {"value": "code", "from": "option"}
    assert report["options"]["bypass"] == {"value": "column2", "from": "option"}


def test_openapi_uses_the_library_schema_and_typeddicts(app_module: ModuleType) -> None:
    doc = TestClient(app_module.create_app()).get("/openapi.json").json()
    body = doc["paths"]["/audit"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["required"] == ["date_of_service", "services"]
    assert "ReportDict" in doc["components"]["schemas"]
    assert "tables" in doc["components"]["schemas"]["ReportDict"]["properties"]
    tie = next(p for p in doc["paths"]["/audit"]["post"]["parameters"] if p["name"] == "tie_break")
    assert "therapist_first" in json.dumps(tie["schema"])
