"""Synthetic inputs for the benchmarks, reproducible from a fixed seed.

Nothing here is real CMS data: the PTP file has the layout of a CMS
practitioner file (Latin-1, CRLF, the notice and wrapped header, seven TAB
fields) filled with made-up pairs, so the import can be timed at national
scale without shipping or downloading the real file.
"""

from __future__ import annotations

import random
from pathlib import Path

SEED = 20240701

_PREAMBLE = (
    "CPT only copyright 2025 American Medical Association.  All rights reserved.\t\t\t\t\t\t",
    "Column1/Column2 Edits\t\t\t\t\t\t",
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale",
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t",
    "\t\t\t\t*=no data\t1=allowed\t",
    "\t\t\t\t\t9=not applicable\t",
)
_RATIONALES = (
    "Mutually exclusive procedures",
    "CPT Manual or CMS manual coding instruction",
    "Standards of medical/surgical practice",
    "Misuse of Column Two code with Column One code",
)
_THERAPY = ["97110", "97112", "97140", "97150", "97530", "97535", "97165", "97166", "97750"]


def _code(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.8:
        return f"{rng.randrange(10000, 99999):05d}"
    if kind < 0.9:
        return f"{rng.randrange(0, 9999):04d}T"
    return f"{rng.choice('AGJLQ')}{rng.randrange(0, 9999):04d}"


def write_ptp_file(path: Path, rows: int, *, seed: int = SEED) -> list[tuple[str, str]]:
    """Write a CMS-layout practitioner PTP file of ``rows`` data rows.

    Returns a sample of the pairs written (for look-up benchmarks); the OT
    pairs 97150/97530 and 97165/97166 are always among them.
    """
    rng = random.Random(seed)
    sample: list[tuple[str, str]] = [("97150", "97530"), ("97165", "97166")]
    with path.open("w", encoding="latin-1", newline="\r\n") as fh:
        for line in _PREAMBLE:
            fh.write(line + "\n")
        fh.write("97150\t97530\t\t20200101\t*\t1\tMutually exclusive procedures\n")
        fh.write("97165\t97166\t\t20170101\t*\t0\tMutually exclusive procedures\n")
        for n in range(rows - 2):
            col1 = rng.choice(_THERAPY) if n % 50 == 0 else _code(rng)
            col2 = _code(rng)
            year = rng.randrange(1996, 2026)
            effective = f"{year}{rng.randrange(1, 13):02d}01"
            deleted = "*" if rng.random() < 0.6 else f"{rng.randrange(year, 2027)}1231"
            indicator = rng.choice("0119")
            prior = "*" if year == 1996 and rng.random() < 0.5 else ""
            fh.write(
                f"{col1}\t{col2}\t{prior}\t{effective}\t{deleted}\t{indicator}\t"
                f"{rng.choice(_RATIONALES)}\n"
            )
            if n % 25_000 == 0:
                sample.append((col1, col2))
    return sample
