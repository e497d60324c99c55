"""Audit options: the choices a finding's suggestion names, reachable from the audit.

A finding that leaves a choice to the provider says which option makes it
(``units.cms.tie`` suggests ``tie_break=`` or ``prefer=``,
``units.assistant.open_case`` suggests ``assistant_policy=``, ``ncci.bypass``
names ``bypass='column2'``). :class:`AuditOptions` carries those choices into
:func:`~ot_billing_rules.audit_visit`, :func:`~ot_billing_rules.audit_many`
and :func:`~ot_billing_rules.audit_history` as ``options=``.

Order of precedence, the same for every option and for ``edits=``:

1. the explicit argument (``options=``, ``edits=``);
2. the payer policy's field (:attr:`PayerPolicy.bypass_modifier
   <ot_billing_rules.payers.PayerPolicy.bypass_modifier>`,
   :attr:`PayerPolicy.edits <ot_billing_rules.payers.PayerPolicy.edits>`);
3. the bundled default (documented on each enum).

An option left ``None`` falls through to the next level. The report records
each option's value and where it came from (``"option"``, ``"payer"`` or
``"default"``).

>>> from ot_billing_rules import AuditOptions
>>> AuditOptions(tie_break="code", prefer=["97110"]).to_dict()
{'tie_break': 'code', 'prefer': ['97110']}
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._coerce import coerce_enum
from .errors import InvalidInputError, InvalidTypeError
from .modifiers import BypassPlacement, one_bypass_modifier
from .terms import HourRule

if TYPE_CHECKING:
    from .payers import PayerPolicy
    from .units import AssistantPolicy, TieBreak

__all__ = [
    "AuditOptions",
    "BypassName",
    "HourRuleName",
    "OptionSource",
    "TieBreakName",
]

#: The string values :class:`~ot_billing_rules.units.TieBreak` takes.
TieBreakName = Literal["minutes", "therapist_first", "code"]
#: The string values :class:`~ot_billing_rules.terms.HourRule` takes.
HourRuleName = Literal["midpoint", "full"]
#: The string values :class:`~ot_billing_rules.modifiers.BypassPlacement` takes.
BypassName = Literal["either", "column2"]
#: Where an option's value came from, as the report records it.
OptionSource = Literal["option", "payer", "default"]

_FIELDS = ("tie_break", "prefer", "assistant_policy", "bypass", "bypass_modifier", "hour_rule")


def _tie_break(value: TieBreak | TieBreakName | None) -> TieBreak | None:
    if value is None:
        return None
    # units is a rule family: loaded when an option names it, not on import.
    from .units import TieBreak

    return coerce_enum(TieBreak, value, field="tie_break")


def _prefer(value: Sequence[str]) -> tuple[str, ...]:
    from .catalog import normalize_code

    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise InvalidTypeError(
            f"prefer must be a list of codes such as ['97110'], not {type(value).__name__} "
            f"{value!r}",
            value=value,
            field="prefer",
        )
    return tuple(normalize_code(c) for c in value)


def _assistant(value: AssistantPolicy | Mapping[str, str] | None) -> AssistantPolicy | None:
    if value is None:
        return None
    from .units import AssistantPolicy

    if isinstance(value, AssistantPolicy):
        return value
    if isinstance(value, Mapping):
        known = [f.name for f in attrs.fields(AssistantPolicy)]
        unknown = [k for k in value if k not in known]
        if unknown:
            raise InvalidInputError(
                f"unknown assistant_policy key(s) {', '.join(map(repr, unknown))}; "
                f"valid keys: {', '.join(known)}",
                value=unknown,
                field="assistant_policy",
            )
        return AssistantPolicy(**value)
    raise InvalidTypeError(
        f"assistant_policy must be an AssistantPolicy or a mapping of its fields, not "
        f"{type(value).__name__} {value!r}",
        value=value,
        field="assistant_policy",
    )


def _bypass(value: BypassPlacement | BypassName | None) -> BypassPlacement | None:
    return None if value is None else coerce_enum(BypassPlacement, value, field="bypass")


def _bypass_modifier(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidTypeError(
            f"bypass_modifier must be a string such as '59', not {type(value).__name__} {value!r}",
            value=value,
            field="bypass_modifier",
        )
    return one_bypass_modifier(value)


def _hour_rule(value: HourRule | HourRuleName | None) -> HourRule | None:
    return None if value is None else coerce_enum(HourRule, value, field="hour_rule")


@attrs.frozen
class AuditOptions:
    """The audit's choices where the sources leave one to the provider or the payer.

    Every field defaults to ``None`` (``prefer`` to ``()``): not chosen here,
    so the payer policy's value, else the bundled default, applies.

    - ``tie_break``: who gets a unit when CMS leftovers tie
      (:class:`~ot_billing_rules.units.TieBreak`: ``"minutes"`` by default,
      ``"therapist_first"``, ``"code"``); the ``units.cms.tie`` finding's choice.
    - ``prefer``: codes that win a tie first, in order.
    - ``assistant_policy``: the open CQ/CO cases
      (:class:`~ot_billing_rules.units.AssistantPolicy`, or a mapping of its
      fields); the ``units.assistant.open_case`` finding's choice.
    - ``bypass``: where an NCCI bypass modifier must sit
      (:class:`~ot_billing_rules.modifiers.BypassPlacement`: ``"either"`` by
      default, ``"column2"``).
    - ``bypass_modifier``: the modifier the audit adds to bypass a PTP edit for
      services in separate intervals; overrides the payer's
      ``bypass_modifier`` (``"59"`` by default).
    - ``hour_rule``: when a 97545/97546 hour is attained
      (:class:`~ot_billing_rules.terms.HourRule`: ``"midpoint"`` by default,
      ``"full"``).

    Options are plain values: they pickle to :func:`~ot_billing_rules.audit_many`'s
    worker processes and compare equal field by field.
    """

    tie_break: TieBreak | None = attrs.field(default=None, converter=_tie_break)
    prefer: tuple[str, ...] = attrs.field(default=(), converter=_prefer)
    assistant_policy: AssistantPolicy | None = attrs.field(default=None, converter=_assistant)
    bypass: BypassPlacement | None = attrs.field(default=None, converter=_bypass)
    bypass_modifier: str | None = attrs.field(default=None, converter=_bypass_modifier)
    hour_rule: HourRule | None = attrs.field(default=None, converter=_hour_rule)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditOptions:
        """Read options from a JSON object (the shape :meth:`to_dict` writes).

        An unknown key is an :class:`~ot_billing_rules.errors.InvalidInputError`
        naming it; ``null`` means not chosen.
        """
        if not isinstance(data, Mapping):
            raise InvalidTypeError(
                f"options must be a mapping (JSON object), not {type(data).__name__} {data!r}",
                value=data,
                field="options",
            )
        unknown = [k for k in data if k not in _FIELDS]
        if unknown:
            raise InvalidInputError(
                f"unknown option(s) {', '.join(map(repr, unknown))}; valid: {', '.join(_FIELDS)}",
                value=unknown,
                field="options",
            )
        kwargs = {k: v for k, v in data.items() if v is not None}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The options chosen here (fields left at ``None``/``()`` are left out)."""
        out: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if value is None or value == ():
                continue
            out[name] = _json(value)
        return out

    def resolved(self, payer: PayerPolicy) -> dict[str, tuple[Any, OptionSource]]:
        """Each option's value for an audit under ``payer``, and where it came from."""
        from .units import TieBreak
        from .units.assistant import DEFAULT_POLICY

        defaults: dict[str, Any] = {
            "tie_break": TieBreak.MINUTES,
            "prefer": (),
            "assistant_policy": DEFAULT_POLICY,
            "bypass": BypassPlacement.EITHER,
            "bypass_modifier": None,
            "hour_rule": HourRule.MIDPOINT,
        }
        out: dict[str, tuple[Any, OptionSource]] = {}
        for name in _FIELDS:
            mine = getattr(self, name)
            if mine is not None and mine != ():
                out[name] = (mine, "option")
            elif name == "bypass_modifier":
                out[name] = (payer.bypass_modifier, "payer")
            else:
                out[name] = (defaults[name], "default")
        return out

    def report(self, payer: PayerPolicy) -> dict[str, dict[str, Any]]:
        """:meth:`resolved` as JSON-ready data: ``{name: {"value": ..., "from": ...}}``."""
        # Every report asks this: the resolved values are cached, the dicts are new.
        return {
            name: {"value": _copy(value), "from": source}
            for name, value, source in _reported(self, payer.bypass_modifier)
        }


#: No option chosen: every value is the payer's or the default.
DEFAULT_OPTIONS = AuditOptions()


@functools.lru_cache(maxsize=256)
def _reported(options: AuditOptions, bypass_modifier: str) -> tuple[tuple[str, Any, str], ...]:
    from .payers import PayerPolicy

    payer = PayerPolicy("options", bypass_modifier=bypass_modifier)
    return tuple(
        (name, _json(value), source) for name, (value, source) in options.resolved(payer).items()
    )


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _json(value: object) -> Any:
    if isinstance(value, tuple):
        return list(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return getattr(value, "value", value)


def coerce_options(value: object) -> AuditOptions:
    """``options=`` as given to an audit: ``None``, :class:`AuditOptions` or a mapping."""
    if value is None:
        return DEFAULT_OPTIONS
    if isinstance(value, AuditOptions):
        return value
    if isinstance(value, Mapping):
        return AuditOptions.from_dict(value)
    raise InvalidTypeError(
        f"options must be an AuditOptions or a mapping of its fields, not "
        f"{type(value).__name__} {value!r}",
        value=value,
        field="options",
    )


def check_edits(value: object) -> Any:
    """``edits=`` as given to an audit: ``None`` or edit data (an ``EditSet``)."""
    if value is None:
        return None
    from .ncci import EditData, EditSet

    if type(value) is not EditSet and not isinstance(value, EditData):
        raise InvalidTypeError(
            f"edits must be an EditSet (EditSet.from_cms_files, EditSet.open) or implement "
            f"EditData, not {type(value).__name__} {value!r}",
            value=value,
            field="edits",
        )
    return value
