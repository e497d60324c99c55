"""Build the code catalog package data from the project's research data.

Reads ``data/sources/project/code_catalog.json`` (91 codes, our own
paraphrased descriptions) and the July 2024 RVU-file indicators in
``data/sources/ncci_2024-07-01/``, and writes:

- ``_data/code_catalog.json`` — one record per code in the library's schema,
  each keeping its source and the evidence grade of its therapy-list designation;
- ``_data/pfs_indicators_2024-07.csv`` — fee-schedule status and indicators
  (status B, I, R, C, N ...) for the OT-relevant subset, copied unchanged.

Run through ``python scripts/build_data.py``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from _manifest import record

CATEGORIES = {
    "evaluation": "evaluation",
    "therapeutic procedure": "therapeutic_procedure",
    "group": "group",
    "cognitive": "cognitive",
    "caregiver training": "caregiver_training",
    "tests & measurements": "tests_and_measurements",
    "orthotics": "orthotics",
    "modality supervised": "modality_supervised",
    "modality constant attendance": "modality_constant_attendance",
    "feeding": "feeding",
    "wound care": "wound_care",
    "RTM": "remote_therapeutic_monitoring",
    "digital mental health (DMHT)": "digital_mental_health",
}
CODE = re.compile(r"[0-9A-Z]{5}")


def grade(basis: str) -> str:
    """Map the research's free-text basis to an evidence grade."""
    head = basis.split(" ", 1)[0].rstrip(":").lower()
    if head == "source":
        return "weak_source" if "weak" in basis else "source"
    if head in ("inferred", "unverified"):
        return head
    raise SystemExit(f"unrecognised therapy_list_basis {basis!r}")


def replacements(text: str | None) -> tuple[list[str], str | None]:
    if not text:
        return [], None
    codes = CODE.findall(text)
    # A bare "a|b|c" list needs no note; anything with words explains itself.
    note = text if re.search(r"[a-z(]", text, re.IGNORECASE) and "(" in text else None
    return codes, note


def build(sources: Path, dest: Path) -> None:
    """Write the code catalog and the PFS indicator subset into ``dest``."""
    rows = json.loads((sources / "project" / "code_catalog.json").read_text("utf-8"))
    indicators_src = sources / "ncci_2024-07-01" / "pfs_rvu_indicators_2024-07_ot_subset.csv"
    with indicators_src.open(newline="", encoding="utf-8") as fh:
        status = {r["hcpcs_code"]: r["status"] for r in csv.DictReader(fh) if not r["modifier"]}
    out = []
    seen = set()
    for r in rows:
        code = r["code"]
        if code in seen or not CODE.fullmatch(code):
            raise SystemExit(f"bad or duplicate code {code!r}")
        seen.add(code)
        replaced, note = replacements(r["replaced_by"])
        out.append(
            {
                "code": code,
                "description": r["description"],
                "category": CATEGORIES[r["category"]],
                "timed": bool(r["timed"]),
                "unit_minutes": r["unit_minutes"],
                "add_on_to": [r["addon_to"]] if r["addon_to"] else [],
                "effective": r["effective"],
                "deleted": r["deleted"],
                "replaced_by": replaced,
                "replacement_note": note,
                "therapy_list": r["therapy_list"],
                "therapy_list_grade": grade(r["therapy_list_basis"]),
                "therapy_list_basis": r["therapy_list_basis"],
                "medicare_status": status.get(code),
                "typical_disciplines": r.get("typical_disciplines") or [],
                "notes": r.get("notes") or "",
                "source": r["source"],
            }
        )
    out.sort(key=lambda rec: rec["code"])
    target = dest / "code_catalog.json"
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", "utf-8")
    record(
        dest,
        "code_catalog.json",
        source="descriptions paraphrased by the project; each record's source names its public "
        "references (CPT/HCPCS descriptors as printed by coding-reference sites, AOTA/APTA/ASHA, "
        "CMS and MAC pages); medicare_status from the CMS National Physician Fee Schedule "
        "Relative Value File, July 2024",
        release="2026-11-27",
    )
    shutil.copyfile(indicators_src, dest / "pfs_indicators_2024-07.csv")
    record(
        dest,
        "pfs_indicators_2024-07.csv",
        source="CMS National Physician Fee Schedule Relative Value File, July 2024, "
        "OT-relevant subset; rows via andrewallenbruce/northstar @ a37fd49",
        release="2024-07",
    )
