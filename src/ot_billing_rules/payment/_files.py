"""The values the CMS fee-schedule readers share: parsed files and number cells.

Kept apart from the readers so the CSV reader (:mod:`._cms_files`) and the
fixed-width reader (:mod:`._cms_txt`) both build on it without importing
each other.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

import attrs

from ..errors import DataFileError
from ._model import Locality, RvuRow

_CODE = re.compile(r"[0-9A-Z]{5}")
_NUMBER = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,6})?|\.[0-9]{1,6}")
_QUARTER_LETTER = {1: "A", 4: "B", 7: "C", 10: "D"}


@attrs.frozen(eq=False)
class RvuFile:
    """What one PPRRVU file holds: its release, CF, notice and rows."""

    path: str
    year: int
    month: int | None
    name: str
    released: date | None
    qp: bool
    conversion_factor: Decimal
    notice: tuple[str, ...]
    rows: dict[tuple[str, str], RvuRow]


@attrs.frozen(eq=False)
class GpciFile:
    """The GPCIs of one year's localities."""

    path: str
    year: int
    localities: tuple[Locality, ...]


@attrs.frozen(eq=False)
class CountyFile:
    """The locality/county crosswalk of one year: locality id -> counties text."""

    path: str
    year: int
    counties: dict[str, str]


CmsFile = RvuFile | GpciFile | CountyFile


def _decimal(cell: str, *, path: str, line: int, what: str) -> Decimal:
    if not _NUMBER.fullmatch(cell):
        raise DataFileError(f"{what} {cell!r} is not a number such as 0.45", path=path, line=line)
    try:
        return Decimal(cell)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise DataFileError(f"{what} {cell!r} is not a number", path=path, line=line) from None


#: How each RVU field is named in a file's error messages (the CSV header's
#: own names, or the fixed-width layout's).
RvuLabels = dict[str, str]


class RvuRows:
    """The rows of one PPRRVU file as its reader finds them, and its conversion factors.

    Both readers (CSV and fixed-width) hand each record to :meth:`add` as a
    mapping of field -> cell text; the checks and messages are the same.
    """

    def __init__(self, path: str, labels: RvuLabels) -> None:
        self.path = path
        self.labels = labels
        self.rows: dict[tuple[str, str], RvuRow] = {}
        self.cfs: dict[Decimal, int] = {}

    def _number(self, cell: dict[str, str], key: str, line: int) -> Decimal:
        return _decimal(cell[key], path=self.path, line=line, what=self.labels[key])

    def add(self, cell: dict[str, str], line: int) -> None:
        """Check one record and keep it; a bad or repeated record names the line."""
        path = self.path
        code = cell["code"].upper()
        if not _CODE.fullmatch(code):
            raise DataFileError(
                f"HCPCS {cell['code']!r} is not a 5-character code", path=path, line=line
            )
        status = cell["status"]
        if not re.fullmatch(r"[A-Z]", status):
            raise DataFileError(f"status code {status!r} is not one letter", path=path, line=line)
        key = (code, cell["modifier"].upper())
        if key in self.rows:
            raise DataFileError(f"second row for {code} {key[1]}".rstrip(), path=path, line=line)
        self.rows[key] = RvuRow(
            code=code,
            modifier=key[1],
            status=status,
            work=self._number(cell, "work", line),
            pe_nonfacility=self._number(cell, "pe_nonfacility", line),
            pe_facility=self._number(cell, "pe_facility", line),
            mp=self._number(cell, "mp", line),
            pctc=cell["pctc"],
            global_days=cell["global_days"],
            mult_proc=cell["mult_proc"],
        )
        cf = self._number(cell, "cf", line)
        if cf:
            self.cfs.setdefault(cf, line)

    def conversion_factor(self, empty: str) -> Decimal:
        """The file's one conversion factor; ``empty`` says what a file without rows lacks."""
        if not self.rows:
            raise DataFileError(empty, path=self.path)
        if len(self.cfs) != 1:
            found = ", ".join(f"{cf} (line {line})" for cf, line in self.cfs.items()) or "none"
            raise DataFileError(f"expected one conversion factor, found {found}", path=self.path)
        return next(iter(self.cfs))
