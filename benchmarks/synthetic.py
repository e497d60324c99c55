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


#: The 6-service Medicare visit the audit benchmark times (issue 8).
SIX_SERVICE_VISIT: dict[str, object] = {
    "date_of_service": "2024-07-01",
    "services": [
        {"code": "97530", "minutes": 38},
        {"code": "97110", "minutes": 23},
        {"code": "97535", "minutes": 10},
        {"code": "97112", "minutes": 8},
        {"code": "97165"},
        {"code": "97010"},
    ],
}

#: The 4 timed codes the compute_units benchmark times: 102 minutes, 7 units,
#: two leftover units to place and no tie.
FOUR_TIMED_CODES: dict[str, int] = {"97110": 30, "97140": 22, "97530": 38, "97112": 12}

#: The same with a three-way tie for two units (alternatives and a finding to build).
FOUR_TIMED_CODES_TIED: dict[str, int] = {"97110": 23, "97140": 18, "97530": 38, "97112": 8}

_TIMED = ("97110", "97112", "97140", "97530", "97535", "97533", "97150", "97116", "97760")
_UNTIMED = ("97165", "97166", "97168", "97010", "97018")


def visit_dicts(count: int, *, seed: int = SEED) -> list[dict[str, object]]:
    """``count`` distinct OT visits in 2024 (JSON shape), made up from a fixed seed.

    Each has four timed and two untimed services, some assistant minutes
    and some services marked as separate intervals, so every rule family
    (units, CO, GO, PTP edits and bypasses, KX and plan-of-care notes) runs.
    """
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for n in range(count):
        services: list[dict[str, object]] = []
        for code in rng.sample(_TIMED, 4):
            minutes = rng.randrange(5, 46)
            svc: dict[str, object] = {"code": code, "minutes": minutes}
            if rng.random() < 0.2:
                svc["assistant_minutes"] = rng.randrange(0, minutes + 1)
            if rng.random() < 0.1:
                svc["separate_interval"] = True
            services.append(svc)
        services.extend({"code": code} for code in rng.sample(_UNTIMED, 2))
        out.append(
            {
                "visit_id": f"v{n}",
                "date_of_service": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "services": services,
            }
        )
    return out
