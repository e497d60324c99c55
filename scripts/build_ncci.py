"""Build the bundled NCCI edit data: the project's July 2024 CMS extract and
every CMS quarter imported since.

Reads ``data/sources/ncci_2024-07-01/`` (rows copied out of the CMS PTP and MUE
files effective 2024-07-01, OT-relevant subset; see ``data/sources/SOURCES.md``)
and writes:

- ``_data/ncci_ptp_2024-07-01.csv`` — practitioner and outpatient-hospital PTP
  rows, live and deleted: ``setting, column_1, column_2, deletion,
  modifier_indicator, rationale`` (deletion as an ISO date, empty when live;
  the extract has no effective dates — the library infers them, see
  ``ncci.infer_effective_dates``);
- ``_data/ncci_mue_2024-07-01.csv`` — practitioner and outpatient-hospital
  MUEs: ``setting, code, value, mai, rationale`` (a code missing from one
  setting's table has no row for it);
- ``_data/ncci_ptp_history.csv`` — the dated history CMS published for some
  PTP edits (``data/sources/ncci_history/``): when an edit took effect, the
  release that changed it retroactively and the date it was deleted back to,
  with the event and its citations. Every row must match a deleted row of
  the PTP extract (deletion date = ``deleted_to``), so the table cannot
  drift from the CMS files.

- ``_data/ncci_mue_<release>.csv`` and ``_data/ncci_ptp_<release>.csv`` — the
  CMS MUE and PTP tables of every other release under ``ncci_*/`` (imported
  by ``build_data.py --from-cms``), found without a code change; a PTP table
  keeps CMS's effective and deletion dates (``effective`` column) and
  ``EditSet.bundled()`` applies each release on the dates it is in force.

Fee-schedule status is already shipped by ``scripts/build_codes.py`` as
``_data/pfs_indicators_2024-07.csv`` and is reused, not copied.

Run through ``python scripts/build_data.py``.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import date
from pathlib import Path

from _manifest import record

# Build from this tree's package, whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from ot_billing_rules.errors import OTBillingError
from ot_billing_rules.ncci._cms_files import read_cms_files

CODE = re.compile(r"[0-9A-Z]{5}")
SETTINGS = ("practitioner", "outpatient_hospital")
NOTICE = (
    "CMS prints the American Medical Association's notice on every NCCI PTP and MUE file: "
    "CPT codes, descriptions and other data only are copyright American Medical Association. "
    "All rights reserved. CPT is a registered trademark of the American Medical Association. "
    "Applicable FARS/DFARS restrictions apply to government use. Fee schedules, relative value "
    "units, conversion factors and/or related components are not assigned by the AMA, are not "
    "part of CPT, and the AMA is not recommending their use. The AMA does not directly or "
    "indirectly practice medicine or dispense medical services. The AMA assumes no liability "
    "for data contained or not contained herein. (This subset holds codes and edit values "
    "only, no CPT descriptors.)"
)


def iso(text: str) -> str:
    if text == "*":
        return ""
    if not re.fullmatch(r"[0-9]{8}", text):
        raise SystemExit(f"bad deletion date {text!r}")
    return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()


#: The CMS MUE file names of one release, by setting (``Eff_MM-DD-YYYY``).
MUE_FILES = {
    "practitioner": re.compile(r"MCR_MUE_PractitionerServices_Eff_(\d\d)-(\d\d)-(\d{4})\.csv"),
    "outpatient_hospital": re.compile(
        r"MCR_MUE_OutpatientHospitalServices_Eff_(\d\d)-(\d\d)-(\d{4})\.csv"
    ),
}


def cms_mue_releases(sources: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """MUE releases held as CMS files (notice and header lines verbatim, the
    catalog's and the bundled codes only): release -> (folder, files by setting).

    Every ``ncci_*/`` folder is searched, so a quarter imported by
    ``build_data.py --from-cms`` is built without editing this module; a
    release needs both settings' tables.
    """
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for path in sorted(sources.glob("ncci_*/MCR_MUE_*.csv")):
        for setting, pattern in MUE_FILES.items():
            m = pattern.fullmatch(path.name)
            if m:
                release = f"{m.group(3)}-{m.group(1)}-{m.group(2)}"
                found.setdefault(release, {})[setting] = (path.parent.name, path.name)
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for release, files in sorted(found.items()):
        folders = {folder for folder, _ in files.values()}
        if set(files) != set(SETTINGS) or len(folders) != 1:
            raise SystemExit(
                f"MUE release {release}: needs the practitioner and outpatient hospital "
                f"tables in one ncci_*/ folder, found {sorted(files.items())}"
            )
        out[release] = (folders.pop(), {k: name for k, (_, name) in files.items()})
    return out


#: A CMS PTP table (``ccipra-v321r0-f1.txt``: practitioner, ``ccioph``: outpatient hospital).
PTP_FILE = re.compile(r"cci(pra|oph)-.*\.txt", re.IGNORECASE)
#: The project's own extract of a release (no effective dates, see ``build_ptp``).
EXTRACT = "ptp_*_ot_subset.csv"


def cms_ptp_releases(sources: Path) -> dict[str, dict[str, list[str]]]:
    """PTP releases held as CMS files: release -> setting -> file names.

    A release is an ``ncci_<YYYY-MM-DD>/`` folder (``build_data.py --from-cms``
    names it after the release date) with the practitioner and outpatient
    hospital ``.txt`` tables; every part given of each. A folder holding the
    project's extract (``ncci_2024-07-01/``) is built from the extract, which
    the dated history is checked against: CMS files copied there are pinned
    but not built.
    """
    found: dict[str, dict[str, list[str]]] = {}
    for path in sorted(sources.glob("ncci_*/*")):
        m = PTP_FILE.fullmatch(path.name)
        if m is None or any(path.parent.glob(EXTRACT)):
            continue
        release = path.parent.name[len("ncci_") :]
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", release):
            raise SystemExit(
                f"{path}: a CMS PTP table must sit in an ncci_<YYYY-MM-DD>/ folder named "
                "after its release date"
            )
        setting = "practitioner" if m.group(1).lower() == "pra" else "outpatient_hospital"
        found.setdefault(release, {}).setdefault(setting, []).append(path.name)
    for release, files in found.items():
        if set(files) != set(SETTINGS):
            raise SystemExit(
                f"PTP release {release}: needs the practitioner (ccipra) and outpatient "
                f"hospital (ccioph) tables in ncci_{release}/, found {sorted(files.items())}"
            )
    return dict(sorted(found.items()))


def build(sources: Path, dest: Path) -> None:
    """Write the PTP and MUE tables into ``dest``."""
    src = sources / "ncci_2024-07-01"
    build_ptp(src, dest)
    build_mue(src, dest)
    build_history(sources / "ncci_history", src, dest)
    for release, (folder, files) in cms_mue_releases(sources).items():
        build_cms_mue(sources / folder, files, release, dest)
    for release, by_setting in cms_ptp_releases(sources).items():
        build_cms_ptp(sources / f"ncci_{release}", by_setting, release, dest)


def _day(value: int | None) -> str:
    return (
        "" if value is None else date(value // 10000, value // 100 % 100, value % 100).isoformat()
    )


def build_cms_ptp(src: Path, files: dict[str, list[str]], release: str, dest: Path) -> int:
    """Write ``ncci_ptp_<release>.csv`` from the CMS tables of one release, with
    the effective dates CMS gives (the 2024-07-01 extract has none)."""
    out: list[tuple[str, ...]] = []
    for setting in SETTINGS:
        paths = [src / name for name in sorted(files[setting])]
        try:
            tables = list(read_cms_files(paths, setting=None))
            versions = {t.version for t in tables}
            parts = sorted(t.part or 0 for t in tables)
            # The new table replaces the older release on later dates: a part
            # left out would silently drop its column-1 codes' edits. A name
            # without a part (``-fN``) is the whole table, alone.
            if parts != [0] and parts != list(range(1, len(parts) + 1)):
                raise SystemExit(
                    f"PTP release {release} {setting}: parts {parts} given "
                    f"({sorted(files[setting])}): give every part f1, f2, … of the release"
                )
            if len(versions) > 1:
                raise SystemExit(
                    f"PTP release {release} {setting}: parts of several versions "
                    f"{sorted(files[setting])}: keep only the newest version's parts"
                )
            for t in tables:
                if t.kind != "ptp" or t.setting.value != setting:
                    raise SystemExit(f"{t.name}: not a CMS {setting} PTP table")
                for c1, c2, prior, eff, dele, ind, why in t.ptp_rows():
                    out.append(
                        (setting, c1, c2, _day(eff), _day(dele), ind, why, "1" if prior else "")
                    )
        except OTBillingError as exc:
            raise SystemExit(f"PTP release {release}: {exc}") from None
    target = dest / f"ncci_ptp_{release}.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            (
                "setting",
                "column_1",
                "column_2",
                "effective",
                "deletion",
                "modifier_indicator",
                "rationale",
                "prior_1996",
            )
        )
        w.writerows(sorted(out))
    names = ", ".join(sorted(n for setting in SETTINGS for n in files[setting]))
    record(
        dest,
        target.name,
        source=f"CMS Medicare NCCI Procedure-to-Procedure Edits effective {release}, "
        f"practitioner (ccipra) and outpatient hospital (ccioph) tables ({names}), rows of "
        "the OT-relevant codes with their CMS effective and deletion dates",
        release=release,
        notice=NOTICE,
    )
    return len(out)


def read_cms_mue(path: Path, setting: str) -> list[tuple[str, ...]]:
    """The rows of one CMS MUE csv: notice record, two-line header, then data rows."""
    label = {"practitioner": "Practitioner", "outpatient_hospital": "Outpatient Hospital"}[setting]
    out: list[tuple[str, ...]] = []
    with path.open(newline="", encoding="latin-1") as fh:
        records = csv.reader(fh)
        notice, header = next(records), next(records)
        if "American Medical Association" not in notice[0] or header[1] != (
            f"{label} Services MUE Values"
        ):
            raise SystemExit(f"{path}: not a CMS {setting} MUE file (header {header!r})")
        for number, r in enumerate(records, 3):
            if len(r) != 4 or not CODE.fullmatch(r[0]) or not r[1].isdigit():
                raise SystemExit(f"{path}: bad record {number}: {r!r}")
            mai = r[2][:1]
            if mai not in ("1", "2", "3"):
                raise SystemExit(f"{path}: bad MAI in record {number}: {r!r}")
            out.append((setting, r[0], r[1], mai, r[3]))
    return out


def build_cms_mue(src: Path, files: dict[str, str], release: str, dest: Path) -> int:
    out: list[tuple[str, ...]] = []
    for setting in SETTINGS:
        out += read_cms_mue(src / files[setting], setting)
    target = dest / f"ncci_mue_{release}.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("setting", "code", "value", "mai", "rationale"))
        w.writerows(out)
    record(
        dest,
        target.name,
        source=f"CMS NCCI Medically Unlikely Edits effective {release}, practitioner services "
        "and outpatient hospital services tables (MCR_MUE_*_Eff_"
        f"{release[5:7]}-{release[8:10]}-{release[:4]}.csv), rows of the OT-relevant codes",
        release=release,
        notice=NOTICE,
    )
    return len(out)


def build_ptp(src: Path, dest: Path) -> int:
    out: list[tuple[str, ...]] = []
    for setting in SETTINGS:
        path = src / f"ptp_{setting}_2024-07-01_ot_subset.csv"
        with path.open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["setting"] != setting or r["release"] != "2024-07-01":
                    raise SystemExit(f"{path}: unexpected row {r}")
                c1, c2, ind = r["column_1"], r["column_2"], r["modifier_indicator"]
                if not (CODE.fullmatch(c1) and CODE.fullmatch(c2)) or ind not in "019":
                    raise SystemExit(f"{path}: bad row {r}")
                out.append((setting, c1, c2, iso(r["deletion_date"]), ind, r["ptp_edit_rationale"]))
    target = dest / "ncci_ptp_2024-07-01.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ("setting", "column_1", "column_2", "deletion", "modifier_indicator", "rationale")
        )
        w.writerows(out)
    record(
        dest,
        target.name,
        source="CMS Medicare NCCI Procedure-to-Procedure Edits effective 2024-07-01, practitioner "
        "(ccipra) and outpatient hospital (ccioph) files, OT-relevant subset with history; rows "
        "via andrewallenbruce/northstar @ a37fd49 (effective dates not in the extract)",
        release="2024-07-01",
        notice=NOTICE,
    )
    return len(out)


def build_mue(src: Path, dest: Path) -> int:
    out: list[tuple[str, ...]] = []
    path = src / "mue_2024-07-01_ot_subset.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            code = r["hcpcs_cpt_code"]
            if not CODE.fullmatch(code):
                raise SystemExit(f"{path}: bad code {code!r}")
            for setting in SETTINGS:
                value, mai = r[f"{setting}_mue"], r[f"{setting}_mai"]
                if not value:
                    continue
                if not value.isdigit() or mai not in ("1", "2", "3"):
                    raise SystemExit(f"{path}: bad {setting} MUE in {r}")
                out.append((setting, code, value, mai, r[f"{setting}_rationale"]))
    target = dest / "ncci_mue_2024-07-01.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("setting", "code", "value", "mai", "rationale"))
        w.writerows(out)
    record(
        dest,
        target.name,
        source="CMS NCCI Medically Unlikely Edits effective 2024-07-01, practitioner services and "
        "outpatient hospital services tables, OT-relevant subset; rows via "
        "andrewallenbruce/northstar @ a37fd49",
        release="2024-07-01",
        notice=NOTICE,
    )
    return len(out)


HISTORY_FIELDS = (
    "setting",
    "column_1",
    "column_2",
    "effective",
    "modifier_indicator",
    "changed_in",
    "announced",
    "deleted_to",
    "sources",
)


def _iso_day(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"{where}: not an ISO date: {text!r}") from None


def build_history(src: Path, extract: Path, dest: Path) -> int:
    """Write ``ncci_ptp_history.csv``: the cited dated history of some PTP edits."""
    events = json.loads((src / "ptp_history_sources.json").read_text("utf-8"))
    deleted: dict[tuple[str, str, str], set[str]] = {}
    for setting in SETTINGS:
        path = extract / f"ptp_{setting}_2024-07-01_ot_subset.csv"
        with path.open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                key = (setting, r["column_1"], r["column_2"])
                deleted.setdefault(key, set()).add(iso(r["deletion_date"]))
    out: list[tuple[str, ...]] = []
    path = src / "ptp_history.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != HISTORY_FIELDS:
            raise SystemExit(f"{path}: columns {reader.fieldnames}, expected {HISTORY_FIELDS}")
        for number, r in enumerate(reader, 2):
            where = f"{path} line {number}"
            key = (r["setting"], r["column_1"], r["column_2"])
            effective, changed = _iso_day(r["effective"], where), _iso_day(r["changed_in"], where)
            to, announced = _iso_day(r["deleted_to"], where), _iso_day(r["announced"], where)
            if r["setting"] not in SETTINGS or r["modifier_indicator"] not in ("0", "1"):
                raise SystemExit(f"{where}: bad setting or modifier indicator: {r}")
            if not effective <= to < changed or announced > changed:
                raise SystemExit(f"{where}: dates out of order: {r}")
            if r["deleted_to"] not in deleted.get(key, set()):
                raise SystemExit(
                    f"{where}: the PTP extract has no {'/'.join(key)} row deleted on "
                    f"{r['deleted_to']}: the history does not match the CMS file"
                )
            event = events.get(r["sources"])
            if event is None:
                raise SystemExit(f"{where}: unknown sources id {r['sources']!r}")
            out.append(
                (
                    *key,
                    r["effective"],
                    r["modifier_indicator"],
                    r["changed_in"],
                    r["announced"],
                    r["deleted_to"],
                    event["event"],
                    " | ".join(event["citations"]),
                )
            )
    target = dest / "ncci_ptp_history.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow((*HISTORY_FIELDS[:-1], "event", "citations"))
        w.writerows(sorted(out))
    record(
        dest,
        target.name,
        source="Dated history of NCCI PTP edits that CMS changed retroactively "
        "(data/sources/ncci_history/: CMS PTP files and CMS announcements, cited per row)",
        release="2020-04-01",
    )
    return len(out)
