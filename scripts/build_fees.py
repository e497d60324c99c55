"""Build the fee-schedule package data from the CMS files in ``data/sources/pfs/``.

Reads every folder of CMS files under ``pfs/`` — the CY2025 (RVU25D) and
CY2026 (RVU26C, non-QP) PPRRVU, GPCI and locality/county CSVs, and any
release ``build_data.py --from-cms`` adds (``pfs/rvu26d/``, say) — with the
package's own CMS readers, so the bundled data is what
``FeeSchedule.from_cms_files`` makes of the same files, and the CY2024
releases (RVU24A, RVU24AR, RVU24B, RVU24C) from their decoded
extracts. Keeps the rows of the code catalog's codes only, and writes
``_data/pfs_fees.json``. Descriptors are never read.

Dates of service per release: RVU24A 2024-01-01..2024-03-08 (the CF then
rose under the Consolidated Appropriations Act, 2024), RVU24AR
2024-03-09..2024-03-31, RVU24B from 2024-04-01, RVU24C from 2024-07-01,
RVU25D all of 2025 and RVU26C all of 2026 while they are the only releases
of their years held here; a later release of a year (RVU26D) takes over
from the first day of its month, the year's GPCIs shared.

Run through ``python scripts/build_data.py``.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from _manifest import record

# Build from this tree's package, whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from ot_billing_rules.errors import OTBillingError
from ot_billing_rules.payment._cms_files import read_paths
from ot_billing_rules.payment._model import Locality, Release, RvuRow
from ot_billing_rules.payment._releases import assemble, to_json
from ot_billing_rules.payment._schedule import QP_CONVERSION_FACTORS

NAME = "pfs_fees.json"
ARKRVU = "andrewallenbruce/arkrvu @ 6431dd5f9995ffeff2d8e2ba18723152642458ad"
RVU24 = (
    ("RVU24A", date(2024, 1, 1), date(2024, 3, 8)),
    ("RVU24AR", date(2024, 3, 9), date(2024, 3, 31)),
    ("RVU24B", date(2024, 4, 1), date(2024, 6, 30)),
    ("RVU24C", date(2024, 7, 1), date(2024, 12, 31)),
)
NOTICE = (
    "CPT codes and descriptions only are copyright American Medical Association. All Rights "
    "Reserved. Applicable FARS/DFARS Apply."
)


def _rvu24(sources: Path, name: str, start: date, end: date, codes: set[str]) -> Release:
    folder = sources / "pfs" / "rvu24"
    rows = {}
    cfs = set()
    with (folder / f"pprrvu_{name}_therapy.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["hcpcs"] not in codes:
                continue
            row = RvuRow(
                code=r["hcpcs"],
                modifier=r["mod"],
                status=r["status_code"],
                work=Decimal(r["work_rvu"]),
                pe_nonfacility=Decimal(r["non_fac_pe_rvu"]),
                pe_facility=Decimal(r["facility_pe_rvu"]),
                mp=Decimal(r["mp_rvu"]),
                pctc=r["pctc_ind"],
                global_days=r["glob_days"],
                mult_proc=r["mult_proc"],
            )
            rows[(row.code, row.modifier)] = row
            cfs.add(Decimal(r["conv_factor"]))
    if len(cfs) != 1:
        raise SystemExit(f"{name}: expected one conversion factor, found {sorted(cfs)}")
    locs = {}
    with (folder / f"gpci_{name}.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            loc = Locality(
                mac=r["mac"],
                state=r["state"],
                number=r["locality_number"],
                name=r["locality_name"].rstrip("*").strip(),
                work_gpci=Decimal(r["gpci_work"]),
                pe_gpci=Decimal(r["gpci_pe"]),
                mp_gpci=Decimal(r["gpci_mp"]),
            )
            locs[loc.id] = loc
    if len(locs) != 109:
        raise SystemExit(f"{name}: expected 109 localities, found {len(locs)}")
    return Release(
        name=name,
        start=start,
        end=end,
        released=None,
        conversion_factor=cfs.pop(),
        qp_conversion_factor=None,
        rows=rows,
        localities=locs,
        notice=(NOTICE,),
        source=f"{name} via {ARKRVU}",
        gpci_source=f"{name} GPCIs via {ARKRVU}",
    )


#: The folder of decoded CY2024 extracts (``_rvu24``); every other ``pfs/*/``
#: folder holds CMS files as downloaded (or subset by ``build_data.py --from-cms``).
EXTRACTS = "rvu24"
#: The releases this tree has always shipped; an imported quarter adds to them.
SHIPPED = ("RVU24A", "RVU24AR", "RVU24B", "RVU24C", "RVU25D", "RVU26C")
_KIND_ORDER = {"RvuFile": 0, "GpciFile": 1, "CountyFile": 2}


def cms_files(pfs: Path) -> list[Path]:
    """Every CMS fee file under ``pfs/`` outside the CY2024 extracts, by folder.

    Discovered rather than listed, so a release imported by ``build_data.py
    --from-cms`` (``pfs/rvu26d/``, say) is built without a code change.
    """
    return [
        path
        for folder in sorted(pfs.iterdir())
        if folder.is_dir() and folder.name != EXTRACTS
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix.lower() in (".csv", ".txt", ".zip")
    ]


def _described(files: list[Any], names: list[str]) -> str:
    """``RVU25D (PPRRVU2025_Oct, GPCI2025, 25LOCCO) and RVU26C (...)``: each CMS
    release with the files of its folder (PPRRVU, GPCI, locality order)."""
    by_folder: dict[str, list[Any]] = {}
    for f in files:
        by_folder.setdefault(Path(f.path.split("!")[0]).parent.name, []).append(f)
    parts = []
    for name in names:
        folder = by_folder.get(name.lower(), [])
        stems = [
            Path(f.path.split("!")[-1]).stem
            for f in sorted(folder, key=lambda f: _KIND_ORDER.get(type(f).__name__, 3))
        ]
        parts.append(f"{name} ({', '.join(stems)})" if stems else name)
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def build(sources: Path, dest: Path) -> None:
    """Write ``dest/pfs_fees.json``."""
    catalog = json.loads((sources / "project" / "code_catalog.json").read_text("utf-8"))
    codes = {r["code"] for r in catalog}
    pfs = sources / "pfs"
    try:
        files = read_paths(tuple(cms_files(pfs)))
        cms = assemble(files)
    except OTBillingError as exc:
        raise SystemExit(f"pfs: {exc}") from None
    releases = [_rvu24(sources, *spec, codes) for spec in RVU24]
    for release in cms:
        if len(release.localities) != 109:
            raise SystemExit(f"{release.name}: expected 109 localities")
        qp = QP_CONVERSION_FACTORS.get(release.start.year)
        rows = {k: v for k, v in release.rows.items() if k[0] in codes}
        releases.append(
            Release(
                name=release.name,
                start=release.start,
                end=release.end,
                released=release.released,
                conversion_factor=release.conversion_factor,
                qp_conversion_factor=qp,
                rows=rows,
                localities=release.localities,
                notice=release.notice,
                source=release.source,
                gpci_source=release.gpci_source,
            )
        )
    names = [r.name for r in releases]
    missing = [n for n in SHIPPED if n not in names]
    if missing or len(set(names)) != len(names):
        raise SystemExit(f"unexpected releases {names} (missing: {missing})")
    (dest / NAME).write_text(
        json.dumps(to_json(releases), indent=0, ensure_ascii=False) + "\n",
        "utf-8",
    )
    record(
        dest,
        NAME,
        source="CMS National Physician Fee Schedule Relative Value Files RVU24A, RVU24AR, RVU24B, "
        f"RVU24C (via andrewallenbruce/arkrvu @ 6431dd5f), {_described(files, names[4:])}: "
        "RVUs and indicators of the code catalog's codes, GPCIs of every locality; CY2026 QP "
        "conversion factor 33.5675 from the CY2026 PFS final rule",
        release=",".join(names),
        notice="CPT codes and descriptions only are copyright American Medical Association. All "
        "Rights Reserved. Applicable FARS/DFARS Apply. (This extract holds codes, RVUs and "
        "indicators only, no CPT descriptors.)",
    )
