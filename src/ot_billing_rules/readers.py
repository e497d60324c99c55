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
``None`` and missing values (``NaN``, ``pd.NA``, ``pd.NaT``: anything not
equal to itself) count as empty. A cell holding a container — a list, dict,
set, tuple or bytes — is an error naming the column, never a traceback.

Memory: by default every row is read before the first visit is yielded (a
visit's rows may be anywhere), keeping a compact state per visit. With
``grouped=True`` — each visit's rows consecutive, as in a table sorted by
``visit_id`` — a visit is yielded as soon as its rows end, and memory holds
one visit plus the set of visit ids already seen.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._coerce import ascii_int
from .errors import DataFileError, InvalidTypeError, OTBillingError
from .visit import Visit

if TYPE_CHECKING:
    from .payers import PayerPolicy

__all__ = ["ROW_COLUMNS", "NotGroupedError", "group_rows", "visits_from_rows"]

VISIT_COLUMNS = (
    "visit_id",
    "date_of_service",
    "discipline",
    "payer",
    "setting",
    "locality",
    "facility",
    "place_of_service",
    "ytd_allowed",
    "visit_allowed",
    "patient_id",
    "billing_provider",
    "progress_report",
)
SERVICE_COLUMNS = ("code", "minutes", "assistant_minutes", "modifiers", "separate_interval")
POC_COLUMNS = (
    "poc_first_treatment",
    "poc_certified_on",
    "poc_certified_through",
    "poc_interval_start",
    "poc_treatment_days_since_report",
    "poc_last_progress_report_on",
    "poc_order_signed_on",
    "poc_sent_to_physician_on",
)
#: Every column a row may carry.
ROW_COLUMNS = VISIT_COLUMNS + SERVICE_COLUMNS + POC_COLUMNS
_INT_COLUMNS = frozenset({"minutes", "assistant_minutes", "poc_treatment_days_since_report"})
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n", ""})


_COLUMN_SET = frozenset(ROW_COLUMNS)
_SERVICE_SET = frozenset(SERVICE_COLUMNS)


def _show(value: object) -> str:
    try:
        return reprlib.repr(value)
    except Exception:  # a repr that raises must not hide the real problem
        return f"<{type(value).__name__}>"


def _missing(value: object, col: str, where: str, line: int) -> bool:
    try:
        ne = value != value
        # pd.NA compares to NA itself, whose truth value raises: it is missing.
        return ne is value or bool(ne)
    except Exception:
        raise DataFileError(
            f"{col}={_show(value)} is not a cell value (text, a number or empty)",
            path=where,
            line=line,
        ) from None


def _cell(row: Mapping[str, Any], col: str, where: str, line: int) -> str:
    value = row.get(col)
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, (Iterable, bytes, bytearray, memoryview)):
        raise DataFileError(
            f"{col}={_show(value)} is a {type(value).__name__}, not a cell value "
            "(text, a number or empty)",
            path=where,
            line=line,
        )
    # NaN, NaT and pd.NA are the values not equal to themselves: missing cells.
    if _missing(value, col, where, line):
        return ""
    try:
        return str(value).strip()
    except Exception:
        raise DataFileError(
            f"{col}: a {type(value).__name__} that cannot be shown as text", path=where, line=line
        ) from None


def _int(cell: str, col: str, where: str, line: int) -> int:
    value = ascii_int(cell)
    if value is None:
        raise DataFileError(f"{col}={cell!r} is not a whole number", path=where, line=line)
    return value


def _bool(cell: str, where: str, line: int, col: str = "separate_interval") -> bool:
    key = cell.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise DataFileError(f"{col}={cell!r} is not true/false (yes/no, 1/0)", path=where, line=line)


class _Group:
    __slots__ = ("error", "line", "poc", "services", "visit")

    def __init__(self, line: int) -> None:
        self.line = line
        self.visit: dict[str, Any] = {}
        self.poc: dict[str, Any] = {}
        self.services: list[dict[str, Any]] = []
        self.error: DataFileError | None = None

    def add(self, row: Mapping[str, Any], vid: str, where: str, line: int) -> None:
        service: dict[str, Any] = {
            "code": "",
            "minutes": None,
            "assistant_minutes": None,
            "separate_interval": False,
        }
        # One pass over the row's own cells (keys are checked already): this
        # is the hot loop of a large table.
        for col, raw in row.items():
            cell = raw.strip() if raw.__class__ is str else _cell(row, col, where, line)
            if col in _SERVICE_SET:
                if col in _INT_COLUMNS:
                    service[col] = _int(cell, col, where, line) if cell else None
                elif col == "separate_interval":
                    service[col] = _bool(cell, where, line)
                elif cell or col == "code":
                    service[col] = cell
            elif cell:
                self._visit_cell(col, cell, vid, where, line)
        self.services.append(service)

    def _visit_cell(self, col: str, cell: str, vid: str, where: str, line: int) -> None:
        poc = col.startswith("poc_")
        target = self.poc if poc else self.visit
        key = col[4:] if poc else col
        value: Any = _int(cell, col, where, line) if col in _INT_COLUMNS else cell
        if col in ("facility", "progress_report"):  # an empty cell stays "not given"
            value = _bool(cell, where, line, col)
        if key in target and target[key] != value:
            raise DataFileError(
                f"visit {vid!r}: {col}={cell!r} disagrees with {target[key]!r} on an earlier row",
                path=where,
                line=line,
            )
        target[key] = value

    def build(
        self, vid: str, where: str, policies: Sequence[PayerPolicy] = ()
    ) -> Visit | DataFileError:
        if self.error is not None:
            # The error stands for the whole visit: name it, so it joins back to the claim.
            if self.error.visit_id is None:
                self.error.visit_id = vid
            return self.error
        data = dict(self.visit, services=self.services)
        if self.poc:
            data["plan_of_care"] = self.poc
        try:
            if policies:
                from ._audit_payer import with_policies

                resolved = with_policies(data, policies)
                return resolved if isinstance(resolved, Visit) else Visit.from_dict(resolved)
            return Visit.from_dict(data)
        except OTBillingError as exc:
            return DataFileError(f"visit {vid!r}: {exc}", path=where, line=self.line, visit_id=vid)


class NotGroupedError(DataFileError):
    """With ``grouped=True``: a visit's rows continue after another visit's rows."""


def visits_from_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str = "rows",
    first_line: int = 1,
    grouped: bool = False,
) -> Iterator[Visit | DataFileError]:
    """Group service rows into visits; yield a :class:`Visit` or the error, per visit.

    ``source`` names the table in error messages and ``first_line`` is the
    line (or row) number of the first row, so errors point at the right
    place (a CSV file with a header: ``first_line=2``). A row with no
    ``visit_id`` or with unknown columns is an error of its own, yielded in
    order; it is never dropped.

    By default all rows are read before the first visit is yielded, because
    a visit's rows may be anywhere in the table. ``grouped=True`` promises
    that each visit's rows are consecutive: visits are then yielded as their
    rows end, in the same order, with memory flat in the number of rows; a
    visit id that comes back after another visit's rows is a
    :class:`~ot_billing_rules.errors.DataFileError` in the place of that run
    of rows (the visit is never split into two silently).
    """
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise InvalidTypeError(
            f"rows must be an iterable of row mappings (a list of dicts, a csv.DictReader), "
            f"not {type(rows).__name__}",
            value=rows,
            field="rows",
        )
    if hasattr(rows, "columns") and hasattr(rows, "to_dict"):
        # Iterating a DataFrame gives its column names, not its rows.
        raise InvalidTypeError(
            "pass a DataFrame's rows: visits_from_rows(frame.to_dict('records'))",
            value=type(rows).__name__,
            field="rows",
        )
    return group_rows(enumerate(rows, first_line), source, grouped=grouped)


def _visit_id_or_none(row: Mapping[str, Any], source: str, line: int) -> str | None:
    try:
        return _cell(row, "visit_id", source, line) or None
    except DataFileError:
        return None


def _read(line: int, row: object, source: str) -> tuple[str, Mapping[str, Any]] | DataFileError:
    """The row's visit id and the row, or the error that makes the row unreadable."""
    if not isinstance(row, Mapping):
        return DataFileError(
            f"a row must be a mapping of column to cell, not {type(row).__name__}",
            path=source,
            line=line,
        )
    unknown = [c if isinstance(c, str) else _show(c) for c in row if c not in _COLUMN_SET]
    if unknown:
        return DataFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; valid: {', '.join(ROW_COLUMNS)}",
            path=source,
            line=line,
            visit_id=_visit_id_or_none(row, source, line),
        )
    try:
        vid = _cell(row, "visit_id", source, line)
    except DataFileError as exc:
        return exc
    return (vid, row) if vid else DataFileError("empty visit_id", path=source, line=line)


def group_rows(
    numbered: Iterable[tuple[int, object]],
    source: str,
    *,
    grouped: bool = False,
    policies: Sequence[PayerPolicy] = (),
) -> Iterator[Visit | DataFileError]:
    """:func:`visits_from_rows` over ``(line, row)`` pairs (for readers that know the line).

    ``policies``: the caller's own :class:`~ot_billing_rules.PayerPolicy` values;
    a visit's ``payer`` cell is looked up in them (by id or name) first.
    """
    if grouped:
        return _grouped(numbered, source, tuple(policies))
    return _anywhere(numbered, source, tuple(policies))


def _add(group: _Group, row: Mapping[str, Any], vid: str, source: str, line: int) -> None:
    if group.error is None:
        try:
            group.add(row, vid, source, line)
        except DataFileError as exc:
            group.error = exc


def _anywhere(
    numbered: Iterable[tuple[int, object]], source: str, policies: Sequence[PayerPolicy]
) -> Iterator[Visit | DataFileError]:
    groups: dict[str, _Group] = {}
    # Visit ids in first-seen order, with unreadable rows' errors in between.
    order: list[str | DataFileError] = []
    for line, row in numbered:
        read = _read(line, row, source)
        if isinstance(read, DataFileError):
            order.append(read)
            continue
        vid, mapping = read
        group = groups.get(vid)
        if group is None:
            group = groups[vid] = _Group(line)
            order.append(vid)
        _add(group, mapping, vid, source, line)
    for item in order:
        # pop: a visit's state is freed as soon as it is handed on.
        yield groups.pop(item).build(item, source, policies) if isinstance(item, str) else item


def _grouped(
    numbered: Iterable[tuple[int, object]], source: str, policies: Sequence[PayerPolicy]
) -> Iterator[Visit | DataFileError]:
    seen: set[str] = set()
    vid = ""
    group: _Group | None = None
    # Unreadable rows met while a visit is open come after it, as in first-seen order.
    pending: list[DataFileError] = []
    for line, row in numbered:
        read = _read(line, row, source)
        if isinstance(read, DataFileError):
            if group is None:
                yield read
            else:
                pending.append(read)
            continue
        if read[0] != vid or group is None:
            if group is not None:
                yield group.build(vid, source, policies)
                yield from pending
                pending.clear()
            vid = read[0]
            group = _Group(line)
            if vid in seen:
                group.error = NotGroupedError(
                    f"visit {vid!r} has rows here and before other visits' rows; with "
                    "grouped rows each visit's rows must be consecutive (sort by visit_id)",
                    path=source,
                    line=line,
                )
            seen.add(vid)
        _add(group, read[1], vid, source, line)
    if group is not None:
        yield group.build(vid, source, policies)
    yield from pending
