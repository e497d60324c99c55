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
import importlib
import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ._html import html_table
from .errors import InvalidInputError, InvalidOptionError, InvalidTypeError
from .modifiers import one_bypass_modifier
from .payer_terms import AssistantFactor, PayerKind, PayerTerms
from .sources import check_rule_prefix
from .terms import Discipline, UnitMethod

if TYPE_CHECKING:
    from .ncci import EditData

__all__ = [
    "COMMERCIAL",
    "COMMERCIAL_TERMS",
    "MEDICARE",
    "Discipline",
    "PayerPolicy",
    "payer_policies",
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


def _terms(value: object) -> PayerTerms | None:
    if value is None or isinstance(value, PayerTerms):
        return value
    return PayerTerms.from_dict(value)


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
    - ``medicare_pricing``: price the claim lines with the Medicare Physician
      Fee Schedule when the visit names its payment ``locality``
      (:attr:`AuditReport.pricing <ot_billing_rules.AuditReport.pricing>`,
      the KX amount when ``visit_allowed`` is not given, and each denying
      finding's ``amount_at_risk``). ``False`` for :data:`COMMERCIAL`:
      contracted commercial rates are not Medicare's.
    - ``terms``: the payer's record (:class:`~ot_billing_rules.payer_terms.PayerTerms`:
      id, kind, state, dates, sources, grade, daily unit caps, visit limits,
      prior authorization, CO/CQ factors, age rules, required modifiers), or
      ``None`` for a policy that states none; read by the audit's payer-rules
      step (:mod:`ot_billing_rules._audit_payer`).
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
    bypass_modifier: str = attrs.field(default="59", converter=one_bypass_modifier)
    description: str = ""
    # Keyword-only and last: the positional order of the earlier fields stays as it was.
    medicare_pricing: bool = attrs.field(default=True, validator=_is_bool, kw_only=True)
    terms: PayerTerms | None = attrs.field(default=None, converter=_terms, kw_only=True)

    def __attrs_post_init__(self) -> None:
        # The generic commercial record describes the built-in "commercial", not a
        # user's plan renamed from it (attrs.evolve(COMMERCIAL, name=...)): the copy
        # keeps no record, so its id is its own name and its edit set is not checked
        # against a program, as before the record existed.
        if self.terms == COMMERCIAL_TERMS and self.name.strip().lower() != "commercial":
            object.__setattr__(self, "terms", None)

    @property
    def id(self) -> str:
        """The record's key (``terms.id``), else the name."""
        return self.terms.id if self.terms is not None else self.name

    def suppresses(self, rule: str) -> bool:
        """Whether findings with rule id ``rule`` are dropped for this payer."""
        if not self.suppress_rules:  # most policies; asked for every finding of an audit
            return False
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
            "medicare_pricing": self.medicare_pricing,
            "bypass_modifier": self.bypass_modifier,
            "description": self.description,
            # Only a policy with a record carries the key: older reports keep their shape.
            **({} if self.terms is None else {"terms": self.terms.to_dict()}),
        }

    @classmethod
    def from_file(cls, path: str | Path) -> PayerPolicy:
        """Read a policy from a JSON file (or TOML where :mod:`tomllib` exists).

        The shape is :meth:`to_dict`'s (schema: ``docs/payer-policy.schema.json``);
        an unknown key or value is refused with its path.
        """
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise InvalidInputError(
                f"cannot read payer policy file {str(p)!r}: {exc.strerror}",
                value=str(p),
                field="path",
            ) from None
        try:
            if p.suffix.lower() == ".toml":
                # tomllib is Python 3.11+; no third-party fallback (deps stay attrs + dateutil).
                data = importlib.import_module("tomllib").loads(raw.decode("utf-8"))
            else:
                data = json.loads(raw.decode("utf-8"))
        except ImportError:
            raise InvalidInputError(
                f"{str(p)!r}: reading TOML needs Python 3.11 (tomllib); use JSON",
                value=str(p),
                field="path",
            ) from None
        except ValueError as exc:
            raise InvalidInputError(
                f"{str(p)!r} is not valid {p.suffix.lstrip('.') or 'JSON'}: {exc}",
                value=str(p),
                field="path",
            ) from None
        return cls.from_dict(data)

    def to_file(self, path: str | Path) -> None:
        """Write the policy as JSON (:meth:`from_file` reads it back to an equal policy)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", "utf-8")

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
        base = (
            _BUILT_IN.get(name.strip().lower())
            if isinstance(name, str) and name.isascii()
            else None
        )
        if base is not None and cls is PayerPolicy:
            return attrs.evolve(base, **kwargs)
        return cls(name=name, **kwargs)

    def _repr_html_(self) -> str:
        return html_table(f"Payer policy {self.name}", list(self.to_dict().items()))


#: The generic commercial record: :data:`COMMERCIAL`'s defaults stated explicitly.
COMMERCIAL_TERMS = PayerTerms(
    id="commercial",
    kind=PayerKind.COMMERCIAL,
    state=None,
    effective=None,
    until=None,
    # What the inference rests on: CPT's per-code time rule and the NCCI edits
    # many commercial payers adopt; neither is a commercial payer's own policy.
    sources=(
        "https://www.ama-assn.org/practice-management/cpt",
        "https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits",
    ),
    grade="I",
    unit_method="ama",
    # Only read when a contract rate table is given (a user's own record).
    mppr="none",
    edit_set="medicare_ncci",
    daily_caps=(),
    visit_limits=(),
    prior_auth=(),
    assistant_factors=(),
    age_rules=(),
    required_modifiers=(),
)

#: Medicare Part B: CMS 8-minute rule, NCCI PTP/MUE edits and fee-schedule
#: status, GO/GP/GN on every therapy line, CO/CQ for assistant minutes, KX
#: above the annual threshold, plan-of-care timing checks, fee-schedule pricing
#: of a visit that names its locality.
MEDICARE = PayerPolicy(
    name="medicare",
    unit_method="cms",
    description="Medicare Part B: CMS 8-minute rule, NCCI edits, GO/GP/GN, CO/CQ, KX threshold, "
    "plan-of-care timing",
    # The record: every field settled by CMS. No daily unit cap beyond the MUEs,
    # no visit limit (the KX threshold is not one), no prior authorization for
    # outpatient therapy; GO/GP/GN and KX are the policy's own flags, not
    # required_modifiers, so they are reported once.
    terms=PayerTerms(
        id="medicare",
        kind=PayerKind.MEDICARE,
        state=None,
        effective=None,
        until=None,
        sources=(
            "https://www.cms.gov/regulations-and-guidance/guidance/manuals/downloads/clm104c05.pdf",
            "https://www.cms.gov/medicare/payment/fee-schedules/physician/"
            "therapy-services-physical-therapy-occupational-therapy-speech-language-pathology",
        ),
        grade="A",
        unit_method="cms",
        mppr="cms",
        edit_set="medicare_ncci",
        daily_caps=(),
        visit_limits=(),
        prior_auth=(),
        assistant_factors=(AssistantFactor(date(2022, 1, 1), Decimal("0.85")),),
        age_rules=(),
        required_modifiers=(),
    ),
)

#: A commercial payer following CPT: per-code (AMA midpoint) units, NCCI PTP
#: and MUE edits kept (many commercial payers adopt them; set ``ncci_edits``
#: to ``False`` if yours does not), Medicare fee-schedule status findings
#: dropped, no GO/GP/GN, no CO/CQ, no KX, no Medicare plan-of-care timing, no
#: Medicare fee-schedule pricing.
#: These defaults are inferred, not a payer's published policy.
#:
#: Its record (:data:`COMMERCIAL_TERMS`) states those defaults explicitly, at
#: evidence grade "I" (the project's inference), rather than "unknown": no
#: public source settles a generic commercial payer, and "unknown" fields would
#: add a ``payer.unknown`` finding (and a lower-of-two unit count) to every
#: commercial audit. A copy renamed from it keeps no record.
COMMERCIAL = PayerPolicy(
    name="commercial",
    unit_method="ama",
    suppress_rules=("status.", "coverage."),
    discipline_modifiers=False,
    assistant_modifiers=False,
    kx_threshold=False,
    plan_of_care_timing=False,
    medicare_pricing=False,
    description="Commercial (CPT/AMA per-code units; NCCI edits kept; no Medicare modifiers, "
    "KX or plan-of-care timing)",
    terms=COMMERCIAL_TERMS,
)

_BUILT_IN = {"medicare": MEDICARE, "commercial": COMMERCIAL}
_BASES = _BUILT_IN


def _load_versions() -> dict[str, tuple[PayerPolicy, ...]]:
    from ._data import read_json

    out: dict[str, list[PayerPolicy]] = {}
    for i, rec in enumerate(read_json("payers.json")["policies"]):
        flags = dict(rec["policy"])
        base = _BASES[flags.pop("base")]
        terms = PayerTerms.from_dict(rec["terms"], f"payers.json[{i}].terms")
        out.setdefault(terms.id, []).append(attrs.evolve(base, **flags, terms=terms))
    return {k: tuple(v) for k, v in out.items()}


def _versions() -> dict[str, tuple[PayerPolicy, ...]]:
    from ._data import once

    return once("payer_versions", _load_versions)


def _key(name: str) -> str | None:
    # lower() maps the Kelvin sign onto 'k': only ASCII names may match.
    return name.strip().lower() if name.isascii() else None


def _builtin(name: str, on: date | None = None, state: str | None = None) -> PayerPolicy | None:
    key = _key(name)
    if key is None:
        return None
    if key in _BUILT_IN:
        return _BUILT_IN[key]
    versions = _versions()
    found = versions.get(key) or next(
        (v for v in versions.values() if v[0].name.lower() == key), None
    )
    if found is None:
        return None
    return _in_force(found, on, state)


def _in_force(versions: tuple[PayerPolicy, ...], on: date | None, state: str | None) -> PayerPolicy:
    if on is None:
        # No date: the newest version for every state.
        general = [v for v in versions if v.terms is not None and v.terms.state is None]
        return max(
            general or versions,
            key=lambda v: v.terms.effective or date.min if v.terms else date.min,
        )
    hits = [v for v in versions if v.terms is not None and v.terms.in_force(on, state)]
    if not hits and state is None:
        # A one-state record (a state's Medicaid) needs no state on the visit.
        hits = [v for v in versions if v.terms is not None and v.terms.in_force(on, v.terms.state)]
        if len({v.terms.state for v in hits if v.terms is not None}) > 1:
            hits = []
    if not hits:
        first = versions[0]
        raise InvalidOptionError(
            f"payer {first.id!r} has no version in force on {on.isoformat()}"
            + (f" in {state}" if state else ""),
            value=on.isoformat(),
            field="date_of_service",
        )
    # A state's own version wins over the every-state one.
    return max(hits, key=lambda v: v.terms is not None and v.terms.state is not None)


def _when(on: object, state: object) -> tuple[date | None, str | None]:
    from ._coerce import coerce_date

    day = None if on is None else coerce_date(on, field="on", default_today=False)
    if state is None:
        return day, None
    if not isinstance(state, str) or len(state.strip()) != 2 or not state.strip().isalpha():
        raise InvalidInputError(
            f"state={state!r} is not a two-letter US state code such as 'TX'",
            value=state,
            field="state",
        )
    return day, state.strip().upper()


def is_versioned_builtin(policy: PayerPolicy) -> bool:
    """Whether ``policy`` is one version of a built-in record (the visit re-selects by date)."""
    if policy.terms is None:
        return False
    return any(policy is v for v in _versions().get(policy.terms.id, ()))


def payer_policy_names() -> tuple[str, ...]:
    """Ids of the built-in policies (``medicare``, ``commercial`` and every data record)."""
    return (*_BUILT_IN, *_versions())


def payer_policies() -> tuple[PayerPolicy, ...]:
    """Every built-in policy version, in record order (``medicare`` and ``commercial`` first)."""
    return (*_BUILT_IN.values(), *(p for v in _versions().values() for p in v))


def payer_policy(
    name_or_policy: str | PayerPolicy | Mapping[str, Any],
    on: date | str | None = None,
    state: str | None = None,
) -> PayerPolicy:
    """Return the policy named ``name_or_policy``, or the policy itself.

    A string names a built-in by id or display name (case-insensitive); with
    ``on`` (and ``state``) the version in force that day in that state, else
    the newest. A :class:`PayerPolicy` passes through; a mapping is read with
    :meth:`PayerPolicy.from_dict`.

    >>> payer_policy("Commercial").unit_method
    <UnitMethod.AMA: 'ama'>
    >>> from datetime import date
    >>> payer_policy("cigna", on=date(2022, 10, 20), state="TX").terms.daily_caps
    ()
    >>> payer_policy("acme")
    Traceback (most recent call last):
    ...
    ot_billing_rules.errors.InvalidOptionError: payer='acme' is not a built-in policy; \
see payer_policy_names(), or define your own PayerPolicy for it
    """
    if isinstance(name_or_policy, PayerPolicy):
        return name_or_policy
    if isinstance(name_or_policy, str):
        policy = _builtin(name_or_policy, *_when(on, state))
        if policy is None:
            raise InvalidOptionError(
                f"payer={name_or_policy!r} is not a built-in policy; see payer_policy_names(), "
                "or define your own PayerPolicy for it",
                value=name_or_policy,
                field="payer",
                valid=payer_policy_names(),
            )
        return policy
    if isinstance(name_or_policy, Mapping):
        return PayerPolicy.from_dict(name_or_policy)
    raise InvalidTypeError(
        f"payer must be a policy name ({', '.join(_BUILT_IN)} …) or a PayerPolicy, "
        f"not {type(name_or_policy).__name__} {name_or_policy!r}",
        value=name_or_policy,
        field="payer",
    )
