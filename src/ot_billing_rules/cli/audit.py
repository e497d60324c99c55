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
poc_last_progress_report_on     plan of care: date of the last progress report
poc_order_signed_on             plan of care: date the order was signed (CY2025)
poc_sent_to_physician_on        plan of care: date the plan went to the physician
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

Output (``--format``): ``text`` (the default), ``json`` (one object for a
one-object file, else a list), ``jsonl`` (one compact JSON object a line),
``csv`` (one row per finding, columns :data:`~._audit_out.CSV_COLUMNS`), or
one of the claim-export formats (:mod:`._export`). ``--json`` is ``--format
json``.

Bad visits do not stop the run: a visit that cannot be read or audited is an
*error record* in its place (``"status": "failed"`` and the typed error) and
the next visit is audited. ``--fail-fast`` restores stopping: the input is
checked whole first and the first bad visit is the one error line (nothing
is printed). A broken file (not UTF-8, not JSON, a bad CSV header) always
stops before anything is printed. At the end one summary line goes to
standard error (``--quiet`` leaves it out); while the visits go by, a counter
is shown on standard error when it is a terminal.

``--workers N`` audits in a pool of ``N`` processes (default 1). The output,
summary line and exit status are those of one process, byte for byte: with
``--format jsonl`` or ``csv`` each worker writes its visits' lines and the
parent only copies them out in input order; with ``text`` and ``json`` the
reports come back to the parent, which writes them; with ``--history`` the
patients' histories are audited in the pool. The claim-export formats refuse
``--workers`` above 1 (a usage error, exit 2). Memory stays flat: a few
chunks of visits are in flight at a time.

``--db STORE`` audits every visit against an NCCI edit store written by
``ot-billing ncci import``; ``--payer-map FILE`` maps the payer names of the
input to policies (:mod:`._payer_map`).

Memory is flat in the number of visits: the input is checked in one pass,
then audited in a second, each report printed as soon as its visit is read.
A CSV whose visit rows are interleaved (not consecutive per ``visit_id``) is
the exception: each visit is held until the end of the file. Standard input
is spooled to a temporary file for the two passes.

Exit status: 2 if any visit was not audited (or the input, ``--db`` or
``--payer-map`` cannot be read: one line on stderr, nothing audited), else 1
if any visit has an error finding, else 0; 141 when the reader of standard
output goes away (``| head``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import textwrap
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from typing import Any

import attrs

from .._progress import cli_progress, track
from ..audit import AuditReport, audit_visit
from ..batch import AuditResult, audit_many
from ..errors import DataFileError, InvalidOptionError, OTBillingError
from ..ncci import EditData
from ..readers import ROW_COLUMNS
from ..records import _made_in_workers
from ..visit import Visit
from ._audit_out import (
    CSV_COLUMNS,
    REPORT_FORMATS,
    WORKER_FORMATS,
    Tally,
    made_csv,
    made_jsonl,
    write_made,
    write_records,
)
from ._commands import HELP
from ._history import located
from ._payer_map import PayerMap
from ._readers import Source, check_utf8, csv_visits, json_visits, open_source

#: ``--format`` values that export claim lines (``_export``), after the report formats.
EXPORT_FORMATS = ("837p-lines", "837i-lines", "cms1500-csv", "ub04-csv", "fhir")

_EPILOG = f"""\
output --format csv columns (one row per finding; a visit without findings,
or not audited, has one row with rule empty):
{textwrap.fill(", ".join(CSV_COLUMNS), 78, initial_indent="  ", subsequent_indent="  ")}
status is clean, warnings, errors, or failed (not audited: see error).

input CSV columns (one service per row; visit_id, date_of_service and code
are required):
{textwrap.fill(", ".join(ROW_COLUMNS), 78, initial_indent="  ", subsequent_indent="  ")}

--workers N: the output, summary and exit status of one process; with jsonl
and csv the workers write the records, with text and json (and --history)
the reports come back here; refused with the claim-export formats (exit 2).

exit status:
  0  every visit audited, no error finding
  1  every visit audited, at least one has an error finding
  2  a visit could not be read or audited (its error record is in the
     output), or the input, --db or --payer-map cannot be read
  141  standard output closed early (| head)
"""


def register(sub: Any) -> None:
    """Add the ``audit`` subcommand."""
    p = sub.add_parser(
        "audit",
        help=HELP["audit"],
        description="Audit one visit (JSON) or many (JSON list, or CSV with one service per "
        "row and a visit_id column). A visit that cannot be read or audited becomes an error "
        "record and the run goes on (--fail-fast stops instead); a one-line summary goes to "
        "stderr.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="a .json or .csv file, or - for standard input")
    p.add_argument(
        "--format",
        choices=(*REPORT_FORMATS, *EXPORT_FORMATS),
        help="text (default), json, jsonl (one JSON object a line), csv (columns below); "
        "or write claim lines instead of the report (the export page of the docs)",
    )
    p.add_argument("--json", action="store_true", help="the same as --format json")
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
    p.add_argument(
        "--db",
        metavar="STORE",
        help="NCCI edit store from 'ot-billing ncci import' for every visit (default: bundled)",
    )
    p.add_argument(
        "--payer-map",
        metavar="FILE",
        help="JSON object of input payer name to a policy id or policy JSON file, e.g. "
        '{"Aetna PPO": "commercial", "Acme": "acme-policy.json"}',
    )
    p.add_argument(
        "--fail-fast",
        action="store_true",
        help="stop at the first visit that cannot be read or audited (exit 2, nothing printed "
        "when the reading finds it)",
    )
    p.add_argument(
        "--quiet", action="store_true", help="no summary line and no progress counter on stderr"
    )
    p.add_argument(
        "--workers",
        metavar="N",
        default="1",
        help="audit in N worker processes (default 1); the output is the same as with one. "
        "jsonl and csv records are written by the workers; not with the claim-export formats",
    )
    p.add_argument("--charges", help="with an export --format: a JSON object of code to charge")
    p.add_argument(
        "--force", action="store_true", help="with an export --format: write refused lines too"
    )
    p.set_defaults(func=_audit)


def _audit(args: argparse.Namespace) -> int:
    fmt = _format(args)
    workers = _workers(args.workers, fmt)
    payers = PayerMap.read(args.payer_map) if args.payer_map else None
    with contextlib.ExitStack() as stack:
        edits = stack.enter_context(_open_store(args.db)) if args.db else None
        src = stack.enter_context(open_source(args.file))
        items, single = read_visits(src, args.input_format, fail_fast=args.fail_fast, payers=payers)
        stack.callback(items.close)  # end the reading pass while the file is open
        stream = track(items, cli_progress(args.quiet), None)
        if fmt in EXPORT_FORMATS:
            return _export(stream, fmt, args, edits)
        tally = Tally()
        if workers > 1 and not args.history and fmt in WORKER_FORMATS:
            made = _made_in_workers(
                stream,
                made_jsonl if fmt == "jsonl" else made_csv,
                workers=workers,
                fail_fast=args.fail_fast,
                edits=edits,
            )
            write_made(made, fmt, tally=tally)
        else:
            results = (
                _history_results(
                    stream, fail_fast=args.fail_fast, edits=edits, src=src, workers=workers
                )
                if args.history
                else _results(stream, fail_fast=args.fail_fast, edits=edits)
                if workers == 1
                else _pooled_results(stream, fail_fast=args.fail_fast, edits=edits, workers=workers)
            )
            write_records(results, fmt, single=single, tally=tally)
        if not args.quiet:
            sys.stdout.flush()  # the summary after the records, on a shared terminal
            print(tally.summary(), file=sys.stderr)
        return tally.status
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack re-raises


def _format(args: argparse.Namespace) -> str:
    if args.json and args.format not in (None, "json"):
        raise InvalidOptionError(
            f"--json and --format {args.format} disagree; give one of them",
            value=args.format,
            field="--format",
        )
    return "json" if args.json else args.format or "text"


def _workers(value: str, fmt: str) -> int:
    try:
        workers = int(value)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 1024:
        raise InvalidOptionError(
            f"--workers {value!r} is not a number of processes; give a whole number 1 to 1024",
            value=value,
            field="--workers",
        )
    if workers > 1 and fmt in EXPORT_FORMATS:
        raise InvalidOptionError(
            f"--workers {workers} works with the report formats ({', '.join(REPORT_FORMATS)}), "
            f"not --format {fmt}; leave --workers out to export claim lines",
            value=workers,
            field="--workers",
            valid=list(REPORT_FORMATS),
        )
    return workers


@contextlib.contextmanager
def _open_store(path: str) -> Iterator[EditData]:
    from ..ncci import EditSet

    store = EditSet.open(path)
    try:
        yield store
    finally:
        store.close()


def read_visits(
    src: Source,
    input_format: str | None = None,
    *,
    fail_fast: bool = True,
    payers: PayerMap | None = None,
) -> tuple[Generator[Visit | DataFileError, None, None], bool]:
    """Check ``src`` whole, then return its visits as a stream, and whether it was one object.

    Raises :class:`~ot_billing_rules.errors.DataFileError` (naming the file
    and line) before any visit is returned if the file is broken, or, with
    ``fail_fast``, if any visit in it is bad; otherwise a bad visit is its
    error in the stream.
    """
    check_utf8(src)
    if input_format:
        fmt = input_format
    elif src.stdin:
        fmt = src.sniff()
    else:
        fmt = "csv" if src.name.lower().endswith(".csv") else "json"
    if fmt == "csv":
        return csv_visits(src, fail_fast=fail_fast, payers=payers), False
    return json_visits(src, fail_fast=fail_fast, payers=payers)


def _failed(n: int, error: OTBillingError, visit_id: str | None) -> AuditResult:
    return AuditResult(index=n, error=error, visit_id=visit_id)


def _results(
    items: Iterable[Visit | DataFileError], *, fail_fast: bool, edits: EditData | None
) -> Iterator[AuditResult]:
    for n, item in enumerate(items):
        if isinstance(item, DataFileError):
            yield _failed(n, item, item.visit_id)
            continue
        try:
            report = audit_visit(item, edits=edits)
        except OTBillingError as exc:
            if fail_fast:
                raise
            yield _failed(n, exc, item.visit_id)
            continue
        yield AuditResult(index=n, report=report, visit_id=item.visit_id)


def _pooled_results(
    items: Iterable[Visit | DataFileError],
    *,
    fail_fast: bool,
    edits: EditData | None,
    workers: int,
) -> Iterator[AuditResult]:
    # A DataFileError in a visit's place is that visit's error record, as in _results.
    mode = "raise" if fail_fast else "collect"
    return audit_many(items, errors=mode, workers=workers, edits=edits)  # type: ignore[arg-type]


def _history_results(
    items: Iterable[Visit | DataFileError],
    *,
    fail_fast: bool,
    edits: EditData | None,
    src: Source,
    workers: int = 1,
) -> Iterator[AuditResult]:
    from ..history import audit_history  # only --history needs the composer

    # Visits that could not be read wait here for their place in the output;
    # the history holds every visit anyway.
    unread: deque[AuditResult] = deque()
    places: list[int] = []

    def visits() -> Iterator[Visit]:
        for n, item in enumerate(items):
            if isinstance(item, DataFileError):
                unread.append(_failed(n, item, item.visit_id))
            else:
                places.append(n)
                yield item

    run: Iterable[AuditResult] = audit_history(
        visits(), errors="collect", edits=edits, workers=workers
    )
    if fail_fast:
        # A visit the history refuses (its own ytd_allowed) is bad input, exit 2
        # like any other, with nothing printed before it: the whole history is
        # audited first (it holds every visit until the input ends anyway).
        run = list(run)
        refused = next((r for r in run if r.error is not None and not r.reader_failed), None)
        if refused is not None:
            raise located(refused, src) from refused.error
    for k, result in enumerate(run):
        if result.reader_failed and result.error is not None:
            raise result.error
        n = places[k]
        while unread and unread[0].index < n:
            yield unread.popleft()
        yield attrs.evolve(result, index=n)
    yield from unread


def _export(
    stream: Iterable[Visit | DataFileError],
    fmt: str,
    args: argparse.Namespace,
    edits: EditData | None,
) -> int:
    from ._export import emit, read_charges

    failed = 0

    def visits() -> Iterator[Visit]:
        nonlocal failed
        for n, item in enumerate(stream):
            if isinstance(item, Visit):
                yield item
                continue
            failed += 1
            name = item.visit_id or f"#{n + 1}"
            message = " ".join(str(item).split())
            print(f"ot-billing: visit {name} not audited: {message}", file=sys.stderr)

    charges = read_charges(args.charges) if args.charges else None
    status = emit(visits(), fmt, charges=charges, force=args.force, edits=edits)
    return 2 if failed else status


def render(report: AuditReport) -> str:
    """The plain-text rendering the command prints for one visit."""
    return report.to_text()
