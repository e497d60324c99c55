"""NCCI edit data: procedure-to-procedure (PTP) edits, MUEs and fee-schedule status.

An :class:`EditSet` is the CMS edit data in force for a check. Three ways to
get one:

- :meth:`EditSet.bundled` — the July 2024 OT subset shipped with the package
  (practitioner and outpatient-hospital PTP and MUE rows, copied from the CMS
  files; fee-schedule status from the July 2024 RVU file);
- :meth:`EditSet.from_cms_files` — the files a user downloads from CMS each
  quarter (PTP ``.txt``, MUE ``.csv``, or the CMS ``.zip`` holding them);
- :meth:`EditSet.open` — a SQLite store built once by ``ot-billing ncci
  import`` (or :func:`import_cms_files`), for the full national files.

All three answer the same questions (the :class:`EditData` protocol), so
:func:`~ot_billing_rules.check_bundling` works with any of them, or with a
user's own object (a payer overlay, say).

Date rules (the CMS NCCI PTP file layout — effective date, deletion date,
modifier indicator 0/1/9 — read against the quarterly files): an edit row applies
on date of service ``d`` when its modifier indicator is 0 or 1, its effective
date is on or before ``d``, and it has no deletion date or ``d`` is on or
before the deletion date — the deletion date is the *last* date of service the
edit applies (grade A from the data pattern; CMS's sentence not retrieved).
Indicator 9 ("not applicable") never applies.

The bundled rows come from an extract that dropped CMS's effective dates
(andrewallenbruce/northstar, a public GitHub repository). This module fills them in by an
explicit, documented inference (see :func:`infer_effective_dates`): an
indicator-9 row starts on its own deletion date (CMS's pattern for indicator
9), and an undated row
starts the day after the previous row of the same pair and setting ended;
the first row of a pair has an unknown start and is treated as in force from
the beginning of the data. Every inferred date is flagged
(``PTPEdit.effective_inferred``). Files loaded from CMS carry real dates.

>>> from ot_billing_rules import EditSet
>>> edits = EditSet.bundled()
>>> edits.release
'2026-04-01'
>>> [(s.kind, s.release) for s in edits.sources if s.setting.value == "practitioner"]
[('ptp', '2024-07-01'), ('mue', '2024-07-01'), ('mue', '2026-04-01')]
>>> [(e.column_1, e.column_2, e.modifier_indicator.value)
...  for e in edits.ptp_edits("97530", "97150", on="2024-07-01")]
[('97150', '97530', '1')]
>>> edits.mue("97530", on="2024-07-01").value
6

Each table carries its own release: the PTP tables are those of
2024-07-01 (no newer CMS PTP file with therapy rows is bundled), the MUE
tables those of 2024-07-01 and 2026-04-01. A date of service gets the newest
MUE table released on or before it — between two bundled releases the older
one, since the quarters in between are not held — and a date before the
oldest release gets the oldest table's value, flagged ``ncci.uncovered``:

>>> edits.mue("92972", on="2024-07-01").value, edits.mue("92972", on="2026-05-04").value
(1, 3)
>>> edits.status("97010").value
'B'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from os import PathLike
from typing import Any

import attrs

from .. import _data
from .._coerce import MAX_DATE, MIN_DATE, coerce_date
from .._html import html_table
from ..catalog import FeeScheduleStatus
from ..errors import DataFileError, InvalidInputError, InvalidOptionError
from ..terms import Setting
from ._bundled import _status_map, bundled_status, load_bundled
from ._checks import MUEHit, PTPHit, group_lines, mue_hits, ptp_hits, rebypass
from ._checks import remember as _remember
from ._models import (
    BUNDLED_RELEASE,
    MUE,
    EditData,
    EditSource,
    ImportSummary,
    ModifierIndicator,
    MUEAdjudication,
    PTPEdit,
    _Backend,
    _code,
    _coerce_setting,
    _day,
    _iso,
    _MemoryBackend,
    infer_effective_dates,
    mue_releases,
    pick_mue,
    release_of,
    table_release,
)

__all__ = [
    "BUNDLED_RELEASE",
    "MUE",
    "EditData",
    "EditSet",
    "EditSource",
    "ImportSummary",
    "MUEAdjudication",
    "MUEHit",
    "ModifierIndicator",
    "PTPEdit",
    "PTPHit",
    "Setting",
    "bundled_status",
    "group_lines",
    "import_cms_files",
    "infer_effective_dates",
    "mue_hits",
    "pick_mue",
    "ptp_hits",
    "rebypass",
    "release_of",
    "table_release",
]

for _cls in (
    MUE,
    EditData,
    EditSource,
    ImportSummary,
    MUEAdjudication,
    ModifierIndicator,
    PTPEdit,
    PTPHit,
    MUEHit,
):
    _cls.__module__ = __name__
del _cls


_PROGRAMS = ("medicare", "medicaid")


@attrs.frozen(eq=True)
class EditSet:
    """The NCCI edit data in force: PTP edits, MUEs and fee-schedule status.

    Build one with :meth:`bundled`, :meth:`from_cms_files` or :meth:`open`;
    query it with :meth:`ptp_edits`, :meth:`mue` and :meth:`status` (the
    :class:`EditData` protocol). ``sources`` lists the tables it holds.
    """

    release: str
    release_date: date | None
    sources: tuple[EditSource, ...]
    _backend: _Backend = attrs.field(repr=False, alias="backend")
    #: ``"medicare"`` or ``"medicaid"``: which NCCI program the rows are from.
    program: str = attrs.field(default="medicare", kw_only=True)

    # -- constructors -------------------------------------------------------

    @classmethod
    def bundled(cls) -> EditSet:
        """Return the OT subset of the CMS NCCI tables shipped with the package.

        Practitioner and outpatient-hospital PTP rows (live and deleted) of
        the CMS release effective 2024-07-01, and the MUE tables of the
        releases effective 2024-07-01 (348 OT-relevant codes) and 2026-04-01
        (346 rows per setting), each table with its own release (grade A);
        fee-schedule status from the July 2024 RVU file. ``release`` is the
        newest table's; ``sources`` lists each table's. PTP effective dates
        are inferred (module docstring). Loaded once per process.
        """
        return _data.once("ncci_bundled", _bundled_set)

    @classmethod
    def from_cms_files(
        cls,
        *paths: str | PathLike[str],
        setting: Setting | str | None = None,
        status: Mapping[str, FeeScheduleStatus | str] | None = None,
        max_member_bytes: int | None = None,
        program: str | None = None,
    ) -> EditSet:
        """Read PTP and MUE files as downloaded from CMS.

        Each path is a PTP ``.txt`` (tab-delimited, notice and wrapped
        header first), an MUE ``.csv`` (quoted notice record, a line break
        inside the first header cell), or a CMS ``.zip`` holding them. Each
        file's kind and setting come from its name (``ccipra``/``ccioph``,
        ``MCR_MUE_PractitionerServices``…) or its header; ``setting=``
        overrides both. Data rows are checked strictly: a bad row raises
        :class:`~ot_billing_rules.DataFileError` naming the file and line.
        Zip members larger than ``max_member_bytes`` (default 2 GiB) are
        refused.

        Fee-schedule status is not in these files: ``status`` maps codes to
        status letters, default the bundled July 2024 RVU subset.

        Medicaid NCCI files (``medicaid-ncci-q1-2026-ptp-edits-practitioner-services.zip``,
        ``...-mue-edits-...``, or an MUE table without an adjudication column)
        give an edit set with ``program == "medicaid"``. Their MUE rows take
        the quarter in the file name as their release date and are judged per
        line (``MUE.adjudication_inferred``). Medicare and Medicaid tables
        cannot be mixed in one edit set. A Medicaid PTP table has the Medicare
        layout, so a file renamed without ``medicaid`` in its name reads as
        Medicare: pass ``program="medicaid"`` (or ``"medicare"``) to say which.
        """
        from ._cms_files import DEFAULT_MAX_MEMBER_BYTES, read_cms_files

        if not paths:
            raise InvalidInputError(
                "from_cms_files needs at least one path (a PTP .txt, an MUE .csv or a CMS .zip)",
                value=paths,
                field="paths",
            )
        forced = None if setting is None else _coerce_setting(setting)
        if program is not None and program not in _PROGRAMS:
            raise InvalidOptionError(
                f"program={program!r} is not an NCCI program; valid: {', '.join(_PROGRAMS)}",
                value=program,
                field="program",
                valid=_PROGRAMS,
            )
        limit = DEFAULT_MAX_MEMBER_BYTES if max_member_bytes is None else max_member_bytes
        ptp: list[PTPEdit] = []
        mues: list[MUE] = []
        sources: list[EditSource] = []
        programs: dict[str, str] = {}
        for table in read_cms_files(paths, setting=forced, max_member_bytes=limit):
            programs.setdefault(program or table.program, table.name)
            if len(programs) > 1:
                raise DataFileError(
                    f"Medicare and Medicaid NCCI tables mixed ({programs['medicare']} and "
                    f"{programs['medicaid']}): the programs' edits differ; build one edit set "
                    "per program",
                    path=table.name,
                )
            if table.kind == "ptp":
                for c1, c2, prior, eff, dele, ind, why in table.ptp_rows():
                    ptp.append(
                        PTPEdit(
                            c1, c2, _day(eff), _day(dele), ind, why, table.setting, prior_1996=prior
                        )
                    )
            else:
                eff_date = table.release_date
                for code, value, mai, why in table.mue_rows():
                    mues.append(
                        MUE(code, value, mai or "1", why, table.setting, eff_date, mai is None)
                    )
            sources.append(table.source())
        program = next(iter(programs), "medicare")
        return cls._assemble(ptp, mues, _status_map(status), sources, program)

    @classmethod
    def open(cls, path: str | PathLike[str]) -> EditSet:
        """Open a SQLite store written by :func:`import_cms_files` / ``ot-billing ncci import``.

        The store is opened read-only; look-ups go to its indexes, so opening
        costs a few milliseconds whatever its size. Use it as a context
        manager, or call :meth:`close`, to release the file.

        An import never rewrites an open store: it builds a new file and
        swaps it in (import-then-swap), and this edit set keeps answering
        from the release it opened — open the store again to see the new
        one. A store changed in place by another program raises
        :class:`~ot_billing_rules.StoreChangedError` on the next look-up. An
        import interrupted by an older version or another tool is rolled
        back here (which needs write access once). Problems with the file
        raise a :class:`~ot_billing_rules.StoreError` subclass: locked,
        read-only, damaged or not a store.
        """
        from ._sqlite import open_store

        backend = open_store(path)
        return cls(backend.release, backend.release_date, backend.sources, backend=backend)

    def close(self) -> None:
        """Release the store file; later look-ups raise :class:`~ot_billing_rules.StoreClosedError`.

        A no-op for the bundled data and files read into memory.
        """
        self._backend.close()

    def __enter__(self) -> EditSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def _assemble(
        cls,
        ptp: list[PTPEdit],
        mues: list[MUE],
        status: Mapping[str, FeeScheduleStatus],
        sources: list[EditSource],
        program: str = "medicare",
    ) -> EditSet:
        from ._cms_files import check_duplicate_mues

        check_duplicate_mues(mues)
        release_date, release = release_of(sources)
        backend = _MemoryBackend(ptp, mues, status)
        return cls(release, release_date, tuple(sources), backend=backend, program=program)

    # -- queries (the EditData protocol) -------------------------------------

    def ptp_edits(
        self,
        code_a: str,
        code_b: str,
        *,
        on: date | str | None,
        setting: Setting | str = Setting.PRACTITIONER,
    ) -> tuple[PTPEdit, ...]:
        """Edits between ``code_a`` and ``code_b`` (either orientation) in force on ``on``.

        ``on=None`` returns every row for the pair, history included.
        """
        cache = getattr(self._backend, "lookups", None)
        if cache is not None and type(on) is date and type(setting) is Setting:
            key = (code_a, code_b, on, setting._value_)
            hit: tuple[PTPEdit, ...] | None = cache.get(key)
            if hit is None:
                hit = self._ptp_edits(code_a, code_b, on, setting)
                _remember(cache, key, hit)
            return hit
        return self._ptp_edits(code_a, code_b, on, setting)

    def _ptp_edits(
        self, code_a: str, code_b: str, on: date | str | None, setting: Setting | str
    ) -> tuple[PTPEdit, ...]:
        where = setting if type(setting) is Setting else _coerce_setting(setting)
        rows = self._backend.ptp_rows(_code(code_a), _code(code_b), where)
        if on is None or not rows:
            return rows
        day = on if type(on) is date else coerce_date(on, default_today=False)
        return tuple(e for e in rows if e.applies_on(day))

    def mue(
        self, code: str, *, on: date | str | None = None, setting: Setting | str = "practitioner"
    ) -> MUE | None:
        """The MUE of ``code`` for date of service ``on`` (default today), or ``None``."""
        cache = getattr(self._backend, "lookups", None)
        if cache is not None and type(on) is date and type(setting) is Setting:
            key = (code, on, setting._value_)
            hit = cache.get(key, _MISSING)
            if hit is _MISSING:
                hit = self._mue(code, on, setting)
                _remember(cache, key, hit)
            return hit  # type: ignore[no-any-return]
        return self._mue(code, on, setting)

    def _mue(self, code: str, on: date | str | None, setting: Setting | str) -> MUE | None:
        where = setting if type(setting) is Setting else _coerce_setting(setting)
        rows = self._backend.mue_rows(_code(code), where)
        day = on if type(on) is date and MIN_DATE <= on <= MAX_DATE else coerce_date(on)
        return pick_mue(rows, day, _mue_tables(self.sources, where))

    def status(self, code: str) -> FeeScheduleStatus | None:
        """The Medicare fee-schedule status indicator of ``code``, or ``None`` if not held."""
        return self._backend.status(_code(code))

    def ptp_history(
        self, code_a: str, code_b: str, *, setting: Setting | str
    ) -> tuple[PTPEdit, ...]:
        """Every row for the pair (either orientation), live and deleted."""
        return self.ptp_edits(code_a, code_b, on=None, setting=setting)

    def iter_ptp(self) -> Iterator[PTPEdit]:
        """Iterate over every PTP row held (slow for a national store)."""
        return self._backend.iter_ptp()

    def counts(self) -> dict[str, int]:
        """Row counts: ``ptp``, ``mue`` and ``status``."""
        return self._backend.counts()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary: release, sources and row counts."""
        return {
            "release": self.release,
            "release_date": _iso(self.release_date),
            "program": self.program,
            "sources": [s.to_dict() for s in self.sources],
            "counts": self.counts(),
        }

    def explain(self) -> str:
        """Describe the data in words."""
        parts = [
            f"{s.kind.upper()} {s.setting.value} {s.release} ({s.rows} rows)" for s in self.sources
        ]
        return f"{self.program.capitalize()} NCCI edit data, release {self.release}: " + "; ".join(
            parts
        )

    def _repr_html_(self) -> str:
        rows = [(s.name, s.kind, s.setting.value, s.release, s.rows) for s in self.sources]
        return html_table(
            f"NCCI edit set {self.release}",
            rows,
            header=("file", "kind", "setting", "release", "rows"),
        )


def import_cms_files(
    paths: Iterable[str | PathLike[str]] | str | PathLike[str],
    db: str | PathLike[str],
    *,
    setting: Setting | str | None = None,
    status: Mapping[str, FeeScheduleStatus | str] | None = None,
    max_member_bytes: int | None = None,
) -> ImportSummary:
    """Import CMS PTP/MUE files (plain or zipped) into the SQLite store ``db``.

    The store keeps history (deleted edits), records the release it holds,
    and is indexed for pair and code look-ups; open it with
    :meth:`EditSet.open`. The import streams rows into a new file next to
    ``db`` and swaps it in when done (import-then-swap): a bad row
    (:class:`~ot_billing_rules.DataFileError`), a full disk or a killed
    process leaves the store as it was, and edit sets already open keep
    reading the release they opened. Two imports into one store at once:
    the second raises :class:`~ot_billing_rules.StoreLockedError`.

    PTP releases are named by the file name: ``ccipra-v302r0-f2`` is version
    30.2, revision 0, part 2. Parts of one version accumulate, imported
    together or one at a time; a higher version or revision of a setting
    replaces the older one (the file carries the full history), and an older
    one is refused. Only a file whose name carries no version is placed by
    its quarter (``2024q3`` in a zip name) or, failing that, its latest
    effective date. MUE releases are kept side by side. ``status`` sets the
    fee-schedule status letters (default: the bundled July 2024 RVU subset,
    written once).
    """
    from ._cms_files import DEFAULT_MAX_MEMBER_BYTES
    from ._sqlite import import_cms_files as run

    items = [paths] if isinstance(paths, (str, PathLike)) else list(paths)
    if not items:
        raise InvalidInputError(
            "import_cms_files needs at least one path", value=paths, field="paths"
        )
    forced = None if setting is None else _coerce_setting(setting)
    limit = DEFAULT_MAX_MEMBER_BYTES if max_member_bytes is None else max_member_bytes
    return run(items, db, setting=forced, status=status, max_member_bytes=limit)


_MISSING = object()


@functools.lru_cache(maxsize=32)
def _mue_tables(sources: tuple[EditSource, ...], where: Setting) -> tuple[date, ...]:
    # The look-up is on the hot path; an edit set's sources never change.
    return mue_releases(sources, where)


def _bundled_set() -> EditSet:
    sources, backend = load_bundled()
    release_date, release = release_of(sources)
    return EditSet(release, release_date, sources, backend=backend)
