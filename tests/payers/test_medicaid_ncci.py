"""Medicaid NCCI edit files (issue 18): read, marked Medicaid, used by Medicaid policies.

Fixture files (tests/fixtures/medicaid/make_fixtures.py) follow the documented
Medicaid layouts with test values: 97530 has a Medicaid MUE of 4 there, while
the bundled Medicare release has 6, so a 6-unit line tells the edit sets apart.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from ot_billing_rules import AuditReport, EditSet, audit_visit, errors
from ot_billing_rules.ncci import MUEAdjudication, import_cms_files
from ot_billing_rules.payers import payer_policy

HERE = Path(__file__).resolve().parent.parent / "fixtures"
MCD = HERE / "medicaid"
PTP_ZIP = MCD / "medicaid-ncci-q1-2026-ptp-edits-practitioner-services.zip"
MUE_ZIP = MCD / "medicaid-ncci-q1-2026-mue-edits-practitioner-services.zip"
MUE_CSV = MCD / "mue_practitioner_2026q1.csv"
MEDICARE_MUE = HERE / "cms" / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"

# 90 minutes of 97530: 6 units, over the fixture's Medicaid MUE of 4, within Medicare's 6.
SIX_UNITS = [{"code": "97530", "minutes": 90}]


def _medicaid() -> EditSet:
    return EditSet.from_cms_files(PTP_ZIP, MUE_ZIP)


def _audit(policy: Any, services: list[dict[str, Any]] = SIX_UNITS) -> AuditReport:
    return audit_visit(
        {
            "date_of_service": "2026-02-02",
            "services": services,
            "payer": policy,
            "patient_birth_date": "1990-01-01",
        }
    )


def _rules(report: AuditReport) -> list[str]:
    return [f.rule for f in report.findings]


def _il(**changes: Any) -> Any:
    return attrs.evolve(payer_policy("medicaid-il", on=date(2026, 2, 2)), **changes)


# -- reading the files ------------------------------------------------------------------------


def test_medicaid_zips_make_a_medicaid_edit_set_keyed_by_quarter() -> None:
    edits = _medicaid()
    assert edits.program == "medicaid"
    assert edits.release_date == date(2026, 1, 1)  # q1-2026 in the zip names
    assert [(s.kind, s.setting.value) for s in edits.sources] == [
        ("ptp", "practitioner"),
        ("mue", "practitioner"),
    ]
    mue = edits.mue("97530", on="2026-02-02")
    assert mue is not None
    assert (mue.value, mue.effective) == (4, date(2026, 1, 1))
    # No adjudication column: judged per line, and flagged as an inference.
    assert mue.adjudication is MUEAdjudication.LINE
    assert mue.adjudication_inferred
    assert mue.to_dict()["adjudication_inferred"] is True
    ptp = edits.ptp_edits("97530", "97150", on="2026-02-02")
    assert [(e.column_1, e.effective) for e in ptp] == [("97150", date(2020, 1, 1))]
    assert edits.to_dict()["program"] == "medicaid"
    assert edits.explain().startswith("Medicaid NCCI")


def test_a_bare_three_column_mue_table_is_medicaid_by_its_header() -> None:
    edits = EditSet.from_cms_files(MUE_CSV)
    assert edits.program == "medicaid"
    assert edits.release == "2026-01-01"


def test_medicare_files_stay_medicare() -> None:
    edits = EditSet.from_cms_files(MEDICARE_MUE)
    assert edits.program == "medicare"
    assert EditSet.bundled().program == "medicare"
    mue = edits.mue("97530", on="2024-07-01")
    assert mue is not None
    assert not mue.adjudication_inferred
    assert "adjudication_inferred" not in mue.to_dict()


def test_medicare_and_medicaid_tables_cannot_be_mixed() -> None:
    with pytest.raises(errors.DataFileError, match="Medicare and Medicaid NCCI tables mixed"):
        EditSet.from_cms_files(MEDICARE_MUE, MUE_ZIP)


def test_a_medicaid_table_is_refused_by_the_medicare_store(tmp_path: Path) -> None:
    with pytest.raises(errors.DataFileError, match="Medicaid NCCI table cannot be imported"):
        import_cms_files([MUE_ZIP], tmp_path / "store.db")


def test_a_four_cell_row_under_the_medicaid_header_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "mue_practitioner_2026q1.csv"
    bad.write_text(
        '"notice"\r\n"HCPCS/CPT Code","MUE Values","MUE Rationale"\r\n97530,4,3,Clinical Data\r\n',
        encoding="latin-1",
    )
    with pytest.raises(errors.DataFileError, match="expected 3 cells") as exc:
        EditSet.from_cms_files(bad)
    assert exc.value.line == 3


# -- the audit --------------------------------------------------------------------------------


def test_il_medicaid_visit_is_checked_against_the_medicaid_edit_set() -> None:
    without = _audit(_il())
    assert "payer.edits_not_loaded" in _rules(without)
    assert "ncci.mue" not in _rules(without)

    report = _audit(_il(edits=_medicaid(), ncci_edits=True))
    rules = _rules(report)
    assert "payer.edits_not_loaded" not in rules
    assert "payer.edits_wrong_program" not in rules
    (mue,) = [f for f in report.findings if f.rule == "ncci.mue"]
    assert "exceed its MUE of 4" in mue.message
    assert "Medicaid MUE file has no adjudication indicator" in mue.message
    assert "Medicaid practitioner edits, release 2026-01-01" in mue.source


def test_a_medicare_edit_set_on_a_medicaid_policy_is_the_wrong_program() -> None:
    # The fixture Medicare MUE for 97530 is 6 per day; 7 units would trip it.
    seven = [{"code": "97530", "minutes": 105}]
    medicare = EditSet.from_cms_files(MEDICARE_MUE)
    report = _audit(_il(edits=medicare, ncci_edits=True), seven)
    rules = _rules(report)
    assert "payer.edits_wrong_program" in rules
    assert "payer.edits_not_loaded" not in rules
    assert not [r for r in rules if r.startswith("ncci.")]
    (wrong,) = [f for f in report.findings if f.rule == "payer.edits_wrong_program"]
    assert "given is Medicare NCCI" in wrong.message


def test_medicaid_edit_set_in_a_fresh_process() -> None:
    # EditSet.program survives pickling (process pools send policies with their edit sets).
    code = (
        "import pickle, sys; from ot_billing_rules import EditSet; "
        f"e = EditSet.from_cms_files({str(MUE_ZIP)!r}); "
        "f = pickle.loads(pickle.dumps(e)); "
        "sys.stdout.write(f.program + ' ' + str(f.mue('97530', on='2026-02-02').value))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "medicaid 4"


def test_a_renamed_medicaid_ptp_file_is_named_medicaid_by_the_caller(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(PTP_ZIP) as zf:
        data = zf.read("ptp_practitioner.txt")
    renamed = tmp_path / "ccipra-state-copy.txt"
    renamed.write_bytes(data)
    assert EditSet.from_cms_files(renamed).program == "medicare"  # same layout as Medicare
    edits = EditSet.from_cms_files(renamed, program="medicaid")
    assert edits.program == "medicaid"


@pytest.mark.parametrize("bad", ["Medicaid", "tricare", 1, None.__class__])
def test_a_bad_program_is_refused(bad: Any) -> None:
    with pytest.raises(errors.InvalidOptionError, match="program=") as exc:
        EditSet.from_cms_files(MUE_ZIP, program=bad)
    assert exc.value.valid == ("medicare", "medicaid")
