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
                                     edit data's release: load newer CMS files
``status.bundled``         error     fee-schedule status B/P: never paid separately
``status.invalid``         error     status I: not valid for Medicare (bill the
                                     replacement, e.g. G0283 for 97014)
``status.noncovered``      warning   status N/X/E: not covered by Medicare
``status.restricted``      warning   status R: restricted coverage
``status.carrier_priced``  info      status C: the contractor prices it
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

import enum
import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

import attrs
from dateutil.relativedelta import relativedelta

from . import catalog as _catalog
from ._coerce import coerce_date, coerce_enum
from .catalog import FeeScheduleStatus, TherapyList, get, is_valid_code
from .errors import InvalidCodeError, InvalidInputError, InvalidTypeError
from .findings import Finding, Severity, sort_findings
from .lines import MAX_MODIFIERS, ClaimLine, ServiceLine
from .ncci import MUE, EditData, EditSet, PTPEdit
from .payers import THERAPY_MODIFIERS, coerce_discipline
from .terms import Discipline, Setting

__all__ = [
    "KNOWN_MODIFIERS",
    "ONCE_PER_DAY",
    "BypassPlacement",
    "check_bundling",
    "ncci_modifiers",
    "parse_line_token",
]


class BypassPlacement(str, enum.Enum):
    """Where an NCCI bypass modifier must sit for :func:`check_bundling` to accept it.

    ``either``: on the column-1 or the column-2 line (Medicare Part B since
    2019-07-01, CMS CR 11168; Palmetto GBA for I/OCE edit 40 — grade B via
    C). ``column2``: only on the column-2 line (CMS's
    instruction to providers; some payers enforce it).
    """

    EITHER = "either"
    COLUMN2 = "column2"


#: First date of service on which Medicare Part B accepts the bypass modifier
#: on either line (CR 11168).
EITHER_LINE_FROM = date(2019, 7, 1)

_DISTINCT = frozenset({"59", "XE", "XS", "XP", "XU"})
_X = frozenset({"XE", "XS", "XP", "XU"})
_ANATOMIC = frozenset(
    {"E1", "E2", "E3", "E4", "FA", "LT", "RT", "LC", "LD", "RC", "LM", "RI", "TA"}
    | {f"F{n}" for n in range(1, 10)}
    | {f"T{n}" for n in range(1, 10)}
)
_GLOBAL_OTHER = frozenset({"24", "25", "57", "58", "78", "79", "27", "91"})

#: NCCI-associated modifiers by the date they were accepted (NCCI Policy
#: Manual Ch. I, 2024 text; X{EPSU} from 2015-01-01, CMS CR 8863 — grade
#: B). The c.2015 list lacked 24, 57, 27,
#: LM and RI but the date they were added is not known: the library uses the
#: 2024 list for every date (the lenient reading).
_NCCI_MODIFIER_ERAS: tuple[tuple[date, frozenset[str]], ...] = (
    (date.min, _ANATOMIC | _GLOBAL_OTHER | {"59"}),
    (date(2015, 1, 1), _ANATOMIC | _GLOBAL_OTHER | _DISTINCT),
)

#: Modifiers the checker knows; any other draws ``modifier.unknown``. Therapy
#: discipline (GO GP GN), assistant (CO CQ), KX, NCCI-associated (above),
#: repeat procedures (76 77), reduced/discontinued (52 53), increased service
#: (22), telehealth (95 GT 93 FQ FR), habilitative/rehabilitative (96 97),
#: liability notices (GA GX GY GZ), teaching physician (GC GE), substitute
#: billing (Q5 Q6), disaster (CR CS) — HCPCS/CPT modifier lists
#: (grade B for the therapy and NCCI ones).
KNOWN_MODIFIERS: frozenset[str] = frozenset(
    {"GO", "GP", "GN", "CO", "CQ", "KX", "76", "77", "52", "53", "22"}
    | {"95", "GT", "93", "FQ", "FR", "96", "97", "GA", "GX", "GY", "GZ", "GC", "GE"}
    | {"Q5", "Q6", "CR", "CS"}
    | _ANATOMIC
    | _GLOBAL_OTHER
    | _DISTINCT
)

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

_TOKEN = re.compile(r"([0-9A-Za-z]+?)(?:[xX*]([0-9]+))?(?::(.*))?")


def ncci_modifiers(on: date | str | None = None) -> frozenset[str]:
    """The NCCI-associated modifiers accepted on date of service ``on``.

    >>> "XU" in ncci_modifiers("2014-12-31"), "XU" in ncci_modifiers("2015-01-01")
    (False, True)
    """
    day = coerce_date(on)
    current = _NCCI_MODIFIER_ERAS[0][1]
    for start, mods in _NCCI_MODIFIER_ERAS:
        if day >= start:
            current = mods
    return current


def parse_line_token(token: str) -> ServiceLine:
    """Parse ``CODE[xUNITS][:MOD[,MOD]]`` into a :class:`ServiceLine`.

    >>> parse_line_token("97530x2:GO,59")
    ServiceLine(code='97530', units=2, modifiers=('GO', '59'))
    >>> parse_line_token("97150")
    ServiceLine(code='97150', units=1, modifiers=())
    """
    if not isinstance(token, str):
        raise InvalidTypeError(
            f"a line token must be a string, not {type(token).__name__} {token!r}",
            value=token,
            field="line",
        )
    m = _TOKEN.fullmatch(token.strip())
    if not m:
        raise InvalidInputError(
            f"line {token!r} is not CODE[xUNITS][:MOD[,MOD]] (e.g. 97530, 97530x2, 97530x2:GO,59)",
            value=token,
            field="line",
        )
    code, units, mods = m.groups()
    if not is_valid_code(code):
        raise InvalidCodeError(
            f"line {token!r}: {code!r} is not a well-formed CPT/HCPCS code (lines are "
            "CODE[xUNITS][:MOD[,MOD]], e.g. 97530x2:GO,59)",
            value=token,
            field="line",
        )
    return ServiceLine(code, int(units) if units else 1, mods or ())


def _line(item: object) -> ServiceLine:
    if isinstance(item, ServiceLine):
        return item
    if isinstance(item, ClaimLine):
        return ServiceLine(item.code, item.units, item.modifiers)
    if isinstance(item, str):
        return parse_line_token(item)
    if isinstance(item, Mapping):
        extra = set(item) - {"code", "units", "modifiers"}
        if extra or "code" not in item:
            raise InvalidInputError(
                f"a line dict takes the keys code, units, modifiers; got {sorted(map(str, item))}",
                value=item,
                field="lines",
            )
        return ServiceLine(item["code"], item.get("units", 1), item.get("modifiers", ()))
    if isinstance(item, (tuple, list)) and 1 <= len(item) <= 3:
        return ServiceLine(*item)
    raise InvalidTypeError(
        "each line must be a ServiceLine, a code string, a (code, units, modifiers) tuple "
        f"or a dict, not {type(item).__name__} {item!r}",
        value=item,
        field="lines",
    )


def _is_em(code: str) -> bool:
    # Evaluation and management: CPT 99202-99499.
    return code.isdigit() and 99201 <= int(code) <= 99499


@attrs.frozen
class _Ctx:
    day: date
    setting: Setting
    edits: EditData
    discipline: Discipline | None
    placement: BypassPlacement
    source: str


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
    if isinstance(lines, (str, bytes, Mapping)) or not isinstance(lines, Iterable):
        raise InvalidTypeError(
            f"lines must be a list of lines, not {type(lines).__name__} {lines!r}",
            value=lines,
            field="lines",
        )
    items = [_line(x) for x in lines]
    data: EditData = EditSet.bundled() if edits is None else edits
    # A runtime Protocol check costs tens of microseconds; an EditSet needs none.
    if type(data) is not EditSet and not isinstance(data, EditData):
        raise InvalidTypeError(
            f"edits must be an EditSet (or implement EditData), not {type(data).__name__}",
            value=edits,
            field="edits",
        )
    where = setting if type(setting) is Setting else coerce_enum(Setting, setting, field="setting")
    ctx = _Ctx(
        day=coerce_date(on),
        setting=where,
        edits=data,
        discipline=discipline
        if type(discipline) is Discipline or discipline is None
        else coerce_discipline(discipline),
        placement=bypass
        if type(bypass) is BypassPlacement
        else coerce_enum(BypassPlacement, bypass, field="bypass"),
        source=_source(where, data.release),
    )
    by_code: dict[str, list[ServiceLine]] = defaultdict(list)
    for item in items:
        by_code[item.code].append(item)
    found: list[Finding] = []
    found += _stale(ctx)
    found += _ptp(ctx, by_code)
    found += _mue(ctx, by_code)
    found += _status(ctx, by_code)
    found += _addons(by_code)
    found += _modifiers(ctx, items)
    return sort_findings(found)


# -- NCCI ------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _source(where: Setting, release: str) -> str:
    return f"CMS NCCI {where.value.replace('_', ' ')} edits, release {release}"


def _stale(ctx: _Ctx) -> list[Finding]:
    released = ctx.edits.release_date
    if released is None or ctx.day < _stale_from(released):
        return []
    return [
        Finding(
            "ncci.stale",
            Severity.INFO,
            (),
            f"the date of service {ctx.day.isoformat()} is a quarter or more after the edit "
            f"data's release {released.isoformat()}: CMS has published newer PTP and MUE "
            "files since, which may add, change or delete edits",
            "download the current quarter's PTP and MUE files from CMS and load them with "
            "EditSet.from_cms_files or 'ot-billing ncci import'",
            ctx.source,
        )
    ]


@functools.lru_cache(maxsize=64)
def _stale_from(released: date) -> date:
    return released + relativedelta(months=3)


def _strictest(rows: Iterable[PTPEdit]) -> PTPEdit:
    # Several rows can be in force for one pair; indicator 0 wins over 1.
    return min(rows, key=lambda e: (e.modifier_indicator.value, e.rationale))


def _ptp(ctx: _Ctx, by_code: Mapping[str, list[ServiceLine]]) -> list[Finding]:
    out: list[Finding] = []
    for a, b in itertools.combinations(sorted(by_code), 2):
        rows = ctx.edits.ptp_edits(a, b, on=ctx.day, setting=ctx.setting)
        if not rows:  # most pairs have no edit
            continue
        oriented: dict[tuple[str, str], list[PTPEdit]] = defaultdict(list)
        for e in rows:
            if e.applies_on(ctx.day) and {e.column_1, e.column_2} == {a, b}:
                oriented[(e.column_1, e.column_2)].append(e)
        for (c1, c2), group in sorted(oriented.items()):
            out += _ptp_finding(ctx, _strictest(group), by_code[c1], by_code[c2])
    return out


def _distinct(mod: str, line: ServiceLine) -> bool:
    if mod == "25":
        return _is_em(line.code)
    if mod in _DISTINCT:
        return not _is_em(line.code)
    return mod not in _ANATOMIC


def _pair_bypass(ctx: _Ctx, one: ServiceLine, two: ServiceLine) -> tuple[str, str] | None:
    """The (modifier, code) that bypasses the edit for this pair of lines, if any."""
    allowed = ncci_modifiers(ctx.day)
    carriers = [two]
    if ctx.placement is BypassPlacement.EITHER and ctx.day >= EITHER_LINE_FROM:
        carriers.append(one)
    for line in carriers:
        for mod in line.modifiers:
            if mod in allowed and _distinct(mod, line):
                return mod, line.code
    # Anatomic modifiers show distinct sites only when the lines name different ones.
    for x in one.modifiers:
        for y in two.modifiers:
            if x in _ANATOMIC and y in _ANATOMIC and x != y:
                return f"{x}/{y}", two.code
    return None


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


def _ptp_finding(
    ctx: _Ctx, edit: PTPEdit, ones: list[ServiceLine], twos: list[ServiceLine]
) -> list[Finding]:
    c1, c2 = edit.column_1, edit.column_2
    what = (
        f"NCCI PTP edit {c1}/{c2} ({ctx.setting.value.replace('_', ' ')}, "
        f'"{edit.rationale}", modifier indicator {edit.modifier_indicator.value}, '
        f"in force {edit.window()})"
    )
    codes = (c1, c2)
    source = f"{ctx.source}; I/OCE edit {'20' if not edit.bypassable else '40'}"
    if not edit.bypassable:
        mods = sorted({m for line in twos + ones for m in line.modifiers} & _BYPASS_ANY)
        tried = f"; modifier {', '.join(mods)} does not help" if mods else ""
        return [
            Finding(
                "ncci.ptp",
                Severity.ERROR,
                codes,
                f"{c2} (column 2) is denied when billed with {c1} (column 1) on the same date: "
                f"{what}. Indicator 0: no modifier bypasses this edit{tried}",
                f"do not bill {c2} with {c1} for the same patient on the same date; bill {c1} "
                f"alone or move {c2} to another date only if it was truly performed then",
                source,
            )
        ]
    hits = [_pair_bypass(ctx, one, two) for two in twos for one in ones]
    if all(h is not None for h in hits):
        # The column-2 carrier first, so the message does not depend on line order.
        mod, on_code = min(
            (h for h in hits if h is not None), key=lambda h: (h[1] != c2, h[0], h[1])
        )
        placement = (
            ""
            if on_code == c2
            else f" It sits on the column-1 line {c1}: Medicare Part B accepts that since "
            f"2019-07-01 (CR 11168), but CMS instructs column-2 placement and some payers "
            "require it (bypass='column2')."
        )
        return [
            Finding(
                "ncci.bypass",
                Severity.INFO,
                codes,
                f"{what} is bypassed by modifier {mod} on {on_code}.{placement} The bypass "
                f"holds {_timing_note(c1, c2)}",
                "make sure the record documents why the services were distinct (times, "
                "sites or sessions); bypassed edits are an audit target",
                source,
            )
        ]
    strict = ctx.placement is BypassPlacement.COLUMN2 or ctx.day < EITHER_LINE_FROM
    where = "on that line" if strict else "Medicare accepts either line; column 2 is preferred"
    modifier = "25 (on the E/M line)" if _is_em(c2) else "59 or the more specific XE/XS/XP/XU"
    return [
        Finding(
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
    ]


_BYPASS_ANY = _ANATOMIC | _GLOBAL_OTHER | _DISTINCT


def _mue(ctx: _Ctx, by_code: Mapping[str, list[ServiceLine]]) -> list[Finding]:
    out: list[Finding] = []
    for code in sorted(by_code):
        mue = ctx.edits.mue(code, on=ctx.day, setting=ctx.setting)
        if mue is None:
            continue
        lines = by_code[code]
        total = sum(line.units for line in lines)
        if mue.value == 0:
            out.append(_mue_finding(ctx, mue, total, "per date", zero=True))
        elif mue.adjudication.per_line:
            over = sorted(line.units for line in lines if line.units > mue.value)
            for units in sorted(set(over)):
                n = over.count(units)
                scope = "on one line" if n == 1 else f"on each of {n} lines"
                out.append(_mue_finding(ctx, mue, units, scope))
        elif total > mue.value:
            out.append(_mue_finding(ctx, mue, total, "summed over the date of service"))
    return out


def _mue_finding(ctx: _Ctx, mue: MUE, units: int, scope: str, *, zero: bool = False) -> Finding:
    label = f"MAI {mue.adjudication.value} ({mue.adjudication.label})"
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
    return Finding("ncci.mue", Severity.ERROR, (mue.code,), message, advice, ctx.source)


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


def _status(ctx: _Ctx, by_code: Mapping[str, list[ServiceLine]]) -> list[Finding]:
    out: list[Finding] = []
    for code in sorted(by_code):
        status = ctx.edits.status(code)
        if status is None or status not in _STATUS_RULES:
            continue
        rule, severity, why, advice = _STATUS_RULES[status]
        if status is FeeScheduleStatus.NOT_VALID_FOR_MEDICARE and code in _STATUS_I_REPLACEMENT:
            advice = f"bill {_STATUS_I_REPLACEMENT[code]} instead (Medicare's code for it)"
        out.append(
            Finding(
                rule,
                severity,
                (code,),
                f"{code} has {why} (Medicare Physician Fee Schedule RVU file)",
                advice,
                "CMS National Physician Fee Schedule Relative Value File, status indicator "
                "(RVU file documentation)",
            )
        )
    return out


# -- add-on and once-per-day codes --------------------------------------------------


def _addons(by_code: Mapping[str, list[ServiceLine]]) -> list[Finding]:
    out: list[Finding] = []
    for code in sorted(by_code):
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
                    "CPT add-on code convention; code catalog add-on links",
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
                        "CPT descriptor structure (initial block + add-on); CMS NCCI MUE 1 "
                        "for 97129 and 97545",
                    )
                )
    return out


# -- modifiers --------------------------------------------------------------------------


def _modifiers(ctx: _Ctx, items: list[ServiceLine]) -> list[Finding]:
    out: list[Finding] = []
    src = "HCPCS/CPT modifier descriptors; MAC therapy-modifier guidance"
    for line in items:
        where = line.code
        mods = set(line.modifiers)
        for mod in line.modifiers:
            if mod not in KNOWN_MODIFIERS:
                out.append(
                    Finding(
                        "modifier.unknown",
                        Severity.WARNING,
                        (line.code,),
                        f"modifier {mod} on {where} is not one this checker knows "
                        f"(known: {', '.join(sorted(KNOWN_MODIFIERS))})",
                        "check the modifier against the payer's list; it bypasses no edit here",
                        src,
                    )
                )
        if "59" in mods and mods & _X:
            out.append(
                Finding(
                    "modifier.59_with_x",
                    Severity.WARNING,
                    (line.code,),
                    f"{where} carries 59 together with {', '.join(sorted(mods & _X))}; several "
                    "payers reject a line with both",
                    "keep the more specific X modifier and drop 59",
                    "NCCI Policy Manual Ch. I (59 only when no more specific modifier fits); "
                    "CMS CR 8863 (X{EPSU})",
                )
            )
        if len(mods & _X) > 1:
            out.append(_bypass_multiple(line, where, mods & _X))
        if len(line.modifiers) > MAX_MODIFIERS:
            out.append(_too_many(line, where))
        if "25" in mods and not _is_em(line.code):
            out.append(_misplaced(line, where, "25 belongs on an E/M line (99202-99499)"))
        if mods & _DISTINCT and _is_em(line.code):
            out.append(
                _misplaced(line, where, "59/X modifiers are never put on an E/M line; use 25")
            )
        if ctx.discipline is not None:
            out += _discipline(ctx.discipline, line, where, mods, src)
    return out


def _bypass_multiple(line: ServiceLine, where: str, xs: set[str]) -> Finding:
    # Each X modifier names one reason the service was distinct (CR 8863);
    # two on a line claim two reasons at once, and payers take one per line.
    both = ", ".join(sorted(xs))
    return Finding(
        "modifier.bypass_multiple",
        Severity.WARNING,
        (line.code,),
        f"{where} carries {both}: each X modifier names one reason the service was "
        "distinct (XE separate encounter, XS separate structure, XP separate practitioner, "
        "XU unusual non-overlapping service), and a line takes one of 59/XE/XS/XP/XU",
        "keep the one X modifier the record supports and drop the others",
        "CMS CR 8863 (MLN Matters MM8863: X{EPSU} modifiers, subsets of modifier 59); "
        "CMS MLN fact sheet MLN1783722, Proper Use of Modifiers 59, XE, XP, XS & XU",
    )


def _too_many(line: ServiceLine, where: str) -> Finding:
    extra = ", ".join(line.modifiers[MAX_MODIFIERS:])
    return Finding(
        "modifier.too_many",
        Severity.ERROR,
        (line.code,),
        f"{where} carries {len(line.modifiers)} modifiers ({', '.join(line.modifiers)}) but a "
        f"claim line holds {MAX_MODIFIERS}",
        f"choose the {MAX_MODIFIERS} the line needs; as given, {extra} would not fit",
        "CMS Pub. 100-04 Ch. 26 §10.4 (item 24D, up to four modifiers); "
        "X12 837P SV101-3 to SV101-6",
    )


def _misplaced(line: ServiceLine, where: str, why: str) -> Finding:
    return Finding(
        "modifier.misplaced",
        Severity.WARNING,
        (line.code,),
        f"{where}: {why}",
        "move the modifier to the right line",
        "NCCI Policy Manual Ch. I (25 on E/M lines only; 59 and X{EPSU} never on E/M)",
    )


def _discipline(
    discipline: Discipline, line: ServiceLine, where: str, mods: set[str], src: str
) -> list[Finding]:
    entry = get(line.code)
    expected = discipline.therapy_modifier
    present = mods & THERAPY_MODIFIERS
    out: list[Finding] = []
    wrong = sorted(present - {expected})
    if wrong:
        out.append(
            Finding(
                "modifier.discipline_mismatch",
                Severity.ERROR,
                (line.code,),
                f"{where} carries {', '.join(wrong)} but the service is under the "
                f"{discipline.value} plan of care, which calls for {expected}",
                f"use {expected} (GO = OT, GP = PT, GN = SLP); the modifier also routes the "
                "KX threshold accounting",
                src,
            )
        )
    if entry is None or present:
        return out
    if entry.therapy_list is TherapyList.ALWAYS:
        out.append(
            Finding(
                "modifier.therapy_missing",
                Severity.ERROR,
                (line.code,),
                f"{where} is an always-therapy code billed without a therapy modifier; the "
                f"{discipline.value} plan of care calls for {expected}",
                f"append {expected}",
                src,
            )
        )
    elif entry.therapy_list is TherapyList.SOMETIMES:
        out.append(
            Finding(
                "modifier.therapy_missing",
                Severity.WARNING,
                (line.code,),
                f"{where} is a sometimes-therapy code without a therapy modifier; furnished by a "
                f"therapist under the {discipline.value} plan of care it needs {expected}",
                f"append {expected} when a therapist furnished it under the plan of care",
                src,
            )
        )
    return out
