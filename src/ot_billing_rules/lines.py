"""Service lines in, claim lines out.

:class:`ServiceLine` is what was done (a code, units, modifiers the clinician
supplied); :class:`ClaimLine` is what goes on the claim. Both normalise their
code and modifiers on construction and reject malformed ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ._coerce import require_int
from ._fast import compact_pickle, slotted_base
from .catalog import is_valid_code, normalize_code
from .errors import InvalidCodeError, InvalidInputError, InvalidModifierError, InvalidTypeError
from .modifiers import MAX_MODIFIERS, normalize_modifiers

__all__ = ["MAX_UNITS", "ClaimLine", "ServiceLine", "as_service_line", "parse_line_token"]

#: Units on one line above this are not a real claim (the 837 unit field's
#: practical bound is far lower for therapy; this only stops absurd input).
MAX_UNITS = 9999


def _units(value: object) -> int:
    return require_int(value, field="units", minimum=1, maximum=MAX_UNITS)


@compact_pickle
@attrs.frozen
@slotted_base
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
@slotted_base
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


_TOKEN = re.compile(r"([0-9A-Za-z]+?)(?:[xX*]([0-9]+))?(?::(.*))?")


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


def as_service_line(item: object) -> ServiceLine:
    """``item`` as a :class:`ServiceLine`: the forms ``check_bundling`` and ``price_lines`` take.

    A :class:`ServiceLine`, a :class:`ClaimLine`, a token such as ``"97530x2:GO"``
    (:func:`parse_line_token`), a mapping with ``code``, ``units``, ``modifiers``,
    or a ``(code, units, modifiers)`` tuple.

    >>> as_service_line({"code": "97530", "units": 2})
    ServiceLine(code='97530', units=2, modifiers=())
    """
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
        "each line must be a ServiceLine, a ClaimLine, a code string such as '97530x2:GO', "
        f"a (code, units, modifiers) tuple or a dict, not {type(item).__name__} {item!r}",
        value=item,
        field="lines",
    )
