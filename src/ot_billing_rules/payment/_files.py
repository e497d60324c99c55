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
