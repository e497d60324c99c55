"""Build the Medicare telehealth package data from the project's research tables.

Reads ``data/sources/telehealth/`` — ``windows.csv`` (the dated windows in
which PT, OT and SLP could bill Medicare telehealth, with the act behind each
and the day it was enacted), ``eras.csv`` (POS codes, the POS rate by date,
the billing conventions and the telehealth modifiers) and ``codes.csv`` (the
therapy codes on the Medicare Telehealth Services List by date, with their
status) — and writes ``_data/telehealth.json``. Every row keeps its source
and letter grade (A/B CMS or contractor text, C trade or association text,
D the project's inference); a fact no source read confirms is ``unknown``.

The build refuses overlapping windows, a gap between windows, an unknown
status or grade, and an end before its start.

Run through ``python scripts/build_data.py``.
"""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date
from pathlib import Path

from _manifest import record

GRADES = {"A", "B", "C", "D"}
WINDOW_STATUS = {"eligible", "not_eligible", "unknown"}
CODE_STATUS = {"temporary", "provisional", "permanent", "not_listed", "unknown"}
ERA_KINDS = {"pos_code", "pos_rate", "billing", "modifier"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _day(text: str, where: str) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise SystemExit(f"{where}: bad date {text!r}") from None


def _check_span(start: str | None, end: str | None, where: str) -> None:
    if start and end and end < start:
        raise SystemExit(f"{where}: end {end} before start {start}")


def _grade(row: dict[str, str], where: str) -> str:
    if row["grade"] not in GRADES or not row["source"].strip():
        raise SystemExit(f"{where}: needs a grade A-D and a source, got {row['grade']!r}")
    return row["grade"]


def _windows(sources: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for n, row in enumerate(_rows(sources / "telehealth" / "windows.csv"), 2):
        where = f"windows.csv line {n}"
        start, end = _day(row["start"], where), _day(row["end"], where)
        _check_span(start, end, where)
        if row["status"] not in WINDOW_STATUS:
            raise SystemExit(f"{where}: status {row['status']!r} not in {sorted(WINDOW_STATUS)}")
        out.append(
            {
                "start": start,
                "end": end,
                "status": row["status"],
                "enacted_on": _day(row["enacted_on"], where),
                "authority": row["authority"],
                "source": row["source"],
                "grade": _grade(row, where),
            }
        )
    # The windows tile time: each starts the day after the previous one ends.
    for before, after in itertools.pairwise(out):
        if before["end"] is None or after["start"] is None:
            raise SystemExit("windows.csv: only the first window may be open at the start")
        following = date.fromordinal(date.fromisoformat(str(before["end"])).toordinal() + 1)
        if following.isoformat() != after["start"]:
            raise SystemExit(
                f"windows.csv: gap or overlap between {before['end']} and {after['start']}"
            )
    return out


def _eras(sources: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for n, row in enumerate(_rows(sources / "telehealth" / "eras.csv"), 2):
        where = f"eras.csv line {n}"
        if row["kind"] not in ERA_KINDS:
            raise SystemExit(f"{where}: kind {row['kind']!r} not in {sorted(ERA_KINDS)}")
        start, end = _day(row["start"], where), _day(row["end"], where)
        _check_span(start, end, where)
        out.append({**row, "start": start, "end": end, "grade": _grade(row, where)})
    return out


def _codes(sources: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    spans: dict[str, list[tuple[str, str]]] = {}
    for n, row in enumerate(_rows(sources / "telehealth" / "codes.csv"), 2):
        where = f"codes.csv line {n}"
        start, end = _day(row["start"], where), _day(row["end"], where)
        if start is None:
            raise SystemExit(f"{where}: a code row needs a start")
        _check_span(start, end, where)
        if row["status"] not in CODE_STATUS:
            raise SystemExit(f"{where}: status {row['status']!r} not in {sorted(CODE_STATUS)}")
        for other_start, other_end in spans.get(row["code"], []):
            if start <= other_end and other_start <= (end or "9999-12-31"):
                raise SystemExit(f"{where}: {row['code']} overlaps another of its rows")
        spans.setdefault(row["code"], []).append((start, end or "9999-12-31"))
        out.append({**row, "start": start, "end": end, "grade": _grade(row, where)})
    out.sort(key=lambda r: (str(r["code"]), str(r["start"])))
    return out


def build(sources: Path, dest: Path) -> None:
    """Write ``dest/telehealth.json``."""
    data = {"windows": _windows(sources), "eras": _eras(sources), "codes": _codes(sources)}
    (dest / "telehealth.json").write_text(
        json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", "utf-8"
    )
    last = max(str(w["enacted_on"]) for w in data["windows"] if w["enacted_on"])
    record(
        dest,
        "telehealth.json",
        source="Acts of Congress extending SSA §1834(m) for PT/OT/SLP (CARES Act waiver, CAA 2023, "
        "American Relief Act 2025, H.R. 1968, Pub. L. 119-37, CAA 2026), CMS CR 12427, CMS PFS "
        "final rules CY 2024-2026 and MAC telehealth pages, as read in trade and MAC summaries; "
        "each row names its own",
        release=f"enacted through {last}",
    )
