"""The formats: 837P/837I segments (pyx12-valid inside a fixed envelope), CMS-1500 and UB-04
rows, FHIR R4 resources (fhir.resources R4B-valid), and the optional validators."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from _envelope import envelope_837i, envelope_837p

from ot_billing_rules import audit_visit
from ot_billing_rules.errors import InvalidInputError
from ot_billing_rules.export import (
    CMS1500_COLUMNS,
    CPT_SYSTEM,
    HCPCS_SYSTEM,
    UB04_COLUMNS,
    ExportLine,
    X12Separators,
    expected_adjustments,
    export_lines,
    to_837i_sv2,
    to_837p_sv1,
    to_cms1500_rows,
    to_fhir_claim,
    to_fhir_claim_items,
    to_operation_outcome,
    to_ub04_rows,
    validate_837,
    validate_fhir,
    write_csv,
)

DOS = date(2026, 1, 5)
LINES = (
    ExportLine("97530", 3, ("GO",), DOS, diagnosis_pointers=(1, 2), charge="180.00",
               line_control_number="V1-1"),
    ExportLine("97110", 1, ("GO", "CO"), DOS, diagnosis_pointers=(1,), charge="45",
               line_control_number="V1-2"),
    ExportLine("97110", 1, ("GO",), DOS, diagnosis_pointers=(1,), charge="45.50",
               line_control_number="V1-3"),
)  # fmt: skip
INSTITUTIONAL = tuple(attrs.evolve(line, revenue_code="0430") for line in LINES)
GT = X12Separators(component=">")


def test_837p_segments() -> None:
    assert to_837p_sv1(LINES, separators=GT) == (
        "LX*1~", "SV1*HC>97530>GO*180*UN*3***1>2~", "DTP*472*D8*20260105~", "REF*6R*V1-1~",
        "LX*2~", "SV1*HC>97110>GO>CO*45*UN*1***1~", "DTP*472*D8*20260105~", "REF*6R*V1-2~",
        "LX*3~", "SV1*HC>97110>GO*45.5*UN*1***1~", "DTP*472*D8*20260105~", "REF*6R*V1-3~",
    )  # fmt: skip


def test_separators_are_parameters() -> None:
    sep = X12Separators(element="|", component="^", segment="\n")
    assert to_837p_sv1(LINES[:1], separators=sep)[1] == "SV1|HC^97530^GO|180|UN|3|||1^2\n"
    with pytest.raises(InvalidInputError):
        X12Separators(element=":", component=":")
    with pytest.raises(InvalidInputError, match="separator"):
        to_837p_sv1([attrs.evolve(LINES[0], line_control_number="A*B")])


def test_837p_writes_pos_only_where_it_differs_and_epsdt() -> None:
    line = attrs.evolve(LINES[0], place_of_service="12", epsdt=True)
    assert to_837p_sv1([line], claim_place_of_service="11")[1] == (
        "SV1*HC:97530:GO*180*UN*3*12**1:2****Y~"
    )
    assert to_837p_sv1([line], claim_place_of_service="12")[1] == (
        "SV1*HC:97530:GO*180*UN*3***1:2****Y~"
    )


def test_837i_segments() -> None:
    assert to_837i_sv2(INSTITUTIONAL[:1], separators=GT) == (
        "LX*1~", "SV2*0430*HC>97530>GO*180*UN*3~", "DTP*472*D8*20260105~", "REF*6R*V1-1~",
    )  # fmt: skip


@pytest.mark.skipif(sys.version_info < (3, 11), reason="pyx12 needs Python 3.11")
def test_golden_837p_and_837i_are_valid_for_pyx12() -> None:
    pytest.importorskip("pyx12")
    p = envelope_837p(to_837p_sv1(LINES, separators=GT), "270.5")
    i = envelope_837i(to_837i_sv2(INSTITUTIONAL, separators=GT), "270.5")
    assert validate_837(p) == ()
    assert validate_837(i) == ()
    # The validator can fail: MJ (minutes) is not a unit basis of SV2.
    bad = validate_837(i.replace("*UN*3~", "*MJ*3~"))
    assert [f.rule for f in bad] == ["export.x12_invalid"]
    assert "SV204" in bad[0].message


def test_cms1500_rows_page_six_lines_a_form() -> None:
    codes = ("97530", "97110", "97112", "97140", "97535", "97150", "97533")
    lines = [attrs.evolve(LINES[0], code=c, line_control_number=None) for c in codes]
    rows = to_cms1500_rows(lines)
    assert [(r["form"], r["line"]) for r in rows][-2:] == [("1", "6"), ("2", "1")]
    assert rows[0]["24A_from"] == "010526"
    assert rows[0]["24E"] == "AB"
    assert rows[0]["24F"] == "180.00"
    out = io.StringIO()
    write_csv(rows, out, CMS1500_COLUMNS)
    assert out.getvalue().splitlines()[0] == ",".join(CMS1500_COLUMNS)
    assert to_cms1500_rows(lines[:1], date_style="ISO")[0]["24A_from"] == "2026-01-05"


def test_ub04_rows_page_22_lines_and_total_on_line_23() -> None:
    codes = ["97530", "97110", "97112", "97140", "97535", "97150", "97533", "97129"]
    lines = [
        attrs.evolve(
            INSTITUTIONAL[0],
            code=c,
            date_of_service=date(2026, 1, d),
            units=1,
            line_control_number=None,
        )
        for d in range(1, 4)
        for c in codes
    ]
    rows = to_ub04_rows(lines)
    line23 = [r for r in rows if r["line"] == "23"]
    assert [(r["page"], r["FL42"], r["FL43"], r["FL47"]) for r in line23] == [
        ("1", "", "PAGE 1 OF 2", ""),
        ("2", "0001", "PAGE 2 OF 2", f"{Decimal('180.00') * 24:.2f}"),
    ]
    assert sum(r["line"] != "23" for r in rows) == 24
    out = io.StringIO()
    write_csv(rows, out, UB04_COLUMNS)
    assert len(out.getvalue().splitlines()) == 1 + 24 + 2


def _report(**visit: object) -> object:
    return audit_visit(
        {
            "date_of_service": "2024-07-01",
            "services": [
                {"code": "97530", "minutes": 38},
                {"code": "97110", "minutes": 30, "assistant_minutes": 15},
            ],
            **visit,
        }
    )


def test_fhir_codings_carry_no_display_text() -> None:
    report = _report()
    claim = to_fhir_claim(report, patient="Patient/1", provider="Organization/1",
                          coverage="Coverage/1", diagnoses=("R26.89",))  # fmt: skip
    text = json.dumps(claim)
    assert '"display"' not in text
    systems = {c["system"] for i in claim["item"] for m in i.get("modifier", ())
               for c in m["coding"]}  # fmt: skip
    assert systems == {HCPCS_SYSTEM}
    assert {i["productOrService"]["coding"][0]["system"] for i in claim["item"]} == {CPT_SYSTEM}


def test_fhir_claim_and_outcome_validate_with_fhir_resources() -> None:
    pytest.importorskip("fhir.resources")
    report = _report()
    claim = to_fhir_claim(report, patient="Patient/1", provider="Organization/1",
                          coverage="Coverage/1", diagnoses=("R26.89",))  # fmt: skip
    assert validate_fhir(claim) == ()
    assert validate_fhir(to_operation_outcome(report.findings)) == ()
    assert validate_fhir(to_operation_outcome(())) == ()
    broken = {**claim, "item": [{k: v for k, v in claim["item"][0].items() if k != "sequence"}]}
    assert [f.rule for f in validate_fhir(broken)][:1] == ["export.fhir_invalid"]


def test_operation_outcome_uses_only_valid_severities() -> None:
    oo = to_operation_outcome(_report(ytd_allowed="9999").findings)
    assert {i["severity"] for i in oo["issue"]} <= {"error", "warning", "information"}


def test_items_follow_the_lines() -> None:
    items = to_fhir_claim_items(LINES)
    assert [i["sequence"] for i in items] == [1, 2, 3]
    assert items[1]["quantity"] == {"value": 1}
    assert items[0]["diagnosisSequence"] == [1, 2]


def test_expected_adjustments_mppr_and_sequestration() -> None:
    assert expected_adjustments(_report()) == []
    report = _report(locality="10112-00")
    adj = expected_adjustments(report)
    reasons = {
        a["reason"]["coding"][0]["code"]
        for item in adj
        for a in item["adjudication"]
        if "reason" in a
    }
    assert "253" in reasons
    assert "59" in reasons  # more than one unit: the therapy MPPR reduces the rest


def test_export_lines_takes_facts_from_mappings_and_callables() -> None:
    report = _report()
    lines = export_lines(
        report,
        pointers={"97530": (1,), "97110": (2,)},
        charges=lambda line, n: "10.00",
        line_control_numbers=lambda line, n: f"L{n}",
        rendering_npi="1234567893",
    )
    assert [(x.code, x.modifiers, x.charge, x.line_control_number) for x in lines] == [
        ("97110", ("GO",), Decimal("10.00"), "L1"),
        ("97110", ("GO", "CO"), Decimal("10.00"), "L2"),
        ("97530", ("GO",), Decimal("30.00"), "L3"),
    ]
    assert {x.revenue_code for x in lines} == {None}
    inst = export_lines(report, setting="outpatient_hospital")
    assert {x.revenue_code for x in inst} == {"0430"}


def test_validators_name_the_missing_extra_in_a_fresh_process() -> None:
    code = (
        "import sys; sys.modules['pyx12'] = None; sys.modules['fhir'] = None\n"
        "from ot_billing_rules.export import validate_837, validate_fhir, MissingExtraError\n"
        "for f, a in ((validate_837, 'ISA'), (validate_fhir, {})):\n"
        "    try:\n        f(a)\n    except MissingExtraError as e:\n        print(e.extra)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True, cwd=Path(__file__).parent)  # fmt: skip
    assert done.stdout.split() == ["x12", "fhir"]
