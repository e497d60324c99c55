"""Build the KX-threshold package data from the project's research data.

Reads ``data/sources/project/kx_thresholds.json`` (per-year KX amounts and the
targeted medical review threshold, each with its sources) and writes
``_data/kx_thresholds.json`` in the library's schema, adding each year's
evidence grade (B where CMS or MAC text was read, C for trade sources; the
2026 amount was later read on a copy of the CMS Therapy Services page citing
CR 14252, so it is graded B rather than C).

Run through ``python scripts/build_data.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from _manifest import record

# B = CMS or MAC text seen; C = trade or association source.
GRADES = {
    2018: "C",
    2019: "C",
    2020: "C",
    2021: "B",
    2022: "B",
    2023: "B",
    2024: "B",
    2025: "C",
    2026: "B",
}


def build(sources: Path, dest: Path) -> None:
    """Write ``dest/kx_thresholds.json``."""
    raw = json.loads((sources / "project" / "kx_thresholds.json").read_text("utf-8"))
    years = []
    for row in raw["kx_thresholds"]:
        year = int(row["year"])
        ot, pt_slp = row["ot"], row["pt_slp_combined"]
        if not (isinstance(ot, int) and isinstance(pt_slp, int) and ot > 0 and pt_slp > 0):
            raise SystemExit(f"bad KX amounts for {year}: {row!r}")
        years.append(
            {
                "year": year,
                "ot": f"{ot}.00",
                "pt_slp": f"{pt_slp}.00",
                "grade": GRADES[year],
                "source": row["source"],
            }
        )
    years.sort(key=lambda r: r["year"])
    if len({r["year"] for r in years}) != len(years):
        raise SystemExit("duplicate KX year")
    caps = []
    for row in raw["therapy_caps"]:
        ot, pt_slp = row["ot"], row["pt_slp_combined"]
        if not (isinstance(ot, int) and isinstance(pt_slp, int) and ot > 0 and pt_slp > 0):
            raise SystemExit(f"bad therapy cap for {row['year']}: {row!r}")
        caps.append(
            {
                "year": int(row["year"]),
                "ot": f"{ot}.00",
                "pt_slp": f"{pt_slp}.00",
                "grade": row["grade"],
                "source": row["source"],
            }
        )
    caps.sort(key=lambda r: r["year"])
    # Caps (with the exceptions process) end where the KX thresholds begin.
    if {r["year"] for r in caps} & {r["year"] for r in years} or caps[-1]["year"] + 1 != years[0][
        "year"
    ]:
        raise SystemExit("therapy caps must end the year before the KX thresholds begin")
    manual = raw["manual_review_threshold"]
    review = raw["medical_review_threshold"]
    out = {
        "caps": caps,
        "manual_review": {
            "amount": f"{int(manual['amount'])}.00",
            "first_year": int(manual["first_year"]),
            "last_year": int(manual["last_year"]),
            "applies": manual["applies"],
            "grade": manual["grade"],
            "source": manual["source"],
        },
        "kx": years,
        "targeted_review": {
            "amount": f"{int(review['targeted_medical_review_threshold'])}.00",
            # 42 USC 1395l(g)(7)(B): $3,000 for 2018 through 2027; from 2028
            # the preceding year's amount increased by the MEI, not yet published.
            "first_year": 2018,
            "last_year": 2027,
            "applies": review["applies"],
            "grade": "B",
            "source": review["source"],
        },
    }
    (dest / "kx_thresholds.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )
    record(
        dest,
        "kx_thresholds.json",
        source="CMS Therapy Services page (CR 14252 for 2026), MAC articles (Noridian JE, NGS, "
        "Palmetto GBA), association and trade sources for the CY2006-CY2017 therapy caps; "
        "each year names its own",
        release=f"CY{years[-1]['year']}",
    )
