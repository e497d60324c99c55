"""Payer policies: which rule families apply to a claim, and how.

Medicare Part B and a commercial payer bill the same visit differently: CMS
pools timed minutes (the 8-minute rule) where CPT counts each code on its
own; Medicare wants the discipline modifier (GO/GP/GN), the assistant
modifier (CO/CQ) and KX above the annual threshold, commercial payers
usually want none of these. A :class:`PayerPolicy` is that choice made
explicit, as a frozen value.

Two policies are built in — :data:`MEDICARE` and :data:`COMMERCIAL` — and
users define their own by constructing a :class:`PayerPolicy` or by
``attrs.evolve`` of a built-in:

>>> import attrs
>>> from ot_billing_rules import payer_policy
>>> payer_policy("medicare").unit_method
<UnitMethod.CMS: 'cms'>
>>> medicaid = attrs.evolve(payer_policy("commercial"), name="state-medicaid",
...                         discipline_modifiers=True)
>>> medicaid.unit_method, medicaid.discipline_modifiers
(<UnitMethod.AMA: 'ama'>, True)

Sources: the CMS rules are those of Pub. 100-04 Ch. 5 §20 (units, CQ/CO) and
the CMS Therapy Services page (KX); the GO/GP/GN requirement is MAC guidance
on the HCPCS therapy modifiers (grade B). The commercial defaults are the
project's reading of common commercial practice (CPT per-code units, the CPT
time rule as described by Gawenda; NCCI edits widely adopted) — **inferred**, which is why
every one of them is a field you can change.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._html import html_table
from .errors import InvalidInputError, InvalidOptionError, InvalidTypeError
from .modifiers import BYPASS_MODIFIERS, normalize_modifiers
from .sources import check_rule_prefix
from .terms import Discipline, UnitMethod

if TYPE_CHECKING:
    from .ncci import EditData

__all__ = [
    "COMMERCIAL",
    "MEDICARE",
    "Discipline",
    "PayerPolicy",
    "payer_policy",
    "payer_policy_names",
]


#: Unit methods a policy may name (``compute_units``'s ``method``).
_UNIT_METHODS = tuple(m.value for m in UnitMethod)


def _unit_method(value: object) -> UnitMethod:
    if isinstance(value, enum.Enum):
        value = value.value
    if not isinstance(value, str):
        raise InvalidTypeError(
            f"unit_method must be 'cms' or 'ama', not {type(value).__name__} {value!r}",
            value=value,
            field="unit_method",
        )
    key = value.strip().lower()
    if key not in _UNIT_METHODS or not value.isascii():
        raise InvalidOptionError(
            f"unit_method={value!r} is not one of cms, ama",
            value=value,
            field="unit_method",
            valid=_UNIT_METHODS,
        )
    return UnitMethod(key)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(
            f"a payer policy needs a non-empty name, not {value!r}", value=value, field="name"
        )
    return value.strip()


def _bypass(value: object) -> str:
    mods = normalize_modifiers([value] if isinstance(value, str) else value)  # type: ignore[arg-type]
    if len(mods) != 1 or mods[0] not in BYPASS_MODIFIERS:
        raise InvalidOptionError(
            f"bypass_modifier={value!r} is not one of {', '.join(BYPASS_MODIFIERS)}",
            value=value,
            field="bypass_modifier",
            valid=BYPASS_MODIFIERS,
        )
    return mods[0]


def _prefixes(value: Iterable[str]) -> tuple[str, ...]:
    # A string is refused, not iterated: "status." would become one-letter prefixes.
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidTypeError(
            "suppress_rules must be a list or tuple of rule-id prefixes such as "
            f"['status.'], not {type(value).__name__} {value!r}",
            value=value,
            field="suppress_rules",
        )
    items = list(value)
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidTypeError(
                "suppress_rules must hold rule-id prefixes (non-empty strings such as "
                f"'status.'), not {type(item).__name__} {item!r}",
                value=item,
                field="suppress_rules",
            )
        # A misspelt id would suppress nothing, silently: refuse it.
        out.append(check_rule_prefix(item.strip()))
    # A set has no order of its own; sorting keeps to_dict() and equality stable.
    return tuple(sorted(out)) if isinstance(value, (set, frozenset)) else tuple(out)


def _is_bool(_: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidTypeError(
            f"{attribute.name} must be True or False, not {type(value).__name__} {value!r}",
            value=value,
            field=attribute.name,
        )


@attrs.frozen
class PayerPolicy:
    """How one payer wants an OT visit billed.

    Fields:

    - ``name``: how reports refer to the payer.
    - ``unit_method``: a :class:`~ot_billing_rules.terms.UnitMethod` (given as
      the member or its string): ``"cms"`` (Medicare total-time 8-minute rule, Pub.
      100-04 Ch. 5 §20.2) or ``"ama"`` (CPT per-code midpoint rule).
    - ``ncci_edits``: report NCCI findings (``ncci.*``: PTP, bypass, MUE and
      stale-data findings of ``check_bundling``); when ``False`` none is
      reported and no bypass modifier is added, while the fee-schedule
      status, add-on and modifier checks still run.
    - ``edits``: the edit set to check against (``None`` = the bundled release).
    - ``suppress_rules``: finding rule-id prefixes this payer does not apply
      (e.g. ``("status.",)``: the Medicare fee-schedule status indicators); a
      list, tuple or set of strings — a bare string is refused, and so is a
      prefix that matches no id in :data:`~ot_billing_rules.RULES` (a
      misspelling would otherwise suppress nothing).
    - ``discipline_modifiers``: put GO/GP/GN on every therapy-list line.
    - ``assistant_modifiers``: split assistant-furnished minutes onto CO/CQ lines.
    - ``kx_threshold``: track the annual KX threshold and the $3,000 targeted
      medical review threshold.
    - ``plan_of_care_timing``: check Medicare's certification and
      progress-report timing (Pub. 100-02 Ch. 15 §220).
    - ``bypass_modifier``: the modifier added to the column-2 line of a
      bypassable PTP edit when the documentation says the services were in
      separate time intervals — ``"59"`` by default (CMS's own therapy
      example uses 59; some contractors prefer ``"XU"``; no public source
      settles which).
    - ``description``: one sentence for reports.
    """

    name: str = attrs.field(converter=_name)
    unit_method: UnitMethod = attrs.field(default=UnitMethod.CMS, converter=_unit_method)
    ncci_edits: bool = attrs.field(default=True, validator=_is_bool)
    edits: EditData | None = attrs.field(default=None, eq=False)
    suppress_rules: tuple[str, ...] = attrs.field(default=(), converter=_prefixes)
    discipline_modifiers: bool = attrs.field(default=True, validator=_is_bool)
    assistant_modifiers: bool = attrs.field(default=True, validator=_is_bool)
    kx_threshold: bool = attrs.field(default=True, validator=_is_bool)
    plan_of_care_timing: bool = attrs.field(default=True, validator=_is_bool)
    bypass_modifier: str = attrs.field(default="59", converter=_bypass)
    description: str = ""

    def suppresses(self, rule: str) -> bool:
        """Whether findings with rule id ``rule`` are dropped for this payer."""
        return any(rule == p or rule.startswith(p.rstrip(".") + ".") for p in self.suppress_rules)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``edits`` is reported as bundled or custom)."""
        return {
            "name": self.name,
            "unit_method": self.unit_method.value,
            "ncci_edits": self.ncci_edits,
            "edits": "bundled" if self.edits is None else "custom",
            "suppress_rules": list(self.suppress_rules),
            "discipline_modifiers": self.discipline_modifiers,
            "assistant_modifiers": self.assistant_modifiers,
            "kx_threshold": self.kx_threshold,
            "plan_of_care_timing": self.plan_of_care_timing,
            "bypass_modifier": self.bypass_modifier,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PayerPolicy:
        """Build a policy from :meth:`to_dict` output (``edits`` must be ``"bundled"``).

        A mapping whose ``name`` is a built-in policy's (``"commercial"``,
        ``"medicare"``, any case) starts from that policy: the keys it gives
        change it, the keys it leaves out keep the built-in's values — so
        ``{"name": "commercial"}`` is :data:`COMMERCIAL`, never the Medicare
        defaults under a commercial label. Any other name starts from the
        :class:`PayerPolicy` field defaults.

        >>> PayerPolicy.from_dict({"name": "commercial"}).unit_method
        <UnitMethod.AMA: 'ama'>
        """
        if not isinstance(data, Mapping):
            raise InvalidTypeError(
                f"a payer policy must be a mapping, not {type(data).__name__}",
                value=data,
                field="payer",
            )
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInputError(
                f"unknown payer policy key(s) {', '.join(map(repr, unknown))}; "
                f"valid keys: {', '.join(sorted(known))}",
                value=unknown,
                field="payer",
            )
        kwargs = dict(data)
        edits = kwargs.pop("edits", "bundled")
        if edits not in (None, "bundled"):
            raise InvalidInputError(
                f"payer edits={edits!r} cannot be read from a mapping; pass an edit set object "
                "to PayerPolicy(edits=...) instead",
                value=edits,
                field="edits",
            )
        if "name" not in kwargs:
            raise InvalidInputError("a payer policy mapping needs a 'name'", field="name")
        name = kwargs.pop("name")
        base = _builtin(name) if isinstance(name, str) else None
        if base is not None and cls is PayerPolicy:
            return attrs.evolve(base, **kwargs)
        return cls(name=name, **kwargs)

    def _repr_html_(self) -> str:
        return html_table(f"Payer policy {self.name}", list(self.to_dict().items()))


#: Medicare Part B: CMS 8-minute rule, NCCI PTP/MUE edits and fee-schedule
#: status, GO/GP/GN on every therapy line, CO/CQ for assistant minutes, KX
#: above the annual threshold, plan-of-care timing checks.
MEDICARE = PayerPolicy(
    name="medicare",
    unit_method="cms",
    description="Medicare Part B: CMS 8-minute rule, NCCI edits, GO/GP/GN, CO/CQ, KX threshold, "
    "plan-of-care timing",
)

#: A commercial payer following CPT: per-code (AMA midpoint) units, NCCI PTP
#: and MUE edits kept (many commercial payers adopt them; set ``ncci_edits``
#: to ``False`` if yours does not), Medicare fee-schedule status findings
#: dropped, no GO/GP/GN, no CO/CQ, no KX, no Medicare plan-of-care timing.
#: These defaults are inferred, not a payer's published policy.
COMMERCIAL = PayerPolicy(
    name="commercial",
    unit_method="ama",
    suppress_rules=("status.", "coverage."),
    discipline_modifiers=False,
    assistant_modifiers=False,
    kx_threshold=False,
    plan_of_care_timing=False,
    description="Commercial (CPT/AMA per-code units; NCCI edits kept; no Medicare modifiers, "
    "KX or plan-of-care timing)",
)

_BUILT_IN = {"medicare": MEDICARE, "commercial": COMMERCIAL}


def _builtin(name: str) -> PayerPolicy | None:
    # lower() maps the Kelvin sign onto 'k': only ASCII names may match.
    return _BUILT_IN.get(name.strip().lower()) if name.isascii() else None


def payer_policy_names() -> tuple[str, ...]:
    """Names of the built-in policies."""
    return tuple(_BUILT_IN)


def payer_policy(name_or_policy: str | PayerPolicy | Mapping[str, Any]) -> PayerPolicy:
    """Return the policy named ``name_or_policy``, or the policy itself.

    A string names a built-in (case-insensitive); a :class:`PayerPolicy`
    passes through; a mapping is read with :meth:`PayerPolicy.from_dict`.

    >>> payer_policy("Commercial").unit_method
    <UnitMethod.AMA: 'ama'>
    >>> payer_policy("aetna")
    Traceback (most recent call last):
    ...
    ot_billing_rules.errors.InvalidOptionError: payer='aetna' is not a built-in policy \
(medicare, commercial); define your own PayerPolicy for it
    """
    if isinstance(name_or_policy, PayerPolicy):
        return name_or_policy
    if isinstance(name_or_policy, str):
        policy = _builtin(name_or_policy)
        if policy is None:
            raise InvalidOptionError(
                f"payer={name_or_policy!r} is not a built-in policy "
                f"({', '.join(_BUILT_IN)}); define your own PayerPolicy for it",
                value=name_or_policy,
                field="payer",
                valid=tuple(_BUILT_IN),
            )
        return policy
    if isinstance(name_or_policy, Mapping):
        return PayerPolicy.from_dict(name_or_policy)
    raise InvalidTypeError(
        f"payer must be a policy name ({', '.join(_BUILT_IN)}) or a PayerPolicy, "
        f"not {type(name_or_policy).__name__} {name_or_policy!r}",
        value=name_or_policy,
        field="payer",
    )
