"""Claim-line validation: NCCI PTP edits, MUEs, fee-schedule status, add-on
codes and modifiers, for one patient, one provider, one date of service.

:func:`check_bundling` takes the lines (any well-formed CPT/HCPCS code, not
only codes in the OT catalog — PTP and MUE edits are checked for whatever the
edit data covers) and returns :class:`~ot_billing_rules.Finding` values with
stable rule ids:

=========================  ========  ==================================================
rule                       severity  meaning
=========================  ========  ==================================================
``ncci.ptp``               error     a PTP edit denies the column-2 code
``ncci.bypass``            info      an indicator-1 edit is bypassed by a modifier;
                                     the record must support it
``ncci.mue``               error     units above the MUE (MAI 1 per line, 2/3 per date)
``ncci.stale``             info      the date of service is a quarter or more past the
                                     release of the PTP or the MUE table (one finding
                                     per stale table, naming it): load newer CMS files
``ncci.uncovered``         info      the date of service precedes the oldest MUE table
                                     held: the values checked are not those in force
``status.bundled``         error     fee-schedule status B/P: never paid separately
``status.invalid``         error     status I: not valid for Medicare (bill the
                                     replacement, e.g. G0283 for 97014)
``status.noncovered``      warning   status N/X/E: not covered by Medicare
``status.restricted``      warning   status R: restricted coverage
``status.carrier_priced``  info      status C: the contractor prices it
``coverage.noncovered``    error     a service Medicare does not cover from a therapist
                                     (dry needling 20560/20561: NCD 30.3, 30.3.3)
``addon.without_primary``  error     an add-on code billed without its primary code
``addon.once_per_day``     error     an "initial/first" code billed twice or with units > 1
``modifier.therapy_missing``  error  an always-therapy code without GO/GP/GN (warning
                                     for a sometimes-therapy code)
``modifier.discipline_mismatch`` error  GP/GN where the plan of care calls for GO
``modifier.59_with_x``     warning   59 and an X modifier on one line
``modifier.bypass_multiple``  warning  two or more of XE/XS/XP/XU on one line
``modifier.too_many``      error     more than four modifiers on one line
``modifier.misplaced``     warning   25 on a non-E/M line, or 59/X on an E/M line
``modifier.unknown``       warning   a modifier outside the documented known set
=========================  ========  ==================================================

Which line, which modifier (I/OCE edits 20 and 40; NCCI Policy Manual Ch. I):
the claim engines deny the **column-2** line. A bypass
modifier is accepted on **either** line by default — Medicare Part B has done
so since 2019-07-01 (CR 11168; grade B via C) — although CMS tells providers
to put it on the column-2 code; ``bypass="column2"`` applies that stricter
reading, and dates of service before 2019-07-01 always use it.

>>> from ot_billing_rules import check_bundling, ServiceLine
>>> found = check_bundling(["97150:GO", "97530:GO"], on="2024-07-01")
>>> [(f.rule, f.severity.value, f.codes) for f in found]
[('ncci.ptp', 'error', ('97150', '97530'))]
>>> found = check_bundling(
...     [ServiceLine("97150", 1, ["GO"]), ServiceLine("97530", 1, ["GO", "59"])], on="2024-07-01"
... )
>>> [(f.rule, f.severity.value) for f in found]
[('ncci.bypass', 'info')]
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TypeVar

import attrs
from dateutil.relativedelta import relativedelta

from . import catalog as _catalog
from ._coerce import MAX_DATE, MIN_DATE, coerce_date, coerce_discipline, coerce_enum
from ._fast import keep, maker
from .catalog import FeeScheduleStatus, get
from .coverage import _DRY_NEEDLING, DATED_STATUS, coverage_findings
from .errors import InvalidTypeError
from .findings import Finding, Severity, sort_findings
from .lines import ClaimLine, ServiceLine, as_service_line
from .modifiers import EITHER_LINE_FROM, BypassPlacement, check_line_modifiers, is_em
from .ncci import (
    EditData,
    EditSet,
    MUEHit,
    PTPHit,
    group_lines,
    mue_hits,
    ptp_hits,
    table_release,
)
from .ncci._checks import remember, snapshot_cache
from .sources import cite
from .terms import Discipline, Setting

T = TypeVar("T")

__all__ = [
    "ONCE_PER_DAY",
    "Bundle",
    "check_bundling",
    "findings",
    "hits",
    "prepare",
]


#: Codes reported at most once per date of service because their descriptor
#: is the "initial"/"first" block of a timed family with an add-on for the
#: rest: 97129 (first 15 minutes, CPT from 2020), 97545 (first 2 hours),
#: 97550 and G0541 (first 30 minutes), each mapped to its add-on. Source: the
#: CPT/HCPCS descriptors (97129 once per day, grade A via its CMS NCCI MUE of
#: 1, MAI 2); read from the catalog's ``once_per_day`` and add-on links on
#: first use.
ONCE_PER_DAY: Mapping[str, str] = _catalog.once_per_day_families()

#: Status I codes and what Medicare pays instead (CMS PFS RVU file, July 2024,
#: grade A), from the catalog's ``medicare_replacement``.
_STATUS_I_REPLACEMENT: Mapping[str, str] = _catalog.DerivedTable(
    "status_i_advice",
    lambda: {c: " or ".join(r) for c, r in _catalog.medicare_replacements().items()},
)


@attrs.frozen
class Bundle:
    """One date of service's lines, ready to check: the coerced options and the lines by code.

    Built by :func:`prepare`; :func:`hits` asks the edit data about it once and
    :func:`findings` words the answer. :func:`check_bundling` is the three in a row;
    the audit calls them itself to place a bypass modifier from the hits.
    """

    day: date
    setting: Setting
    edits: EditData
    discipline: Discipline | None
    placement: BypassPlacement
    source: str
    items: tuple[ServiceLine, ...]
    by_code: Mapping[str, list[ServiceLine]]


def check_bundling(
    lines: Iterable[ServiceLine | ClaimLine | str | tuple[object, ...] | Mapping[str, object]],
    *,
    on: date | str | None = None,
    setting: Setting | str = "practitioner",
    edits: EditData | None = None,
    discipline: Discipline | str | None = "OT",
    bypass: BypassPlacement | str = "either",
) -> tuple[Finding, ...]:
    """Check one date of service's lines against NCCI edits and structural rules.

    ``lines`` are the services of one patient by one provider on date ``on``
    (default today): :class:`ServiceLine` values, code strings (token syntax
    ``CODE[xUNITS][:MOD[,MOD]]``), ``(code, units, modifiers)`` tuples or
    dicts. ``setting`` picks the CMS tables (``"practitioner"`` or
    ``"outpatient_hospital"``); ``edits`` the data (default
    :meth:`EditSet.bundled`); ``discipline`` the plan of care whose therapy
    modifier is expected (``"OT"`` → GO; ``None`` skips discipline checks);
    ``bypass`` where an NCCI modifier must sit (:class:`BypassPlacement`).

    Units are compared as given: convert minutes to units first (MUEs run
    after the conversion). Findings come back
    in a stable order (:func:`~ot_billing_rules.findings.sort_findings`); the
    module docstring lists the rule ids.
    """
    bundle = prepare(
        lines, on=on, setting=setting, edits=edits, discipline=discipline, bypass=bypass
    )
    ptp, mue = hits(bundle)
    return findings(bundle, ptp, mue)


def prepare(
    lines: Iterable[ServiceLine | ClaimLine | str | tuple[object, ...] | Mapping[str, object]],
    *,
    on: date | str | None = None,
    setting: Setting | str = "practitioner",
    edits: EditData | None = None,
    discipline: Discipline | str | None = "OT",
    bypass: BypassPlacement | str = "either",
) -> Bundle:
    """Coerce :func:`check_bundling`'s arguments into a :class:`Bundle` (same errors)."""
    if isinstance(lines, (str, bytes, Mapping)) or not isinstance(lines, Iterable):
        raise InvalidTypeError(
            f"lines must be a list of lines, not {type(lines).__name__} {lines!r}",
            value=lines,
            field="lines",
        )
    items = tuple(as_service_line(x) for x in lines)
    return _prepare_items(items, on, setting, edits, discipline, bypass)


def _prepare_items(
    items: tuple[ServiceLine, ...],
    on: date | str | None,
    setting: Setting | str,
    edits: EditData | None,
    discipline: Discipline | str | None,
    bypass: BypassPlacement | str,
) -> Bundle:
    """:func:`prepare` for lines that are already :class:`ServiceLine` values (the audit's)."""
    data: EditData = EditSet.bundled() if edits is None else edits
    # A runtime Protocol check costs tens of microseconds; an EditSet needs none.
    if type(data) is not EditSet and not isinstance(data, EditData):
        raise InvalidTypeError(
            f"edits must be an EditSet (or implement EditData), not {type(data).__name__}",
            value=edits,
            field="edits",
        )
    where = setting if type(setting) is Setting else coerce_enum(Setting, setting, field="setting")
    placement = _PLACEMENTS.get(bypass) if type(bypass) is str else bypass
    if type(placement) is not BypassPlacement:
        placement = coerce_enum(BypassPlacement, bypass, field="bypass")
    day = on if type(on) is date and MIN_DATE <= on <= MAX_DATE else coerce_date(on)
    return Bundle(
        day,
        where,
        data,
        discipline
        if type(discipline) is Discipline or discipline is None
        else coerce_discipline(discipline),
        placement,
        _per_set(data, ("source", where, day), lambda: _table_source(data, where, day)),
        items,
        group_lines(items),
    )


_make_service_line = maker(ServiceLine)


def _service_lines(lines: Iterable[ClaimLine], keep: int) -> tuple[ServiceLine, ...]:
    """Claim lines as service lines with their first ``keep`` modifiers (already valid values)."""
    return tuple([_make_service_line(ln.code, ln.units, ln.modifiers[:keep]) for ln in lines])


_PLACEMENTS = {p.value: p for p in BypassPlacement}
_PER_SET: dict[int, tuple[weakref.ref[EditSet], dict[object, object]]] = {}


def _per_set(data: EditData, key: object, compute: Callable[[], T]) -> T:
    """``compute()`` remembered per :class:`EditSet` (frozen: its sources never change).

    Kept by identity through a weak reference, so an equal but different set
    (a store opened again, or re-imported) gets its own entry and a set no
    longer used is not kept alive; other edit data is asked every time.
    """
    if type(data) is not EditSet:
        return compute()
    held = _PER_SET.get(id(data))
    if held is None or held[0]() is not data:
        held = keep(_PER_SET, id(data), (weakref.ref(data), {}), 64)
    facts = held[1]
    if key not in facts:  # one entry per day for the stale notes: 4,096 at most
        return keep(facts, key, compute(), 4096)  # type: ignore[return-value]
    return facts[key]  # type: ignore[return-value]


def _table_source(data: EditData, where: Setting, day: date) -> str:
    # The PTP release in force on the day (the newest on or before it, else the
    # oldest held), not the newest: after a quarter is imported, an older date
    # of service is still checked, and cited, against its own release.
    dated = _releases(data, "ptp", where)
    if len(dated) > 1:
        in_force = [d for d in dated if d <= day]
        release = (in_force[-1] if in_force else dated[0]).isoformat()
    else:
        release = table_release(data, "ptp")[1]
    return _source(where, release, _medicaid(data))


def hits(bundle: Bundle) -> tuple[tuple[PTPHit, ...], tuple[MUEHit, ...]]:
    """The PTP and MUE hits of the bundle's lines (one pass over the edit data)."""
    return (
        ptp_hits(
            bundle.by_code,
            bundle.edits,
            on=bundle.day,
            setting=bundle.setting,
            placement=bundle.placement,
        ),
        mue_hits(bundle.by_code, bundle.edits, on=bundle.day, setting=bundle.setting),
    )


def findings(
    bundle: Bundle,
    ptp: Iterable[PTPHit],
    mue: Iterable[MUEHit],
    *,
    ncci: bool = True,
) -> tuple[Finding, ...]:
    """Every finding of the bundle: the hits in words, then status, add-ons, modifiers.

    ``ncci=False`` leaves out the ``ncci.*`` findings (a payer that does not
    apply NCCI edits).
    """
    found: list[Finding] = []
    if ncci:
        # Stale notes depend only on the edit data, the setting and the day.
        found += _per_set(
            bundle.edits,
            ("stale", bundle.setting, bundle.day),
            lambda: tuple(_stale(bundle)),
        )
        found += [_ptp_finding(bundle, h) for h in ptp]
        found += [_mue_finding(bundle, h) for h in mue]
    found += _status(bundle, bundle.by_code)
    if not _COVERAGE_CODES.isdisjoint(bundle.by_code):
        found += coverage_findings(bundle.items, bundle.day, bundle.discipline)
    found += _addons(bundle.by_code)
    for line in bundle.items:
        found += _line_findings(line.code, line.modifiers, bundle.discipline)
    return sort_findings(found)


#: The only codes :func:`~ot_billing_rules.coverage.coverage_findings` speaks
#: of (its dated statuses and dry needling): a date without them skips it.
_COVERAGE_CODES = frozenset({row.code for row in DATED_STATUS} | set(_DRY_NEEDLING))

_LineKey = tuple[str, tuple[str, ...], Discipline | None]
_LINE_WORDED: dict[_LineKey, tuple[Finding, ...]] = {}


def _line_findings(
    code: str, modifiers: tuple[str, ...], discipline: Discipline | None
) -> tuple[Finding, ...]:
    # A line's modifier findings depend only on its code, its modifiers and the
    # plan of care (the catalog is fixed for the process): worded once per
    # distinct line, not per audit. Findings are frozen, so sharing them is safe.
    key = (code, modifiers, discipline)
    found = _LINE_WORDED.get(key)
    if found is None:
        entry = get(code)
        found = tuple(
            check_line_modifiers(
                code,
                modifiers,
                discipline=discipline,
                therapy_list=None if entry is None else entry.therapy_list.value,
            )
        )
        keep(_LINE_WORDED, key, found, _MAX_WORDED)
    return found


#: Bound of each wording cache: far more distinct keys than a clinic's code
#: set produces, small enough to never matter for memory.
_MAX_WORDED = 4096


# -- NCCI ------------------------------------------------------------------


def _medicaid(data: EditData) -> bool:
    return getattr(data, "program", "medicare") == "medicaid"


@functools.lru_cache(maxsize=64)
def _source(where: Setting, release: str, medicaid: bool = False) -> str:
    program = f"{cite('medicaid_ncci')}: Medicaid " if medicaid else f"{cite('ncci_edits')} "
    return f"{program}{where.value.replace('_', ' ')} edits, release {release}"


_TABLE = {"ptp": "PTP", "mue": "MUE"}


def _stale(ctx: Bundle) -> list[Finding]:
    # Each table carries its own release (bundled: PTP 2024-07-01, MUE
    # 2024-07-01 and 2026-04-01), so staleness is judged, and named, per
    # table: the release in force on the date of service, the newest one on
    # or before it.
    found: list[Finding] = []
    for kind, name in _TABLE.items():
        dated = _per_set(
            ctx.edits,
            (kind, ctx.setting),
            functools.partial(_releases, ctx.edits, kind, ctx.setting),
        )
        in_force = [d for d in dated if d <= ctx.day]
        if not in_force or ctx.day < _stale_from(in_force[-1]):
            continue
        released = in_force[-1]
        found.append(
            Finding(
                "ncci.stale",
                Severity.INFO,
                (),
                f"the date of service {ctx.day.isoformat()} is a quarter or more after the "
                f"release {released.isoformat()} of the {name} table in force on it: CMS has "
                f"published newer {name} files since, which may add, change or delete edits",
                f"download the {name} files of the date's quarter from CMS and load them with "
                "EditSet.from_cms_files or 'ot-billing ncci import'",
                _source(ctx.setting, released.isoformat(), _medicaid(ctx.edits)),
            )
        )
    dated = _per_set(
        ctx.edits, ("mue", ctx.setting), lambda: _releases(ctx.edits, "mue", ctx.setting)
    )
    if dated and ctx.day < dated[0]:
        found.append(
            Finding(
                "ncci.uncovered",
                Severity.INFO,
                (),
                f"no MUE table covers the date of service {ctx.day.isoformat()}: the oldest "
                f"MUE release held is {dated[0].isoformat()}, so the MUE values checked are that "
                "release's, not the ones in force on the date",
                "load the CMS MUE files of the date's quarter (EditSet.from_cms_files or "
                "'ot-billing ncci import') to check the MUEs then in force",
                _source(ctx.setting, dated[0].isoformat(), _medicaid(ctx.edits)),
            )
        )
    return found


def _releases(edits: EditData, kind: str, where: Setting) -> list[date]:
    """The dated releases of ``edits``' ``kind`` tables for ``where``, oldest first."""
    sources = getattr(edits, "sources", None) or ()
    mine = [
        s.release_date
        for s in sources
        if getattr(s, "kind", None) == kind and getattr(s, "setting", None) is where
    ]
    if mine:
        return sorted({d for d in mine if d is not None})
    # Edit data without per-table provenance: its one release stands for every table.
    released = table_release(edits, kind)[0]
    return [] if released is None else [released]


@functools.lru_cache(maxsize=64)
def _stale_from(released: date) -> date:
    return released + relativedelta(months=3)


def _timing_note(c1: str, c2: str) -> str:
    e1, e2 = get(c1), get(c2)
    if "97150" in (c1, c2):
        return (
            "only when the group session and the one-on-one service took place in separate "
            "time periods (NCCI: a one-on-one code and 97150 may not be reported for the same "
            "time)"
        )
    if e1 is not None and e2 is not None and e1.timed and e2.timed:
        return (
            "only when the two timed services were performed in separate time intervals — "
            "split blocks are fine (e.g. 10 min of one, 15 min of the other, 5 more min of "
            "the first), never the same minutes (CMS modifier-59 article)"
        )
    return (
        "only when the services were distinct: a separate session or encounter, a different "
        "site or structure, or a separate practitioner"
    )


def _ptp_finding(ctx: Bundle, hit: PTPHit) -> Finding:
    # The wording depends only on the hit (codes, edit row, modifiers), the
    # table and the placement era: worded once per distinct key, not per audit.
    strict = ctx.placement is BypassPlacement.COLUMN2 or ctx.day < EITHER_LINE_FROM
    # The fields the wording reads, not the hit itself: hits are new each audit,
    # and comparing two of them compares their edit rows field by field.
    edit = hit.edit
    key = (
        type(edit),
        hit.column_1,
        hit.column_2,
        edit.effective,
        edit.deletion,
        edit.effective_inferred,
        edit.modifier_indicator,
        edit.rationale,
        hit.bypassed_by,
        hit.bypass_on,
        hit.tried,
        ctx.setting,
        ctx.source,
        strict,
    )
    found = _PTP_WORDED.get(key)
    if found is None:
        found = keep(_PTP_WORDED, key, _word_ptp(hit, ctx.setting, ctx.source, strict), _MAX_WORDED)
    return found


_PTP_WORDED: dict[tuple[object, ...], Finding] = {}


def _word_ptp(hit: PTPHit, setting: Setting, bundle_source: str, strict: bool) -> Finding:
    edit = hit.edit
    c1, c2 = hit.column_1, hit.column_2
    what = (
        f"NCCI PTP edit {c1}/{c2} ({setting.value.replace('_', ' ')}, "
        f'"{edit.rationale}", modifier indicator {edit.modifier_indicator.value}, '
        f"in force {edit.window()})"
    )
    codes = (c1, c2)
    source = f"{bundle_source}; I/OCE edit {'20' if not edit.bypassable else '40'}"
    if not edit.bypassable:
        tried = f"; modifier {', '.join(hit.tried)} does not help" if hit.tried else ""
        return Finding(
            "ncci.ptp",
            Severity.ERROR,
            codes,
            f"{c2} (column 2) is denied when billed with {c1} (column 1) on the same date: "
            f"{what}. Indicator 0: no modifier bypasses this edit{tried}",
            f"do not bill {c2} with {c1} for the same patient on the same date; bill {c1} "
            f"alone or move {c2} to another date only if it was truly performed then",
            source,
        )
    if hit.bypassed:
        mod, on_code = hit.bypassed_by, hit.bypass_on
        placement = (
            ""
            if on_code == c2
            else f" It sits on the column-1 line {c1}: Medicare Part B accepts that since "
            f"2019-07-01 (CR 11168), but CMS instructs column-2 placement and some payers "
            "require it (bypass='column2')."
        )
        return Finding(
            "ncci.bypass",
            Severity.INFO,
            codes,
            f"{what} is bypassed by modifier {mod} on {on_code}.{placement} The bypass "
            f"holds {_timing_note(c1, c2)}",
            "make sure the record documents why the services were distinct (times, "
            "sites or sessions); bypassed edits are an audit target",
            source,
        )
    where = "on that line" if strict else "Medicare accepts either line; column 2 is preferred"
    modifier = "25 (on the E/M line)" if is_em(c2) else "59 or the more specific XE/XS/XP/XU"
    return Finding(
        "ncci.ptp",
        Severity.ERROR,
        codes,
        f"{c2} (column 2) is denied when billed with {c1} (column 1) on the same date: "
        f"{what}. Indicator 1: an NCCI-associated modifier can bypass it, and none "
        "qualifying is present",
        f"if, and only if, the services were distinct, append {modifier} to {c2} "
        f"({where}); the bypass holds {_timing_note(c1, c2)}. Otherwise bill {c1} only",
        source,
    )


def _mue_finding(ctx: Bundle, hit: MUEHit) -> Finding:
    # The wording depends on the hit's fields, the setting, the table's source
    # and the day only when the MUE row postdates it (the "may differ" note):
    # worded once per distinct key, not per audit.
    effective = hit.mue.effective
    early = ctx.day if effective is not None and ctx.day < effective else None
    mue = hit.mue
    key = (
        type(mue),
        mue.code,
        mue.value,
        mue.adjudication,
        mue.adjudication_inferred,
        effective,
        mue.rationale,
        hit.units,
        hit.scope,
        hit.lines,
        ctx.setting,
        ctx.source,
        _medicaid(ctx.edits),
        early,
    )
    found = _MUE_WORDED.get(key)
    if found is None:
        found = keep(_MUE_WORDED, key, _word_mue(ctx, hit), _MAX_WORDED)
    return found


_MUE_WORDED: dict[tuple[object, ...], Finding] = {}


def _word_mue(ctx: Bundle, hit: MUEHit) -> Finding:
    mue, units, zero = hit.mue, hit.units, hit.scope == "zero"
    if hit.scope == "per_line":
        scope = "on one line" if hit.lines == 1 else f"on each of {hit.lines} lines"
    else:
        scope = "summed over the date of service"
    label = f"MAI {mue.adjudication.value} ({mue.adjudication.label})"
    if mue.adjudication_inferred:
        label = "per line (the Medicaid MUE file has no adjudication indicator; inferred)"
    dated = ""
    if mue.effective is not None and ctx.day < mue.effective:
        dated = (
            f" (value from the release effective {mue.effective.isoformat()}, the earliest "
            f"loaded; the MUE in force on {ctx.day.isoformat()} may differ)"
        )
    if zero:
        message = (
            f"{mue.code} has an MUE of 0 in the {ctx.setting.value.replace('_', ' ')} "
            f"table{dated}: "
            f"it is not payable in this setting ({units} unit(s) billed; rationale "
            f'"{mue.rationale}")'
        )
    else:
        message = (
            f"{units} units of {mue.code} {scope} exceed its MUE of {mue.value}{dated} "
            f'({ctx.setting.value.replace("_", " ")}, {label}, rationale "{mue.rationale}")'
        )
    if zero:
        advice = (
            f"remove the line: {mue.code} is not payable in the "
            f"{ctx.setting.value.replace('_', ' ')} setting"
        )
    elif mue.adjudication.per_line:
        advice = (
            "the whole line is denied; properly documented extra units may go on separate "
            "lines with 76, 77, 59/X or anatomic modifiers; an appeal can pay them"
        )
    elif mue.adjudication.appealable:
        advice = (
            "all units of the code on this date are denied, not just the excess; bill units "
            "the minutes support — an appeal with documentation can pay medically necessary "
            "units (MAI 3)"
        )
    else:
        advice = (
            "all units of the code on this date are denied, and an appeal cannot overturn an "
            "MAI 2 (policy) limit; bill no more than the MUE"
        )
    source = ctx.source
    if mue.effective is not None:
        source = _source(ctx.setting, mue.effective.isoformat(), _medicaid(ctx.edits))
    return Finding("ncci.mue", Severity.ERROR, (mue.code,), message, advice, source)


# -- fee-schedule status -----------------------------------------------------------

_STATUS_RULES: Mapping[FeeScheduleStatus, tuple[str, Severity, str, str]] = {
    FeeScheduleStatus.BUNDLED: (
        "status.bundled",
        Severity.ERROR,
        "fee-schedule status B: payment is bundled into other services; never paid "
        "separately, alone or with other codes",
        "do not bill it to Medicare as a separate line; the patient may not be billed either",
    ),
    FeeScheduleStatus.BUNDLED_OR_EXCLUDED: (
        "status.bundled",
        Severity.ERROR,
        "fee-schedule status P: bundled or excluded; no separate payment",
        "do not bill it as a separate line",
    ),
    FeeScheduleStatus.NOT_VALID_FOR_MEDICARE: (
        "status.invalid",
        Severity.ERROR,
        "fee-schedule status I: not valid for Medicare, which uses another code",
        "bill the Medicare code instead",
    ),
    FeeScheduleStatus.NON_COVERED: (
        "status.noncovered",
        Severity.WARNING,
        "fee-schedule status N: not covered by Medicare",
        "give the patient an Advance Beneficiary Notice if they are to pay (GA), or bill "
        "another payer",
    ),
    FeeScheduleStatus.STATUTORY_EXCLUSION: (
        "status.noncovered",
        Severity.WARNING,
        "fee-schedule status X: excluded from the fee schedule by statute",
        "bill another payer or the patient as the rules allow",
    ),
    FeeScheduleStatus.EXCLUDED_BY_REGULATION: (
        "status.noncovered",
        Severity.WARNING,
        "fee-schedule status E: excluded by regulation",
        "bill another payer or the patient as the rules allow",
    ),
    FeeScheduleStatus.RESTRICTED: (
        "status.restricted",
        Severity.WARNING,
        "fee-schedule status R: restricted coverage; paid only in special circumstances",
        "check the contractor's policy and document why it applies",
    ),
    FeeScheduleStatus.CARRIER_PRICED: (
        "status.carrier_priced",
        Severity.INFO,
        "fee-schedule status C: the Medicare contractor prices it case by case",
        "send documentation of the service with the claim",
    ),
}


def _status(ctx: Bundle, by_code: Mapping[str, list[ServiceLine]]) -> list[Finding]:
    out: list[Finding] = []
    edits = ctx.edits
    # An in-memory edit set never changes: its status findings are kept with
    # it, per code. A store or other edit data is asked every time (a store
    # changed in place must still raise), and only the wording is reused.
    cache = snapshot_cache(edits)
    for code in sorted(by_code):
        if cache is None:
            out += _status_of(edits, code)
            continue
        key = ("status_findings", code)
        found = cache.get(key)
        if found is None:
            found = _status_of(edits, code)
            remember(cache, key, found)
        out += found
    return out


def _status_of(edits: EditData, code: str) -> tuple[Finding, ...]:
    status = edits.status(code)
    if status is None or status not in _STATUS_RULES:
        return ()
    key = (code, status)
    found = _STATUS_WORDED.get(key)
    if found is None:
        found = keep(_STATUS_WORDED, key, _word_status(code, status), _MAX_WORDED)
    return (found,)


_STATUS_WORDED: dict[tuple[str, FeeScheduleStatus], Finding] = {}


def _word_status(code: str, status: FeeScheduleStatus) -> Finding:
    rule, severity, why, advice = _STATUS_RULES[status]
    if status is FeeScheduleStatus.NOT_VALID_FOR_MEDICARE and code in _STATUS_I_REPLACEMENT:
        advice = f"bill {_STATUS_I_REPLACEMENT[code]} instead (Medicare's code for it)"
    return Finding(
        rule,
        severity,
        (code,),
        f"{code} has {why} (Medicare Physician Fee Schedule RVU file)",
        advice,
        cite("pfs_status"),
    )


# -- add-on and once-per-day codes --------------------------------------------------


def _addons(by_code: Mapping[str, list[ServiceLine]]) -> list[Finding]:
    out: list[Finding] = []
    special = _special_codes()
    # Most visits bill no add-on or once-per-day code: nothing to sort or look up.
    if special.isdisjoint(by_code):
        return out
    for code in sorted(by_code):
        if code not in special:
            continue
        entry = get(code)
        if entry is not None and entry.add_on_to and not set(entry.add_on_to) & set(by_code):
            primary = " or ".join(entry.add_on_to)
            out.append(
                Finding(
                    "addon.without_primary",
                    Severity.ERROR,
                    (code,),
                    f"{code} is an add-on code (each additional block after {primary}) and is "
                    f"billed without {primary} on the same date",
                    f"bill {primary} for the first block and {code} only for the additional time",
                    cite("cpt_addon"),
                )
            )
        if code in ONCE_PER_DAY:
            lines = by_code[code]
            units = sum(line.units for line in lines)
            if units > 1 or len(lines) > 1:
                out.append(
                    Finding(
                        "addon.once_per_day",
                        Severity.ERROR,
                        (code,),
                        f"{code} is the initial block of its family and is reported once per "
                        f"date of service, but {units} unit(s) on {len(lines)} line(s) are "
                        "billed",
                        f"bill {code} x 1 and put the additional time on {ONCE_PER_DAY[code]}",
                        cite("cpt_once_per_day"),
                    )
                )
    return out


@functools.lru_cache(maxsize=1)
def _special_codes() -> frozenset[str]:
    """The catalog codes :func:`_addons` has something to say about (the catalog is fixed)."""
    add_ons = {c.code for c in _catalog.codes() if c.add_on_to}
    return frozenset(add_ons | set(ONCE_PER_DAY))
