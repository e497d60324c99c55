"""One date of service as the audit sees it: :class:`Visit` and :class:`Service`.

A visit is what the clinician documented for one patient on one date — the
services with their minutes — plus what the payer rules need to know: the
discipline, the payer's policy, the setting, the year-to-date allowed
amount (for KX) and the plan of care's dates (for certification and
progress-report timing).

:meth:`Visit.from_dict` reads the JSON shape the ``ot-billing audit`` command
takes, strictly: unknown keys, floats for money and repeated codes are
errors naming the problem, never silently dropped.

>>> from ot_billing_rules import Visit
>>> v = Visit.from_dict({
...     "date_of_service": "2024-07-01",
...     "services": [{"code": "97530", "minutes": 25}, {"code": "97533", "minutes": 20}],
... })
>>> v.payer.name, v.discipline.value, [s.code for s in v.services]
('medicare', 'OT', ['97530', '97533'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal, NewType

import attrs

from ._coerce import MINUTES_PER_DAY, coerce_date, coerce_discipline, coerce_enum, require_int
from ._fast import compact_pickle, slotted_base
from ._html import html_table
from ._money import coerce_money
from .catalog import normalize_code
from .errors import (
    DuplicateCodeError,
    InvalidInputError,
    InvalidMinutesError,
    InvalidOptionError,
    InvalidTypeError,
    OTBillingError,
    ValidationErrors,
)
from .modifiers import normalize_modifiers
from .payers import MEDICARE, PayerPolicy, is_versioned_builtin, payer_policy
from .place_of_service import FACILITY_RATE, POS_NAMES, normalize_pos
from .plan_of_care import PlanOfCare
from .terms import Discipline, Setting

__all__ = ["Service", "Setting", "Visit"]


def _minutes(value: object) -> int | None:
    if value is None:
        return None
    return require_int(value, field="minutes", minimum=0, maximum=MINUTES_PER_DAY)


def _assistant_minutes(value: object) -> int | None:
    if value is None:
        return None
    return require_int(value, field="assistant_minutes", minimum=0, maximum=MINUTES_PER_DAY)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidTypeError(
            f"separate_interval must be true or false, not {type(value).__name__} {value!r}",
            value=value,
            field="separate_interval",
        )
    return value


def _json_money(value: object, field: str) -> Decimal:
    """Money as JSON sends it: a number with at most two decimals is read exactly.

    ``2290.5`` arrives as a float; its shortest repr (``'2290.5'``) is the
    number the sender wrote, so it is converted through that text, never
    through the binary value. A float with more decimals (``0.1 + 0.2``), or
    not finite, is refused: it is not an amount of whole cents.
    """
    if type(value) is float:
        text = repr(value)
        exponent = Decimal(text).as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -2:
            raise InvalidTypeError(
                f"{field}={value!r}: a number for money must be whole cents (at most two "
                "decimals) — never a float with more; send a string such as '2330.50'",
                value=value,
                field=field,
            )
        value = text
    return coerce_money(value, field=field)


def _charge(value: object) -> Decimal | None:
    return None if value is None else _json_money(value, "charge")


def _diagnosis_pointers(value: object) -> tuple[int, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise InvalidTypeError(
            f"diagnosis_pointers must be a list of ints 1-12 such as [1, 2], not "
            f"{type(value).__name__} {value!r}",
            value=value,
            field="diagnosis_pointers",
        )
    out = tuple(require_int(p, field="diagnosis_pointers", minimum=1, maximum=12) for p in value)
    if len(out) > 4:
        raise InvalidInputError(
            f"diagnosis_pointers {list(out)}: a claim line takes at most 4 pointers",
            value=list(out),
            field="diagnosis_pointers",
        )
    return out


_ICD10 = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?", re.ASCII)


def _diagnoses(value: object) -> tuple[str, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise InvalidTypeError(
            f"diagnoses must be a list of ICD-10-CM codes such as ['R26.89'], not "
            f"{type(value).__name__} {value!r}",
            value=value,
            field="diagnoses",
        )
    out = []
    for code in value:
        if not isinstance(code, str) or not _ICD10.fullmatch(code.strip().upper()):
            raise InvalidInputError(
                f"diagnosis {code!r} is not an ICD-10-CM code such as 'R26.89' or 'R2689'",
                value=code,
                field="diagnoses",
            )
        out.append(code.strip().upper())
    if len(out) > 12:
        raise InvalidInputError(
            f"{len(out)} diagnoses; a claim carries at most 12", value=out, field="diagnoses"
        )
    return tuple(out)


#: A service's code once normalized: a plain ``str`` at run time. Hypothesis
#: infers ``st.builds(Service)``'s code from this converter's return type;
#: the plugin (``ot_billing_rules._hypothesis``) registers catalog codes for it.
ServiceCodeText = NewType("ServiceCodeText", str)


def _service_code(value: str) -> ServiceCodeText:
    return ServiceCodeText(normalize_code(value))


@compact_pickle
@attrs.frozen
class Service:
    """One service documented on the date of service.

    - ``code``: the CPT/HCPCS code (normalised; list each code once per visit).
    - ``minutes``: total treatment minutes of the code that day, whoever
      furnished them; needed for timed codes, optional for untimed ones.
    - ``assistant_minutes``: the part of ``minutes`` an OT/PT assistant
      furnished alone (never more than ``minutes``).
    - ``modifiers``: modifiers the clinician supplied (e.g. ``96``, ``XU``);
      the audit adds GO/GP/GN, CO/CQ, KX and the bypass modifier itself.
    - ``separate_interval``: the documentation says this service was
      furnished in its own time interval(s), apart from the other services —
      the condition for bypassing a PTP edit with 59/X{EPSU}.
    - ``charge``: the practice's charge for one unit, for claim export
      (optional; the audit never reads it).
    - ``diagnosis_pointers``: 1-based indexes into the visit's ``diagnoses``
      the service treats, primary first, for claim export (optional).

    >>> Service("97530", minutes=38, assistant_minutes=20)
    Service(code='97530', minutes=38, assistant_minutes=20, modifiers=(), separate_interval=False)
    """

    code: str = attrs.field(converter=_service_code)
    minutes: int | None = attrs.field(default=None, converter=_minutes)
    assistant_minutes: int | None = attrs.field(default=None, converter=_assistant_minutes)
    modifiers: tuple[str, ...] = attrs.field(default=(), converter=normalize_modifiers)
    separate_interval: bool = attrs.field(default=False, converter=_flag)
    # Claim-assembly facts for the export; kw_only and out of the repr so the
    # positional order and the printed form of a service stay as they were.
    charge: Decimal | None = attrs.field(default=None, converter=_charge, kw_only=True, repr=False)
    diagnosis_pointers: tuple[int, ...] = attrs.field(
        default=(), converter=_diagnosis_pointers, kw_only=True, repr=False
    )

    def __attrs_post_init__(self) -> None:
        if self.assistant_minutes is not None:
            if self.minutes is None:
                raise InvalidMinutesError(
                    f"{self.code}: assistant_minutes={self.assistant_minutes} given without "
                    "minutes; give the code's total minutes too",
                    value=self.assistant_minutes,
                    field="assistant_minutes",
                )
            if self.assistant_minutes > self.minutes:
                raise InvalidMinutesError(
                    f"{self.code}: assistant_minutes={self.assistant_minutes} is more than the "
                    f"code's total minutes={self.minutes}",
                    value=self.assistant_minutes,
                    field="assistant_minutes",
                )

    _KEYS = (
        "code",
        "minutes",
        "assistant_minutes",
        "modifiers",
        "separate_interval",
        "charge",
        "diagnosis_pointers",
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "service") -> Service:
        """Build from a mapping with keys ``code`` (required), ``minutes``,
        ``assistant_minutes``, ``modifiers``, ``separate_interval``."""
        _check_keys(data, cls._KEYS, where)
        if "code" not in data:
            raise InvalidInputError(f"{where} has no 'code'", field="code")
        kwargs = dict(data)
        if kwargs.get("modifiers") is None:
            kwargs.pop("modifiers", None)
        for optional in ("separate_interval", "charge", "diagnosis_pointers"):
            if kwargs.get(optional) is None:
                kwargs.pop(optional, None)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "code": self.code,
            "minutes": self.minutes,
            "assistant_minutes": self.assistant_minutes,
            "modifiers": list(self.modifiers),
            "separate_interval": self.separate_interval,
            # The export's keys appear only when given: reports of visits
            # without them stay byte-identical.
            **({} if self.charge is None else {"charge": str(self.charge)}),
            **(
                {"diagnosis_pointers": list(self.diagnosis_pointers)}
                if self.diagnosis_pointers
                else {}
            ),
        }


def _check_keys(data: object, valid: Sequence[str], where: str) -> None:
    if not isinstance(data, Mapping):
        raise InvalidTypeError(
            f"{where} must be a mapping (JSON object), not {type(data).__name__} {data!r}",
            value=data,
            field=where,
        )
    unknown = [k for k in data if k not in valid]
    if unknown:
        raise InvalidInputError(
            f"unknown {where} key(s) {', '.join(map(repr, unknown))}; "
            f"valid keys: {', '.join(valid)}",
            value=unknown,
            field=where,
        )


def _services(value: object) -> tuple[Service, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise InvalidTypeError(
            f"services must be a list of services, not {type(value).__name__} {value!r}",
            value=value,
            field="services",
        )
    out: list[Service] = []
    for n, item in enumerate(value, 1):
        if isinstance(item, Service):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(Service.from_dict(item, where=f"service {n}"))
        else:
            raise InvalidTypeError(
                f"service {n} must be a Service or a mapping, not {type(item).__name__} {item!r}",
                value=item,
                field="services",
            )
    return tuple(out)


def _ytd_allowed(value: object) -> Decimal | None:
    return None if value is None else _json_money(value, "ytd_allowed")


def _visit_allowed(value: object) -> Decimal | None:
    return None if value is None else _json_money(value, "visit_allowed")


def _opt_plan(value: object) -> PlanOfCare | None:
    if value is None or isinstance(value, PlanOfCare):
        return value
    if isinstance(value, Mapping):
        return PlanOfCare.from_dict(value)
    raise InvalidTypeError(
        f"plan_of_care must be a PlanOfCare or a mapping, not {type(value).__name__} {value!r}",
        value=value,
        field="plan_of_care",
    )


def _opt_id(value: object, field: str = "visit_id") -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidTypeError(
            f"{field} must be a string, not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )
    return str(value)


def _opt_state(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        raise InvalidInputError(
            f"state={value!r} is not a two-letter US state code such as 'TX'",
            value=value,
            field="state",
        )
    return value.strip().upper()


def _opt_count(value: object) -> int | None:
    return None if value is None else require_int(value, field="visits_this_period")


def _opt_plan_year(value: object) -> date | None:
    if value is None:
        return None
    return coerce_date(value, field="plan_year_start", default_today=False)


def _opt_birth(value: object) -> date | None:
    if value is None:
        return None
    # A patient of any age: birth dates reach back before the dates of service do.
    return coerce_date(
        value, field="patient_birth_date", default_today=False, minimum=date(1900, 1, 1)
    )


def _patient_id(value: object) -> str | None:
    return _opt_id(value, "patient_id")


def _billing_provider(value: object) -> str | None:
    # Strings only: an NPI read as a number loses nothing here, but a TIN with
    # a leading zero would, so the caller keeps it as text.
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidTypeError(
            f"billing_provider must be a non-empty string (an NPI, TIN or name), not {value!r}",
            value=value,
            field="billing_provider",
        )
    return value.strip()


def _report_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidTypeError(
            f"progress_report must be true or false, not {type(value).__name__} {value!r}",
            value=value,
            field="progress_report",
        )
    return value


#: "MAC-locality" as CMS numbers payment localities: "10112-00".
_LOCALITY = re.compile(r"[0-9]{5}-[0-9]{2}", re.ASCII)


def _locality(value: object) -> str | None:
    # Only the shape is checked here: whether the locality exists depends on
    # the fee schedule release of the date of service, which the pricing step
    # loads (keeping ``import ot_billing_rules`` free of the fee data).
    if value is None:
        return None
    if not isinstance(value, str) or not _LOCALITY.fullmatch(value.strip()):
        raise InvalidInputError(
            f"locality must be 'MAC-locality' as CMS numbers them, e.g. '10112-00' for "
            f"Alabama, not {type(value).__name__} {value!r} (list them with "
            "'ot-billing localities --on DATE')",
            value=value,
            field="locality",
        )
    return value.strip()


def _opt_facility(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InvalidTypeError(
        f"facility must be true, false or null, not {type(value).__name__} {value!r}",
        value=value,
        field="facility",
    )


def _pos(value: object) -> str | None:
    return None if value is None else normalize_pos(value)


def _dos(value: object) -> date:
    return coerce_date(value, field="date_of_service", default_today=False)


def _setting(value: object) -> Setting:
    return coerce_enum(Setting, value, field="setting")


def _discipline(value: object) -> Discipline:
    return coerce_discipline(value)


def check_day_minutes(services: Iterable[Service]) -> None:
    """Refuse services whose minutes add up to more than a day's (one date of service).

    :class:`Visit` checks its own services; the claim history checks a day's
    pooled services with it too.
    """
    total = sum(s.minutes or 0 for s in services)
    if total > MINUTES_PER_DAY:
        raise InvalidMinutesError(
            f"the services' minutes add up to {total}, more than a day's {MINUTES_PER_DAY}",
            value=total,
            field="minutes",
        )


@compact_pickle
@attrs.frozen
@slotted_base
class Visit:
    """One patient's services on one date of service, with what the payer rules need.

    - ``date_of_service`` and ``services`` (each code once).
    - ``discipline``: ``"OT"`` (default), ``"PT"`` or ``"SLP"``.
    - ``payer``: a built-in policy name (``"medicare"``, the default, or
      ``"commercial"``) or a :class:`~ot_billing_rules.payers.PayerPolicy`.
    - ``setting``: ``"practitioner"`` (default) or ``"outpatient_hospital"``.
    - ``locality``: the Medicare payment locality, ``"MAC-locality"`` as CMS
      numbers them (``"10112-00"``); its shape is checked here, its existence
      when the visit is priced (it depends on the date's fee schedule release).
    - ``facility``: whether the fee schedule's facility rate applies; when
      ``None`` it follows from ``place_of_service`` (see
      :attr:`facility_rate`).
    - ``place_of_service``: the two-digit CMS POS code (``"11"`` office,
      ``"12"`` home, ``"22"`` on-campus outpatient hospital, ``"02"``/``"10"``
      telehealth, ...); see :mod:`ot_billing_rules.place_of_service` and
      :mod:`ot_billing_rules.telehealth`.
    - ``ytd_allowed``: allowed amount of the discipline's KX bucket already
      incurred this calendar year before this visit, from every provider.
    - ``visit_allowed``: this visit's allowed amount, when known.
      Money is :class:`~decimal.Decimal` dollars (``int`` = whole dollars, a
      string may carry cents); floats are refused.
    - ``plan_of_care``: a :class:`~ot_billing_rules.plan_of_care.PlanOfCare`.
    - ``visit_id``: the caller's identifier, carried into reports.
    - ``patient_id``: the beneficiary; :func:`~ot_billing_rules.audit_history`
      audits each patient's visits in date order with the state they imply.
    - ``billing_provider``: the NPI or TIN billing the visit; same-day pooling
      in :func:`~ot_billing_rules.audit_history` never crosses it, and a
      payer's per-provider cap counts under it.
    - ``progress_report``: a progress report (Pub. 100-02 Ch. 15 §220.3.D) was
      written at this visit; it restarts the treatment-day count in history mode.
    - ``diagnoses``: ICD-10-CM codes in claim order, for claim export (the
      services' ``diagnosis_pointers`` index them); the audit never reads them.
    - ``state``: the two-letter state of service; it selects a payer's
      state version (Cigna's 2022 start dates) and is ``None`` when unknown.
    - ``visits_this_period``: visits already made in the payer's limit period
      (fiscal, calendar or benefit year) before this one, for ``payer.visit_limit``.
    - ``patient_birth_date``: for the payer's age rules (EPSDT under 21).
    - ``plan_year_start``: the first day of the member's plan (benefit) year;
      its month and day start a ``benefit_year`` visit limit's period (the
      plan year is the member's plan's, not the payer's: one payer sells plans
      with different years). Without it the record's ``period_start`` is
      assumed and the finding says so.

    A built-in payer named by id (``"cigna"``) is the version in force on
    ``date_of_service`` in ``state``.
    """

    date_of_service: date = attrs.field(converter=_dos)
    services: tuple[Service, ...] = attrs.field(converter=_services)
    discipline: Discipline = attrs.field(default=Discipline.OT, converter=_discipline, kw_only=True)
    payer: PayerPolicy = attrs.field(default=MEDICARE, converter=payer_policy, kw_only=True)
    setting: Setting = attrs.field(default=Setting.PRACTITIONER, converter=_setting, kw_only=True)
    locality: str | None = attrs.field(default=None, converter=_locality, kw_only=True)
    facility: bool | None = attrs.field(default=None, converter=_opt_facility, kw_only=True)
    place_of_service: str | None = attrs.field(default=None, converter=_pos, kw_only=True)
    ytd_allowed: Decimal | None = attrs.field(default=None, converter=_ytd_allowed, kw_only=True)
    visit_allowed: Decimal | None = attrs.field(
        default=None, converter=_visit_allowed, kw_only=True
    )
    plan_of_care: PlanOfCare | None = attrs.field(default=None, converter=_opt_plan, kw_only=True)
    visit_id: str | None = attrs.field(default=None, converter=_opt_id, kw_only=True)
    patient_id: str | None = attrs.field(default=None, converter=_patient_id, kw_only=True)
    billing_provider: str | None = attrs.field(
        default=None, converter=_billing_provider, kw_only=True
    )
    progress_report: bool = attrs.field(default=False, converter=_report_flag, kw_only=True)
    diagnoses: tuple[str, ...] = attrs.field(
        default=(), converter=_diagnoses, kw_only=True, repr=False
    )
    state: str | None = attrs.field(default=None, converter=_opt_state, kw_only=True)
    visits_this_period: int | None = attrs.field(default=None, converter=_opt_count, kw_only=True)
    patient_birth_date: date | None = attrs.field(default=None, converter=_opt_birth, kw_only=True)
    plan_year_start: date | None = attrs.field(default=None, converter=_opt_plan_year, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if is_versioned_builtin(self.payer):
            # The payer was named, not built: the version in force that day, in that state.
            version = payer_policy(self.payer.id, on=self.date_of_service, state=self.state)
            object.__setattr__(self, "payer", version)
        if not self.services:
            raise InvalidInputError(
                "a visit needs at least one service", value=[], field="services"
            )
        seen: set[str] = set()
        for s in self.services:
            if s.code in seen:
                raise DuplicateCodeError(
                    f"code {s.code} is listed twice; list each code once with its total "
                    "minutes for the date of service",
                    value=s.code,
                    field="services",
                )
            seen.add(s.code)
        if (
            self.facility is not None
            and self.place_of_service in FACILITY_RATE
            and FACILITY_RATE[self.place_of_service] is not self.facility
        ):
            rate = "facility" if FACILITY_RATE[self.place_of_service] else "non-facility"
            raise InvalidInputError(
                f"facility={self.facility} contradicts place_of_service "
                f"{self.place_of_service} ({POS_NAMES[self.place_of_service]}), which the "
                f"fee schedule pays at the {rate} rate (Pub. 100-04 Ch. 12 §20.4.2); give one "
                "of them, or the POS of where the patient was registered",
                value=self.facility,
                field="facility",
            )
        check_day_minutes(self.services)

    KEYS = (
        "visit_id",
        "date_of_service",
        "discipline",
        "payer",
        "setting",
        "locality",
        "facility",
        "place_of_service",
        "services",
        "ytd_allowed",
        "visit_allowed",
        "plan_of_care",
        "patient_id",
        "billing_provider",
        "progress_report",
        "diagnoses",
        "state",
        "visits_this_period",
        "patient_birth_date",
        "plan_year_start",
    )

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        collect: bool = False,
        extra: Literal["ignore", "error"] = "error",
    ) -> Visit:
        """Build a visit from a mapping (the ``ot-billing audit`` JSON shape).

        Keys: ``date_of_service`` and ``services`` (required); ``discipline``,
        ``payer``, ``setting``, ``locality``, ``facility``, ``place_of_service``,
        ``ytd_allowed``, ``visit_allowed``,
        ``plan_of_care``, ``visit_id``, ``patient_id``, ``billing_provider``,
        ``progress_report``, ``diagnoses`` (ICD-10-CM codes for claim export),
        ``state``, ``visits_this_period``, ``patient_birth_date``, ``plan_year_start``
        (optional; ``null`` means the default).
        Any other key is an :class:`~ot_billing_rules.errors.InvalidInputError`
        naming it; ``extra="ignore"`` drops unknown keys of the visit and of
        its services instead (a service that sends more than this library
        reads).

        Every error carries ``path``: where the value sits, 0-based
        (``"services[1].minutes"``). ``collect=True`` reports every problem
        at once: one :class:`~ot_billing_rules.errors.ValidationErrors` whose
        ``errors`` list them in input order. Money (``ytd_allowed``,
        ``visit_allowed``, a service's ``charge``) may be a JSON number with at
        most two decimals (``2290.5``), read exactly through its text.

        >>> Visit.from_dict({"date_of_service": "2024-07-01", "services": [],
        ...                  "copay": 20})
        Traceback (most recent call last):
        ...
        ot_billing_rules.errors.InvalidInputError: unknown visit key(s) 'copay'; valid keys: \
visit_id, date_of_service, discipline, payer, setting, locality, facility, place_of_service, \
services, ytd_allowed, visit_allowed, plan_of_care, patient_id, billing_provider, \
progress_report, diagnoses, state, visits_this_period, patient_birth_date, plan_year_start
        """
        if extra not in ("ignore", "error"):
            raise InvalidOptionError(
                f"extra={extra!r} is not one of ignore, error",
                value=extra,
                field="extra",
                valid=("ignore", "error"),
            )
        if not isinstance(collect, bool):
            raise InvalidTypeError(
                f"collect must be True or False, not {collect!r}", value=collect, field="collect"
            )
        try:
            if extra == "ignore":
                data = _known(data)  # type: ignore[assignment]
            _check_keys(data, cls.KEYS, "visit")
            for required in ("date_of_service", "services"):
                if data.get(required) is None:
                    raise InvalidInputError(f"visit has no {required!r}", field=required)
            kwargs = {k: v for k, v in data.items() if v is not None}
            return cls(kwargs.pop("date_of_service"), kwargs.pop("services"), **kwargs)
        except OTBillingError as exc:
            # Valid input pays nothing for paths: only a failure is read again, field by field.
            from ._visit_paths import problems

            found = problems(data, cls, Service)
            if collect:
                raise ValidationErrors(found or [exc], what="visit") from None
            same = next((e for e in found if type(e) is type(exc) and str(e) == str(exc)), None)
            if same is None:  # one message for several unknown keys: the first key's path
                field = getattr(exc, "field", None)
                same = next(
                    (e for e in found if type(e) is type(exc) and getattr(e, "field", 0) == field),
                    None,
                )
            exc.path = same.path if same is not None else exc.path
            raise

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict that :meth:`from_dict` reads back to an equal visit.

        ``payer`` is the policy's name for a built-in policy, else its mapping.
        The history keys (``patient_id``, ``billing_provider``,
        ``progress_report``) appear only when set, so a visit without them has
        the same dict as before they existed.
        """
        if is_versioned_builtin(self.payer):
            payer: Any = self.payer.id
        elif _is_builtin(self.payer) and self.payer == payer_policy(self.payer.name):
            payer = self.payer.name
        else:
            payer = self.payer.to_dict()
        extra = {
            "state": self.state,
            "visits_this_period": self.visits_this_period,
            "patient_birth_date": (
                None if self.patient_birth_date is None else self.patient_birth_date.isoformat()
            ),
            "plan_year_start": (
                None if self.plan_year_start is None else self.plan_year_start.isoformat()
            ),
        }
        out: dict[str, Any] = {
            "visit_id": self.visit_id,
            "date_of_service": self.date_of_service.isoformat(),
            "discipline": self.discipline.value,
            "payer": payer,
            "setting": self.setting.value,
            "locality": self.locality,
            "facility": self.facility,
            "place_of_service": self.place_of_service,
            "services": [s.to_dict() for s in self.services],
            "ytd_allowed": None if self.ytd_allowed is None else str(self.ytd_allowed),
            "visit_allowed": None if self.visit_allowed is None else str(self.visit_allowed),
            "plan_of_care": None if self.plan_of_care is None else self.plan_of_care.to_dict(),
            **({"diagnoses": list(self.diagnoses)} if self.diagnoses else {}),
            # Issue 18's keys appear only when given: reports without them keep their shape.
            **{k: v for k, v in extra.items() if v is not None},
        }
        if self.patient_id is not None:
            out["patient_id"] = self.patient_id
        if self.billing_provider is not None:
            out["billing_provider"] = self.billing_provider
        if self.progress_report:
            out["progress_report"] = True
        return out

    @property
    def facility_rate(self) -> bool | None:
        """Whether the fee schedule's facility rate applies: ``facility`` if given, else what
        ``place_of_service`` implies (Pub. 100-04 Ch. 12 §20.4.2; for the telehealth POS 02
        and 10, the rate on the date of service,
        :func:`~ot_billing_rules.telehealth.pos_facility_rate`), else ``None`` (unknown).

        >>> Visit("2025-06-02", [Service("97530", minutes=30)], place_of_service="22").facility_rate
        True
        """
        if self.facility is not None:
            return self.facility
        if self.place_of_service in FACILITY_RATE:
            return FACILITY_RATE[self.place_of_service]
        if self.place_of_service is not None:
            # Telehealth POS 02/10: the rate depends on the date (None where unknown).
            from .telehealth import pos_facility_rate

            return pos_facility_rate(self.place_of_service, self.date_of_service)
        return None

    def _repr_html_(self) -> str:
        rows = [(k, v) for k, v in self.to_dict().items() if k != "services"]
        rows += [
            (f"service {s.code}", f"{s.minutes} min" if s.minutes is not None else "")
            for s in self.services
        ]
        return html_table(f"Visit {self.date_of_service.isoformat()}", rows)


def _known(data: object) -> object:
    """``data`` without the keys this library does not read (``extra="ignore"``)."""
    if not isinstance(data, Mapping):
        return data
    out = {k: v for k, v in data.items() if k in Visit.KEYS}
    services = out.get("services")
    if isinstance(services, (list, tuple)):
        out["services"] = [
            {k: v for k, v in s.items() if k in Service._KEYS} if isinstance(s, Mapping) else s
            for s in services
        ]
    return out


def _is_builtin(policy: PayerPolicy) -> bool:
    try:
        payer_policy(policy.name)
    except InvalidInputError:
        return False
    return True
