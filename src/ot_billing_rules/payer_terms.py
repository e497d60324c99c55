"""The payer record: who the payer is, when its rules apply, and its limits.

A :class:`PayerTerms` is data, not code: each built-in payer is a JSON record
(``data/sources/payers/``, built into the package data), and a user's own
payer is a file of the same shape (:meth:`PayerPolicy.from_file
<ot_billing_rules.payers.PayerPolicy.from_file>`; the schema is
``docs/payer-policy.schema.json``). What a source does not settle is the
string ``"unknown"`` in the file and ``None`` here, never a guessed value; the
audit names every unknown field (``payer.unknown``).

Every value is read strictly: an unknown key or value is refused with its
path (``payer.daily_caps[0].per``), as an
:class:`~ot_billing_rules.errors.InvalidInputError`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs

from .errors import InvalidInputError

__all__ = [
    "AgeRule",
    "AssistantFactor",
    "DailyCap",
    "PayerKind",
    "PayerTerms",
    "PriorAuth",
    "RequiredModifier",
    "VisitLimit",
]

UNKNOWN = "unknown"
_E = TypeVar("_E", bound=enum.Enum)


class PayerKind(str, enum.Enum):
    """The kind of payer a record describes."""

    MEDICARE = "medicare"
    MEDICARE_ADVANTAGE = "medicare_advantage"
    MEDICAID = "medicaid"
    COMMERCIAL = "commercial"
    TRICARE = "tricare"


def _bad(path: str, value: object, what: str, valid: Sequence[str] = ()) -> InvalidInputError:
    extra = f"; valid: {', '.join(valid)}" if valid else ""
    return InvalidInputError(f"{path}={value!r} is not {what}{extra}", value=value, field=path)


def _enum(kind: type[_E], value: object, path: str) -> _E:
    if isinstance(value, kind):
        return value
    valid = [str(m.value) for m in kind]
    if not isinstance(value, str) or value not in valid:
        raise _bad(path, value, f"a {kind.__name__}", valid)
    return kind(value)


def _choice(value: object, path: str, valid: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in valid:
        raise _bad(path, value, "a valid choice", valid)
    return value


def _opt_date(value: object, path: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(path, value, "an ISO date (YYYY-MM-DD) or null")


def _int(value: object, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _bad(path, value, f"a whole number >= {minimum}")
    return value


def _opt_int(value: object, path: str) -> int | None:
    return None if value is None else _int(value, path)


def _str(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, value, "a non-empty string")
    return value.strip()


def _strs(value: object, path: str) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _bad(path, value, "a list of strings")
    return tuple(_str(v, f"{path}[{i}]") for i, v in enumerate(value))


def _keys(data: object, path: str, required: set[str], optional: set[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _bad(path, data, "a mapping")
    unknown = sorted(set(data) - required - optional)
    if unknown:
        raise InvalidInputError(
            f"{path}: unknown key(s) {', '.join(map(repr, unknown))}; valid keys: "
            f"{', '.join(sorted(required | optional))}",
            value=unknown,
            field=path,
        )
    missing = sorted(required - set(data))
    if missing:
        raise InvalidInputError(
            f"{path}: missing key(s) {', '.join(map(repr, missing))}", value=missing, field=path
        )
    return data


_TIMED = "timed"  # a cap's "codes": every timed (15-minute) code


@attrs.frozen
class DailyCap:
    """At most ``max_units`` units of ``codes`` a ``per`` (visit, day, discipline, provider).

    ``codes`` is ``("timed",)`` for every timed code or an explicit list;
    ``excess`` is what the payer does with units over the cap:
    ``"paid_in_claim_order"`` (the first lines of the claim are paid),
    ``"highest_value"`` (the highest-valued are paid), ``"claim_denied"`` or
    ``"not_medically_necessary"`` (the units over the cap are denied).
    """

    max_units: int
    per: str
    codes: tuple[str, ...]
    excess: str

    PER = ("visit", "day", "discipline", "provider")
    EXCESS = (
        "paid_in_claim_order",
        "highest_value",
        "claim_denied",
        "not_medically_necessary",
        UNKNOWN,
    )

    @classmethod
    def from_dict(cls, data: object, path: str) -> DailyCap:
        """Read one cap; refuse unknown keys and values, naming ``path``."""
        d = _keys(data, path, {"max_units", "per", "codes", "excess"}, set())
        return cls(
            max_units=_int(d["max_units"], f"{path}.max_units", minimum=1),
            per=_choice(d["per"], f"{path}.per", cls.PER),
            codes=_strs(d["codes"], f"{path}.codes"),
            excess=_choice(d["excess"], f"{path}.excess", cls.EXCESS),
        )

    def counts(self, code: str) -> bool:
        """Whether ``code`` counts toward the cap (``timed`` stands for every timed code)."""
        return code in self.codes

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "max_units": self.max_units,
            "per": self.per,
            "codes": list(self.codes),
            "excess": self.excess,
        }


@attrs.frozen
class VisitLimit:
    """At most ``max_visits`` visits a ``period`` (per discipline or combined).

    ``period`` is ``"calendar_year"``, ``"fiscal_year"`` or ``"benefit_year"``;
    ``period_start`` is its first day as ``"MM-DD"`` (``"07-01"`` for a
    July-June fiscal year; a benefit year takes the plan year's start).
    ``min_age``: the limit applies from this age on (``21``: adults only).
    ``beyond``: ``"denied"`` or ``"prior_auth"`` past the limit.
    """

    max_visits: int
    period: str
    period_start: str
    scope: str
    beyond: str
    min_age: int | None = None

    PERIOD = ("calendar_year", "fiscal_year", "benefit_year")
    SCOPE = ("per_discipline", "combined")
    BEYOND = ("denied", "prior_auth")

    @classmethod
    def from_dict(cls, data: object, path: str) -> VisitLimit:
        """Read one limit; refuse unknown keys and values, naming ``path``."""
        d = _keys(
            data, path, {"max_visits", "period", "scope", "beyond"}, {"period_start", "min_age"}
        )
        start = d.get("period_start", "01-01")
        if not isinstance(start, str) or not re.fullmatch(
            r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", start
        ):
            raise _bad(f"{path}.period_start", start, "a month and day as MM-DD")
        return cls(
            max_visits=_int(d["max_visits"], f"{path}.max_visits", minimum=1),
            period=_choice(d["period"], f"{path}.period", cls.PERIOD),
            period_start=start,
            scope=_choice(d["scope"], f"{path}.scope", cls.SCOPE),
            beyond=_choice(d["beyond"], f"{path}.beyond", cls.BEYOND),
            min_age=_opt_int(d.get("min_age"), f"{path}.min_age"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "max_visits": self.max_visits,
            "period": self.period,
            "period_start": self.period_start,
            "scope": self.scope,
            "beyond": self.beyond,
            "min_age": self.min_age,
        }


@attrs.frozen
class PriorAuth:
    """When therapy needs prior authorization: ``after_visits`` visits (0: all
    treatment), for patients of ``min_age``..``max_age`` (``None``: any)."""

    after_visits: int
    note: str
    min_age: int | None = None
    max_age: int | None = None

    @classmethod
    def from_dict(cls, data: object, path: str) -> PriorAuth:
        """Read one trigger; refuse unknown keys and values, naming ``path``."""
        d = _keys(data, path, {"after_visits", "note"}, {"min_age", "max_age"})
        return cls(
            after_visits=_int(d["after_visits"], f"{path}.after_visits"),
            note=_str(d["note"], f"{path}.note"),
            min_age=_opt_int(d.get("min_age"), f"{path}.min_age"),
            max_age=_opt_int(d.get("max_age"), f"{path}.max_age"),
        )

    def applies(self, age: int | None) -> bool:
        """Whether the trigger applies at ``age`` (an unknown age: when it has no age bound)."""
        if age is None:
            return self.min_age is None and self.max_age is None
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "after_visits": self.after_visits,
            "note": self.note,
            "min_age": self.min_age,
            "max_age": self.max_age,
        }


@attrs.frozen
class AssistantFactor:
    """CO/CQ lines are paid at ``factor`` of the allowed amount from ``effective``."""

    effective: date
    factor: Decimal

    @classmethod
    def from_dict(cls, data: object, path: str) -> AssistantFactor:
        """Read one factor; refuse unknown keys and values, naming ``path``."""
        d = _keys(data, path, {"effective", "factor"}, set())
        eff = _opt_date(d["effective"], f"{path}.effective")
        if eff is None:
            raise _bad(f"{path}.effective", None, "an ISO date")
        raw = d["factor"]
        try:
            factor = Decimal(raw) if isinstance(raw, str) else None
        except InvalidOperation:
            factor = None
        if factor is None or not (0 < factor <= 1):
            raise _bad(f"{path}.factor", raw, "a decimal string in (0, 1], such as '0.85'")
        return cls(effective=eff, factor=factor)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"effective": self.effective.isoformat(), "factor": str(self.factor)}


@attrs.frozen
class AgeRule:
    """Under ``under`` (21 for EPSDT), numeric limits become prior-authorization
    or medical-necessity review, never a denial; ``note`` says why."""

    under: int
    note: str

    @classmethod
    def from_dict(cls, data: object, path: str) -> AgeRule:
        """Read one age rule; refuse unknown keys and values, naming ``path``."""
        d = _keys(data, path, {"under", "note"}, set())
        return cls(
            under=_int(d["under"], f"{path}.under", minimum=1), note=_str(d["note"], f"{path}.note")
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"under": self.under, "note": self.note}


@attrs.frozen
class RequiredModifier:
    """``modifier`` is required on therapy lines when ``when`` holds, for
    patients up to ``max_age`` (``None``: any age)."""

    modifier: str
    when: str
    max_age: int | None = None

    @classmethod
    def from_dict(cls, data: object, path: str) -> RequiredModifier:
        """Read one requirement; refuse unknown keys and values, naming ``path``."""
        d = _keys(data, path, {"modifier", "when"}, {"max_age"})
        mod = _str(d["modifier"], f"{path}.modifier").upper()
        if not re.fullmatch(r"[A-Z0-9]{2}", mod):
            raise _bad(f"{path}.modifier", d["modifier"], "a two-character modifier")
        return cls(
            modifier=mod,
            when=_str(d["when"], f"{path}.when"),
            max_age=_opt_int(d.get("max_age"), f"{path}.max_age"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"modifier": self.modifier, "when": self.when, "max_age": self.max_age}


UNIT_METHODS = ("cms", "ama", UNKNOWN)
MPPR = ("cms", "whole_rate_50", "none", UNKNOWN)
EDIT_SETS = ("medicare_ncci", "medicaid_ncci", "none", UNKNOWN)
_STATE = re.compile(r"[A-Z]{2}")

# The optional rule lists: absent or "unknown" in a file is None here (unknown),
# [] is "the payer has none".
_LISTS: dict[str, Any] = {
    "daily_caps": DailyCap,
    "visit_limits": VisitLimit,
    "prior_auth": PriorAuth,
    "assistant_factors": AssistantFactor,
    "age_rules": AgeRule,
    "required_modifiers": RequiredModifier,
}


_RATE_CODE = re.compile(r"[0-9A-Z]{5}")


def _rates(value: object, path: str) -> tuple[tuple[str, Decimal], ...] | None:
    """A rate table (code -> per-unit dollars), sorted by code; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, tuple) and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Decimal) for p in value
    ):
        value = dict(value)
    if not isinstance(value, Mapping):
        raise _bad(path, value, "a mapping of CPT/HCPCS code to a per-unit rate such as '40.00'")
    out: dict[str, Decimal] = {}
    for code, raw in value.items():
        if not isinstance(code, str) or not _RATE_CODE.fullmatch(code):
            raise _bad(f"{path}.{code}", code, "a 5-character CPT/HCPCS code such as '97530'")
        rate: Decimal | None = None
        if isinstance(raw, Decimal):
            rate = raw
        elif isinstance(raw, str):
            try:
                rate = Decimal(raw)
            except InvalidOperation:
                rate = None
        if rate is None or not rate.is_finite() or rate < 0:
            raise _bad(f"{path}.{code}", raw, "a decimal string >= 0 such as '40.00'")
        out[code] = rate
    return tuple(sorted(out.items()))


def _rates_field(value: object) -> tuple[tuple[str, Decimal], ...] | None:
    return _rates(value, "rates")


def _list(kind: Any, value: object, path: str) -> tuple[Any, ...] | None:
    if value == UNKNOWN or value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _bad(path, value, 'a list or "unknown"')
    return tuple(kind.from_dict(v, f"{path}[{i}]") for i, v in enumerate(value))


@attrs.frozen
class PayerTerms:
    """One version of one payer's record (payer × product × state × dates).

    ``id`` is the key (``"cigna"``, ``"medicaid-il"``); ``kind`` a
    :class:`PayerKind`; ``state`` two capital letters or ``None`` (all
    states); the version is in force from ``effective`` through ``until``
    (either ``None``: open). ``sources`` are the public URLs the record
    rests on and ``grade`` its evidence grade (A-D, or I for the project's
    inference; :meth:`Evidence.from_grade
    <ot_billing_rules.sources.Evidence.from_grade>`). ``unit_method`` is
    ``"cms"``, ``"ama"`` or ``"unknown"``; ``mppr`` ``"cms"`` (PE-based),
    ``"whole_rate_50"``, ``"none"`` or ``"unknown"``; ``edit_set``
    ``"medicare_ncci"``, ``"medicaid_ncci"``, ``"none"`` or ``"unknown"``.
    The rule lists (``daily_caps`` …) are ``None`` where unknown.

    ``rates`` is the user's contracted rate table, per unit, code to dollars
    (``None``: none given; never shipped with a built-in record). With it the
    audit prices the lines of a non-Medicare policy
    (:func:`~ot_billing_rules.payment.price_contract`).
    """

    id: str
    kind: PayerKind
    state: str | None
    effective: date | None
    until: date | None
    sources: tuple[str, ...]
    grade: str
    unit_method: str = UNKNOWN
    mppr: str = UNKNOWN
    edit_set: str = UNKNOWN
    daily_caps: tuple[DailyCap, ...] | None = None
    visit_limits: tuple[VisitLimit, ...] | None = None
    prior_auth: tuple[PriorAuth, ...] | None = None
    assistant_factors: tuple[AssistantFactor, ...] | None = None
    age_rules: tuple[AgeRule, ...] | None = None
    required_modifiers: tuple[RequiredModifier, ...] | None = None
    rates: tuple[tuple[str, Decimal], ...] | None = attrs.field(
        default=None, converter=_rates_field
    )

    REQUIRED = ("id", "kind", "state", "effective", "until", "sources", "grade")
    OPTIONAL = ("unit_method", "mppr", "edit_set", "rates", *_LISTS)

    @property
    def rate_table(self) -> dict[str, Decimal]:
        """``rates`` as a dict (empty when none was given)."""
        return dict(self.rates or ())

    @classmethod
    def from_dict(cls, data: object, path: str = "terms") -> PayerTerms:
        """Read a record; unknown keys and values are refused with their path."""
        d = _keys(data, path, set(cls.REQUIRED), set(cls.OPTIONAL))
        state = d["state"]
        if state is not None and (not isinstance(state, str) or not _STATE.fullmatch(state)):
            raise _bad(f"{path}.state", state, "two capital letters (a US state) or null")
        grade = d["grade"]
        if not isinstance(grade, str) or grade not in ("A", "B", "C", "D", "I"):
            raise _bad(f"{path}.grade", grade, "an evidence grade", ("A", "B", "C", "D", "I"))
        effective = _opt_date(d["effective"], f"{path}.effective")
        until = _opt_date(d["until"], f"{path}.until")
        if effective and until and until < effective:
            raise _bad(f"{path}.until", d["until"], f"on or after effective {effective}")
        return cls(
            id=_str(d["id"], f"{path}.id"),
            kind=_enum(PayerKind, d["kind"], f"{path}.kind"),
            state=state,
            effective=effective,
            until=until,
            sources=_strs(d["sources"], f"{path}.sources"),
            grade=grade,
            unit_method=_choice(d.get("unit_method", UNKNOWN), f"{path}.unit_method", UNIT_METHODS),
            mppr=_choice(d.get("mppr", UNKNOWN), f"{path}.mppr", MPPR),
            edit_set=_choice(d.get("edit_set", UNKNOWN), f"{path}.edit_set", EDIT_SETS),
            **{k: _list(kind, d.get(k), f"{path}.{k}") for k, kind in _LISTS.items()},
            rates=_rates(d.get("rates"), f"{path}.rates"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict that :meth:`from_dict` reads back."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "state": self.state,
            "effective": None if self.effective is None else self.effective.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "sources": list(self.sources),
            "grade": self.grade,
            "unit_method": self.unit_method,
            "mppr": self.mppr,
            "edit_set": self.edit_set,
        }
        for key in _LISTS:
            items = getattr(self, key)
            out[key] = UNKNOWN if items is None else [i.to_dict() for i in items]
        if self.rates is not None:
            out["rates"] = {code: str(rate) for code, rate in self.rates}
        return out

    def in_force(self, on: date, state: str | None) -> bool:
        """Whether this version applies on ``on`` in ``state``."""
        if self.state is not None and self.state != state:
            return False
        return (self.effective is None or self.effective <= on) and (
            self.until is None or on <= self.until
        )

    def unknown_fields(self) -> tuple[str, ...]:
        """The fields no source settles (the audit names them in ``payer.unknown``)."""
        out = [k for k in ("unit_method", "mppr", "edit_set") if getattr(self, k) == UNKNOWN]
        out += [k for k in _LISTS if getattr(self, k) is None]
        return tuple(out)

    def assistant_factor(self, on: date) -> Decimal | None:
        """The CO/CQ payment factor in force on ``on`` (``None``: none or unknown)."""
        factors = [f for f in self.assistant_factors or () if f.effective <= on]
        return max(factors, key=lambda f: f.effective).factor if factors else None
