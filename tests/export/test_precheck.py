"""Every negative case of the export pre-check yields its finding (PM mappings, ExportLines)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ot_billing_rules.errors import InvalidInputError, InvalidOptionError, InvalidTypeError
from ot_billing_rules.export import ExportLine, ExportRefusedError, precheck, to_837p_sv1
from ot_billing_rules.findings import Severity
from ot_billing_rules.sources import RULES

DOS = "2024-07-01"


def _line(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "97530",
        "units": 2,
        "modifiers": ["GO"],
        "date_of_service": DOS,
        "diagnosis_pointers": [1],
        "charge": "90.00",
        "revenue_code": "0430",
    }
    base.update(over)
    return base


def _rules(lines: list[dict[str, Any]], target: str = "837p", **kw: Any) -> list[str]:
    found = precheck(lines, target=target, **kw)
    assert all(f.rule in RULES for f in found)
    assert all(f.severity in RULES[f.rule].severities for f in found)
    return [f.rule for f in found]


def test_a_clean_line_has_no_finding() -> None:
    for target in ("837p", "837i", "cms1500", "ub04", "fhir"):
        assert _rules([_line()], target) == []


@pytest.mark.parametrize(
    ("over", "target", "rule"),
    [
        ({"modifiers": ["GO", "KX", "59", "CO", "GA"]}, "837p", "modifier.too_many"),
        ({"modifiers": ["GO", "G"]}, "837p", "export.modifier_format"),
        ({"modifiers": ["GO", "G*"]}, "837p", "export.modifier_format"),
        ({"modifiers": ["go"]}, "837p", "export.modifier_format"),
        ({"modifiers": ["GO", "GO"]}, "837p", "export.modifier_duplicate"),
        ({"modifiers": []}, "837p", "modifier.therapy_missing"),
        ({"modifiers": ["GO", "GP"]}, "837p", "export.discipline_multiple"),
        ({"modifiers": ["KX", "59", "GO"]}, "837p", "export.discipline_position"),
        (
            {"code": "97165", "units": 1, "modifiers": ["GP"]},
            "837p",
            "modifier.discipline_mismatch",
        ),
        ({"modifiers": ["GP", "CO"]}, "837p", "export.assistant_unpaired"),
        ({"modifiers": ["GO", "CQ"]}, "837p", "export.assistant_unpaired"),
        ({"modifiers": ["GO", "CO", "CQ"]}, "837p", "export.assistant_unpaired"),
        ({"revenue_code": "0420"}, "837i", "export.revenue_code"),
        ({"revenue_code": None}, "ub04", "export.revenue_code"),
        ({"revenue_code": "430"}, "837i", "export.revenue_code"),
        ({"units": 0}, "837p", "export.units_nonpositive"),
        ({"units": -1}, "cms1500", "export.units_nonpositive"),
        ({"units": 2.5}, "837p", "export.units_fractional"),
        ({"units": "1.5"}, "ub04", "export.units_fractional"),
        ({"units": "two"}, "837p", "export.units_fractional"),
        ({"units": 100000}, "837p", "export.units_capacity"),
        ({"date_of_service": "20240701"}, "837p", "export.date_format"),
        ({"date_of_service": "2024-02-30"}, "837p", "export.date_format"),
        ({"date_of_service": None}, "fhir", "export.date_format"),
        ({"diagnosis_pointers": []}, "837p", "export.pointer_missing"),
        ({"diagnosis_pointers": []}, "cms1500", "export.pointer_missing"),
        ({"diagnosis_pointers": [13]}, "837p", "export.pointer_range"),
        ({"diagnosis_pointers": [0]}, "fhir", "export.pointer_range"),
        ({"diagnosis_pointers": [1, 2, 3, 4, 5]}, "837p", "export.pointer_count"),
        ({"charge": "-1.00"}, "837p", "export.charge_negative"),
        ({"charge": "abc"}, "ub04", "export.charge_negative"),
        ({"charge": None}, "837i", "export.charge_missing"),
        ({"line_control_number": "X" * 31}, "837p", "export.line_control_number"),
    ],
)
def test_each_negative_case_yields_its_finding(
    over: dict[str, Any], target: str, rule: str
) -> None:
    assert rule in _rules([_line(**over)], target)


def test_a_pointer_beyond_the_claims_diagnoses() -> None:
    assert _rules([_line(diagnosis_pointers=[3])], diagnosis_count=2) == ["export.pointer_range"]
    assert _rules([_line(diagnosis_pointers=[2])], diagnosis_count=2) == []


def test_medicare_paper_1500_takes_one_pointer_a_line() -> None:
    found = precheck([_line(diagnosis_pointers=[1, 2])], target="cms1500")
    assert [(f.rule, f.severity) for f in found] == [("export.pointer_count", Severity.WARNING)]
    assert precheck([_line(diagnosis_pointers=[1, 2])], target="cms1500", payer="commercial") == ()
    assert precheck([_line(diagnosis_pointers=[1, 2])], target="837p") == ()


def test_lowercase_is_a_warning_the_exporters_fix() -> None:
    found = precheck([_line(modifiers=["go"])], target="837p")
    assert [(f.rule, f.severity) for f in found] == [("export.modifier_format", Severity.WARNING)]
    assert to_837p_sv1([_line(modifiers=["go"])])[1] == "SV1*HC:97530:GO*90*UN*2***1~"


def test_one_line_per_code_per_date_except_the_assistant_split() -> None:
    two = [_line(), _line(units=1)]
    assert _rules(two) == ["export.duplicate_code_date"]
    split = [_line(), _line(units=1, modifiers=["GO", "CO"])]
    assert _rules(split) == []
    three = [*split, _line(units=1)]
    assert _rules(three) == ["export.duplicate_code_date"]
    other_day = [_line(), _line(date_of_service="2024-07-02")]
    assert _rules(other_day) == []


def test_line_limits() -> None:
    many = [_line(code="97530", date_of_service=f"2024-07-{d:02d}") for d in range(1, 32)]
    many += [_line(code="97110", date_of_service=f"2024-07-{d:02d}") for d in range(1, 21)]
    assert "export.line_limit" in _rules(many, "837p")
    assert "export.line_limit" not in _rules(many, "837i")


def test_line_control_numbers_are_unique() -> None:
    lines = [_line(line_control_number="A1"), _line(code="97110", line_control_number="A1")]
    assert _rules(lines) == ["export.line_control_number"]


def test_date_outside_the_statement_period() -> None:
    period = (date(2024, 7, 2), date(2024, 7, 31))
    assert _rules([_line()], "837i", statement_period=period) == ["export.date_range"]


def test_discipline_checks_the_plan_of_care() -> None:
    assert _rules([_line()], discipline="PT") == ["modifier.discipline_mismatch"]


def test_export_lines_are_checked_like_mappings() -> None:
    line = ExportLine("97530", 0, ("GO",), date(2024, 7, 1), charge=Decimal("-1"))
    assert _rules([line]) == [
        "export.charge_negative",
        "export.pointer_missing",
        "export.units_nonpositive",
    ]


def test_exporters_refuse_error_lines_unless_forced() -> None:
    bad = [_line(units=0)]
    with pytest.raises(ExportRefusedError) as info:
        to_837p_sv1(bad)
    assert [f.rule for f in info.value.findings] == ["export.units_nonpositive"]
    assert "force=True" in str(info.value)
    assert to_837p_sv1(bad, force=True)[1] == "SV1*HC:97530:GO*90*UN*0***1~"


def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(InvalidOptionError, match="837x"):
        precheck([_line()], target="837x")
    with pytest.raises(InvalidInputError, match="unknown keys"):
        precheck([{**_line(), "cpt": "97530"}], target="837p")
    with pytest.raises(InvalidInputError, match="code"):
        precheck([{"units": 1}], target="837p")
    with pytest.raises(InvalidTypeError, match="mapping"):
        precheck(["97530"], target="837p")
    with pytest.raises(InvalidInputError, match="diagnosis_count"):
        precheck([_line()], target="837p", diagnosis_count=-1)
