"""Claim tables to visits: one service per row, grouped by ``visit_id``.

Billing systems and spreadsheets export one row per service line. This module
turns such rows — ``csv.DictReader`` rows, or ``DataFrame.to_dict("records")``
of a table read as text — into visits, one per ``visit_id`` in first-seen
order. A visit whose rows cannot be read comes back as the typed error in
its place, so a batch never loses a visit:

>>> from ot_billing_rules import visits_from_rows
>>> rows = [
...     {"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530", "minutes": "25"},
...     {"visit_id": "a", "code": "97533", "minutes": "20"},
...     {"visit_id": "b", "date_of_service": "2024-07-01", "code": "97530", "minutes": "x"},
... ]
>>> [type(v).__name__ for v in visits_from_rows(rows)]
['Visit', 'DataFileError']

Columns (``visit_id``, ``date_of_service`` and ``code`` are required; an
unknown column is an error): see :data:`ROW_COLUMNS`. Visit-level cells may be
empty on all but one row of a visit and must not disagree. Empty cells,
``None`` and pandas' missing values count as empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._coerce import ascii_int
from .errors import DataFileError, OTBillingError
from .visit import Visit

__all__ = ["ROW_COLUMNS", "group_rows", "visits_from_rows"]

VISIT_COLUMNS = (
    "visit_id",
    "date_of_service",
    "discipline",
    "payer",
    "setting",
    "ytd_allowed",
    "visit_allowed",
)
SERVICE_COLUMNS = ("code", "minutes", "assistant_minutes", "modifiers", "separate_interval")
POC_COLUMNS = (
    "poc_first_treatment",
    "poc_certified_on",
    "poc_certified_through",
    "poc_interval_start",
    "poc_treatment_days_since_report",
)
#: Every column a row may carry.
ROW_COLUMNS = VISIT_COLUMNS + SERVICE_COLUMNS + POC_COLUMNS
_INT_COLUMNS = frozenset({"minutes", "assistant_minutes", "poc_treatment_days_since_report"})
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n", ""})


def _cell(row: Mapping[str, Any], col: str) -> str:
    value = row.get(col)
    # NaN is the one value not equal to itself: pandas' missing cell.
    if value is None or value != value:
        return ""
    return str(value).strip()


def _int(cell: str, col: str, where: str, line: int) -> int:
    value = ascii_int(cell)
    if value is None:
        raise DataFileError(f"{col}={cell!r} is not a whole number", path=where, line=line)
    return value


def _bool(cell: str, where: str, line: int) -> bool:
    key = cell.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise DataFileError(
        f"separate_interval={cell!r} is not true/false (yes/no, 1/0)", path=where, line=line
    )


class _Group:
    __slots__ = ("error", "line", "poc", "services", "visit")

    def __init__(self, line: int) -> None:
        self.line = line
        self.visit: dict[str, Any] = {}
        self.poc: dict[str, Any] = {}
        self.services: list[dict[str, Any]] = []
        self.error: DataFileError | None = None

    def add(self, row: Mapping[str, Any], vid: str, where: str, line: int) -> None:
        for col in VISIT_COLUMNS + POC_COLUMNS:
            cell = _cell(row, col)
            if not cell:
                continue
            poc = col.startswith("poc_")
            target = self.poc if poc else self.visit
            key = col[4:] if poc else col
            value: Any = _int(cell, col, where, line) if col in _INT_COLUMNS else cell
            if key in target and target[key] != value:
                raise DataFileError(
                    f"visit {vid!r}: {col}={cell!r} disagrees with {target[key]!r} on an "
                    "earlier row",
                    path=where,
                    line=line,
                )
            target[key] = value
        service: dict[str, Any] = {"code": _cell(row, "code")}
        for col in SERVICE_COLUMNS[1:]:
            cell = _cell(row, col)
            if col in _INT_COLUMNS:
                service[col] = _int(cell, col, where, line) if cell else None
            elif col == "separate_interval":
                service[col] = _bool(cell, where, line)
            elif cell:
                service[col] = cell
        self.services.append(service)

    def build(self, vid: str, where: str) -> Visit | DataFileError:
        if self.error is not None:
            return self.error
        data = dict(self.visit, services=self.services)
        if self.poc:
            data["plan_of_care"] = self.poc
        try:
            return Visit.from_dict(data)
        except OTBillingError as exc:
            return DataFileError(f"visit {vid!r}: {exc}", path=where, line=self.line)


def visits_from_rows(
    rows: Iterable[Mapping[str, Any]], *, source: str = "rows", first_line: int = 1
) -> Iterator[Visit | DataFileError]:
    """Group service rows into visits; yield a :class:`Visit` or the error, per visit.

    ``source`` names the table in error messages and ``first_line`` is the
    line (or row) number of the first row, so errors point at the right
    place (a CSV file with a header: ``first_line=2``). A row with no
    ``visit_id`` or with unknown columns is an error of its own, yielded in
    order; it is never dropped. All rows are read before the first visit is
    yielded, because a visit's rows may be anywhere in the table.
    """
    return group_rows(enumerate(rows, first_line), source)


def group_rows(
    numbered: Iterable[tuple[int, object]], source: str
) -> Iterator[Visit | DataFileError]:
    """:func:`visits_from_rows` over ``(line, row)`` pairs (for readers that know the line)."""
    groups: dict[str, _Group] = {}
    # Visit ids in first-seen order, with unreadable rows' errors in between.
    order: list[str | DataFileError] = []
    for line, row in numbered:
        if not isinstance(row, Mapping):
            order.append(
                DataFileError(
                    f"a row must be a mapping of column to cell, not {type(row).__name__}",
                    path=source,
                    line=line,
                )
            )
            continue
        unknown = [str(c) for c in row if c not in ROW_COLUMNS]
        vid = _cell(row, "visit_id")
        if unknown or not vid:
            why = (
                f"unknown column(s) {', '.join(map(repr, unknown))}; "
                f"valid: {', '.join(ROW_COLUMNS)}"
                if unknown
                else "empty visit_id"
            )
            order.append(DataFileError(why, path=source, line=line))
            continue
        group = groups.get(vid)
        if group is None:
            group = groups[vid] = _Group(line)
            order.append(vid)
        if group.error is None:
            try:
                group.add(row, vid, source, line)
            except DataFileError as exc:
                group.error = exc
    for item in order:
        yield groups[item].build(item, source) if isinstance(item, str) else item
