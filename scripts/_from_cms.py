"""``build_data.py --from-cms DIR``: import a CMS quarter into ``data/sources/``.

Every file in ``DIR`` is recognised by the package's own CMS readers (the
NCCI PTP/MUE reader of ``EditSet.from_cms_files`` first, then the fee-schedule
reader of ``FeeSchedule.from_cms_files``); a file neither reads is an error
naming it. The rows the package uses are then compared with the committed
``_data/`` — PTP edits added, deleted and changed per setting, MUE values
changed per table, RVU rows and GPCI localities changed — and a CHANGELOG
"Data" entry is drafted from the counts.

Without ``--dry-run`` each file is copied under ``data/sources/`` (MUE, PTP and
PPRRVU CSV/TXT tables keep their notice and header lines verbatim and only the
data rows of the code catalog's codes and of the codes already bundled; GPCI
and locality files are copied whole), pinned in ``SHA256SUMS``, listed in
``SOURCES.md`` for the maintainer to complete, and ``_data/`` is rebuilt. An
input that would overwrite a different pinned file stops the import.

The whole quarter reaches ``_data/`` without a code change:
``scripts/build_ncci.py`` builds every ``ncci_*/`` folder holding both CMS MUE
tables and every ``ncci_<date>/`` folder holding the practitioner and
outpatient hospital PTP tables (``EditSet.bundled()`` applies each release
to the dates of service it is in force on), and ``scripts/build_fees.py``
every ``pfs/rvu*/`` folder of CMS fee files. A PTP file of the 2024-07-01
release lands beside the project's extract and is pinned, not built.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ot_billing_rules.errors import DataFileError, OTBillingError
from ot_billing_rules.ncci._cms_files import CMSTable, read_cms_files
from ot_billing_rules.payment._cms_files import read_paths
from ot_billing_rules.payment._files import CmsFile, CountyFile, GpciFile, RvuFile
from ot_billing_rules.payment._releases import from_json

#: A HCPCS/CPT code: five digits, a letter and four digits, or four digits and a
#: letter (never a header word such as ``HCPCS``).
_CODE = rb"[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}"
#: A data line of a PTP .txt (two codes, TAB) or an MUE/PPRRVU .csv (a code, comma).
_PTP_LINE = re.compile(rb"(" + _CODE + rb")\t(" + _CODE + rb")\t")
_CSV_LINE = re.compile(rb"(" + _CODE + rb"),")
#: Largest list of codes a summary line names before it only counts.
_SHOWN = 12


@dataclass
class Found:
    """One input file and what the readers made of it."""

    path: Path
    tables: list[CMSTable] = field(default_factory=list)
    files: list[CmsFile] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.tables:
            return "+".join(sorted({t.kind for t in self.tables}))
        return "+".join(sorted({type(f).__name__ for f in self.files}))


def detect(path: Path) -> Found:
    """Read ``path`` with the package's readers; a typed error names it when none can."""
    reasons: list[str] = []
    try:
        tables = list(read_cms_files([path], setting=None))
    except (OTBillingError, OSError) as exc:
        reasons.append(f"NCCI reader: {exc}")
    else:
        if tables:
            return Found(path, tables=tables)
        reasons.append("NCCI reader: no PTP or MUE table in it")
    try:
        files = read_paths((path,))
    except (OTBillingError, OSError) as exc:
        reasons.append(f"fee-schedule reader: {exc}")
    else:
        return Found(path, files=files)
    raise DataFileError(
        "not a CMS NCCI PTP/MUE file or zip, nor a PPRRVU, GPCI or locality file ("
        + "; ".join(reasons)
        + ")",
        path=str(path),
    )


def detect_all(folder: Path) -> list[Found]:
    """Every regular file directly in ``folder``, sorted by name."""
    if not folder.is_dir():
        raise DataFileError("not a directory of CMS files", path=str(folder))
    paths = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not paths:
        raise DataFileError("holds no file to import", path=str(folder))
    return [detect(p) for p in paths]


# --- what is bundled now ---------------------------------------------------------


def _catalog(sources: Path) -> set[str]:
    rows = json.loads((sources / "project" / "code_catalog.json").read_text("utf-8"))
    return {r["code"] for r in rows}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def bundled_ptp(data: Path) -> dict[str, dict[tuple[str, str], str]]:
    """Edits live in the newest bundled PTP table on its release date: setting ->
    (column 1, column 2) -> modifier indicator."""
    paths = sorted(p for p in data.glob("ncci_ptp_2*.csv"))
    out: dict[str, dict[tuple[str, str], str]] = {}
    if not paths:
        return out
    release = paths[-1].stem[len("ncci_ptp_") :]
    for r in _csv(paths[-1]):
        live = not r["deletion"] or r["deletion"] >= release
        if live and r["modifier_indicator"] != "9":
            out.setdefault(r["setting"], {})[(r["column_1"], r["column_2"])] = r[
                "modifier_indicator"
            ]
    return out


def bundled_codes(data: Path) -> set[str]:
    """Every code of a bundled PTP or MUE table, whichever release."""
    codes: set[str] = set()
    for path in sorted(data.glob("ncci_ptp_2*.csv")):
        for r in _csv(path):
            codes.update((r["column_1"], r["column_2"]))
    for table in bundled_mue(data).values():
        codes.update(table)
    return codes


def ptp_release(table: CMSTable) -> str:
    """The release a PTP table ships as: its date (read from the name, else the
    latest effective date in it, which means reading it), else its label."""
    when = table.release_date
    if when is None and table.max_effective is None:
        for _row in table.ptp_rows():
            pass
    when = table.source().release_date
    return when.isoformat() if when else table.release


def bundled_mue(data: Path) -> dict[str, dict[str, tuple[int, str]]]:
    """The newest bundled MUE table: setting -> code -> (value, MAI)."""
    paths = sorted(data.glob("ncci_mue_*.csv"))
    out: dict[str, dict[str, tuple[int, str]]] = {}
    for r in _csv(paths[-1]) if paths else []:
        out.setdefault(r["setting"], {})[r["code"]] = (int(r["value"]), r["mai"])
    return out


# --- the diff summary ----------------------------------------------------------------


def _names(items: Iterable[str]) -> str:
    shown = sorted(items)
    text = ", ".join(shown[:_SHOWN])
    return text + (f", … (+{len(shown) - _SHOWN})" if len(shown) > _SHOWN else "")


@dataclass
class Summary:
    """The reviewed diff of one import, as printed lines and CHANGELOG bullets."""

    lines: list[str] = field(default_factory=list)
    changelog: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _ptp_diff(found: list[Found], codes: set[str], sources: Path, data: Path, out: Summary) -> None:
    old = bundled_ptp(data)
    new: dict[tuple[str, str], dict[tuple[str, str], str]] = {}
    # A CMS PTP table comes in parts split by column-1 code: an edit counts as
    # deleted only inside the column-1 range the given parts cover.
    spans: dict[tuple[str, str], tuple[str, str]] = {}
    for f in found:
        for t in f.tables:
            if t.kind != "ptp":
                continue
            read = list(t.ptp_rows())
            when = t.source().release_date
            cut = int(when.strftime("%Y%m%d")) if when else 0
            key = (t.setting.value, ptp_release(t))
            rows = new.setdefault(key, {})
            if read:
                low, high = min(r[0] for r in read), max(r[0] for r in read)
                was = spans.get(key, (low, high))
                spans[key] = (min(low, was[0]), max(high, was[1]))
            for c1, c2, _prior, _eff, deletion, ind, _why in read:
                live = deletion is None or deletion >= cut
                if live and ind != "9" and c1 in codes and c2 in codes:
                    rows[(c1, c2)] = ind
    for (setting, release), rows in sorted(new.items()):
        low, high = spans.get((setting, release), ("", ""))
        before = {k: v for k, v in old.get(setting, {}).items() if low <= k[0] <= high}
        added = {f"{a}/{b}" for (a, b) in rows.keys() - before.keys()}
        deleted = {f"{a}/{b}" for (a, b) in before.keys() - rows.keys()}
        changed = {
            f"{a}/{b} ({before[(a, b)]}→{ind})"
            for (a, b), ind in rows.items()
            if (a, b) in before and before[(a, b)] != ind
        }
        where = setting.replace("_", " ")
        out.lines.append(
            f"PTP {where} {release} (column 1 {low}–{high}): {len(added)} edit(s) added, "
            f"{len(deleted)} deleted, {len(changed)} changed (modifier indicator), among the "
            "catalog's codes"
        )
        for label, items in (("added", added), ("deleted", deleted), ("changed", changed)):
            if items:
                out.lines.append(f"  {label}: {_names(items)}")
        out.changelog.append(
            f"NCCI PTP {where} edits of release {release}: {len(added)} added, "
            f"{len(deleted)} deleted, {len(changed)} changed among the catalog's codes"
            + (f" ({_names(added | deleted | changed)})" if added or deleted or changed else "")
            + "."
        )
    for release in sorted({release for _, release in new}):
        if any((sources / f"ncci_{release}").glob("ptp_*_ot_subset.csv")):
            out.notes.append(
                f"PTP release {release} is the project's extract (ncci_{release}/): the CMS "
                "files are pinned beside it, and the bundled table of that release stays the "
                "extract the dated history is checked against"
            )
        else:
            out.notes.append(
                f"PTP release {release} ships as _data/ncci_ptp_{release}.csv: "
                "EditSet.bundled() applies it, in place of the older releases, to dates of "
                "service from its release date on: give every part (f1, f2, …) of both settings"
            )


def _mue_diff(found: list[Found], codes: set[str], data: Path, out: Summary) -> None:
    old = bundled_mue(data)
    for f in found:
        for t in f.tables:
            if t.kind != "mue":
                continue
            rows = {c: (v, m or "") for c, v, m, _why in t.mue_rows() if c in codes}
            before = old.get(t.setting.value, {})
            changed = {
                f"{c} {before[c][0]}→{v}"
                for c, (v, _m) in rows.items()
                if c in before and before[c][0] != v
            }
            mai = {
                f"{c} MAI {before[c][1]}→{m}"
                for c, (_v, m) in rows.items()
                if c in before and m and before[c][1] != m
            }
            added, removed = rows.keys() - before.keys(), before.keys() - rows.keys()
            where = t.setting.value.replace("_", " ")
            out.lines.append(
                f"MUE {where} {t.release} ({Path(t.name).name}): {len(changed)} value(s) changed, "
                f"{len(mai)} MAI changed, {len(added)} code(s) added, {len(removed)} no longer "
                "listed, against the newest bundled table"
            )
            for label, items in (
                ("values", changed),
                ("MAI", mai),
                ("added", added),
                ("not listed", removed),
            ):
                if items:
                    out.lines.append(f"  {label}: {_names(items)}")
            out.changelog.append(
                f"NCCI MUE {where} table of {t.release}: {len(changed)} value(s) changed"
                + (f" ({_names(changed)})" if changed else "")
                + f", {len(added)} code(s) added, {len(removed)} no longer listed."
            )


def _rvu_key(row: Any) -> tuple[Any, ...]:
    return (row.status, row.work, row.pe_nonfacility, row.pe_facility, row.mp, row.mult_proc)


def _gpci_key(loc: Any) -> tuple[Decimal, Decimal, Decimal]:
    return (loc.work_gpci, loc.pe_gpci, loc.mp_gpci)


def _pfs_diff(found: list[Found], codes: set[str], data: Path, out: Summary) -> None:
    files = [x for f in found for x in f.files]
    if not files:
        return
    releases = from_json(json.loads((data / "pfs_fees.json").read_text("utf-8")))
    newest = releases[-1]
    for x in files:
        if isinstance(x, RvuFile):
            rows = {k: _rvu_key(r) for k, r in x.rows.items() if k[0] in codes}
            before = {k: _rvu_key(r) for k, r in newest.rows.items()}
            changed = {
                " ".join(filter(None, k)) for k in rows if k in before and rows[k] != before[k]
            }
            added = {" ".join(filter(None, k)) for k in rows.keys() - before.keys()}
            out.lines.append(
                f"RVU {x.name} ({Path(x.path).name}, CF {x.conversion_factor}): "
                f"{len(changed)} row(s) changed, {len(added)} added, against {newest.name}"
            )
            if changed:
                out.lines.append(f"  changed: {_names(changed)}")
            out.changelog.append(
                f"PFS {x.name} (CF {x.conversion_factor}): {len(changed)} RVU row(s) of the "
                f"catalog's codes changed from {newest.name}"
                + (f" ({_names(changed)})" if changed else "")
                + "."
            )
        elif isinstance(x, GpciFile):
            locs = {loc.id: _gpci_key(loc) for loc in x.localities}
            old_locs = {k: _gpci_key(v) for k, v in newest.localities.items()}
            moved = {k for k in locs if k in old_locs and locs[k] != old_locs[k]}
            out.lines.append(
                f"GPCI {x.year} ({Path(x.path).name}): {len(moved)} of {len(locs)} "
                f"localities changed, {len(locs.keys() - old_locs.keys())} new, against "
                f"{newest.name}"
            )
            out.changelog.append(
                f"PFS GPCIs {x.year}: {len(moved)} of {len(locs)} localities changed."
            )
        elif isinstance(x, CountyFile):
            out.lines.append(f"locality/county {x.year} ({Path(x.path).name}): read")
    out.notes.append(
        "the fee schedule ships the new files: scripts/build_fees.py builds every pfs/rvu*/ "
        "folder of CMS files (a PPRRVU release starts on its month, the year's GPCIs apply)"
    )


def summarize(found: list[Found], sources: Path, data: Path) -> Summary:
    """The diff of the inputs against the committed ``_data/``."""
    codes = _catalog(sources)
    out = Summary()
    for f in found:
        out.lines.append(f"read {f.path.name}: {f.kind}")
    _ptp_diff(found, codes, sources, data, out)
    _mue_diff(found, codes, data, out)
    _pfs_diff(found, codes, data, out)
    return out


def changelog_entry(summary: Summary, today: date) -> str:
    """A drafted Keep-a-Changelog "Data" section for the maintainer to edit."""
    bullets = "\n".join(f"- {line}" for line in summary.changelog) or "- (no change)"
    return f"### Data ({today.isoformat()}, drafted by build_data.py --from-cms)\n\n{bullets}\n"


# --- copying into data/sources ------------------------------------------------------


def subset(raw: bytes, keep: set[str]) -> bytes:
    """``raw`` with only the data lines of ``keep``'s codes; other lines verbatim."""
    out = []
    for line in raw.splitlines(keepends=True):
        ptp = _PTP_LINE.match(line)
        if ptp:
            if {ptp.group(1).decode(), ptp.group(2).decode()} <= keep:
                out.append(line)
            continue
        row = _CSV_LINE.match(line)
        if row is None or row.group(1).decode() in keep:
            out.append(line)
    return b"".join(out)


def _members(path: Path) -> list[tuple[str, bytes]]:
    """A zip's members as ``(base name, bytes)``, or the file itself."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [
                (Path(n).name, z.read(n))
                for n in sorted(z.namelist())
                if Path(n).suffix.lower() in (".txt", ".csv")
            ]
    return [(path.name, path.read_bytes())]


def plan_copies(found: list[Found], keep: set[str]) -> dict[str, bytes]:
    """Relative path under ``data/sources/`` -> the bytes to write there."""
    out: dict[str, bytes] = {}
    for f in found:
        if f.tables:
            # Named after the release date, which is how build_ncci.py dates a PTP release.
            labels = {ptp_release(t) if t.kind == "ptp" else t.release for t in f.tables}
            folder = f"ncci_{sorted(labels)[-1]}"
            names = {Path(t.name.split("!")[-1]).name for t in f.tables}
            for name, raw in _members(f.path):
                if name in names or not zipfile.is_zipfile(f.path):
                    out[f"{folder}/{name}"] = subset(raw, keep)
            continue
        rvu = [x for x in f.files if isinstance(x, RvuFile)]
        folder = f"pfs/{rvu[0].name.lower()}" if rvu else f"pfs/cms_{f.files[0].year}"
        for name, raw in _members(f.path):
            whole = not re.match(r"(?i)pprrvu", name)
            out[f"{folder}/{name}"] = raw if whole else subset(raw, keep)
    return out


def check_copies(copies: dict[str, bytes], sources: Path) -> None:
    """Refuse to overwrite a different file already under ``data/sources/``."""
    import hashlib

    for rel, raw in copies.items():
        target = sources / rel
        if target.exists() and target.read_bytes() != raw:
            raise DataFileError(
                f"would overwrite the different file data/sources/{rel} "
                f"(sha256 {hashlib.sha256(target.read_bytes()).hexdigest()[:12]}…): "
                "move or delete it first",
                path=str(target),
            )


def write_copies(copies: dict[str, bytes], sources: Path, origin: str, today: date) -> None:
    """Write the files, pin them and list them in SOURCES.md."""
    import hashlib

    pins_path = sources / "SHA256SUMS"
    pins = pins_path.read_text("utf-8").splitlines()
    rows = []
    for rel, raw in sorted(copies.items()):
        target = sources / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
        digest = hashlib.sha256(raw).hexdigest()
        pins = [p for p in pins if not p.endswith(f"  {rel}")] + [f"{digest}  {rel}"]
        rows.append(f"| `{rel}` | `{digest}` |")
    pins_path.write_text("\n".join(pins) + "\n", "utf-8")
    notes = sources / "SOURCES.md"
    section = (
        f"\n### Imported {today.isoformat()} by `build_data.py --from-cms` from `{origin}`\n\n"
        "CMS files recognised by the package's readers. NCCI and PPRRVU tables keep their "
        "notice and header lines verbatim and only the data rows of the code catalog's codes "
        "and of the codes already bundled; other files are whole. The maintainer completes "
        "the origin (CMS page, release date, full-file sha256) before committing.\n\n"
        "| file | sha256 |\n| --- | --- |\n" + "\n".join(rows) + "\n"
    )
    text = notes.read_text("utf-8")
    marker = "\n## Adding or refreshing a source"
    at = text.find(marker)
    notes.write_text(text[:at] + section + text[at:] if at >= 0 else text + section, "utf-8")
