"""``ot-billing audit FILE``: audit visits from a JSON or CSV file.

``FILE`` may be ``-`` for standard input. The format is JSON or CSV by
``--input-format``; without it a ``.csv`` name is CSV and any other name
JSON, and standard input is JSON when its first character (past blanks) is
``{`` or ``[``, CSV otherwise.

The file must be UTF-8 (a byte-order mark is allowed); any other encoding is
refused with the offending byte, never guessed.

JSON: one visit object (the :meth:`Visit.from_dict` keys) or a list of them.
Numbers with a decimal point are read as exact decimals, so money keeps its
cents. A key repeated within one object is an error (JSON parsers usually
keep the last value, which would drop the first silently).

CSV: one service per row, a header row naming each column once. Rows with the
same ``visit_id`` form one visit; visit-level cells may be left empty on all
but one row of the visit, and must not disagree. Every row has as many cells
as the header (fewer or more is an error naming the line). Columns (only ``visit_id``,
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
patient_id                      the beneficiary (``--history``)
billing_provider                NPI or TIN billing the visit (``--history``)
progress_report                 true when a progress report was written
==============================  =============================================

``--history`` audits the file as one claim history
(:func:`~ot_billing_rules.audit_history`): each visit with the KX total,
plan-of-care treatment days and same-day visits of its patient's other
visits in the file; a visit without ``patient_id`` is audited alone, with a
finding. The reports are printed in input order, in the same formats; every
visit is held in memory until the file ends (the history needs them all).

Memory is flat in the number of visits: the input is checked in one pass
(nothing is printed if any of it is bad), then audited in a second, each
report printed as soon as its visit is read. A CSV whose visit rows are
interleaved (not consecutive per ``visit_id``) is the exception: each visit
is held until the end of the file. Standard input is spooled to a temporary
file for the two passes.

Exit status: 0 when no visit has an error finding, 1 when any has, 2 for
unreadable input (one line on stderr), 141 when the reader of standard
output goes away (``| head``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Generator, Iterable
from typing import Any

from ..audit import AuditReport, AuditStatus, audit_visit
from ..visit import Visit
from ._commands import HELP
from ._output import json_text
from ._readers import Source, check_utf8, csv_visits, json_visits, open_source


def register(sub: Any) -> None:
    """Add the ``audit`` subcommand."""
    p = sub.add_parser(
        "audit",
        help=HELP["audit"],
        description="Audit one visit (JSON) or many (JSON list, or CSV with one service per "
        "row and a visit_id column). Exit 0 clean or warnings only, 1 errors found, 2 bad input.",
    )
    p.add_argument("file", help="a .json or .csv file, or - for standard input")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.add_argument(
        "--input-format",
        choices=("json", "csv"),
        help="how to read FILE (default: by its .csv suffix; standard input is sniffed)",
    )
    p.add_argument(
        "--history",
        action="store_true",
        help="audit the visits as one claim history per patient_id (KX totals, progress-report "
        "days and same-day visits carried from visit to visit)",
    )
    # -- claim export (issue 19) --
    p.add_argument(
        "--format",
        choices=("837p-lines", "837i-lines", "cms1500-csv", "ub04-csv", "fhir"),
        help="write claim lines instead of the report (the export page of the docs)",
    )
    p.add_argument("--charges", help="with --format: a JSON object of code to charge per unit")
    p.add_argument("--force", action="store_true", help="with --format: write refused lines too")
    p.set_defaults(func=_audit)


def _audit(args: argparse.Namespace) -> int:
    with open_source(args.file) as src:
        visits, single = read_visits(src, args.input_format)
        with contextlib.closing(visits):  # end the reading pass while the file is open
            if getattr(args, "format", None):
                from ._export import emit, read_charges

                charges = read_charges(args.charges) if args.charges else None
                return emit(visits, args.format, charges=charges, force=args.force)
            if args.history:
                from ._history import history_reports  # audits the whole history first

                return _emit(history_reports(visits, src), as_json=args.json, single=single)
            return _emit(visits, as_json=args.json, single=single)


def read_visits(
    src: Source, input_format: str | None = None
) -> tuple[Generator[Visit, None, None], bool]:
    """Check ``src`` whole, then return its visits as a stream, and whether it was one object.

    Raises :class:`~ot_billing_rules.errors.DataFileError` (naming the file
    and line) before any visit is returned if any part of the input is bad.
    """
    check_utf8(src)
    if input_format:
        fmt = input_format
    elif src.stdin:
        fmt = src.sniff()
    else:
        fmt = "csv" if src.name.lower().endswith(".csv") else "json"
    if fmt == "csv":
        return csv_visits(src), False
    return json_visits(src)


def _emit(visits: Iterable[Visit | AuditReport], *, as_json: bool, single: bool) -> int:
    status = 0
    write = sys.stdout.write
    for n, visit in enumerate(visits):
        report = visit if isinstance(visit, AuditReport) else audit_visit(visit)
        if report.status is AuditStatus.ERRORS:
            status = 1
        if not as_json:
            write(("\n\n" if n else "") + render(report))
        elif single:
            write(json_text(report.to_dict()))
        else:
            # The layout json.dump(reports, indent=2) would give, one report at a time.
            item = json_text(report.to_dict()).replace("\n", "\n  ")
            write(("[\n  " if n == 0 else ",\n  ") + item)
    write("\n]\n" if as_json and not single else "\n")
    return status


def render(report: AuditReport) -> str:
    """The plain-text rendering the command prints for one visit."""
    return report.to_text()
