"""Bad claim-export input on visits and services: typed errors naming the value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ot_billing_rules import Service, Visit
from ot_billing_rules.errors import InvalidInputError, InvalidTypeError


def _visit(**over: object) -> Visit:
    data = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}
    data.update(over)
    return Visit.from_dict(data)


def test_export_fields_round_trip_and_stay_out_of_old_dicts() -> None:
    plain = _visit()
    assert "diagnoses" not in plain.to_dict()
    assert "charge" not in plain.services[0].to_dict()
    visit = _visit(
        diagnoses=["r26.89", "M6281"],
        services=[{"code": "97530", "minutes": 30, "charge": "45.00", "diagnosis_pointers": [2]}],
    )
    assert visit.diagnoses == ("R26.89", "M6281")
    assert visit.services[0].charge == Decimal("45.00")
    assert Visit.from_dict(visit.to_dict()) == visit
    assert repr(Service("97530", minutes=30)) == (
        "Service(code='97530', minutes=30, assistant_minutes=None, modifiers=(), "
        "separate_interval=False)"
    )


@pytest.mark.parametrize(
    ("over", "error", "match"),
    [
        ({"diagnoses": "R26.89"}, InvalidTypeError, "list of ICD-10-CM"),
        ({"diagnoses": ["R26-89"]}, InvalidInputError, "R26-89"),
        ({"diagnoses": [f"R26.{n}" for n in range(10, 23)]}, InvalidInputError, "at most 12"),
    ],
)
def test_bad_diagnoses(over: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        _visit(**over)


@pytest.mark.parametrize(
    ("service", "error", "match"),
    [
        ({"charge": 45.555}, InvalidTypeError, "charge"),
        ({"charge": "-1"}, InvalidInputError, "charge"),
        ({"diagnosis_pointers": 1}, InvalidTypeError, "diagnosis_pointers"),
        ({"diagnosis_pointers": [13]}, InvalidInputError, "diagnosis_pointers"),
        ({"diagnosis_pointers": [1, 2, 3, 4, 5]}, InvalidInputError, "at most 4"),
    ],
)
def test_bad_service_export_fields(
    service: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        _visit(services=[{"code": "97530", "minutes": 30, **service}])
