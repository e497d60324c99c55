"""The fixed-width PPRRVU ``.txt``, in the record layout of the CY2025 RVU documentation.

The file has no title or header row: ``HDR`` lines carry the AMA notice, and
the release comes from the CMS file name. 2026 added a column (``PRIC IND``)
whose fixed-width positions are not documented in the sources read here, so
a 2026 or later ``.txt`` is refused rather than read at guessed positions.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from ..errors import DataFileError
from ._files import _CODE, _QUARTER_LETTER, RvuFile, _decimal
from ._model import RvuRow

# Fixed-width PPRRVU record (RVU25D documentation, record layout; 1-based
# columns there, 0-based slices here). The description (8-57) is never read.
_TXT_FIELDS = {
    "code": (0, 5),
    "modifier": (5, 7),
    "status": (57, 58),
    "work": (59, 65),
    "pe_nonfacility": (66, 72),
    "pe_facility": (75, 81),
    "mp": (84, 89),
    "pctc": (102, 103),
    "global_days": (103, 106),
    "mult_proc": (115, 116),
    "cf": (132, 140),
}
_TXT_NAME = re.compile(r"PPRRVU(20[0-9]{2}|[0-9]{2})_?(JAN|APR|JUL|OCT)", re.I)
_TXT_MONTH = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}
#: The layout above is documented through CY2025; 2026 added a column.
_TXT_LAST_YEAR = 2025


def read_pprrvu_txt(text: str, path: str) -> RvuFile:
    """Read the fixed-width PPRRVU ``.txt`` (the CY2025 record layout).

    The file carries no title, so the release comes from the CMS file name
    (``PPRRVU2025_Oct.txt``, ``PPRRVU25_JAN.txt``).
    """
    base = Path(path.split("!")[-1]).name
    named = _TXT_NAME.search(base)
    if not named:
        raise DataFileError(
            "a fixed-width PPRRVU file must keep its CMS name (e.g. PPRRVU2025_Oct.txt): "
            "the release is read from it",
            path=path,
        )
    year = int(named.group(1)) % 100 + 2000
    if year > _TXT_LAST_YEAR:
        raise DataFileError(
            f"the fixed-width layout of {year} is not the documented CY2025 one (2026 added "
            "PRIC IND); load the .csv of the same release",
            path=path,
        )
    month = _TXT_MONTH[named.group(2).upper()]
    notice_parts: list[str] = []
    rows: dict[tuple[str, str], RvuRow] = {}
    cfs: dict[Decimal, int] = {}
    for line_no, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("HDR"):
            notice_parts.append(raw[3:].strip())
            continue
        if not raw.strip():
            continue
        if len(raw) < 140:
            raise DataFileError(
                f"record is {len(raw)} characters; the layout needs at least 140",
                path=path,
                line=line_no,
            )
        cell = {key: raw[a:b].strip() for key, (a, b) in _TXT_FIELDS.items()}
        code = cell["code"].upper()
        if not _CODE.fullmatch(code):
            raise DataFileError(
                f"HCPCS {cell['code']!r} is not a 5-character code", path=path, line=line_no
            )
        if not re.fullmatch(r"[A-Z]", cell["status"]):
            raise DataFileError(
                f"status code {cell['status']!r} is not one letter", path=path, line=line_no
            )
        row_key = (code, cell["modifier"].upper())
        if row_key in rows:
            raise DataFileError(
                f"second row for {code} {row_key[1]}".rstrip(), path=path, line=line_no
            )
        rows[row_key] = RvuRow(
            code=code,
            modifier=row_key[1],
            status=cell["status"],
            work=_decimal(cell["work"], path=path, line=line_no, what="work RVU"),
            pe_nonfacility=_decimal(
                cell["pe_nonfacility"], path=path, line=line_no, what="non-facility PE RVU"
            ),
            pe_facility=_decimal(
                cell["pe_facility"], path=path, line=line_no, what="facility PE RVU"
            ),
            mp=_decimal(cell["mp"], path=path, line=line_no, what="MP RVU"),
            pctc=cell["pctc"],
            global_days=cell["global_days"],
            mult_proc=cell["mult_proc"],
        )
        cf = _decimal(cell["cf"], path=path, line=line_no, what="conversion factor")
        if cf:
            cfs.setdefault(cf, line_no)
    if not rows:
        raise DataFileError("no data records after the HDR lines", path=path)
    if len(cfs) != 1:
        found = ", ".join(f"{cf} (line {line})" for cf, line in cfs.items()) or "none"
        raise DataFileError(f"expected one conversion factor, found {found}", path=path)
    notice = " ".join(" ".join(notice_parts).split())
    return RvuFile(
        path=path,
        year=year,
        month=month,
        name=f"RVU{year % 100:02d}{_QUARTER_LETTER[month]}",
        released=None,
        qp="_QPP" in base.upper(),
        conversion_factor=next(iter(cfs)),
        notice=(notice,) if notice else (),
        rows=rows,
    )
