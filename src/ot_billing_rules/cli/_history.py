"""``ot-billing audit FILE --history``: the whole history audited before anything is printed.

The reader checks the file's rows, but the history refuses some visits the
reader accepts (a visit's own ``ytd_allowed``, ``visits_this_period`` or
``treatment_days_since_report``: the history computes them). Every visit is
audited first, so such a visit is an input error with nothing printed before
it, as for any other bad row; the history holds every visit until the file
ends anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..audit import AuditReport
from ..batch import AuditResult
from ..errors import DataFileError
from ..visit import Visit
from ._readers import Source, _csv_rows


def history_reports(visits: Iterable[Visit], src: Source) -> list[AuditReport]:
    """Every visit's report, in input order; the first refused visit is a
    :class:`~ot_billing_rules.errors.DataFileError` naming its line (CSV) or position."""
    from ..history import audit_history  # only --history needs the composer

    reports: list[AuditReport] = []
    for result in audit_history(visits, errors="collect"):
        if result.report is None:
            raise _located(result, src) from result.error
        reports.append(result.report)
    return reports


def _located(result: AuditResult, src: Source) -> DataFileError:
    vid = result.visit_id
    message = str(result.error)
    if vid is not None and not message.startswith(f"visit {vid}"):
        message = f"visit {vid!r}: {message}"
    line = _first_line(src, vid) if vid is not None else None
    if line is not None:
        return DataFileError(message, path=src.name, line=line, visit_id=vid)
    return DataFileError(f"visit #{result.index + 1}: {message}", path=src.name, visit_id=vid)


def _first_line(src: Source, vid: str) -> int | None:
    """The line of the first CSV row of visit ``vid``; ``None`` for JSON input."""
    try:
        with src.text() as text:
            for line, row in _csv_rows(text, src.name):
                if row.get("visit_id", "").strip() == vid:
                    return line
    except DataFileError:  # not CSV: the JSON reader keeps no lines per visit
        return None
    return None
