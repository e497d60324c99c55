"""The bundled data backend: the PTP tables of every bundled release (the
July 2024 OT subset of the CMS PTP files, and any release built from CMS
files by ``build_data.py --from-cms``), the MUE tables of every bundled
release (2024-07-01 and 2026-04-01, each row carrying its release as
``effective``) and the fee-schedule status letters of the July 2024 RVU
file, read from ``_data`` once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from .. import _data
from .._coerce import coerce_enum
from ..catalog import FeeScheduleStatus, normalize_code
from ..errors import InvalidTypeError
from ..terms import Setting
from ._models import (
    BUNDLED_MUE_RELEASES,
    BUNDLED_RELEASE,
    MUE,
    EditSource,
    PTPEdit,
    _MemoryBackend,
    _ReleasedPTPEdit,
    infer_effective_dates,
)

__all__ = ["bundled_status", "load_bundled"]


def _status_map(
    status: Mapping[str, FeeScheduleStatus | str] | None,
) -> dict[str, FeeScheduleStatus]:
    if status is None:
        return bundled_status()
    if not isinstance(status, Mapping):
        raise InvalidTypeError(
            f"status must be a mapping of code to status letter, not {type(status).__name__}",
            value=status,
            field="status",
        )
    return {
        normalize_code(k): coerce_enum(FeeScheduleStatus, v, field=f"status[{k!r}]")
        for k, v in status.items()
    }


def bundled_status() -> dict[str, FeeScheduleStatus]:
    """Fee-schedule status letters of the bundled July 2024 RVU subset (no-modifier rows)."""

    def build() -> dict[str, FeeScheduleStatus]:
        return {
            r["hcpcs_code"]: FeeScheduleStatus(r["status"])
            for r in _data.read_csv("pfs_indicators_2024-07.csv")
            if not r["modifier"] and r["status"]
        }

    return dict(_data.once("ncci_status", build))


def _releases(kind: str, always: tuple[date, ...]) -> tuple[date, ...]:
    """The bundled ``kind`` releases: every ``ncci_<kind>_<date>.csv`` the manifest lists.

    Read from the manifest so that a quarter added by ``build_data.py
    --from-cms`` is loaded without a code change; ``always`` (the 2024-07-01
    PTP extract, the 2024-07-01 and 2026-04-01 MUE tables) are among them.
    """
    files = _data.read_json("manifest.json")["files"]
    head = f"ncci_{kind}_"
    found = set()
    for name in files:
        stem = name[len(head) : -len(".csv")]
        if name.startswith(head) and name.endswith(".csv") and stem[:1].isdigit():
            found.add(date.fromisoformat(stem))
    return tuple(sorted(found | set(always)))


def _ptp_table(released: date) -> list[PTPEdit]:
    """One bundled PTP release. The 2024-07-01 extract has no effective dates
    (inferred, per release); a table built from CMS files carries them."""
    rows = [
        PTPEdit(
            r["column_1"],
            r["column_2"],
            date.fromisoformat(r["effective"]) if r.get("effective") else None,
            date.fromisoformat(r["deletion"]) if r["deletion"] else None,
            r["modifier_indicator"],
            r["rationale"],
            r["setting"],
            prior_1996=r.get("prior_1996") == "1",
        )
        for r in _data.read_csv(f"ncci_ptp_{released.isoformat()}.csv")
    ]
    return list(infer_effective_dates(rows))


def _sources(kind: str, label: str, released: date, rows: list[Any]) -> list[EditSource]:
    return [
        EditSource(
            f"bundled {kind} {where.value} {label}",
            kind,
            where,
            label,
            released,
            sum(1 for x in rows if x.setting is where),
        )
        for where in Setting
    ]


def load_bundled() -> tuple[tuple[EditSource, ...], _MemoryBackend]:
    """The bundled rows: their sources and an in-memory backend over them.

    Several PTP releases are held side by side like the MUE tables: each
    row applies only while its release is the one in force on the date of
    service (``release_in_force``), so an older date keeps the older
    release's edits.
    """
    ptp: list[PTPEdit] = []
    sources: list[EditSource] = []
    tables = _releases("ptp", (BUNDLED_RELEASE,))
    for released in tables:
        rows = _ptp_table(released)
        if len(tables) > 1:
            rows = [_ReleasedPTPEdit(**_fields(e), table=released, tables=tables) for e in rows]
        ptp += rows
        sources += _sources("ptp", released.isoformat(), released, rows)
    mues: list[MUE] = []
    for released in _releases("mue", BUNDLED_MUE_RELEASES):
        label = released.isoformat()
        mue_rows = [
            MUE(r["code"], int(r["value"]), r["mai"], r["rationale"], r["setting"], released)
            for r in _data.read_csv(f"ncci_mue_{label}.csv")
        ]
        mues += mue_rows
        sources += _sources("mue", label, released, mue_rows)
    backend = _MemoryBackend(ptp, mues, bundled_status())
    return tuple(sources), backend


def _fields(edit: PTPEdit) -> dict[str, Any]:
    return {f.name: getattr(edit, f.name) for f in attrs.fields(PTPEdit)}
