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
'2024-07-01'
>>> [(e.column_1, e.column_2, e.modifier_indicator.value)
...  for e in edits.ptp_edits("97530", "97150", on="2024-07-01")]
[('97150', '97530', '1')]
>>> edits.mue("97530", on="2024-07-01").value
6
>>> edits.status("97010").value
'B'
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from os import PathLike
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from .. import _data
from .._coerce import MAX_DATE, MIN_DATE, coerce_date, coerce_enum
from .._html import html_table
from ..catalog import FeeScheduleStatus, normalize_code
from ..errors import InvalidInputError, InvalidTypeError
from ..terms import Setting

if TYPE_CHECKING:
    from ._sqlite import ImportSummary

__all__ = [
    "MUE",
    "EditData",
    "EditSet",
    "EditSource",
    "MUEAdjudication",
    "ModifierIndicator",
    "PTPEdit",
    "Setting",
    "import_cms_files",
    "infer_effective_dates",
]

#: The bundled release: CMS NCCI PTP and MUE files effective 2024-07-01.
BUNDLED_RELEASE = date(2024, 7, 1)


class ModifierIndicator(str, enum.Enum):
    """A PTP edit's modifier indicator (CMS column 6).

    ``0``: no modifier bypasses the edit; ``1``: an NCCI-associated modifier
    may bypass it when clinically appropriate; ``9``: not applicable — CMS
    puts it on edits deleted back to their own effective date, so they never
    apply (CMS NCCI PTP files, column "Modifier 0=not allowed 1=allowed 9=not
    applicable", and the pattern of their rows, grade A + B).
    """

    NOT_ALLOWED = "0"
    ALLOWED = "1"
    NOT_APPLICABLE = "9"


class MUEAdjudication(str, enum.Enum):
    """An MUE adjudication indicator (MAI).

    ``1``: line edit — each claim line is judged on its own; ``2``: date of
    service edit based on policy — units of the code on all lines of the date
    are summed and the limit cannot be overturned on appeal; ``3``: date of
    service edit based on clinical data — summed the same way, but excess
    units may be paid on appeal with documentation (CMS Medicare NCCI MUE
    page; First Coast MUE article, grade B).
    """

    LINE = "1"
    DATE_OF_SERVICE_POLICY = "2"
    DATE_OF_SERVICE_CLINICAL = "3"

    @property
    def per_line(self) -> bool:
        """Whether units are judged per line (MAI 1) rather than summed per date."""
        return self is MUEAdjudication.LINE

    @property
    def appealable(self) -> bool:
        """Whether denied units can be paid on appeal with documentation."""
        return self is not MUEAdjudication.DATE_OF_SERVICE_POLICY

    @property
    def label(self) -> str:
        """The wording CMS prints after the digit in the MAI column."""
        return _MAI_LABELS[self]


_MAI_LABELS = {
    MUEAdjudication.LINE: "Line Edit",
    MUEAdjudication.DATE_OF_SERVICE_POLICY: "Date of Service Edit: Policy",
    MUEAdjudication.DATE_OF_SERVICE_CLINICAL: "Date of Service Edit: Clinical",
}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@attrs.frozen
class PTPEdit:
    """One row of a CMS PTP file.

    When both codes are billed for one patient by one provider on one date,
    ``column_1`` is paid and ``column_2`` is denied unless the indicator
    allows a bypass modifier. ``effective`` is ``None`` when the start is not
    known (the bundled extract); ``effective_inferred`` flags a start date
    this library inferred (see :func:`infer_effective_dates`). ``deletion`` is
    the last date of service the edit applies, ``None`` while it is live.
    """

    column_1: str
    column_2: str
    effective: date | None
    deletion: date | None
    modifier_indicator: ModifierIndicator = attrs.field(converter=ModifierIndicator)
    rationale: str
    setting: Setting = attrs.field(converter=Setting)
    prior_1996: bool = False
    effective_inferred: bool = False

    def applies_on(self, on: date) -> bool:
        """Whether the edit is in force on date of service ``on`` (see the module rules)."""
        if self.modifier_indicator is ModifierIndicator.NOT_APPLICABLE:
            return False
        if self.effective is not None and on < self.effective:
            return False
        return self.deletion is None or on <= self.deletion

    @property
    def bypassable(self) -> bool:
        """Whether an NCCI-associated modifier can bypass the edit (indicator 1)."""
        return self.modifier_indicator is ModifierIndicator.ALLOWED

    def window(self) -> str:
        """The dates the edit is in force, in words."""
        start = _iso(self.effective)
        if start is None:
            start = "from an unrecorded start"
        else:
            start = "from " + start + (" (inferred)" if self.effective_inferred else "")
        end = _iso(self.deletion)
        return f"{start} {'through ' + end if end else 'with no deletion date'}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "column_1": self.column_1,
            "column_2": self.column_2,
            "effective": _iso(self.effective),
            "deletion": _iso(self.deletion),
            "modifier_indicator": self.modifier_indicator.value,
            "rationale": self.rationale,
            "setting": self.setting.value,
            "prior_1996": self.prior_1996,
            "effective_inferred": self.effective_inferred,
        }

    def _repr_html_(self) -> str:
        return html_table(f"PTP edit {self.column_1}/{self.column_2}", self.to_dict().items())


@attrs.frozen
class MUE:
    """One row of a CMS MUE table: at most ``value`` units of ``code`` per line
    (MAI 1) or per date of service (MAI 2/3) in ``setting``.

    ``effective`` is the first date of the release the row comes from
    (``None`` when the file name did not say). A value of 0 means the code is
    not payable in that setting.
    """

    code: str
    value: int
    adjudication: MUEAdjudication = attrs.field(converter=MUEAdjudication)
    rationale: str
    setting: Setting = attrs.field(converter=Setting)
    effective: date | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "code": self.code,
            "value": self.value,
            "adjudication": self.adjudication.value,
            "adjudication_label": self.adjudication.label,
            "rationale": self.rationale,
            "setting": self.setting.value,
            "effective": _iso(self.effective),
        }

    def _repr_html_(self) -> str:
        return html_table(f"MUE {self.code}", self.to_dict().items())


@attrs.frozen
class EditSource:
    """Provenance of one loaded table: the file, its kind, setting and release.

    ``release`` is the release label read from the file name (``2024-07-01``
    or, for a bare PTP ``.txt``, its stem such as ``ccipra-v302r0``);
    ``release_date`` the first date of service the release covers, ``None``
    when unknown. ``rows`` counts the data rows read.
    """

    name: str
    kind: str
    setting: Setting = attrs.field(converter=Setting)
    release: str
    release_date: date | None
    rows: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "name": self.name,
            "kind": self.kind,
            "setting": self.setting.value,
            "release": self.release,
            "release_date": _iso(self.release_date),
            "rows": self.rows,
        }


@runtime_checkable
class EditData(Protocol):
    """What :func:`~ot_billing_rules.check_bundling` asks of edit data.

    :class:`EditSet` implements it for the bundled data, CMS files and a
    SQLite store; a payer overlay can implement it too. Arguments arrive
    normalised: codes as upper-case strings, ``on`` as a date, ``setting`` as
    a :class:`Setting`.
    """

    @property
    def release(self) -> str:
        """Label of the newest release held (an ISO date when known)."""
        ...

    @property
    def release_date(self) -> date | None:
        """First date of service the newest release covers, if known."""
        ...

    def ptp_edits(
        self, code_a: str, code_b: str, *, on: date | None, setting: Setting
    ) -> tuple[PTPEdit, ...]:
        """Edits between the two codes, in either orientation, in force on ``on``
        (every row, history included, when ``on`` is ``None``)."""
        ...

    def mue(self, code: str, *, on: date, setting: Setting) -> MUE | None:
        """The MUE for ``code`` that applies on ``on``, or ``None``."""
        ...

    def status(self, code: str) -> FeeScheduleStatus | None:
        """The fee-schedule status indicator of ``code``, or ``None``."""
        ...


class _Backend(Protocol):
    def ptp_rows(self, code_a: str, code_b: str, setting: Setting) -> tuple[PTPEdit, ...]: ...
    def mue_rows(self, code: str, setting: Setting) -> tuple[MUE, ...]: ...
    def status(self, code: str) -> FeeScheduleStatus | None: ...
    def counts(self) -> dict[str, int]: ...
    def iter_ptp(self) -> Iterator[PTPEdit]: ...
    def close(self) -> None: ...


def infer_effective_dates(edits: Iterable[PTPEdit]) -> tuple[PTPEdit, ...]:
    """Fill in missing effective dates by the library's documented inference.

    Used for the bundled extract, whose source dropped CMS's effective dates
    (the public extract it was taken from, andrewallenbruce/northstar, has
    none):

    - an indicator-9 row starts on its deletion date (CMS sets deletion =
      effective on such rows — grade A + B);
    - rows of one pair and setting are successive versions of one edit: an
      undated row starts the day after the latest earlier-ending indicator 0/1
      row of the same pair ended (inferred, grade D);
    - the first version keeps ``effective=None``: in force from the start of
      the data.

    Rows that already have an effective date are returned unchanged.

    >>> a = PTPEdit("97140", "97530", None, date(2019, 12, 31), "1", "x", "practitioner")
    >>> b = PTPEdit("97140", "97530", None, None, "1", "x", "practitioner")
    >>> [e.effective for e in infer_effective_dates([b, a])]
    [datetime.date(2020, 1, 1), None]
    """
    groups: dict[tuple[Setting, str, str], list[PTPEdit]] = defaultdict(list)
    order: list[PTPEdit] = list(edits)
    for e in order:
        groups[(e.setting, e.column_1, e.column_2)].append(e)
    fixed: dict[int, PTPEdit] = {}
    for rows in groups.values():
        ends = sorted(
            e.deletion
            for e in rows
            if e.deletion is not None
            and e.modifier_indicator is not ModifierIndicator.NOT_APPLICABLE
        )
        for e in rows:
            if e.effective is not None:
                continue
            if e.modifier_indicator is ModifierIndicator.NOT_APPLICABLE:
                start = e.deletion
            else:
                earlier = [d for d in ends if e.deletion is None or d < e.deletion]
                start = earlier[-1] + timedelta(days=1) if earlier else None
            if start is not None:
                fixed[id(e)] = attrs.evolve(e, effective=start, effective_inferred=True)
    return tuple(fixed.get(id(e), e) for e in order)


class _MemoryBackend:
    """Edit rows held in dicts: the bundled data and files parsed in memory."""

    def __init__(
        self,
        ptp: Iterable[PTPEdit],
        mues: Iterable[MUE],
        status: Mapping[str, FeeScheduleStatus],
    ) -> None:
        pairs: dict[tuple[Setting, str, str], list[PTPEdit]] = defaultdict(list)
        for e in ptp:
            pairs[(e.setting, e.column_1, e.column_2)].append(e)
        self._ptp = {k: tuple(v) for k, v in pairs.items()}
        by_code: dict[tuple[Setting, str], list[MUE]] = defaultdict(list)
        for m in mues:
            by_code[(m.setting, m.code)].append(m)
        self._mue = {
            k: tuple(sorted(v, key=lambda m: m.effective or date.min)) for k, v in by_code.items()
        }
        self._status = dict(status)

    def __getstate__(self) -> dict[str, Any]:
        return {"ptp": self._ptp, "mue": self._mue, "status": self._status}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._ptp, self._mue, self._status = state["ptp"], state["mue"], state["status"]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _MemoryBackend):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        # Equal backends hold the same rows, so their sizes agree.
        return hash((len(self._ptp), len(self._mue), len(self._status)))

    def ptp_rows(self, code_a: str, code_b: str, setting: Setting) -> tuple[PTPEdit, ...]:
        get = self._ptp.get
        return get((setting, code_a, code_b), ()) + get((setting, code_b, code_a), ())

    def mue_rows(self, code: str, setting: Setting) -> tuple[MUE, ...]:
        return self._mue.get((setting, code), ())

    def status(self, code: str) -> FeeScheduleStatus | None:
        return self._status.get(code)

    def counts(self) -> dict[str, int]:
        return {
            "ptp": sum(len(v) for v in self._ptp.values()),
            "mue": sum(len(v) for v in self._mue.values()),
            "status": len(self._status),
        }

    def iter_ptp(self) -> Iterator[PTPEdit]:
        for rows in self._ptp.values():
            yield from rows

    def close(self) -> None:
        """Nothing to release: the rows live in memory (the bundled set is shared)."""


def pick_mue(rows: tuple[MUE, ...], on: date) -> MUE | None:
    """Return the row of the newest release in force on ``on``.

    Rows are sorted by ``effective``. A date before every loaded release gets
    the earliest release's row: the closest known value (check_bundling says
    so in its message).
    """
    if not rows:
        return None
    chosen = rows[0]
    for m in rows:
        if m.effective is None or m.effective <= on:
            chosen = m
    return chosen


_SEEN_CODES: dict[str, str] = {}


def _code(value: str) -> str:
    # Look-ups sit on the hot path: remember codes already validated.
    hit = _SEEN_CODES.get(value) if type(value) is str else None
    if hit is None:
        hit = normalize_code(value)
        if len(_SEEN_CODES) < 100_000:
            _SEEN_CODES[value] = hit
    return hit


def _coerce_setting(value: object) -> Setting:
    return coerce_enum(Setting, value, field="setting")


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

    # -- constructors -------------------------------------------------------

    @classmethod
    def bundled(cls) -> EditSet:
        """Return the July 2024 OT subset shipped with the package.

        Practitioner and outpatient-hospital PTP rows (live and deleted) and
        MUE rows for 348 OT-relevant codes, copied from the CMS release
        effective 2024-07-01 (grade A); fee-schedule status from the July 2024
        RVU file. Effective dates are inferred (module docstring). Loaded
        once per process.
        """
        return _data.once("ncci_bundled", _load_bundled)

    @classmethod
    def from_cms_files(
        cls,
        *paths: str | PathLike[str],
        setting: Setting | str | None = None,
        status: Mapping[str, FeeScheduleStatus | str] | None = None,
        max_member_bytes: int | None = None,
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
        """
        from ._cms_files import DEFAULT_MAX_MEMBER_BYTES, read_cms_files

        if not paths:
            raise InvalidInputError(
                "from_cms_files needs at least one path (a PTP .txt, an MUE .csv or a CMS .zip)",
                value=paths,
                field="paths",
            )
        forced = None if setting is None else _coerce_setting(setting)
        limit = DEFAULT_MAX_MEMBER_BYTES if max_member_bytes is None else max_member_bytes
        ptp: list[PTPEdit] = []
        mues: list[MUE] = []
        sources: list[EditSource] = []
        for table in read_cms_files(paths, setting=forced, max_member_bytes=limit):
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
                    mues.append(MUE(code, value, mai, why, table.setting, eff_date))
            sources.append(table.source())
        return cls._assemble(ptp, mues, _status_map(status), sources)

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
    ) -> EditSet:
        from ._cms_files import check_duplicate_mues

        check_duplicate_mues(mues)
        release_date, release = release_of(sources)
        backend = _MemoryBackend(ptp, mues, status)
        return cls(release, release_date, tuple(sources), backend=backend)

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
        where = setting if type(setting) is Setting else _coerce_setting(setting)
        rows = self._backend.mue_rows(_code(code), where)
        day = on if type(on) is date and MIN_DATE <= on <= MAX_DATE else coerce_date(on)
        return pick_mue(rows, day)

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
            "sources": [s.to_dict() for s in self.sources],
            "counts": self.counts(),
        }

    def explain(self) -> str:
        """Describe the data in words."""
        parts = [
            f"{s.kind.upper()} {s.setting.value} {s.release} ({s.rows} rows)" for s in self.sources
        ]
        return f"NCCI edit data, release {self.release}: " + "; ".join(parts)

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


def _day(value: int | None) -> date | None:
    if value is None:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


def release_of(sources: Iterable[EditSource]) -> tuple[date | None, str]:
    """The newest release date among ``sources`` and its label."""
    srcs = list(sources)
    dated = [s.release_date for s in srcs if s.release_date is not None]
    if dated:
        newest = max(dated)
        return newest, newest.isoformat()
    labels = sorted({s.release for s in srcs})
    return None, labels[-1] if labels else "unknown"


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


def _load_bundled() -> EditSet:
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
    mues = [
        MUE(r["code"], int(r["value"]), r["mai"], r["rationale"], r["setting"], BUNDLED_RELEASE)
        for r in _data.read_csv("ncci_mue_2024-07-01.csv")
    ]
    sources = []
    for kind, rows in (("ptp", ptp), ("mue", mues)):
        for where in Setting:
            n = sum(1 for x in rows if x.setting is where)
            sources.append(
                EditSource(
                    f"bundled {kind} {where.value} 2024-07-01",
                    kind,
                    where,
                    "2024-07-01",
                    BUNDLED_RELEASE,
                    n,
                )
            )
    backend = _MemoryBackend(infer_effective_dates(ptp), mues, bundled_status())
    return EditSet("2024-07-01", BUNDLED_RELEASE, tuple(sources), backend=backend)
