"""A reproducible synthetic billing export for the notebook page, its tests and the benchmark.

Nothing here is real claim data. The rows look like a practice-management
export: one row per service line, columns the audit does not read
(``claim_id``, ``icd10``), payer names as the export spells them, the
untimed evaluation with an empty minutes cell (so pandas reads the column as
floats), and 97110 split over a GO row and a GO,CO row the way a claim bills
therapist and assistant minutes. About one visit in 200 has a minutes cell
that is not a whole number (an error the audit must keep, with its visit id).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

__all__ = ["EXPORT_COLUMNS", "export_rows"]

#: The export's columns, in order.
EXPORT_COLUMNS = (
    "claim_id",
    "visit_id",
    "patient_id",
    "date_of_service",
    "payer",
    "locality",
    "code",
    "modifiers",
    "minutes",
    "icd10",
)
_PAYERS = ("MEDICARE PART B", "MEDICARE PART B", "Aetna Commercial")
_TIMED = ("97530", "97535", "97112", "97140", "97150")
_ICD10 = ("M25.511", "S52.501D", "I69.351", "G81.91")


def _services(rng: random.Random, first: bool) -> list[tuple[str, str, str]]:
    if first:
        return [("97166", "GO", "")]
    out = [(c, "GO", str(rng.randrange(8, 40))) for c in rng.sample(_TIMED, rng.randrange(1, 3))]
    if rng.random() < 0.3:  # therapist and assistant minutes of one code: two claim rows
        out.append(("97110", "GO", str(rng.randrange(8, 30))))
        out.append(("97110", "GO,CO", str(rng.randrange(8, 20))))
    if rng.random() < 0.005:
        code, mods, _ = out[0]
        out[0] = (code, mods, f"{rng.randrange(8, 40)}.5")
    return out


def export_rows(rows: int = 10_000, *, seed: int = 16, year: int = 2024) -> list[list[str]]:
    """``rows`` export rows (lists of cells in :data:`EXPORT_COLUMNS` order), grouped by visit."""
    rng = random.Random(seed)
    out: list[list[str]] = []
    visit = 0
    patients: dict[str, int] = {}
    while len(out) < rows:
        visit += 1
        pid = f"P{rng.randrange(0, max(rows // 12, 1)):05d}"
        seen = patients.get(pid, 0)
        patients[pid] = seen + 1
        day = date(year, 1, 2) + timedelta(days=rng.randrange(0, 360))
        payer = rng.choice(_PAYERS)
        icd = rng.choice(_ICD10)
        for code, mods, minutes in _services(rng, seen == 0):
            out.append(
                [
                    f"C{visit:07d}",
                    f"V{visit:07d}",
                    pid,
                    day.isoformat(),
                    payer,
                    "10112-00",
                    code,
                    mods,
                    minutes,
                    icd,
                ]
            )
    return out[:rows]
