"""The state a patient's earlier visits leave for the next: :class:`HistoryState`.

Kept apart from :mod:`ot_billing_rules.history` (the composer) so the values
a monthly run saves and the next run loads are small and plain: KX totals per
(calendar year, KX bucket), the open plan-of-care episode per discipline with
its treatment-day count, and the last date audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from ._coerce import coerce_date, require_int
from ._money import coerce_money
from .errors import InvalidDateError, InvalidInputError, InvalidTypeError
from .plan_of_care import PlanOfCare

__all__ = ["Episode", "HistoryState", "PatientState"]

#: The KX buckets (Discipline.kx_bucket): OT alone, PT and SLP combined.
KX_BUCKETS = ("OT", "PT_SLP")
_DISCIPLINES = ("OT", "PT", "SLP")
STATE_VERSION = 1


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            f"{where} must be a mapping (JSON object), not {type(value).__name__} {value!r}",
            value=value,
            field=where,
        )
    return value


def _keys(data: Mapping[str, Any], valid: tuple[str, ...], where: str) -> None:
    unknown = [k for k in data if k not in valid]
    if unknown:
        raise InvalidInputError(
            f"unknown {where} key(s) {', '.join(map(repr, unknown))}; valid keys: "
            f"{', '.join(valid)}",
            value=unknown,
            field=where,
        )


def kx_key(year: object, bucket: object, where: str = "opening_balances") -> tuple[int, str]:
    """``(year, bucket)`` checked: a calendar year and ``"OT"`` or ``"PT_SLP"``."""
    y = require_int(year, field=f"{where} year", minimum=1900, maximum=2999)
    if bucket not in KX_BUCKETS:
        raise InvalidInputError(
            f"{where}: KX bucket must be one of {', '.join(KX_BUCKETS)}, not {bucket!r}",
            value=bucket,
            field=where,
        )
    assert isinstance(bucket, str)
    return y, bucket


@attrs.frozen
class Episode:
    """An open plan-of-care episode of one discipline.

    ``plan`` holds the certification dates (its ``treatment_days_since_report``
    and ``last_progress_report_on`` are unused); ``days_since_report`` counts
    the treatment days since the last progress report (or since the episode
    began); ``overdue`` records that the current period already passed its
    limit (10th treatment day, or before 2013 its 30th calendar day) without a
    report; ``last_report`` is the date of the episode's last progress report
    (``None``: none yet), which the 30-calendar-day period of dates of service
    before 2013-01-01 counts from.
    """

    plan: PlanOfCare
    days_since_report: int = 0
    overdue: bool = False
    last_report: date | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "plan": self.plan.to_dict(),
            "days_since_report": self.days_since_report,
            "overdue": self.overdue,
            "last_report": None if self.last_report is None else self.last_report.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: object) -> Episode:
        """Read :meth:`to_dict`'s shape back; bad values are typed errors naming them."""
        d = _mapping(data, "episode")
        _keys(d, ("plan", "days_since_report", "overdue", "last_report"), "episode")
        overdue = d.get("overdue", False)
        if not isinstance(overdue, bool):
            raise InvalidTypeError(
                f"episode overdue must be true or false, not {overdue!r}",
                value=overdue,
                field="overdue",
            )
        plan = PlanOfCare.from_dict(_mapping(d.get("plan"), "episode plan"))
        return cls(
            plan,
            require_int(d.get("days_since_report", 0), field="days_since_report", minimum=0),
            overdue,
            _last_report(d.get("last_report"), plan),
        )


def _last_report(raw: object, plan: PlanOfCare) -> date | None:
    # A state saved before the report's date was kept has no "last_report": none known.
    if raw is None:
        return None
    day = coerce_date(raw, field="last_report", default_today=False)
    if day < plan.first_treatment:
        raise InvalidDateError(
            f"episode last_report={day.isoformat()} is before the episode's first treatment "
            f"day {plan.first_treatment.isoformat()}",
            value=raw,
            field="last_report",
        )
    return day


@attrs.frozen
class PatientState:
    """What one patient's audited visits leave for the next ones.

    - ``kx``: allowed amount per ``(calendar year, KX bucket)`` so far.
    - ``episodes``: the open plan-of-care episode per discipline (``"OT"`` …).
    - ``last_date``: the last date of service audited (a later run must start after it).
    - ``visits``: visits counted toward a payer's visit limit, per
      ``(payer id, first day of the limit period, discipline or "all")``.
    """

    kx: Mapping[tuple[int, str], Decimal] = attrs.Factory(dict)
    episodes: Mapping[str, Episode] = attrs.Factory(dict)
    last_date: date | None = None
    visits: Mapping[tuple[str, date, str], int] = attrs.Factory(dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "kx": [
                {"year": y, "bucket": b, "allowed": str(amount)}
                for (y, b), amount in sorted(self.kx.items())
            ],
            "episodes": {d: e.to_dict() for d, e in sorted(self.episodes.items())},
            "last_date": None if self.last_date is None else self.last_date.isoformat(),
            "visits": [
                {"payer": payer, "period_start": start.isoformat(), "scope": scope, "count": n}
                for (payer, start, scope), n in sorted(self.visits.items())
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> PatientState:
        """Read :meth:`to_dict`'s shape back."""
        d = _mapping(data, "patient state")
        _keys(d, ("kx", "episodes", "last_date", "visits"), "patient state")
        kx: dict[tuple[int, str], Decimal] = {}
        rows = d.get("kx", [])
        if not isinstance(rows, list):
            raise InvalidTypeError(
                f"patient state kx must be a list, not {rows!r}", value=rows, field="kx"
            )
        for row in rows:
            r = _mapping(row, "kx row")
            _keys(r, ("year", "bucket", "allowed"), "kx row")
            kx[kx_key(r.get("year"), r.get("bucket"), "kx row")] = coerce_money(
                r.get("allowed"), field="allowed"
            )
        episodes: dict[str, Episode] = {}
        for disc, ep in _mapping(d.get("episodes", {}), "episodes").items():
            if disc not in _DISCIPLINES:
                raise InvalidInputError(
                    f"episodes: discipline must be one of {', '.join(_DISCIPLINES)}, not {disc!r}",
                    value=disc,
                    field="episodes",
                )
            episodes[disc] = Episode.from_dict(ep)
        raw = d.get("last_date")
        last = None if raw is None else coerce_date(raw, field="last_date", default_today=False)
        return cls(kx, episodes, last, _visit_counts(d.get("visits", [])))


def _visit_counts(rows: object) -> dict[tuple[str, date, str], int]:
    # A state saved before visit limits were counted has no "visits": it counts none.
    if not isinstance(rows, list):
        raise InvalidTypeError(
            f"patient state visits must be a list, not {rows!r}", value=rows, field="visits"
        )
    out: dict[tuple[str, date, str], int] = {}
    for row in rows:
        r = _mapping(row, "visits row")
        _keys(r, ("payer", "period_start", "scope", "count"), "visits row")
        payer, scope = r.get("payer"), r.get("scope")
        if not isinstance(payer, str) or not payer:
            raise InvalidTypeError(
                f"visits row payer must be a payer id, not {payer!r}", value=payer, field="payer"
            )
        if scope not in (*_DISCIPLINES, "all"):
            raise InvalidInputError(
                f"visits row scope must be one of {', '.join(_DISCIPLINES)}, all; not {scope!r}",
                value=scope,
                field="scope",
            )
        start = coerce_date(r.get("period_start"), field="period_start", default_today=False)
        out[(payer, start, str(scope))] = require_int(r.get("count"), field="count", minimum=0)
    return out


@attrs.frozen
class HistoryState:
    """Every patient's :class:`PatientState` after a run of
    :func:`~ot_billing_rules.audit_history`; pass it as ``state=`` to the next
    run, or save it with :meth:`to_dict` (JSON-ready) and load it with
    :meth:`from_dict`.
    """

    patients: Mapping[str, PatientState] = attrs.Factory(dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``{"version": 1, "patients": {...}}``)."""
        return {
            "version": STATE_VERSION,
            "patients": {p: s.to_dict() for p, s in sorted(self.patients.items())},
        }

    @classmethod
    def from_dict(cls, data: object) -> HistoryState:
        """Read :meth:`to_dict`'s shape back; anything else is a typed error naming it."""
        d = _mapping(data, "history state")
        _keys(d, ("version", "patients"), "history state")
        if d.get("version") != STATE_VERSION:
            raise InvalidInputError(
                f"history state version must be {STATE_VERSION}, not {d.get('version')!r}",
                value=d.get("version"),
                field="version",
            )
        patients = _mapping(d.get("patients", {}), "patients")
        return cls({str(p): PatientState.from_dict(s) for p, s in patients.items()})
