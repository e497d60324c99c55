"""Loading the CMS fee-schedule files: the real copies in data/sources/pfs and broken ones."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ot_billing_rules.errors import DataFileError, InvalidInputError
from ot_billing_rules.payment import FeeSchedule, fee

PFS = Path(__file__).resolve().parents[2] / "data" / "sources" / "pfs"
RVU25 = PFS / "rvu25d" / "PPRRVU2025_Oct.csv"
GPCI25 = PFS / "rvu25d" / "GPCI2025.csv"
LOCCO25 = PFS / "rvu25d" / "25LOCCO.csv"
RVU26 = PFS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
GPCI26 = PFS / "rvu26c" / "GPCI2026.csv"
AL = "10112-00"


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").splitlines(keepends=True)


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    out = tmp_path / name
    out.write_bytes("".join(lines).encode("latin-1"))
    return out


def _data_line(lines: list[str], code: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(code + ","))


def test_real_2025_files() -> None:
    sched = FeeSchedule.from_cms_files(RVU25, GPCI25, LOCCO25)
    (release,) = sched.releases
    assert release.name == "RVU25D"
    assert (release.start, release.end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert release.released == date(2025, 9, 11)
    assert release.conversion_factor == Decimal("32.3465")
    assert any("American Medical Association" in line for line in release.notice)
    assert len(release.localities) == 109
    assert release.localities["01112-52"].counties == "MARIN"
    f = fee("97110", on="2025-06-02", locality=AL, schedule=sched)
    assert (f.amount, f.reduced_amount) == (Decimal("26.83"), Decimal("20.79"))


def test_loaded_files_match_bundled_data() -> None:
    sched = FeeSchedule.from_cms_files(RVU25, GPCI25, LOCCO25, RVU26, GPCI26)
    bundled = FeeSchedule.bundled()
    for on in ("2025-06-02", "2026-06-01"):
        mine, theirs = sched.release_for(on), bundled.release_for(on)
        assert mine.rows == theirs.rows
        assert mine.localities == theirs.localities


def test_2026_columns_found_by_header_name() -> None:
    # 2026 inserts PRIC IND after TEAM SURG: by position, the CF column of 2025
    # (index 24) holds ENDO BASE (empty) in 2026.
    header = next(line for line in _lines(RVU26) if line.startswith("HCPCS,"))
    assert header.split(",")[24] == "BASE"
    sched = FeeSchedule.from_cms_files(RVU26, GPCI26)
    (release,) = sched.releases
    assert release.name == "RVU26C"
    assert release.conversion_factor == Decimal("33.4009")
    row = release.rows[("97110", "")]
    assert (row.work, row.pe_nonfacility, row.mp, row.mult_proc) == (
        Decimal("0.45"), Decimal("0.41"), Decimal("0.01"), "5",
    )  # fmt: skip


def test_columns_in_another_order(tmp_path: Path) -> None:
    # Swap WORK RVU (5) and MP RVU (10) in every header and data row.
    def swap(line: str) -> str:
        cells = line.rstrip("\r\n").split(",")
        if len(cells) > 10:
            cells[5], cells[10] = cells[10], cells[5]
        return ",".join(cells) + "\r\n"

    path = _write(tmp_path, "PPRRVU2025_Oct.csv", [swap(line) for line in _lines(RVU25)])
    row = FeeSchedule.from_cms_files(path).releases[0].rows[("97110", "")]
    assert (row.work, row.mp) == (Decimal("0.45"), Decimal("0.01"))


def test_rvu_zip(tmp_path: Path) -> None:
    archive = tmp_path / "rvu25d.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(RVU25, "PPRRVU2025_Oct.csv")
        z.write(GPCI25, "GPCI2025.csv")
        z.write(LOCCO25, "25LOCCO.csv")
        z.writestr("ANES2025.csv", "Contractor,Locality,Locality Name,Conversion Factor\n")
        z.writestr("RVU25D.pdf", b"%PDF-1.4")
    sched = FeeSchedule.from_cms_files(archive)
    assert fee("97530", on="2025-03-03", locality=AL, schedule=sched).amount == Decimal("31.85")


def test_two_releases_of_a_year_split_the_dates(tmp_path: Path) -> None:
    lines = _lines(RVU25)
    july = [line.replace("October Release", "July Release") for line in lines]
    at = _data_line(july, "97110")
    july[at] = july[at].replace(",0.45,0.43,", ",0.45,0.53,", 1)
    path = _write(tmp_path, "PPRRVU2025_Jul.csv", july)
    sched = FeeSchedule.from_cms_files(path, RVU25)
    assert [(r.name, r.start, r.end) for r in sched.releases] == [
        ("RVU25C", date(2025, 1, 1), date(2025, 9, 30)),
        ("RVU25D", date(2025, 10, 1), date(2025, 12, 31)),
    ]
    assert fee("97110", on="2025-09-30", schedule=sched).pe_rvu == Decimal("0.53")
    assert fee("97110", on="2025-10-01", schedule=sched).pe_rvu == Decimal("0.43")


def test_qp_file_supplies_the_qp_conversion_factor(tmp_path: Path) -> None:
    lines = [line.replace("33.4009", "33.5675") for line in _lines(RVU26)]
    qp = _write(tmp_path, "PPRRVU2026_Jul_QPP.csv", lines)
    sched = FeeSchedule.from_cms_files(RVU26, qp)
    assert sched.releases[0].qp_conversion_factor == Decimal("33.5675")
    assert fee("97110", on="2026-08-03", qp=True, schedule=sched).conversion_factor == Decimal(
        "33.5675"
    )
    with pytest.raises(DataFileError, match="without the non-QP"):
        FeeSchedule.from_cms_files(qp)


def test_without_gpci_file_a_locality_cannot_be_priced() -> None:
    sched = FeeSchedule.from_cms_files(RVU26)
    assert fee("97110", on="2026-06-01", schedule=sched).locality is None
    with pytest.raises(InvalidInputError, match="no GPCI file"):
        fee("97110", on="2026-06-01", locality=AL, schedule=sched)


# ----------------------------------------------------------------- malformed files


def _broken_rvu(tmp_path: Path, code: str, old: str, new: str) -> tuple[Path, int]:
    lines = _lines(RVU25)
    at = _data_line(lines, code)
    assert old in lines[at]
    lines[at] = lines[at].replace(old, new, 1)
    return _write(tmp_path, "PPRRVU2025_Oct.csv", lines), at + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (",0.45,0.43,", ",0.4x,0.43,", "WORK RVU '0.4x'"),
        (",0.45,0.43,", ",0.45,,", "NON-FAC PE RVU ''"),
        (",0.45,0.43,", ",0.45,0.43,EXTRA,", "columns, the header"),
        ("97110,,,A,", "97110,,,AA,", "status code 'AA'"),
        ("97110,", "971X,", "HCPCS '971X'"),
        (",32.3465,", ",33.0000,", "one conversion factor"),
    ],
)
def test_bad_rvu_row_names_file_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    path, line = _broken_rvu(tmp_path, "97110", old, new)
    with pytest.raises(DataFileError, match=message) as info:
        FeeSchedule.from_cms_files(path)
    assert info.value.path == str(path)
    if "conversion factor" in message:
        assert f"line {line}" in str(info.value)
    else:
        assert info.value.line == line


def test_duplicate_rvu_row(tmp_path: Path) -> None:
    lines = _lines(RVU25)
    at = _data_line(lines, "97110")
    lines.insert(at + 1, lines[at])
    path = _write(tmp_path, "PPRRVU2025_Oct.csv", lines)
    with pytest.raises(DataFileError, match="second row for 97110") as info:
        FeeSchedule.from_cms_files(path)
    assert info.value.line == at + 2


def test_rvu_header_without_a_column(tmp_path: Path) -> None:
    lines = [line.replace(",PROC,", ",PROX,") for line in _lines(RVU25)]
    path = _write(tmp_path, "PPRRVU2025_Oct.csv", lines)
    with pytest.raises(DataFileError, match="'MULT PROC'") as info:
        FeeSchedule.from_cms_files(path)
    assert info.value.line == 10


def test_bad_gpci_row(tmp_path: Path) -> None:
    lines = _lines(GPCI25)
    at = next(i for i, line in enumerate(lines) if line.startswith("10112,"))
    lines[at] = lines[at].replace("0.869", "O.869")
    path = _write(tmp_path, "GPCI2025.csv", lines)
    with pytest.raises(DataFileError, match=r"PE GPCI 'O\.869'") as info:
        FeeSchedule.from_cms_files(RVU25, path)
    assert (info.value.path, info.value.line) == (str(path), at + 1)


def test_bad_locality_number(tmp_path: Path) -> None:
    lines = _lines(GPCI25)
    at = next(i for i, line in enumerate(lines) if line.startswith("10112,"))
    lines[at] = lines[at].replace(",00,", ",0,")
    path = _write(tmp_path, "GPCI2025.csv", lines)
    with pytest.raises(DataFileError, match="2-digit locality") as info:
        FeeSchedule.from_cms_files(RVU25, path)
    assert info.value.line == at + 1


def test_bad_county_row(tmp_path: Path) -> None:
    lines = _lines(LOCCO25)
    at = next(i for i, line in enumerate(lines) if line.startswith("10112,"))
    lines[at] = "10112,X,ALABAMA ,STATEWIDE ,ALL COUNTIES \r\n"
    path = _write(tmp_path, "25LOCCO.csv", lines)
    with pytest.raises(DataFileError) as info:
        FeeSchedule.from_cms_files(RVU25, GPCI25, path)
    assert (info.value.path, info.value.line) == (str(path), at + 1)


def test_not_a_cms_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataFileError, match="not a CMS PPRRVU") as info:
        FeeSchedule.from_cms_files(path)
    assert info.value.path == str(path)


def test_missing_file_and_bad_zip(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        FeeSchedule.from_cms_files(tmp_path / "absent.csv")
    bad = tmp_path / "rvu.zip"
    bad.write_bytes(b"PK\x03\x04broken")
    with pytest.raises(DataFileError, match="zip"):
        FeeSchedule.from_cms_files(bad)


def test_only_gpci_files_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="no PPRRVU file"):
        FeeSchedule.from_cms_files(GPCI25)
    with pytest.raises(InvalidInputError, match="at least one"):
        FeeSchedule.from_cms_files()


# ------------------------------------------------------------ fixed-width TXT

# The HDR lines and one record as CMS ships them in PPRRVU2025_Oct.txt (the
# record's description blanked): the layout's positions were checked on them.
TXT_HEAD = [
    "HDR CPT CODES AND DESCRIPTIONS ONLY ARE COPYRIGHT ",
    "HDR 2026 AMERICAN MEDICAL ASSOCIATION.  ALL RIGHTS",
    "HDR RESERVED.  APPLICABLE FARS/DFARS APPLY.       ",
]
TXT_0042T = (
    "0042T  " + " " * 50 + "C   0.00   0.00     0.00    0.00   0.00  0.000XXX.00.00.0000000"
    "             32.3465 090 99      0.00   0.00   0.00"
)


def _txt_record(cells: list[str], names: dict[str, int]) -> str:
    """One CSV row written at the CY2025 fixed-width positions (1-based, inclusive)."""
    rec = [" "] * 171

    def put(start: int, end: int, value: str) -> None:
        width = end - start + 1
        rec[start - 1 : end] = list(value.rjust(width)[:width])

    put(1, 5, cells[0])
    put(6, 7, cells[1].ljust(2))
    put(58, 58, cells[names["STATUS"]])
    put(60, 65, cells[5])
    put(67, 72, cells[6])
    put(73, 74, cells[7])
    put(76, 81, cells[8])
    put(82, 83, cells[9])
    put(85, 89, cells[10])
    put(103, 103, cells[13])
    put(104, 106, cells[14])
    put(116, 116, cells[18])
    put(133, 140, cells[24])
    return "".join(rec)


def _txt_from_csv(tmp_path: Path, name: str = "PPRRVU2025_Oct.txt") -> Path:
    lines = _lines(RVU25)
    start = _data_line(lines, "92521")
    records = [_txt_record(line.rstrip("\r\n").split(","), {"STATUS": 3}) for line in lines[start:]]
    out = tmp_path / name
    out.write_bytes("\r\n".join([*TXT_HEAD, TXT_0042T, *records, ""]).encode("latin-1"))
    return out


def test_fixed_width_txt_matches_the_csv(tmp_path: Path) -> None:
    txt = FeeSchedule.from_cms_files(_txt_from_csv(tmp_path)).releases[0]
    csv_release = FeeSchedule.from_cms_files(RVU25).releases[0]
    assert txt.name == "RVU25D"
    assert txt.conversion_factor == Decimal("32.3465")
    rows = dict(txt.rows)
    assert rows.pop(("0042T", "")).status == "C"
    assert rows == csv_release.rows
    assert "AMERICAN MEDICAL ASSOCIATION" in txt.notice[0]


def test_fixed_width_txt_of_2026_is_refused(tmp_path: Path) -> None:
    path = _txt_from_csv(tmp_path, "PPRRVU2026_Jul_nonQPP.txt")
    with pytest.raises(DataFileError, match=r"load the \.csv"):
        FeeSchedule.from_cms_files(path)


def test_fixed_width_txt_needs_its_cms_name(tmp_path: Path) -> None:
    path = _txt_from_csv(tmp_path, "rvu.txt")
    with pytest.raises(DataFileError, match="CMS name"):
        FeeSchedule.from_cms_files(path)


def test_fixed_width_txt_bad_record(tmp_path: Path) -> None:
    path = _txt_from_csv(tmp_path)
    lines = path.read_bytes().decode("latin-1").split("\r\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("97110"))
    lines[at] = lines[at][:59] + "  0.4x" + lines[at][65:]
    path.write_bytes("\r\n".join(lines).encode("latin-1"))
    with pytest.raises(DataFileError, match=r"work RVU '0\.4x'") as info:
        FeeSchedule.from_cms_files(path)
    assert info.value.line == at + 1
    lines[at] = lines[at][:100]
    path.write_bytes("\r\n".join(lines).encode("latin-1"))
    with pytest.raises(DataFileError, match="100 characters") as info:
        FeeSchedule.from_cms_files(path)
    assert info.value.line == at + 1
