"""Service lines in, claim lines out.

:class:`ServiceLine` is what was done (a code, units, modifiers the clinician
supplied); :class:`ClaimLine` is what goes on the claim. Both normalise their
code and modifiers on construction and reject malformed ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from ._coerce import require_int
from ._fast import compact_pickle
from .catalog import normalize_code
from .errors import InvalidModifierError
from .modifiers import MAX_MODIFIERS, normalize_modifiers

__all__ = ["MAX_UNITS", "ClaimLine", "ServiceLine"]

#: Units on one line above this are not a real claim (the 837 unit field's
#: practical bound is far lower for therapy; this only stops absurd input).
MAX_UNITS = 9999


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
