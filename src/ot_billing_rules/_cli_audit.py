"""``ot-billing audit FILE``: audit visits from a JSON or CSV file.

JSON: one visit object (the :meth:`Visit.from_dict` keys) or a list of them.
Numbers with a decimal point are read as exact decimals, so money keeps its
cents.

CSV: one service per row, a header row naming the columns. Rows with the
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
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._cli_output import print_json
from .audit import AuditReport, AuditStatus, audit_visit
from .errors import DataFileError, OTBillingError
from .visit import Visit

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
CSV_COLUMNS = VISIT_COLUMNS + SERVICE_COLUMNS + POC_COLUMNS
_INT_COLUMNS = frozenset({"minutes", "assistant_minutes", "poc_treatment_days_since_report"})
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


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
    text = path.read_text("utf-8")
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


def read_json_visits(text: str, path: str) -> tuple[list[Visit], bool]:
    """Visits from JSON text: one object, or a list; also says which it was."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
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
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise DataFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; valid: {', '.join(CSV_COLUMNS)}",
            path=path,
            line=1,
        )
    missing = [c for c in ("visit_id", "date_of_service", "code") if c not in header]
    if missing:
        raise DataFileError(f"missing column(s) {', '.join(missing)}", path=path, line=1)
    groups: dict[str, dict[str, Any]] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise DataFileError("more cells than header columns", path=path, line=line)
        vid = (row.get("visit_id") or "").strip()
        if not vid:
            raise DataFileError("empty visit_id", path=path, line=line)
        group = groups.setdefault(vid, {"line": line, "visit": {}, "poc": {}, "services": []})
        for col in VISIT_COLUMNS + POC_COLUMNS:
            cell = (row.get(col) or "").strip()
            if not cell:
                continue
            target = group["poc"] if col.startswith("poc_") else group["visit"]
            key = col[4:] if col.startswith("poc_") else col
            value: Any = _int(cell, col, path, line) if col in _INT_COLUMNS else cell
            if key in target and target[key] != value:
                raise DataFileError(
                    f"visit {vid!r}: {col}={cell!r} disagrees with {target[key]!r} on an earlier "
                    "row",
                    path=path,
                    line=line,
                )
            target[key] = value
        service: dict[str, Any] = {"code": (row.get("code") or "").strip()}
        for col in SERVICE_COLUMNS[1:]:
            cell = (row.get(col) or "").strip()
            if col in _INT_COLUMNS:
                service[col] = _int(cell, col, path, line) if cell else None
            elif col == "separate_interval":
                service[col] = _bool(cell, path, line)
            elif cell:
                service[col] = cell
        group["services"].append(service)
    if not groups:
        raise DataFileError("no visit rows", path=path)
    visits: list[Visit] = []
    for vid, group in groups.items():
        data = dict(group["visit"], services=group["services"])
        if group["poc"]:
            data["plan_of_care"] = group["poc"]
        try:
            visits.append(Visit.from_dict(data))
        except OTBillingError as exc:
            raise DataFileError(f"visit {vid!r}: {exc}", path=path, line=group["line"]) from None
    return visits


def _int(cell: str, col: str, path: str, line: int) -> int:
    try:
        return int(cell)
    except ValueError:
        raise DataFileError(f"{col}={cell!r} is not a whole number", path=path, line=line) from None


def _bool(cell: str, path: str, line: int) -> bool:
    key = cell.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise DataFileError(
        f"separate_interval={cell!r} is not true/false (yes/no, 1/0)", path=path, line=line
    )


def render(report: AuditReport) -> str:
    """The plain-text rendering the command prints for one visit."""
    return report.to_text()
