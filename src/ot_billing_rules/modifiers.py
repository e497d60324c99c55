"""Modifiers: every modifier set the rules use, as data; their normal form and
billing order; where a PTP bypass modifier counts; and the per-line
modifier checks.

This module sits at the bottom of the package with :mod:`~ot_billing_rules.terms`
(it imports only ``terms``, ``errors``, ``findings`` and ``_coerce``): the NCCI
checks, :func:`~ot_billing_rules.check_bundling`, the payer policies and the
audit all read the sets from here, so there is one bypass set, one order and
one known list.

>>> order_modifiers(["59", "KX", "CO", "GO"])
('GO', 'CO', 'KX', '59')
>>> "XU" in ncci_modifiers("2014-12-31"), "XU" in ncci_modifiers("2015-01-01")
(False, True)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import date

from ._coerce import coerce_date
from .errors import InvalidModifierError, InvalidOptionError, InvalidTypeError
from .findings import Finding, Severity
from .sources import cite
from .terms import Discipline

__all__ = [
    "ANATOMIC_MODIFIERS",
    "ASSISTANT_MODIFIERS",
    "BYPASS_MODIFIERS",
    "EITHER_LINE_FROM",
    "KNOWN_MODIFIERS",
    "MAX_MODIFIERS",
    "NCCI_MODIFIER_ERAS",
    "THERAPY_MODIFIERS",
    "X_MODIFIERS",
    "BypassPlacement",
    "check_line_modifiers",
    "is_em",
    "ncci_modifiers",
    "normalize_modifiers",
    "order_modifiers",
    "pair_bypass",
]

_MODIFIER_RE = re.compile(r"[0-9A-Z]{2}")


#: Modifiers one claim line can carry: the CMS-1500 (item 24D) and the 837P
#: (SV101-3 to SV101-6) hold four.
MAX_MODIFIERS = 4


def normalize_modifiers(modifiers: Iterable[str] | str) -> tuple[str, ...]:
    """Return modifiers upper-cased, trimmed and de-duplicated, order kept.

    A single string may hold several modifiers separated by commas, spaces or
    colons. Each must be two ASCII letters or digits: look-alikes that
    upper-case to ASCII (``'xſ'`` to ``XS``, ``'ß'`` to ``SS``) are refused.

    >>> normalize_modifiers(["go", " 59"])
    ('GO', '59')
    >>> normalize_modifiers("GO,KX")
    ('GO', 'KX')
    """
    if type(modifiers) is tuple:
        if not modifiers:
            return ()
        try:
            hit = _NORMALIZED.get(modifiers)
        except TypeError:  # an unhashable item: the checks below name it
            hit = None
        if hit is not None:
            return hit
    if isinstance(modifiers, str):
        items: list[object] = [m for m in re.split(r"[\s,:]+", modifiers) if m]
    elif isinstance(modifiers, (list, tuple)):
        items = list(modifiers)
    else:
        raise InvalidTypeError(
            f"modifiers must be a list of strings, not {type(modifiers).__name__} {modifiers!r}",
            value=modifiers,
            field="modifiers",
        )
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidTypeError(
                f"modifier must be a string, not {type(item).__name__} {item!r}",
                value=item,
                field="modifiers",
            )
        mod = item.strip()
        # Checked before upper(): 'ſ'.upper() is 'S', which would forge XS.
        mod = mod.upper() if mod.isascii() else mod
        if not _MODIFIER_RE.fullmatch(mod):
            raise InvalidModifierError(
                f"modifier {item!r} is not two letters or digits (e.g. GO, 59, XU)",
                value=item,
                field="modifiers",
            )
        if mod not in out:
            out.append(mod)
    result = tuple(out)
    if type(modifiers) is tuple and len(_NORMALIZED) < _NORMALIZED_MAX:
        _NORMALIZED[modifiers] = result
    return result


#: Modifier tuples already checked -> their normal form (bounded).
_NORMALIZED: dict[tuple[object, ...], tuple[str, ...]] = {}
_NORMALIZED_MAX = 20_000


# -- the sets ------------------------------------------------------------------------

#: Discipline modifiers: GO (OT), GP (PT), GN (SLP) — HCPCS descriptors.
THERAPY_MODIFIERS = frozenset({"GO", "GP", "GN"})

#: Assistant modifiers: CO (OT assistant), CQ (PT assistant) — Pub. 100-04 Ch. 5 §20.1.
ASSISTANT_MODIFIERS = frozenset({"CO", "CQ"})

#: The PTP bypass modifiers that say the services were distinct (59 and its
#: X{EPSU} subsets; NCCI Policy Manual Ch. I; CMS CR 8863 for X{EPSU}). The
#: order is the one error messages list them in.
BYPASS_MODIFIERS: tuple[str, ...] = ("59", "XU", "XE", "XS", "XP")


def one_bypass_modifier(value: object) -> str:
    """``value`` read as exactly one NCCI bypass modifier (a payer's or an audit option's).

    Raises :class:`~ot_billing_rules.errors.InvalidOptionError` naming the
    valid ones for anything else.
    """
    mods = normalize_modifiers([value] if isinstance(value, str) else value)  # type: ignore[arg-type]
    if len(mods) != 1 or mods[0] not in BYPASS_MODIFIERS:
        raise InvalidOptionError(
            f"bypass_modifier={value!r} is not one of {', '.join(BYPASS_MODIFIERS)}",
            value=value,
            field="bypass_modifier",
            valid=BYPASS_MODIFIERS,
        )
    return mods[0]


#: The X{EPSU} subsets of 59 (CMS CR 8863).
X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})

#: Anatomic modifiers: a PTP edit is bypassed only when the two lines name
#: different sites.
ANATOMIC_MODIFIERS = frozenset(
    {"E1", "E2", "E3", "E4", "FA", "LT", "RT", "LC", "LD", "RC", "LM", "RI", "TA"}
    | {f"F{n}" for n in range(1, 10)}
    | {f"T{n}" for n in range(1, 10)}
)

_GLOBAL_OTHER = frozenset({"24", "25", "57", "58", "78", "79", "27", "91"})
_DISTINCT = frozenset(BYPASS_MODIFIERS)

#: NCCI-associated modifiers by the date they were accepted (NCCI Policy
#: Manual Ch. I, 2024 text; X{EPSU} from 2015-01-01, CMS CR 8863 — grade
#: B). The c.2015 list lacked 24, 57, 27,
#: LM and RI but the date they were added is not known: the library uses the
#: 2024 list for every date (the lenient reading).
NCCI_MODIFIER_ERAS: tuple[tuple[date, frozenset[str]], ...] = (
    (date.min, ANATOMIC_MODIFIERS | _GLOBAL_OTHER | {"59"}),
    (date(2015, 1, 1), ANATOMIC_MODIFIERS | _GLOBAL_OTHER | _DISTINCT),
)

#: Every NCCI-associated modifier of any era (what an indicator-0 message lists as tried).
NCCI_ANY = ANATOMIC_MODIFIERS | _GLOBAL_OTHER | _DISTINCT

#: Modifiers the checker knows; any other draws ``modifier.unknown``. Therapy
#: discipline (GO GP GN), assistant (CO CQ), KX, NCCI-associated (above),
#: repeat procedures (76 77), reduced/discontinued (52 53), increased service
#: (22), telehealth (95 GT 93 FQ FR), habilitative/rehabilitative (96 97),
#: liability notices (GA GX GY GZ), teaching physician (GC GE), substitute
#: billing (Q5 Q6), disaster (CR CS) — HCPCS/CPT modifier lists
#: (grade B for the therapy and NCCI ones).
KNOWN_MODIFIERS: frozenset[str] = frozenset(
    THERAPY_MODIFIERS
    | ASSISTANT_MODIFIERS
    | {"KX", "76", "77", "52", "53", "22"}
    | {"95", "GT", "93", "FQ", "FR", "96", "97", "GA", "GX", "GY", "GZ", "GC", "GE"}
    | {"Q5", "Q6", "CR", "CS"}
    | NCCI_ANY
)


def ncci_modifiers(on: date | str | None = None) -> frozenset[str]:
    """The NCCI-associated modifiers accepted on date of service ``on``.

    >>> "XU" in ncci_modifiers("2014-12-31"), "XU" in ncci_modifiers("2015-01-01")
    (False, True)
    """
    day = coerce_date(on)
    current = NCCI_MODIFIER_ERAS[0][1]
    for start, mods in NCCI_MODIFIER_ERAS:
        if day >= start:
            current = mods
    return current


# -- order -------------------------------------------------------------------------


def _rank(mod: str) -> int:
    if mod in THERAPY_MODIFIERS:
        return 0
    if mod in ASSISTANT_MODIFIERS:
        return 1
    if mod == "KX":
        return 2
    if mod in _DISTINCT:
        return 3
    return 4


def order_modifiers(modifiers: Iterable[str]) -> tuple[str, ...]:
    """Order modifiers GO/GP/GN, CO/CQ, KX, 59/X{EPSU}, then the rest as given.

    Within a group the modifiers keep the order they came in (the audit's
    own first, then the clinician's, in the order supplied). This is the one
    order the audit bills in: when a line would carry more than
    :data:`MAX_MODIFIERS` (four), the first four of it stay on the claim.

    GO/GP/GN must be in the first or second position when others are present
    (MAC therapy-modifier guidance); CO/CQ sit next to it (Pub. 100-04 Ch. 5 §20.1).

    >>> order_modifiers(["59", "KX", "CO", "GO"])
    ('GO', 'CO', 'KX', '59')
    """
    mods = list(dict.fromkeys(modifiers))
    return tuple(sorted(mods, key=_rank))


# -- PTP bypass placement -----------------------------------------------------------------


class BypassPlacement(str, enum.Enum):
    """Where an NCCI bypass modifier must sit for :func:`~ot_billing_rules.check_bundling`
    to accept it.

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


def is_em(code: str) -> bool:
    """Whether ``code`` is an evaluation and management code (CPT 99201-99499)."""
    return code.isdigit() and 99201 <= int(code) <= 99499


def _distinct(mod: str, code: str) -> bool:
    if mod == "25":
        return is_em(code)
    if mod in _DISTINCT:
        return not is_em(code)
    return mod not in ANATOMIC_MODIFIERS


def pair_bypass(
    column_1: tuple[str, tuple[str, ...]],
    column_2: tuple[str, tuple[str, ...]],
    *,
    on: date,
    placement: BypassPlacement,
) -> tuple[str, str] | None:
    """The (modifier, code carrying it) that bypasses a PTP edit between two lines, if any.

    Each line is ``(code, modifiers)``. The column-2 line is tried first; the
    column-1 line too when ``placement`` is ``either`` and ``on`` is on or
    after :data:`EITHER_LINE_FROM`. Anatomic modifiers bypass only when the
    two lines name different sites (reported as ``"LT/RT"``).
    """
    allowed = ncci_modifiers(on)
    carriers = [column_2]
    if placement is BypassPlacement.EITHER and on >= EITHER_LINE_FROM:
        carriers.append(column_1)
    for code, mods in carriers:
        for mod in mods:
            if mod in allowed and _distinct(mod, code):
                return mod, code
    for x in column_1[1]:
        for y in column_2[1]:
            if x in ANATOMIC_MODIFIERS and y in ANATOMIC_MODIFIERS and x != y:
                return f"{x}/{y}", column_2[0]
    return None


# -- per-line checks ---------------------------------------------------------------------

_SOURCE = cite("hcpcs_modifiers")


def check_line_modifiers(
    code: str,
    modifiers: tuple[str, ...],
    *,
    discipline: Discipline | None,
    therapy_list: str | None,
) -> list[Finding]:
    """The modifier findings of one line (``modifier.*`` of ``check_bundling``).

    ``therapy_list`` is the code's therapy designation (``"always"``,
    ``"sometimes"``, ``"none"``) or ``None`` when the catalog does not hold
    the code; ``discipline=None`` skips the discipline checks.
    """
    out: list[Finding] = []
    where = code
    mods = set(modifiers)
    for mod in modifiers:
        if mod not in KNOWN_MODIFIERS:
            out.append(
                Finding(
                    "modifier.unknown",
                    Severity.WARNING,
                    (code,),
                    f"modifier {mod} on {where} is not one this checker knows "
                    f"(known: {', '.join(sorted(KNOWN_MODIFIERS))})",
                    "check the modifier against the payer's list; it bypasses no edit here",
                    _SOURCE,
                )
            )
    if "59" in mods and mods & X_MODIFIERS:
        out.append(
            Finding(
                "modifier.59_with_x",
                Severity.WARNING,
                (code,),
                f"{where} carries 59 together with {', '.join(sorted(mods & X_MODIFIERS))}; "
                "several payers reject a line with both",
                "keep the more specific X modifier and drop 59",
                cite("ncci_modifier_59"),
            )
        )
    if len(mods & X_MODIFIERS) > 1:
        out.append(_bypass_multiple(code, mods & X_MODIFIERS))
    if len(modifiers) > MAX_MODIFIERS:
        out.append(_too_many(code, modifiers))
    if "25" in mods and not is_em(code):
        out.append(_misplaced(code, "25 belongs on an E/M line (99202-99499)"))
    if mods & _DISTINCT and is_em(code):
        out.append(_misplaced(code, "59/X modifiers are never put on an E/M line; use 25"))
    if discipline is not None:
        out += _discipline(discipline, code, mods, therapy_list)
    return out


def _bypass_multiple(code: str, xs: set[str]) -> Finding:
    # Each X modifier names one reason the service was distinct (CR 8863);
    # two on a line claim two reasons at once, and payers take one per line.
    both = ", ".join(sorted(xs))
    return Finding(
        "modifier.bypass_multiple",
        Severity.WARNING,
        (code,),
        f"{code} carries {both}: each X modifier names one reason the service was "
        "distinct (XE separate encounter, XS separate structure, XP separate practitioner, "
        "XU unusual non-overlapping service), and a line takes one of 59/XE/XS/XP/XU",
        "keep the one X modifier the record supports and drop the others",
        cite("cms_x_modifiers"),
    )


def _too_many(code: str, modifiers: tuple[str, ...]) -> Finding:
    extra = ", ".join(modifiers[MAX_MODIFIERS:])
    return Finding(
        "modifier.too_many",
        Severity.ERROR,
        (code,),
        f"{code} carries {len(modifiers)} modifiers ({', '.join(modifiers)}) but a "
        f"claim line holds {MAX_MODIFIERS}",
        f"choose the {MAX_MODIFIERS} the line needs; as given, {extra} would not fit",
        cite("cms_claim_line_modifiers"),
    )


def _misplaced(code: str, why: str) -> Finding:
    return Finding(
        "modifier.misplaced",
        Severity.WARNING,
        (code,),
        f"{code}: {why}",
        "move the modifier to the right line",
        cite("ncci_modifier_placement"),
    )


def _discipline(
    discipline: Discipline, code: str, mods: set[str], therapy_list: str | None
) -> list[Finding]:
    where = code
    expected = discipline.therapy_modifier
    present = mods & THERAPY_MODIFIERS
    out: list[Finding] = []
    wrong = sorted(present - {expected})
    if wrong:
        out.append(
            Finding(
                "modifier.discipline_mismatch",
                Severity.ERROR,
                (code,),
                f"{where} carries {', '.join(wrong)} but the service is under the "
                f"{discipline.value} plan of care, which calls for {expected}",
                f"use {expected} (GO = OT, GP = PT, GN = SLP); the modifier also routes the "
                "KX threshold accounting",
                _SOURCE,
            )
        )
    if therapy_list is None or present:
        return out
    if therapy_list == "always":
        out.append(
            Finding(
                "modifier.therapy_missing",
                Severity.ERROR,
                (code,),
                f"{where} is an always-therapy code billed without a therapy modifier; the "
                f"{discipline.value} plan of care calls for {expected}",
                f"append {expected}",
                _SOURCE,
            )
        )
    elif therapy_list == "sometimes":
        out.append(
            Finding(
                "modifier.therapy_missing",
                Severity.WARNING,
                (code,),
                f"{where} is a sometimes-therapy code without a therapy modifier; furnished by a "
                f"therapist under the {discipline.value} plan of care it needs {expected}",
                f"append {expected} when a therapist furnished it under the plan of care",
                _SOURCE,
            )
        )
    return out
