"""``ot-billing audit FILE --format ...``: the audited visits as claim lines.

Formats: ``837p-lines`` and ``837i-lines`` (loop-2400 segments, one a line,
a blank line between visits; the envelope is the caller's), ``cms1500-csv``
and ``ub04-csv`` (one header, a ``visit_id`` column first), ``fhir`` (one
FHIR R4 Claim a line). Pointers come from each service's
``diagnosis_pointers``, charges (per unit) from its ``charge`` or from
``--charges FILE`` (a JSON object of code to charge), and are never guessed.
A visit whose lines fail the pre-check is left out, named on standard error
with its findings, and the exit status is 1; ``--force`` writes it anyway.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from ..audit import AuditReport, audit_visit
from ..errors import DataFileError
from ..export import (
    CMS1500_COLUMNS,
    UB04_COLUMNS,
    ExportLine,
    ExportRefusedError,
    export_lines,
    to_837i_sv2,
    to_837p_sv1,
    to_cms1500_rows,
    to_fhir_claim,
    to_ub04_rows,
)
from ..ncci import EditData
from ..visit import Visit
from ._output import json_text

__all__ = ["FORMATS", "emit", "read_charges"]

#: The ``--format`` values.
FORMATS = ("837p-lines", "837i-lines", "cms1500-csv", "ub04-csv", "fhir")


def read_charges(path: str) -> dict[str, Decimal]:
    """``--charges FILE``: a JSON object mapping each code to its charge for one unit."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot read charges: {exc}", path=path) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise DataFileError('charges must be a JSON object such as {"97530": "45.00"}', path=path)
    out = {}
    for code, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise DataFileError(f"charge of {code} is {value!r}, not an amount", path=path)
        out[code.strip().upper()] = Decimal(str(value))
    return out


def emit(
    visits: Iterable[Visit],
    fmt: str,
    *,
    charges: Mapping[str, Decimal] | None,
    force: bool,
    edits: EditData | None = None,
) -> int:
    """Write the visits in ``fmt`` to standard output; 1 when a visit was refused."""
    status = 0
    write = sys.stdout.write
    header = {"cms1500-csv": CMS1500_COLUMNS, "ub04-csv": UB04_COLUMNS}.get(fmt)
    if header is not None:
        write(",".join(("visit_id", *header)) + "\n")
    for n, visit in enumerate(visits):
        report = audit_visit(visit, edits=edits)
        per_code = {s.code: s for s in visit.services}
        unit = dict(charges) if charges is not None else {
            c: s.charge for c, s in per_code.items() if s.charge is not None
        }  # fmt: skip
        lines = export_lines(
            report,
            pointers={c: s.diagnosis_pointers for c, s in per_code.items()},
            charges=unit,
            setting="outpatient_hospital" if fmt in ("837i-lines", "ub04-csv") else None,
        )
        try:
            text = _render(fmt, report, lines, visit, force=force)
        except ExportRefusedError as exc:
            status = 1
            name = visit.visit_id or f"#{n + 1}"
            found = "; ".join(f"{f.rule}: {f.message}" for f in exc.findings)
            print(f"ot-billing: visit {name} not exported: {found}", file=sys.stderr)
            continue
        write(text)
    return status


def _render(
    fmt: str, report: AuditReport, lines: tuple[ExportLine, ...], visit: Visit, *, force: bool
) -> str:
    count = len(visit.diagnoses) or None
    if fmt == "837p-lines":
        segs = to_837p_sv1(lines, diagnosis_count=count, force=force,
                           claim_place_of_service=visit.place_of_service)  # fmt: skip
        return "\n".join(segs) + "\n\n"
    if fmt == "837i-lines":
        return "\n".join(to_837i_sv2(lines, force=force)) + "\n\n"
    if fmt == "fhir":
        claim = to_fhir_claim(
            report,
            patient={"display": "not supplied"},
            provider={"display": "not supplied"},
            coverage={"display": "not supplied"},
            diagnoses=visit.diagnoses,
            lines=lines,
            force=force,
        )
        return json_text(claim, indent=None) + "\n"
    rows = (
        to_cms1500_rows(lines, diagnosis_count=count, force=force)
        if fmt == "cms1500-csv"
        else to_ub04_rows(lines, force=force)
    )
    out = io.StringIO()
    columns = CMS1500_COLUMNS if fmt == "cms1500-csv" else UB04_COLUMNS
    writer = csv.DictWriter(out, fieldnames=["visit_id", *columns], lineterminator="\n")
    writer.writerows({"visit_id": visit.visit_id or "", **row} for row in rows)
    return out.getvalue()
