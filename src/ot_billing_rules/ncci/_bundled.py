"""The bundled data backend: the July 2024 OT subset of the CMS PTP files, the
MUE tables of every bundled release (2024-07-01 and 2026-04-01, each row
carrying its release as ``effective``) and the fee-schedule status letters of
the July 2024 RVU file, read from ``_data`` once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

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


def _mue_releases() -> tuple[date, ...]:
    """The bundled MUE releases: every ``ncci_mue_<date>.csv`` the manifest lists.

    Read from the manifest so that a quarter added by ``build_data.py
    --from-cms`` is loaded without a code change; the 2024-07-01 and
    2026-04-01 tables (``BUNDLED_MUE_RELEASES``) are always among them.
    """
    files = _data.read_json("manifest.json")["files"]
    found = {
        date.fromisoformat(name[len("ncci_mue_") : -len(".csv")])
        for name in files
        if name.startswith("ncci_mue_") and name.endswith(".csv")
    }
    return tuple(sorted(found | set(BUNDLED_MUE_RELEASES)))


def load_bundled() -> tuple[tuple[EditSource, ...], _MemoryBackend]:
    """The bundled July 2024 rows: their sources and an in-memory backend over them."""
    ptp = [
        PTPEdit(
            r["column_1"],
            r["column_2"],
            None,
            date.fromisoformat(r["deletion"]) if r["deletion"] else None,
            r["modifier_indicator"],
            r["rationale"],
            r["setting"],
        )
        for r in _data.read_csv("ncci_ptp_2024-07-01.csv")
    ]
    sources = [
        EditSource(
            f"bundled ptp {where.value} 2024-07-01",
            "ptp",
            where,
            "2024-07-01",
            BUNDLED_RELEASE,
            sum(1 for x in ptp if x.setting is where),
        )
        for where in Setting
    ]
    mues: list[MUE] = []
    for released in _mue_releases():
        label = released.isoformat()
        rows = [
            MUE(r["code"], int(r["value"]), r["mai"], r["rationale"], r["setting"], released)
            for r in _data.read_csv(f"ncci_mue_{label}.csv")
        ]
        mues += rows
        sources += [
            EditSource(
                f"bundled mue {where.value} {label}",
                "mue",
                where,
                label,
                released,
                sum(1 for x in rows if x.setting is where),
            )
            for where in Setting
        ]
    backend = _MemoryBackend(infer_effective_dates(ptp), mues, bundled_status())
    return tuple(sources), backend
