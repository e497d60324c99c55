"""``ot-billing audit FILE --history --fail-fast``: where in the file a refused visit is.

The reader checks the file's rows, but the history refuses some visits the
reader accepts (a visit's own ``ytd_allowed``, ``visits_this_period`` or
``treatment_days_since_report``: the history computes them). With
``--fail-fast`` such a visit is an input error like any other bad row, named
by its line (CSV) or position (JSON).
"""

from __future__ import annotations

from ..batch import AuditResult
from ..errors import DataFileError
from ._readers import Source, _csv_rows


def located(result: AuditResult, src: Source) -> DataFileError:
    """``result``'s error as a :class:`~ot_billing_rules.errors.DataFileError` naming
    the visit's first CSV line, or its position in a JSON input."""
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
