"""``ot-billing audit FILE``: audit visits from a JSON or CSV file.

The file must be UTF-8 (a byte-order mark is allowed); any other encoding is
refused with the offending byte, never guessed.

JSON: one visit object (the :meth:`Visit.from_dict` keys) or a list of them.
Numbers with a decimal point are read as exact decimals, so money keeps its
cents. A key repeated within one object is an error (JSON parsers usually
keep the last value, which would drop the first silently).

CSV: one service per row, a header row naming each column once. Rows with the
same ``visit_id`` form one visit; visit-level cells may be left empty on all
but one row of the visit, and must not disagree. Columns (only ``visit_id``,
``date_of_service`` and ``code`` are required; an unknown column is an error):

==============================  =============================================
column                          meaning
==============================  =============================================
visit_id                        groups the rows of one visit
date_of_service                 YYYY-MM-DD
discipline                      OT (default), PT or SLP
payer                           medicare (default) or commercial
setting                         practitioner (default) or outpatient_hospital
ytd_allowed, visit_allowed      dollars, e.g. 2150.00
code                            the service's CPT/HCPCS code
minutes, assistant_minutes      whole minutes
modifiers                       space- or comma-separated, e.g. "96 XU"
separate_interval               true/false (also yes/no, 1/0)
poc_first_treatment             plan of care: first treatment day
poc_certified_on                plan of care: certification signature date
poc_certified_through           plan of care: last certified day
poc_interval_start              plan of care: recertification interval start
poc_treatment_days_since_report plan of care: treatment days since last report
==============================  =============================================

Exit status: 0 when no visit has an error finding, 1 when any has, 2 for
unreadable input (one line on stderr).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._cli_output import print_json
from .audit import AuditReport, AuditStatus, audit_visit
from .errors import DataFileError, OTBillingError
from .rows import ROW_COLUMNS, group_rows
from .visit import Visit


def register(sub: Any) -> None:
    """Add the ``audit`` subcommand."""
    p = sub.add_parser(
        "audit",
        help="audit visits (JSON or CSV): claim lines, units, modifiers, findings",
        description="Audit one visit (JSON) or many (JSON list, or CSV with one service per "
        "row and a visit_id column). Exit 0 clean or warnings only, 1 errors found, 2 bad input.",
    )
    p.add_argument("file", help="a .json or .csv file")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.set_defaults(func=_audit)


def _audit(args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = decode_text(path.read_bytes(), str(path))
    if path.suffix.lower() == ".csv":
        visits, single = read_csv_visits(text, str(path)), False
    else:
        visits, single = read_json_visits(text, str(path))
    reports = [audit_visit(v) for v in visits]
    if args.json:
        payload: Any = [r.to_dict() for r in reports]
        print_json(payload[0] if single else payload)
    else:
        print("\n\n".join(r.to_text() for r in reports))
    return 1 if any(r.status is AuditStatus.ERRORS for r in reports) else 0


def decode_text(raw: bytes, path: str) -> str:
    """The file's bytes as text: UTF-8 (a leading byte-order mark is allowed).

    Anything else — UTF-16, Latin-1 accents, binary — is a
    :class:`~ot_billing_rules.errors.DataFileError` naming the first bad
    byte, never a traceback.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataFileError(
            f"wrong encoding: byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8; "
            "save the file as UTF-8",
            path=path,
            line=line,
        ) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a repeated key would
    # silently drop the first value, so refuse it.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(Exception):
    pass


def read_json_visits(text: str, path: str) -> tuple[list[Visit], bool]:
    """Visits from JSON text: one object, or a list; also says which it was."""
    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except _DuplicateKey as exc:
        raise DataFileError(
            f"key {exc.args[0]!r} appears twice in one JSON object", path=path
        ) from None
    except RecursionError:
        raise DataFileError("JSON nested too deeply to be a visit file", path=path) from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise DataFileError(
            f"not readable JSON ({' '.join(str(exc).split())})", path=path
        ) from None
    single = isinstance(data, Mapping)
    items = [data] if single else data
    if not isinstance(items, list) or not items:
        raise DataFileError("expected a visit object or a non-empty list of visits", path=path)
    visits: list[Visit] = []
    for n, item in enumerate(items, 1):
        try:
            visits.append(Visit.from_dict(item))
        except OTBillingError as exc:
            where = "" if single else f"visit {n}: "
            raise DataFileError(f"{where}{exc}", path=path) from None
    return visits, single


def read_csv_visits(text: str, path: str) -> list[Visit]:
    """Visits from CSV text with one service per row (columns in the module docs)."""
    try:
        return _read_csv_visits(text, path)
    except csv.Error as exc:
        # A bare csv.Error knows no line; _CSVError carries the reader's.
        line = exc.line if isinstance(exc, _CSVError) else None
        raise DataFileError(f"malformed CSV ({exc})", path=path, line=line) from None


class _CSVError(csv.Error):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _read_csv_visits(text: str, path: str) -> list[Visit]:
    # strict: an unterminated quote is an error, not a cell that runs to the end.
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise _CSVError(str(exc), reader.reader.line_num) from None
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise DataFileError(
            f"column(s) {', '.join(map(repr, repeated))} appear more than once in the header",
            path=path,
            line=1,
        )
    unknown = [c for c in header if c not in ROW_COLUMNS]
    if unknown:
        raise DataFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; valid: {', '.join(ROW_COLUMNS)}",
            path=path,
            line=1,
        )
    missing = [c for c in ("visit_id", "date_of_service", "code") if c not in header]
    if missing:
        raise DataFileError(f"missing column(s) {', '.join(missing)}", path=path, line=1)
    visits: list[Visit] = []
    for item in group_rows(_numbered(reader, path), path):
        if isinstance(item, DataFileError):
            raise item
        visits.append(item)
    if not visits:
        raise DataFileError("no visit rows", path=path)
    return visits


def _numbered(reader: csv.DictReader[str], path: str) -> Iterator[tuple[int, dict[str, str]]]:
    for row in _rows(reader):
        if None in row:
            raise DataFileError("more cells than header columns", path=path, line=reader.line_num)
        yield reader.line_num, row


def _rows(reader: csv.DictReader[str]) -> Any:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _CSVError(str(exc), reader.reader.line_num) from None
        yield row


def render(report: AuditReport) -> str:
    """The plain-text rendering the command prints for one visit."""
    return report.to_text()
