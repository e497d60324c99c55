"""The dated history of PTP edits that CMS changed retroactively.

The quarterly CMS files say how an edit stands *now*: an edit deleted back to
its effective date carries modifier indicator 9 and never applies, so an
audit of an old date of service follows what is known today. What the files
no longer show is that the edit *was* listed, and denied claims, until CMS
deleted it. ``_data/ncci_ptp_history.csv`` (built from
``data/sources/ncci_history/`` by ``scripts/build_ncci.py``) records those
changes with their public sources, so the audit can say so.

Only what CMS published is recorded; an edit without a row has no known
retroactive change, which is not the same as none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from .. import _data
from ..terms import Setting

HISTORY_FILE = "ncci_ptp_history.csv"


@attrs.frozen
class RetroactiveChange:
    """One PTP edit, in one setting, that CMS changed retroactively.

    The edit took effect on ``effective`` with ``modifier_indicator``; the
    NCCI release of ``changed_in`` deleted it back to ``deleted_to``
    (announced on ``announced``). Dates of service from ``deleted_to`` up to
    the day before ``changed_in`` were audited under the edit at the time
    and are not now.
    """

    setting: Setting
    column_1: str
    column_2: str
    effective: date
    modifier_indicator: str
    changed_in: date
    announced: date
    deleted_to: date
    event: str
    citations: tuple[str, ...]

    def covers(self, on: date) -> bool:
        """Whether the rule for date of service ``on`` changed retroactively."""
        return max(self.effective, self.deleted_to) <= on < self.changed_in


def _load() -> tuple[RetroactiveChange, ...]:
    return tuple(
        RetroactiveChange(
            setting=Setting(r["setting"]),
            column_1=r["column_1"],
            column_2=r["column_2"],
            effective=date.fromisoformat(r["effective"]),
            modifier_indicator=r["modifier_indicator"],
            changed_in=date.fromisoformat(r["changed_in"]),
            announced=date.fromisoformat(r["announced"]),
            deleted_to=date.fromisoformat(r["deleted_to"]),
            event=r["event"],
            citations=tuple(r["citations"].split(" | ")),
        )
        for r in _data.read_csv(HISTORY_FILE)
    )


def retroactive_changes() -> tuple[RetroactiveChange, ...]:
    """Every recorded retroactive change (read once per process)."""
    return _data.once(HISTORY_FILE, _load)


def changes_for(codes: Iterable[str], on: date, setting: Setting) -> tuple[RetroactiveChange, ...]:
    """The recorded changes to edits between two of ``codes`` that cover ``on``, in file order."""
    first, end = _span()
    if not first <= on < end:  # every recorded change covers a few months of one year
        return ()
    billed = set(codes)
    index = _by_column_1()
    found = [
        (i, c)
        for code in billed
        for i, c in index.get((setting, code), ())
        if c.column_2 in billed and c.covers(on)
    ]
    found.sort(key=lambda row: row[0])
    return tuple(c for _, c in found)


def _by_column_1() -> dict[tuple[Setting, str], tuple[tuple[int, RetroactiveChange], ...]]:
    """The recorded changes by (setting, column-1 code), each with its place in the file."""

    def build() -> dict[tuple[Setting, str], tuple[tuple[int, RetroactiveChange], ...]]:
        out: dict[tuple[Setting, str], list[tuple[int, RetroactiveChange]]] = {}
        for i, c in enumerate(retroactive_changes()):
            out.setdefault((c.setting, c.column_1), []).append((i, c))
        return {k: tuple(v) for k, v in out.items()}

    # Every audit asks, so the changes are looked up by code rather than scanned.
    return _data.once(HISTORY_FILE + "#by_column_1", build)


def _span() -> tuple[date, date]:
    """The first date of service any recorded change covers, and the day after the last."""

    def build() -> tuple[date, date]:
        changes = retroactive_changes()
        if not changes:
            return date.max, date.min
        return (
            min(max(c.effective, c.deleted_to) for c in changes),
            max(c.changed_in for c in changes),
        )

    return _data.once(HISTORY_FILE + "#span", build)
