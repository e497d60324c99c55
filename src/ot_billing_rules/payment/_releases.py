"""From read CMS files, or from the package data, to dated releases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from ..errors import DataFileError, InvalidInputError
from ._files import CountyFile, GpciFile, RvuFile
from ._model import Locality, Release, RvuRow


def assemble(files: Iterable[RvuFile | GpciFile | CountyFile]) -> tuple[Release, ...]:
    """Turn read CMS files into dated releases."""
    rvus: dict[int, list[RvuFile]] = defaultdict(list)
    qps: dict[str, RvuFile] = {}
    gpcis: dict[int, GpciFile] = {}
    counties: dict[int, CountyFile] = {}
    for f in files:
        if isinstance(f, RvuFile):
            if f.qp:
                qps[f.name] = f
            else:
                rvus[f.year].append(f)
        elif isinstance(f, GpciFile):
            if f.year in gpcis:
                raise DataFileError(
                    f"a second GPCI file for {f.year} (the first: {gpcis[f.year].path})",
                    path=f.path,
                )
            gpcis[f.year] = f
        else:
            counties[f.year] = f
    names = {f.name for group in rvus.values() for f in group}
    for name, qp_file in qps.items():
        if name not in names:
            raise DataFileError(
                f"QP file of {name} given without the non-QP PPRRVU file of the same release",
                path=qp_file.path,
            )
    releases: list[Release] = []
    for year, group in sorted(rvus.items()):
        group.sort(key=lambda f: f.month or 0)
        for i, f in enumerate(group):
            if i and group[i - 1].name == f.name:
                raise DataFileError(f"a second PPRRVU file of release {f.name}", path=f.path)
            start = date(year, 1, 1) if i == 0 else date(year, f.month or 1, 1)
            end = (
                date(year, group[i + 1].month or 1, 1) - timedelta(days=1)
                if i + 1 < len(group)
                else date(year, 12, 31)
            )
            gpci = gpcis.get(year)
            county = counties.get(year)
            locs = {
                loc.id: attrs.evolve(loc, counties=county.counties.get(loc.id) if county else None)
                for loc in (gpci.localities if gpci else ())
            }
            qp = qps.get(f.name)
            releases.append(
                Release(
                    name=f.name,
                    start=start,
                    end=end,
                    released=f.released,
                    conversion_factor=f.conversion_factor,
                    qp_conversion_factor=qp.conversion_factor if qp else None,
                    rows=f.rows,
                    localities=locs,
                    notice=f.notice,
                    source=Path(f.path).name,
                    gpci_source=Path(gpci.path).name if gpci else "",
                )
            )
    if not releases:
        raise InvalidInputError(
            "no PPRRVU file among the files given: a fee schedule needs one per release",
            field="paths",
        )
    return tuple(releases)


# ---------------------------------------------------------------- package data

_ROW_FIELDS = ("status", "work", "pe_nonfacility", "pe_facility", "mp", "pctc", "global_days",
               "mult_proc")  # fmt: skip
_LOC_FIELDS = ("mac", "state", "number", "name", "work_gpci", "pe_gpci", "mp_gpci", "counties")


def to_json(releases: Iterable[Release]) -> dict[str, Any]:
    """The JSON form of releases (what ``_data/pfs_fees.json`` holds)."""
    out = []
    for r in releases:
        out.append(
            {
                "name": r.name,
                "start": r.start.isoformat(),
                "end": r.end.isoformat(),
                "released": r.released.isoformat() if r.released else None,
                "conversion_factor": str(r.conversion_factor),
                "qp_conversion_factor": str(r.qp_conversion_factor)
                if r.qp_conversion_factor is not None
                else None,
                "notice": list(r.notice),
                "source": r.source,
                "gpci_source": r.gpci_source,
                "row_fields": ["code", "modifier", *_ROW_FIELDS],
                "rows": [
                    [row.code, row.modifier, *(str(getattr(row, k)) for k in _ROW_FIELDS)]
                    for _, row in sorted(r.rows.items())
                ],
                "locality_fields": list(_LOC_FIELDS),
                "localities": [
                    [
                        str(v) if v is not None else None
                        for v in (getattr(loc, k) for k in _LOC_FIELDS)
                    ]
                    for _, loc in sorted(r.localities.items())
                ],
            }
        )
    return {"releases": out}


def from_json(data: Mapping[str, Any]) -> tuple[Release, ...]:
    """Inverse of :func:`to_json`."""
    releases = []
    for r in data["releases"]:
        rows = {}
        for cells in r["rows"]:
            code, mod, status, work, pe_nf, pe_f, mp, pctc, glob, mult = cells
            rows[(code, mod)] = RvuRow(
                code, mod, status, Decimal(work), Decimal(pe_nf), Decimal(pe_f), Decimal(mp),
                pctc, glob, mult,
            )  # fmt: skip
        locs = {}
        for mac, state, number, name, w, pe, mp, counties in r["localities"]:
            loc = Locality(mac, state, number, name, Decimal(w), Decimal(pe), Decimal(mp), counties)
            locs[loc.id] = loc
        qp = r["qp_conversion_factor"]
        releases.append(
            Release(
                name=r["name"],
                start=date.fromisoformat(r["start"]),
                end=date.fromisoformat(r["end"]),
                released=date.fromisoformat(r["released"]) if r["released"] else None,
                conversion_factor=Decimal(r["conversion_factor"]),
                qp_conversion_factor=Decimal(qp) if qp else None,
                rows=rows,
                localities=locs,
                notice=tuple(r["notice"]),
                source=r["source"],
                gpci_source=r["gpci_source"],
            )
        )
    return tuple(releases)
