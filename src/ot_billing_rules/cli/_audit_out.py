"""What ``ot-billing audit`` writes: one record per visit (text, json, jsonl or csv).

A record is an :class:`~ot_billing_rules.AuditResult`: the visit's report,
or the typed error that kept it from being audited (an *error record*). Each
record is written as soon as it comes, so memory does not grow with the
number of visits; :class:`Tally` counts them for the exit status and the
summary line.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from typing import Any

from ..audit import AuditReport, AuditStatus
from ..batch import AuditResult
from ..errors import DataFileError
from ..records import _Made
from ._output import json_text

__all__ = [
    "CSV_COLUMNS",
    "REPORT_FORMATS",
    "WORKER_FORMATS",
    "Tally",
    "error_dict",
    "made_csv",
    "made_jsonl",
    "write_made",
    "write_records",
]

#: The ``--format`` values that write the audit itself (the others export claim lines).
REPORT_FORMATS = ("text", "json", "jsonl", "csv")

#: The formats whose records the pool's workers write (``--workers``): one
#: visit's output does not depend on the others'.
WORKER_FORMATS = ("jsonl", "csv")

#: ``--format csv``: one row per finding (a visit without findings, or not
#: audited, has one row with ``rule`` empty).
CSV_COLUMNS = (
    "visit_id",
    "date_of_service",
    "payer",
    "status",
    "rule",
    "severity",
    "codes",
    "message",
    "error",
)

#: ``status`` of a visit that was not audited.
FAILED = "failed"


class Tally:
    """Counts of the records written, by outcome."""

    def __init__(self) -> None:
        self.counts = {s.value: 0 for s in AuditStatus} | {FAILED: 0}

    def add(self, result: AuditResult) -> None:
        """Count one record."""
        self.counts[FAILED if result.report is None else result.report.status.value] += 1

    def add_status(self, status: str) -> None:
        """Count one audited visit by its report's status (as a worker sent it)."""
        self.counts[status] += 1

    @property
    def total(self) -> int:
        """Records counted."""
        return sum(self.counts.values())

    @property
    def status(self) -> int:
        """The exit status: 2 if a visit was not audited, else 1 if one has an error finding."""
        if self.counts[FAILED]:
            return 2
        return 1 if self.counts[AuditStatus.ERRORS.value] else 0

    def summary(self) -> str:
        """The one line written to standard error at the end."""
        c = self.counts
        return (
            f"ot-billing: {self.total} visit{'' if self.total == 1 else 's'}: "
            f"{c['clean']} clean, {c['warnings']} with warnings, {c['errors']} with errors, "
            f"{c[FAILED]} not audited"
        )


def error_dict(result: AuditResult) -> dict[str, Any]:
    """The JSON record of a visit that was not audited."""
    error = result.error
    detail: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, DataFileError):
        detail |= {"path": error.path, "line": error.line}
    return {"visit_id": result.visit_id, "index": result.index, "status": FAILED, "error": detail}


def write_records(results: Iterable[AuditResult], fmt: str, *, single: bool, tally: Tally) -> None:
    """Write every record to standard output in ``fmt`` (one of :data:`REPORT_FORMATS`)."""
    write = sys.stdout.write
    csv_out = _CSVWriter() if fmt == "csv" else None
    for n, result in enumerate(results):
        tally.add(result)
        report = result.report
        if csv_out is not None:
            write(csv_out.rows(result))
        elif fmt == "text":
            write(("\n\n" if n else "") + (_text(result) if report is None else report.to_text()))
        elif fmt == "jsonl":
            write(json_text(_dict(result), indent=None) + "\n")
        elif single:
            write(json_text(_dict(result)))
        else:
            # The layout json.dump(reports, indent=2) would give, one report at a time.
            item = json_text(_dict(result)).replace("\n", "\n  ")
            write(("[\n  " if n == 0 else ",\n  ") + item)
    if fmt == "json":
        write("\n" if single else "\n]\n" if tally.total else "[]\n")
    elif fmt == "text":
        write("\n")


def write_made(items: Iterable[AuditResult | _Made], fmt: str, *, tally: Tally) -> None:
    """Write what the workers wrote (:func:`made_jsonl`, :func:`made_csv`) in input order,
    byte for byte what :func:`write_records` writes; a visit not audited comes as
    its :class:`AuditResult` and is written here."""
    write = sys.stdout.write
    # The CSV header goes out with the first record, as write_records does it.
    csv_out = _CSVWriter() if fmt == "csv" else None
    for item in items:
        if isinstance(item, AuditResult):
            tally.add(item)
            if csv_out is None:
                write(json_text(_dict(item), indent=None) + "\n")
            else:
                write(csv_out.rows(item))
                csv_out = _CSVWriter(header=False)
        else:
            status, text = item.value
            tally.add_status(status)
            if csv_out is not None and csv_out.header:
                write(csv_out.rows(None))
                csv_out = _CSVWriter(header=False)
            write(text)


def made_jsonl(result: AuditResult, report: AuditReport, version: str) -> tuple[str, str]:
    """Run in a worker: a visit's status and its ``--format jsonl`` line."""
    return report.status.value, json_text(report.to_dict(), indent=None) + "\n"


def made_csv(result: AuditResult, report: AuditReport, version: str) -> tuple[str, str]:
    """Run in a worker: a visit's status and its ``--format csv`` rows (no header)."""
    return report.status.value, _CSVWriter(header=False).rows(result)


def _dict(result: AuditResult) -> dict[str, Any]:
    return error_dict(result) if result.report is None else result.report.to_dict()


def _text(result: AuditResult) -> str:
    name = result.visit_id or f"#{result.index + 1}"
    message = " ".join(str(result.error).split())
    return f"Visit {name}: NOT AUDITED ({type(result.error).__name__})\n  {message}"


class _CSVWriter:
    def __init__(self, *, header: bool = True) -> None:
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, lineterminator="\n")
        self.header = header
        if header:
            self.writer.writerow(CSV_COLUMNS)

    def rows(self, result: AuditResult | None) -> str:
        # ``None``: only what is buffered (the header).
        report = None if result is None else result.report
        if result is None:
            pass
        elif report is None:
            self.writer.writerow(
                (result.visit_id or "", "", "", FAILED, "", "", "", "", _flat(result.error))
            )
        else:
            head = _head(report)
            for f in report.findings:
                self.writer.writerow(
                    (*head, f.rule, f.severity.value, " ".join(f.codes), _flat(f.message), "")
                )
            if not report.findings:
                self.writer.writerow((*head, "", "", "", "", ""))
        out = self.buf.getvalue()
        self.buf.seek(0)
        self.buf.truncate()
        return out


def _head(report: AuditReport) -> tuple[str, str, str, str]:
    v = report.visit
    return (v.visit_id or "", v.date_of_service.isoformat(), v.payer.name, report.status.value)


def _flat(text: object) -> str:
    # One physical line per row: a spreadsheet opened on it keeps one row per finding.
    return " ".join(str(text).split())
