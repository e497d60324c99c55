"""The fixed-width PPRRVU ``.txt``, in the record layout of the CY2025 RVU documentation.

The file has no title or header row: ``HDR`` lines carry the AMA notice, and
the release comes from the CMS file name. 2026 added a column (``PRIC IND``)
whose fixed-width positions are not documented in the sources read here, so
a 2026 or later ``.txt`` is refused rather than read at guessed positions.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import DataFileError
from ._files import _QUARTER_LETTER, RvuFile, RvuRows

# Fixed-width PPRRVU record (RVU25D documentation, record layout; 1-based
# columns there, 0-based slices here). The description (8-57) is never read.
#: Field -> its name in the fixed-width layout, as error messages give it.
_TXT_LABELS = {
    "work": "work RVU",
    "pe_nonfacility": "non-facility PE RVU",
    "pe_facility": "facility PE RVU",
    "mp": "MP RVU",
    "cf": "conversion factor",
}

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
    found = RvuRows(path, _TXT_LABELS)
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
        found.add({key: raw[a:b].strip() for key, (a, b) in _TXT_FIELDS.items()}, line_no)
    conversion_factor = found.conversion_factor("no data records after the HDR lines")
    notice = " ".join(" ".join(notice_parts).split())
    return RvuFile(
        path=path,
        year=year,
        month=month,
        name=f"RVU{year % 100:02d}{_QUARTER_LETTER[month]}",
        released=None,
        qp="_QPP" in base.upper(),
        conversion_factor=conversion_factor,
        notice=(notice,) if notice else (),
        rows=found.rows,
    )
