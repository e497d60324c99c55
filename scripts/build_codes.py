"""Build the code catalog package data from the project's research data.

Reads ``data/sources/project/code_catalog.json`` (91 codes, our own
paraphrased descriptions) and the July 2024 RVU-file indicators in
``data/sources/ncci_2024-07-01/``, and writes:

- ``_data/code_catalog.json`` — one record per code in the library's schema,
  each keeping its source and the evidence grade of its therapy-list designation;
  the code families (unit basis, add-on links, once-per-day base codes,
  Medicare replacements) are checked for consistency first, since every rule
  family derives its tables from them;
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
from typing import Any

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
    "dry needling": "dry_needling",
}
CODE = re.compile(r"[0-9A-Z]{5}")
#: ``terms.UnitBasis`` values (the builder runs without the package installed).
UNIT_BASES = ("fifteen", "cognitive", "caregiver", "hours", "untimed", "monthly")
#: Bases whose codes come in base + add-on pairs with their own time rule.
FAMILY_BASES = ("cognitive", "caregiver", "hours")


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


def check_families(rows: list[dict[str, Any]]) -> None:
    """Stop the build, naming the code, when the family columns contradict each other."""
    by_code: dict[str, dict[str, Any]] = {}
    add_ons: dict[str, list[str]] = {}
    for r in rows:
        code = r["code"]
        if code in by_code or not CODE.fullmatch(code):
            raise SystemExit(f"bad or duplicate code {code!r}")
        by_code[code] = r
        if r["addon_to"]:
            add_ons.setdefault(r["addon_to"], []).append(code)
    for r in rows:
        code, basis, parent = r["code"], r.get("unit_basis"), r["addon_to"]
        if basis not in UNIT_BASES:
            raise SystemExit(
                f"code {code}: unit_basis {basis!r} is not one of {', '.join(UNIT_BASES)}"
            )
        minutes = r["unit_minutes"]
        if r["timed"] and not (isinstance(minutes, int) and minutes > 0):
            raise SystemExit(f"code {code}: timed, but unit_minutes is {minutes!r}")
        if (basis == "untimed") == bool(r["timed"]):
            raise SystemExit(f"code {code}: unit_basis {basis!r} contradicts timed={r['timed']}")
        if basis == "fifteen" and (r["unit_minutes"] != 15 or parent):
            raise SystemExit(
                f"code {code}: unit_basis 'fifteen' needs 15 minutes and no add-on link"
            )
        if parent and parent not in by_code:
            raise SystemExit(f"code {code}: add-on to {parent!r}, which is not a catalog code")
        # A family is one base and exactly one add-on, both of the family's basis.
        partners = [parent] if parent else add_ons.get(code, [])
        if basis in FAMILY_BASES and (
            len(partners) != 1 or by_code[partners[0]].get("unit_basis") != basis
        ):
            raise SystemExit(
                f"code {code}: unit_basis {basis!r} needs exactly one base or add-on code "
                "of the same basis"
            )
        once = r.get("once_per_day")
        if not isinstance(once, bool):
            raise SystemExit(f"code {code}: once_per_day must be true or false, not {once!r}")
        if once and (parent or len(partners) != 1):
            raise SystemExit(
                f"code {code}: once_per_day marks a family's base code, which needs exactly "
                "one add-on code and no add-on link of its own"
            )
        replacement = r.get("medicare_replacement")
        if not isinstance(replacement, list) or any(
            c not in by_code or c == code for c in replacement
        ):
            raise SystemExit(
                f"code {code}: medicare_replacement must list other catalog codes, "
                f"not {replacement!r}"
            )


def build(sources: Path, dest: Path) -> None:
    """Write the code catalog and the PFS indicator subset into ``dest``."""
    rows = json.loads((sources / "project" / "code_catalog.json").read_text("utf-8"))
    indicators_src = sources / "ncci_2024-07-01" / "pfs_rvu_indicators_2024-07_ot_subset.csv"
    with indicators_src.open(newline="", encoding="utf-8") as fh:
        status = {r["hcpcs_code"]: r["status"] for r in csv.DictReader(fh) if not r["modifier"]}
    check_families(rows)
    out = []
    for r in rows:
        code = r["code"]
        replaced, note = replacements(r["replaced_by"])
        out.append(
            {
                "code": code,
                "description": r["description"],
                "category": CATEGORIES[r["category"]],
                "timed": bool(r["timed"]),
                "unit_minutes": r["unit_minutes"],
                "unit_basis": r["unit_basis"],
                "add_on_to": [r["addon_to"]] if r["addon_to"] else [],
                "once_per_day": r["once_per_day"],
                "effective": r["effective"],
                "deleted": r["deleted"],
                "replaced_by": replaced,
                "replacement_note": note,
                "medicare_replacement": r["medicare_replacement"],
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
        release="2026-12-01",
    )
    shutil.copyfile(indicators_src, dest / "pfs_indicators_2024-07.csv")
    record(
        dest,
        "pfs_indicators_2024-07.csv",
        source="CMS National Physician Fee Schedule Relative Value File, July 2024, "
        "OT-relevant subset; rows via andrewallenbruce/northstar @ a37fd49",
        release="2024-07",
    )
