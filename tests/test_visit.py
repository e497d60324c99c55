"""Visit and Service: strict validation and round trips."""

from __future__ import annotations

import pickle
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ot_billing_rules import errors
from ot_billing_rules.payers import COMMERCIAL, MEDICARE, Discipline
from ot_billing_rules.plan_of_care import PlanOfCare
from ot_billing_rules.visit import Service, Setting, Visit

FULL: dict[str, Any] = {
    "visit_id": "A-17",
    "date_of_service": "2024-07-01",
    "discipline": "ot",
    "payer": "commercial",
    "setting": "outpatient hospital",
    "services": [
        {"code": "97530", "minutes": 25, "assistant_minutes": 10, "modifiers": ["96"]},
        {"code": " 97533 ", "minutes": 20, "separate_interval": True},
        {"code": "97165"},
    ],
    "ytd_allowed": "1200.50",
    "visit_allowed": 150,
    "plan_of_care": {"first_treatment": "2024-06-03", "certified_on": "2024-06-10"},
}


def test_from_dict_full() -> None:
    v = Visit.from_dict(FULL)
    assert v.date_of_service == date(2024, 7, 1)
    assert v.discipline is Discipline.OT
    assert v.payer is COMMERCIAL
    assert v.setting is Setting.OUTPATIENT_HOSPITAL
    assert [s.code for s in v.services] == ["97530", "97533", "97165"]
    assert v.services[0] == Service("97530", 25, 10, ("96",))
    assert v.services[1].separate_interval is True
    assert v.ytd_allowed == Decimal("1200.50")
    assert v.visit_allowed == Decimal(150)
    assert v.plan_of_care == PlanOfCare("2024-06-03", certified_on="2024-06-10")


def test_defaults() -> None:
    v = Visit.from_dict({"date_of_service": "2024-07-01", "services": [{"code": "97530"}]})
    assert (v.discipline, v.payer, v.setting) == (Discipline.OT, MEDICARE, Setting.PRACTITIONER)
    assert v.ytd_allowed is None
    assert v.plan_of_care is None
    assert v.visit_id is None


def test_nulls_mean_defaults() -> None:
    v = Visit.from_dict(
        {"date_of_service": "2024-07-01", "services": [{"code": "97530"}], "payer": None}
    )
    assert v.payer is MEDICARE


def test_round_trip() -> None:
    v = Visit.from_dict(FULL)
    assert Visit.from_dict(v.to_dict()) == v
    custom = attrs.evolve(v, payer=attrs.evolve(MEDICARE, name="my-mac", bypass_modifier="XU"))
    assert isinstance(custom.to_dict()["payer"], dict)
    assert Visit.from_dict(custom.to_dict()) == custom
    assert pickle.loads(pickle.dumps(v)) == v


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"copay": 20}, errors.InvalidInputError, "'copay'"),
        ({"date_of_service": None}, errors.InvalidInputError, "date_of_service"),
        ({"date_of_service": "07/01/2024"}, errors.InvalidDateError, "07/01/2024"),
        ({"services": []}, errors.InvalidInputError, "at least one service"),
        ({"services": {"code": "97530"}}, errors.InvalidTypeError, "list"),
        ({"services": [{"code": "97530", "units": 2}]}, errors.InvalidInputError, "'units'"),
        ({"services": [{"minutes": 2}]}, errors.InvalidInputError, "'code'"),
        ({"services": [{"code": "9753"}]}, errors.InvalidCodeError, "9753"),
        ({"services": [{"code": "97530", "minutes": 22.5}]}, errors.InvalidTypeError, "22.5"),
        ({"services": [{"code": "97530", "minutes": -1}]}, errors.InvalidMinutesError, "-1"),
        (
            {"services": [{"code": "97530", "minutes": 10, "assistant_minutes": 11}]},
            errors.InvalidMinutesError,
            "more than",
        ),
        (
            {"services": [{"code": "97530", "assistant_minutes": 5}]},
            errors.InvalidMinutesError,
            "without",
        ),
        (
            {"services": [{"code": "97530", "modifiers": ["GOO"]}]},
            errors.InvalidModifierError,
            "GOO",
        ),
        (
            {"services": [{"code": "97530", "separate_interval": "yes"}]},
            errors.InvalidTypeError,
            "separate_interval",
        ),
        (
            {"services": [{"code": "97530"}, {"code": "97530"}]},
            errors.DuplicateCodeError,
            "97530",
        ),
        (
            {"services": [{"code": "97530", "minutes": 1000}, {"code": "97110", "minutes": 500}]},
            errors.InvalidMinutesError,
            "1500",
        ),
        ({"discipline": "OTA"}, errors.InvalidOptionError, "OTA"),
        ({"payer": "acme-health"}, errors.InvalidOptionError, "acme-health"),
        ({"setting": "home"}, errors.InvalidOptionError, "home"),
        ({"ytd_allowed": 1200.505}, errors.InvalidTypeError, "float"),
        ({"visit_allowed": "-3"}, errors.InvalidInputError, "-3"),
        (
            {"plan_of_care": {"first_treatment": "2024-06-03", "x": 1}},
            errors.InvalidInputError,
            "'x'",
        ),
        ({"plan_of_care": "2024-06-03"}, errors.InvalidTypeError, "plan_of_care"),
        ({"visit_id": 1.5}, errors.InvalidTypeError, "visit_id"),
    ],
)
def test_strict_validation(change: dict[str, Any], error: type, match: str) -> None:
    data = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}
    data.update(change)
    with pytest.raises(error, match=match):
        Visit.from_dict(data)


def test_not_a_mapping() -> None:
    with pytest.raises(errors.InvalidTypeError):
        Visit.from_dict(["2024-07-01"])  # type: ignore[arg-type]


def test_constructor() -> None:
    v = Visit(date(2024, 7, 1), [Service("97530", 30)], payer=COMMERCIAL, discipline="PT")
    assert v.discipline is Discipline.PT
    assert v.services == (Service("97530", 30),)
    assert "<table>" in v._repr_html_()
