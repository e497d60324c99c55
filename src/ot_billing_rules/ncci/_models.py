"""The NCCI data model: PTP edits, MUEs, edit sources, the :class:`EditData`
protocol every backend answers, the in-memory backend and release helpers.

Imports nothing else of :mod:`ot_billing_rules.ncci`: the loaders
(``_bundled``, ``_cms_files``, ``_sqlite``) and :class:`EditSet` build on it.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any, Protocol, runtime_checkable

import attrs

from .._coerce import coerce_enum
from .._html import html_table
from ..catalog import FeeScheduleStatus, normalize_code
from ..terms import Setting

__all__ = [
    "BUNDLED_MUE_RELEASES",
    "BUNDLED_RELEASE",
    "MUE",
    "EditData",
    "EditSource",
    "ImportSummary",
    "MUEAdjudication",
    "ModifierIndicator",
    "PTPEdit",
    "infer_effective_dates",
    "mue_releases",
    "pick_mue",
    "release_in_force",
    "release_of",
    "table_release",
]

#: The bundled release: CMS NCCI PTP and MUE files effective 2024-07-01.
BUNDLED_RELEASE = date(2024, 7, 1)
#: The bundled MUE releases, oldest first: each table keeps its own release
#: and the look-up takes the newest one in force on the date of service.
BUNDLED_MUE_RELEASES = (date(2024, 7, 1), date(2026, 4, 1))


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

    ``adjudication_inferred`` is true for a Medicaid row: the Medicaid MUE
    files carry no adjudication indicator, and the row is judged per line
    (MAI 1), the reading of public parsers of those files — an inference, not
    a CMS statement; a state may adjudicate otherwise.
    """

    code: str
    value: int
    adjudication: MUEAdjudication = attrs.field(converter=MUEAdjudication)
    rationale: str
    setting: Setting = attrs.field(converter=Setting)
    effective: date | None = None
    adjudication_inferred: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``adjudication_inferred`` only when true)."""
        out: dict[str, Any] = {
            "code": self.code,
            "value": self.value,
            "adjudication": self.adjudication.value,
            "adjudication_label": self.adjudication.label,
            "rationale": self.rationale,
            "setting": self.setting.value,
            "effective": _iso(self.effective),
        }
        if self.adjudication_inferred:
            out["adjudication_inferred"] = True
        return out

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
    """Edit rows held in dicts: the bundled data and files parsed in memory.

    Its rows never change, so :class:`EditSet` keeps its answers per
    (pair or code, day, setting) in ``lookups``: the cache belongs to this
    one snapshot and dies with it (a store's backend has none: an edit set
    opened on a store checks on every look-up that the file was not changed
    in place).
    """

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
        self.lookups: dict[tuple[Any, ...], Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"ptp": self._ptp, "mue": self._mue, "status": self._status}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._ptp, self._mue, self._status = state["ptp"], state["mue"], state["status"]
        self.lookups = {}

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


def release_in_force(releases: tuple[date, ...], on: date) -> date:
    """The table of ``releases`` (sorted, not empty) that applies on ``on``.

    The newest released on or before ``on``; a date before every release
    gets the earliest one (the closest known table, flagged
    ``ncci.uncovered`` for MUEs). Shared by the MUE pick and the PTP
    releases held side by side (:class:`_ReleasedPTPEdit`).
    """
    table = releases[0]
    for released in releases:
        if released <= on:
            table = released
    return table


@attrs.frozen
class _ReleasedPTPEdit(PTPEdit):
    """A PTP row of one of several dated PTP tables held side by side.

    Each CMS PTP file states the edits as that release sees them, so two
    releases hold two versions of many rows: a row applies only on dates
    its own table is the one in force (:func:`release_in_force`), then by
    its own effective and deletion dates. ``to_dict`` and ``window`` are
    those of the row; the table is not part of its identity on the wire.
    """

    table: date = attrs.field(default=date.min, kw_only=True, repr=False)
    tables: tuple[date, ...] = attrs.field(default=(), kw_only=True, repr=False, eq=False)

    def applies_on(self, on: date) -> bool:
        """Whether the row's table is in force on ``on`` and the row applies then."""
        if self.tables and release_in_force(self.tables, on) != self.table:
            return False
        return super().applies_on(on)


def pick_mue(rows: tuple[MUE, ...], on: date, releases: tuple[date, ...] = ()) -> MUE | None:
    """Return the row of the newest release in force on ``on``.

    Rows are sorted by ``effective``. ``releases`` (sorted) are the dated MUE
    tables held for the setting: when given, the table is chosen first — the
    newest released on or before ``on`` — and a code with no row in that
    table has no MUE then, even if an older table had one (CMS dropped it).
    Between two held releases the older one applies: the library has no
    table for the quarters in between. A date before every loaded release
    gets the earliest release's row: the closest known value, which is not
    the value in force then (check_bundling says so in its message and
    ``ncci.uncovered`` names the table).
    """
    if not rows:
        return None
    if releases:
        table = release_in_force(releases, on)
        return next((m for m in rows if m.effective == table), None)
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


def _day(value: int | None) -> date | None:
    if value is None:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


def table_release(edits: object, kind: str) -> tuple[date | None, str]:
    """The newest release of ``edits``' ``kind`` tables (``"ptp"`` or ``"mue"``).

    Read from ``edits.sources`` when it lists tables of that kind (each table
    carries its own release: the bundled PTP is 2024-07-01, its newest MUE
    2026-04-01); otherwise the edit data's own ``release_date``/``release``.
    """
    sources = getattr(edits, "sources", None) or ()
    mine = [s for s in sources if isinstance(s, EditSource) and s.kind == kind]
    if mine:
        return release_of(mine)
    return getattr(edits, "release_date", None), str(getattr(edits, "release", "unknown"))


def mue_releases(sources: Iterable[EditSource], setting: Setting) -> tuple[date, ...]:
    """The dated MUE tables of ``setting`` among ``sources``, oldest first.

    Empty when any MUE table of the setting has no release date (then rows
    are picked by their own ``effective`` alone).
    """
    mine = [s for s in sources if s.kind == "mue" and s.setting is setting]
    dated = [s.release_date for s in mine if s.release_date is not None]
    if len(dated) != len(mine):
        return ()
    return tuple(sorted(set(dated)))


def release_of(sources: Iterable[EditSource]) -> tuple[date | None, str]:
    """The newest release date among ``sources`` and its label."""
    srcs = list(sources)
    dated = [s.release_date for s in srcs if s.release_date is not None]
    if dated:
        newest = max(dated)
        return newest, newest.isoformat()
    labels = sorted({s.release for s in srcs})
    return None, labels[-1] if labels else "unknown"


@attrs.frozen
class ImportSummary:
    """What :func:`import_cms_files` loaded.

    ``tables`` are the files read this time; ``release`` the newest release
    the store now holds; ``counts`` the store's row totals; ``seconds`` the
    wall time of the import.
    """

    path: str
    tables: tuple[EditSource, ...]
    release: str
    counts: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "path": self.path,
            "tables": [t.to_dict() for t in self.tables],
            "release": self.release,
            "counts": dict(self.counts),
            "seconds": round(self.seconds, 3),
        }

    def explain(self) -> str:
        """Describe the import in words."""
        parts = ", ".join(
            f"{t.kind.upper()} {t.setting.value} {t.release} ({t.rows} rows)" for t in self.tables
        )
        return (
            f"imported {parts} into {self.path} in {self.seconds:.1f} s; the store holds "
            f"{self.counts['ptp']} PTP rows and {self.counts['mue']} MUE rows, newest release "
            f"{self.release}"
        )

    def _repr_html_(self) -> str:
        return html_table("NCCI import", self.to_dict().items())
