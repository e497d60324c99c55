"""Loaders for the CMS files, on fixtures written in the CMS layouts (tests/fixtures/cms/)
and on the real CMS file heads in tests/fixtures/cms_samples/."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

import ot_billing_rules as ob

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"
OPH = FIX / "ccioph-v302r0-f1.txt"
MUE_PRA = FIX / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"
MUE_OPH = FIX / "MCR_MUE_OutpatientHospitalServices_Eff_07-01-2024.csv"
PTP_ZIP = FIX / "medicare-ncci-2024q3-practitioner-ptp-edits-ccipra-v302r0-f1.zip"
MUE_ZIP = FIX / "mue-2024q3-practitioner.zip"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "cms_samples"
D = date.fromisoformat


def test_plain_files_detected() -> None:
    edits = ob.EditSet.from_cms_files(PRA, OPH, MUE_PRA, MUE_OPH)
    kinds = {(s.kind, s.setting.value): s for s in edits.sources}
    assert set(kinds) == {
        ("ptp", "practitioner"),
        ("ptp", "outpatient_hospital"),
        ("mue", "practitioner"),
        ("mue", "outpatient_hospital"),
    }
    assert kinds[("ptp", "practitioner")].rows == 7
    assert kinds[("ptp", "practitioner")].release == "ccipra-v302r0"
    assert kinds[("mue", "practitioner")].release_date == D("2024-07-01")
    assert edits.release == "2024-07-01"


def test_rows_parsed_exactly() -> None:
    edits = ob.EditSet.from_cms_files(PRA)
    rows = edits.ptp_history("97530", "97116", setting="practitioner")
    assert len(rows) == 1
    (row,) = rows
    assert row.prior_1996
    assert row.effective == D("1996-01-01") == row.deletion
    assert row.rationale == "Standards of medical/surgical practice"
    (live,) = edits.ptp_edits("97150", "97530", on="2024-07-01", setting="practitioner")
    assert live.effective == D("2020-01-01")
    assert not live.effective_inferred
    assert not edits.ptp_edits("97150", "97530", on="2019-12-31", setting="practitioner")


def test_mue_rows_parsed() -> None:
    edits = ob.EditSet.from_cms_files(MUE_PRA, MUE_OPH)
    m = edits.mue("97530", on="2024-07-01")
    assert (m.value, m.adjudication.value, m.rationale) == (6, "3", "Clinical: Data")
    assert edits.mue("97010", on="2024-07-01").value == 0
    assert edits.mue("97010", on="2024-07-01", setting="outpatient_hospital").value == 1
    assert edits.mue("97129", on="2024-07-01").adjudication.value == "2"


def test_status_defaults_to_bundled_and_can_be_given() -> None:
    assert ob.EditSet.from_cms_files(MUE_PRA).status("97010").value == "B"
    mine = ob.EditSet.from_cms_files(MUE_PRA, status={"97010": "A"})
    assert mine.status("97010") is ob.FeeScheduleStatus.ACTIVE
    assert mine.status("97014") is None


def test_zipped_files() -> None:
    edits = ob.EditSet.from_cms_files(PTP_ZIP, MUE_ZIP)
    names = sorted(s.name for s in edits.sources)
    # The .xlsx twin, the PDF and the change report are passed over.
    assert len(names) == 2
    assert any(n.endswith("!ccipra-v302r0-f1.TXT") for n in names)
    ptp = next(s for s in edits.sources if s.kind == "ptp")
    assert ptp.release_date == D("2024-07-01")  # from "2024q3" in the zip name
    assert edits.ptp_edits("97150", "97530", on="2024-07-01", setting="practitioner")


def test_real_cms_heads_load() -> None:
    # Byte-faithful heads of real CMS files (v32.2 PTP, 2026-07-01 MUE).
    edits = ob.EditSet.from_cms_files(
        SAMPLES / "ccipra-v322r0-f1.head.txt",
        SAMPLES / "MCR_MUE_PractitionerServices_Eff_07-01-2026.head.csv",
    )
    rows = edits.ptp_history("0001U", "0029U", setting="practitioner")
    assert [(r.effective, r.deletion, r.modifier_indicator.value) for r in rows] == [
        (D("2018-07-01"), D("2026-06-30"), "1")
    ]
    m = edits.mue("0009U", on="2026-07-01")
    assert (m.value, m.adjudication.value, m.rationale) == (2, "3", "Nature of Analyte")
    assert edits.release == "2026-07-01"


def test_setting_override(tmp_path: Path) -> None:
    plain = tmp_path / "edits.txt"
    plain.write_bytes(PRA.read_bytes())
    with pytest.raises(ob.DataFileError, match="cannot tell the setting"):
        ob.EditSet.from_cms_files(plain)
    edits = ob.EditSet.from_cms_files(plain, setting="outpatient_hospital")
    assert edits.ptp_edits("97150", "97530", on="2024-07-01", setting="outpatient_hospital")
    assert not edits.ptp_edits("97150", "97530", on="2024-07-01", setting="practitioner")


def test_mue_setting_from_header(tmp_path: Path) -> None:
    renamed = tmp_path / "table.csv"
    renamed.write_bytes(MUE_OPH.read_bytes())
    edits = ob.EditSet.from_cms_files(renamed)
    assert edits.sources[0].setting is ob.Setting.OUTPATIENT_HOSPITAL


@pytest.mark.parametrize(
    ("folder", "name", "line", "words"),
    [
        ("bad_date", "ccipra-v302r0-f1.txt", 9, "20201301"),
        ("bad_indicator", "ccipra-v302r0-f1.txt", 8, "indicator '2'"),
        ("bad_columns", "ccipra-v302r0-f1.txt", 10, "found 6"),
        ("truncated", "ccipra-v302r0-f1.txt", 12, "found 4"),
        ("bad_mai", "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv", 10, "'4 Date"),
    ],
)
def test_malformed_rows_name_file_and_line(folder: str, name: str, line: int, words: str) -> None:
    path = FIX / folder / name
    with pytest.raises(ob.DataFileError) as exc:
        ob.EditSet.from_cms_files(path)
    assert exc.value.line == line
    assert exc.value.path == str(path)
    assert words in str(exc.value)
    assert f"line {line}" in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_wrong_encoding() -> None:
    with pytest.raises(ob.DataFileError, match="UTF-16"):
        ob.EditSet.from_cms_files(FIX / "utf16" / "ccipra-v302r0-f1.txt")


def test_non_ascii_in_data_row(tmp_path: Path) -> None:
    text = PRA.read_text("latin-1").replace("97150\t97530", "9715\u00e9\t97530")
    path = tmp_path / "ccipra-v302r0-f1.txt"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ob.DataFileError) as exc:
        ob.EditSet.from_cms_files(path)
    assert exc.value.line == 8


def test_deletion_before_effective(tmp_path: Path) -> None:
    text = PRA.read_text("latin-1").replace("20200101\t20211231", "20200101\t20191231")
    path = tmp_path / "ccipra-v302r0-f1.txt"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ob.DataFileError, match="before the effective date"):
        ob.EditSet.from_cms_files(path)


def test_header_only_file(tmp_path: Path) -> None:
    head = "".join(PRA.read_text("latin-1").splitlines(keepends=True)[:6])
    path = tmp_path / "ccipra-v302r0-f1.txt"
    path.write_bytes(head.encode("latin-1"))
    with pytest.raises(ob.DataFileError, match="no PTP edit rows"):
        ob.EditSet.from_cms_files(path)


def test_mue_without_header(tmp_path: Path) -> None:
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"
    path.write_text("97530,6,3 Date of Service Edit: Clinical,Clinical: Data\n", "latin-1")
    with pytest.raises(ob.DataFileError) as exc:
        ob.EditSet.from_cms_files(path)
    assert exc.value.line == 1


def test_duplicate_mue_code(tmp_path: Path) -> None:
    text = (
        MUE_PRA.read_text("latin-1") + "97530,5,3 Date of Service Edit: Clinical,Clinical: Data\n"
    )
    path = tmp_path / MUE_PRA.name
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ob.DataFileError, match="appears twice"):
        ob.EditSet.from_cms_files(path)


def test_same_mue_table_twice() -> None:
    with pytest.raises(ob.DataFileError, match="given twice"):
        ob.EditSet.from_cms_files(MUE_PRA, MUE_ZIP)


def test_dme_table_refused(tmp_path: Path) -> None:
    path = tmp_path / "MCR_MUE_DMESupplierServices_Eff_07-01-2024.csv"
    path.write_bytes(MUE_PRA.read_bytes())
    with pytest.raises(ob.DataFileError, match="DME"):
        ob.EditSet.from_cms_files(path)


def test_unrecognised_files(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    with pytest.raises(ob.DataFileError, match="not a CMS PTP or MUE file"):
        ob.EditSet.from_cms_files(notes)
    workbook = tmp_path / "ccipra-v302r0-f1.xlsx"
    workbook.write_bytes(b"\x00\x01")
    with pytest.raises(ob.DataFileError, match=r"\.txt"):
        ob.EditSet.from_cms_files(workbook)
    with pytest.raises(FileNotFoundError):
        ob.EditSet.from_cms_files(tmp_path / "missing.txt")
    with pytest.raises(ob.InvalidTypeError):
        ob.EditSet.from_cms_files(42)  # type: ignore[arg-type]


def test_zip_member_size_limit() -> None:
    with pytest.raises(ob.DataFileError, match=r"size limit|byte limit") as exc:
        ob.EditSet.from_cms_files(PTP_ZIP, max_member_bytes=100)
    assert "ccipra-v302r0-f1.TXT" in exc.value.path


def test_zip_bomb_refused_before_inflating(tmp_path: Path) -> None:
    # A small, highly compressed member that would inflate past the limit.
    path = tmp_path / "medicare-ncci-2024q3-practitioner-ptp-edits-ccipra-v302r0-f1.zip"
    body = PRA.read_bytes() + b"\r\n" * 5_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("ccipra-v302r0-f1.TXT", body)
    assert path.stat().st_size < 100_000
    with pytest.raises(ob.DataFileError, match="limit"):
        ob.EditSet.from_cms_files(path, max_member_bytes=1_000_000)


def test_bad_and_empty_zips(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(PTP_ZIP.read_bytes()[:200])
    with pytest.raises(ob.DataFileError, match="zip"):
        ob.EditSet.from_cms_files(broken)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.pdf", b"x")
    with pytest.raises(ob.DataFileError, match="holds no PTP"):
        ob.EditSet.from_cms_files(empty)


def test_crlf_and_lf_both_read(tmp_path: Path) -> None:
    path = tmp_path / "ccipra-v302r0-f1.txt"
    path.write_bytes(PRA.read_bytes().replace(b"\r\n", b"\n"))
    assert ob.EditSet.from_cms_files(path).counts()["ptp"] == 7
