"""Readers for the CMS Physician Fee Schedule files.

* ``PPRRVUyy*.csv``: the RVU file of a release (banner, a header spread over
  several rows, one row per HCPCS code and modifier). Columns are found by
  their header *names*: the 2026 files insert ``PRIC IND`` after ``TEAM
  SURG``, which moves every later column.
* ``GPCIyyyy.csv``: Addendum E, the GPCIs of every locality.
* ``yyLOCCO.csv``: the counties in each locality.
* the release zip (``RVUyyQ.zip``), whose CSV members are read as above;
* the fixed-width ``PPRRVU*.txt`` (:mod:`._cms_txt`).

The descriptor column (AMA text) is never read. Every row is checked: a bad
number, a missing column or a duplicate row is a
:class:`~ot_billing_rules.errors.DataFileError` naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ..errors import DataFileError
from ._cms_txt import read_pprrvu_txt
from ._files import (
    _QUARTER_LETTER,
    CmsFile,
    CountyFile,
    GpciFile,
    RvuFile,
    RvuRows,
    _decimal,
)
from ._model import Locality

_MONTHS = {"JANUARY": 1, "APRIL": 4, "JULY": 7, "OCTOBER": 10}

# Header names (rows joined, spaces collapsed) of the PPRRVU columns read.
#: Field -> its name in the CSV header, as error messages give it.
_CSV_LABELS = {
    "work": "WORK RVU",
    "pe_nonfacility": "NON-FAC PE RVU",
    "pe_facility": "FACILITY PE RVU",
    "mp": "MP RVU",
    "cf": "CONV FACTOR",
}

_RVU_COLUMNS = {
    "code": "HCPCS",
    "modifier": "MOD",
    "status": "STATUS CODE",
    "work": "WORK RVU",
    "pe_nonfacility": "NON-FAC PE RVU",
    "pe_facility": "FACILITY PE RVU",
    "mp": "MP RVU",
    "pctc": "PCTC IND",
    "global_days": "GLOB DAYS",
    "mult_proc": "MULT PROC",
    "cf": "CONV FACTOR",
}


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text))
    for row in reader:
        yield reader.line_num, [cell.strip() for cell in row]


def _kind(text: str) -> str | None:
    head = text[:4000].upper()
    if "RELATIVE VALUE FILE" in head or re.search(r"^HCPCS,", head, re.M):
        return "rvu"
    if "GEOGRAPHIC PRACTICE COST" in head or "PW GPCI" in head:
        return "gpci"
    if "COUNTIES INCLUDED" in head or ",COUNTIES" in head:
        return "county"
    return None


def read_cms_text(text: str, path: str) -> CmsFile | None:
    """Read one CMS file's text; ``None`` when it is none of the three kinds."""
    if text.startswith("HDR"):
        return read_pprrvu_txt(text, path)
    kind = _kind(text)
    if kind == "rvu":
        return read_pprrvu(text, path)
    if kind == "gpci":
        return read_gpci(text, path)
    if kind == "county":
        return read_locco(text, path)
    return None


def read_paths(paths: tuple[str | Path, ...]) -> list[CmsFile]:
    """Read every file (a zip contributes its recognised CSV members)."""
    out: list[CmsFile] = []
    for raw in paths:
        path = Path(raw)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataFileError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
        if data[:4] == b"PK\x03\x04":
            out += _read_zip(data, str(path))
            continue
        read = read_cms_text(data.decode("latin-1"), str(path))
        if read is None:
            raise DataFileError(
                "not a CMS PPRRVU (CSV or fixed-width TXT), GPCI or locality/county CSV file, "
                "nor an RVU zip",
                path=str(path),
            )
        out.append(read)
    return out


def _read_zip(data: bytes, path: str) -> list[CmsFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
        out = []
        for member in sorted(members):
            read = read_cms_text(archive.read(member).decode("latin-1"), f"{path}!{member}")
            if read is not None:
                out.append(read)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataFileError(f"not a readable zip file: {exc}", path=path) from None
    if not any(isinstance(f, RvuFile) for f in out):
        raise DataFileError("the zip holds no PPRRVU .csv file", path=path)
    return out


def read_pprrvu(text: str, path: str) -> RvuFile:
    """Read a PPRRVU CSV: banner, header by name, then one strict row per code."""
    lines = list(_rows(text))
    header_at = next((i for i, (_, row) in enumerate(lines) if row and row[0] == "HCPCS"), None)
    if header_at is None:
        raise DataFileError("no header row starting with 'HCPCS'", path=path)
    banner = [cell for _, row in lines[:header_at] for cell in row if cell]
    title = next((c for c in banner if "RELATIVE VALUE FILE" in c.upper()), "")
    year_match = re.match(r"(20[0-9]{2})\b", title)
    if not year_match:
        raise DataFileError(
            f"no '<year> National Physician Fee Schedule Relative Value File' title "
            f"in the banner (found {banner[:1]!r})",
            path=path,
        )
    year = int(year_match.group(1))
    month = next((n for word, n in _MONTHS.items() if word in title.upper()), None)
    released = None
    for text_cell in banner:
        m = re.search(r"RELEASED\s+([0-9]{2})/([0-9]{2})/([0-9]{4})", text_cell.upper())
        if m:
            released = date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    notice = tuple(c for c in banner if "COPYRIGHT" in c.upper())
    # The header spans the rows after the banner's RELEASED line (or the
    # four rows above the HCPCS row): join each column's cells.
    first = header_at - 4
    for i in range(header_at):
        if any("RELEASED" in c.upper() for c in lines[i][1]):
            first = i + 1
    width = len(lines[header_at][1])
    names = []
    for col in range(width):
        parts = [row[col] for _, row in lines[max(first, 0) : header_at + 1] if col < len(row)]
        names.append(" ".join(" ".join(p for p in parts if p).split()).upper())
    index = {}
    for key, name in _RVU_COLUMNS.items():
        if name not in names:
            raise DataFileError(
                f"header has no column {name!r} (columns are mapped by name)",
                path=path,
                line=lines[header_at][0],
            )
        index[key] = names.index(name)
    found = RvuRows(path, _CSV_LABELS)
    for line, row in lines[header_at + 1 :]:
        if not any(row):
            continue
        if len(row) != width:
            raise DataFileError(
                f"row has {len(row)} columns, the header {width}", path=path, line=line
            )
        found.add({key: row[i] for key, i in index.items()}, line)
    conversion_factor = found.conversion_factor("no data rows after the header")
    name = f"RVU{year % 100:02d}{_QUARTER_LETTER[month] if month else ''}"
    base = Path(path.split("!")[-1]).name.upper()
    return RvuFile(
        path=path,
        year=year,
        month=month,
        name=name,
        released=released,
        qp="_QPP" in base,
        conversion_factor=conversion_factor,
        notice=notice,
        rows=found.rows,
    )


def _header(lines: list[tuple[int, list[str]]], needle: str, path: str) -> int:
    # A header cell is the column name alone; a title merely mentions it.
    for i, (_, row) in enumerate(lines):
        if any(needle == c.upper() or c.upper().startswith(needle + " ") for c in row[1:]):
            return i
    raise DataFileError(f"no header row with a {needle!r} column", path=path)


def _column(names: list[str], *needles: str, path: str, line: int) -> int:
    for i, name in enumerate(names):
        if all(n in name.upper() for n in needles):
            return i
    raise DataFileError(f"header has no {' '.join(needles)!r} column", path=path, line=line)


def _year(text: str, path: str) -> int:
    m = re.search(r"\b(20[0-9]{2})\b", text)
    if not m:
        raise DataFileError("no year in the title or header", path=path)
    return int(m.group(1))


def read_gpci(text: str, path: str) -> GpciFile:
    """Read Addendum E (GPCIs by locality)."""
    lines = list(_rows(text))
    at = _header(lines, "LOCALITY NUMBER", path)
    hline, names = lines[at]
    year = _year(" ".join(c for _, row in lines[: at + 1] for c in row), path)
    cols = {
        "mac": _column(names, "CONTRACTOR", path=path, line=hline),
        "state": _column(names, "STATE", path=path, line=hline),
        "number": _column(names, "LOCALITY NUMBER", path=path, line=hline),
        "name": _column(names, "LOCALITY NAME", path=path, line=hline),
        "pe": _column(names, "PE GPCI", path=path, line=hline),
        "mp": _column(names, "MP GPCI", path=path, line=hline),
    }
    floored = [i for i, n in enumerate(names) if "PW GPCI" in n.upper() and "WITH 1.0" in n.upper()]
    cols["work"] = floored[0] if floored else _column(names, "PW GPCI", path=path, line=hline)
    out: dict[str, Locality] = {}
    for line, row in lines[at + 1 :]:
        if not row or not row[0].isdigit():
            continue  # blank rows and footnotes
        if len(row) <= max(cols.values()):
            raise DataFileError(f"row has {len(row)} columns", path=path, line=line)
        mac, number = row[cols["mac"]], row[cols["number"]]
        if not (len(mac) == 5 and re.fullmatch(r"[0-9]{2}", number)):
            raise DataFileError(
                f"MAC {mac!r} / locality {number!r} is not a 5-digit MAC and 2-digit locality",
                path=path,
                line=line,
            )
        loc = Locality(
            mac=mac,
            state=row[cols["state"]],
            number=number,
            name=row[cols["name"]].rstrip("*").strip(),
            work_gpci=_decimal(row[cols["work"]], path=path, line=line, what="work GPCI"),
            pe_gpci=_decimal(row[cols["pe"]], path=path, line=line, what="PE GPCI"),
            mp_gpci=_decimal(row[cols["mp"]], path=path, line=line, what="MP GPCI"),
        )
        if loc.id in out:
            raise DataFileError(f"second row for locality {loc.id}", path=path, line=line)
        out[loc.id] = loc
    if not out:
        raise DataFileError("no locality rows", path=path)
    return GpciFile(path=path, year=year, localities=tuple(out.values()))


def read_locco(text: str, path: str) -> CountyFile:
    """Read the locality/county crosswalk (MACs and localities lose leading zeros there)."""
    lines = list(_rows(text))
    at = _header(lines, "COUNTIES", path)
    hline, names = lines[at]
    year = _year(" ".join(c for _, row in lines[:at] for c in row), path)
    mac_col = _column(names, "CONTRACTOR", path=path, line=hline)
    num_col = _column(names, "LOCALITY", path=path, line=hline)
    county_col = _column(names, "COUNTIES", path=path, line=hline)
    counties: dict[str, str] = {}
    for line, row in lines[at + 1 :]:
        if not row or not row[0]:
            continue
        if not row[0].isdigit():
            continue  # footnotes
        if len(row) <= county_col or not row[num_col].isdigit():
            raise DataFileError(
                f"row is not MAC, locality number, state, area, counties: {row!r}",
                path=path,
                line=line,
            )
        key = f"{int(row[mac_col]):05d}-{int(row[num_col]):02d}"
        counties[key] = row[county_col]
    if not counties:
        raise DataFileError("no locality rows", path=path)
    return CountyFile(path=path, year=year, counties=counties)
