"""Service lines in, claim lines out.

:class:`ServiceLine` is what was done (a code, units, modifiers the clinician
supplied); :class:`ClaimLine` is what goes on the claim. Both normalise their
code and modifiers on construction and reject malformed ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs

from ._coerce import require_int
from ._fast import compact_pickle
from .catalog import normalize_code
from .errors import InvalidModifierError, InvalidTypeError

__all__ = ["MAX_MODIFIERS", "MAX_UNITS", "ClaimLine", "ServiceLine", "normalize_modifiers"]

_MODIFIER_RE = re.compile(r"[0-9A-Z]{2}")

#: Units on one line above this are not a real claim (the 837 unit field's
#: practical bound is far lower for therapy; this only stops absurd input).
MAX_UNITS = 9999

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


def _units(value: object) -> int:
    return require_int(value, field="units", minimum=1, maximum=MAX_UNITS)


@compact_pickle
@attrs.frozen
class ServiceLine:
    """A service performed on the date of service: code, units, modifiers.

    >>> ServiceLine("97530", 2, ["59"])
    ServiceLine(code='97530', units=2, modifiers=('59',))
    """

    code: str = attrs.field(converter=normalize_code)
    units: int = attrs.field(default=1, converter=_units)
    modifiers: tuple[str, ...] = attrs.field(default=(), converter=normalize_modifiers)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"code": self.code, "units": self.units, "modifiers": list(self.modifiers)}


def _claim_modifiers(value: Iterable[str] | str) -> tuple[str, ...]:
    mods = normalize_modifiers(value)
    if len(mods) > MAX_MODIFIERS:
        raise InvalidModifierError(
            f"a claim line carries at most {MAX_MODIFIERS} modifiers, not {len(mods)} "
            f"({', '.join(mods)}); choose which {MAX_MODIFIERS} to bill",
            value=mods,
            field="modifiers",
        )
    return mods


def _minutes(value: object) -> int | None:
    if value is None:
        return None
    return require_int(value, field="minutes", minimum=0, maximum=1440)


@compact_pickle
@attrs.frozen
class ClaimLine:
    """A line to put on the claim.

    ``minutes`` are the treatment minutes behind the line when known (timed
    codes), for the record; payers are billed ``units``. A claim line holds
    at most :data:`MAX_MODIFIERS` (four) modifiers.

    >>> ClaimLine("97110", 2, ("GO", "CO"))
    ClaimLine(code='97110', units=2, modifiers=('GO', 'CO'), minutes=None)
    """

    code: str = attrs.field(converter=normalize_code)
    units: int = attrs.field(converter=_units)
    modifiers: tuple[str, ...] = attrs.field(default=(), converter=_claim_modifiers)
    minutes: int | None = attrs.field(default=None, converter=_minutes)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "code": self.code,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "minutes": self.minutes,
        }
