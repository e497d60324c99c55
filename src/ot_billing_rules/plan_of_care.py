"""Medicare plan-of-care timing: certification, recertification, progress reports.

Pure date arithmetic over the rules of CMS Pub. 100-02, Medicare Benefit
Policy Manual (MBPM) Ch. 15, and 42 CFR 424.24(c) and 410.61(e):

- **Initial certification** (§220.1.3.B; 42 CFR 424.24(c)): timely when the
  physician/NPP's signature or verbal order is dated within the 30 days
  *following* the first day of treatment (the evaluation counts). Delayed
  certification is accepted with the reason documented (§220.1.3.D).
- **Certification interval** (§220.1.3; §220 A): the plan's stated duration or
  90 calendar days from the first treatment, whichever is shorter;
  treatment beyond it needs a **recertification** (§220.1.3.C), each for up
  to 90 days. Certifications signed before 2008-01-01 lasted 30 days.
- **Progress report** (§220.3.D): at least once every 10 treatment days; the
  first period starts on the first day of the episode. For dates of service
  before 2013-01-01 the manual read "at least once every 10 treatment days or
  at least once during each 30 calendar days, whichever is less"
  (:func:`progress_report_rule`); :func:`check_plan_of_care` applies the
  30 calendar days to those dates when the plan gives
  ``last_progress_report_on`` (or counts from the first treatment day).

Readings the manual does not settle, chosen here and marked **inferred**:

- "within the 30 days following the first day": a certification dated on
  first treatment + 30 days is timely, one dated a day later is late;
- "90 calendar days from the initial treatment": the first treatment day is
  day 1, so day 90 (first treatment + 89 days) is the last day a full
  certification covers — the stricter reading;
- a treatment day is a calendar date with a billable evaluation,
  re-evaluation or treatment in the discipline's episode; several sessions
  on one date are one treatment day (``documentation_timing.json``,
  ``treatment_day_definition``, partly inferred);
- a progress report closes its period: the next period starts with the next
  treatment day *after* the report's date;
- the 30 calendar days (dates of service before 2013-01-01) count the same
  way: the day after the report is calendar day 1, or the first treatment day
  is day 1 when no report was written yet; calendar day 30 is the last day of
  the period, so a visit on it is "due" and a later one "overdue".

>>> from datetime import date
>>> from ot_billing_rules import certification_deadline, certification_interval_end
>>> certification_deadline(date(2024, 3, 1))
datetime.date(2024, 3, 31)
>>> certification_interval_end(date(2024, 3, 1))
datetime.date(2024, 5, 29)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from ._coerce import coerce_date, require_int
from ._fast import compact_pickle, slotted_base
from ._html import html_table
from .errors import InvalidDateError, InvalidInputError, InvalidTypeError
from .findings import Finding, Severity, sort_findings
from .sources import cite

__all__ = [
    "CERTIFICATION_MAX_DAYS",
    "INITIAL_CERTIFICATION_DAYS",
    "POC_NOT_CHECKED",
    "PROGRESS_REPORT_TREATMENT_DAYS",
    "THIRTY_DAY_PROGRESS_UNTIL",
    "PlanOfCare",
    "ProgressReportRule",
    "certification_deadline",
    "certification_interval_end",
    "check_plan_of_care",
    "count_treatment_days",
    "progress_report_due_by",
    "progress_report_rule",
]

#: Pub. 100-02 Ch. 15 §220.3.D: a progress report at least once every 10 treatment days.
PROGRESS_REPORT_TREATMENT_DAYS = 10
#: The last date of service under the 30-calendar-day alternative of the progress-report
#: period: the Pub. 100-02 Ch. 15 revision that added functional reporting (§220.4,
#: effective 2013-01-01) left "at least once every 10 treatment days" alone.
THIRTY_DAY_PROGRESS_UNTIL = date(2012, 12, 31)
_PROGRESS_2013 = (
    f"{cite('cms_poc_progress')}: at least once every 10 treatment days; the "
    "30-calendar-day alternative was removed by the manual revision that added functional "
    "reporting, effective 2013-01-01 (APTA News, 2013-01-04, 'CMS Revises Medicare Benefit "
    "Policy Manual')"
)
_PROGRESS_BEFORE_2013 = (
    f"{cite('cms_poc_progress')} before 2013-01-01: at least once every 10 treatment days or "
    "once during each 30 calendar days, whichever is less (CMS FAQ 2003, questions.cms.gov, "
    "archived 2013-02-14); when that wording began is not recorded here"
)
#: Pub. 100-02 Ch. 15 §220.1.3.B: certify within 30 days after the first treatment day.
INITIAL_CERTIFICATION_DAYS = 30
#: Pub. 100-02 Ch. 15 §220.1.3 and §220.1.3.C: a certification covers at most 90 calendar days.
CERTIFICATION_MAX_DAYS = 90
#: Certifications signed before this date followed the earlier 30-day rule (Rev. 88).
NINETY_DAY_RULE_FROM = date(2008, 1, 1)
_PRE_2008_DAYS = 30


def certification_deadline(first_treatment: date | str) -> date:
    """Last date on which the initial certification is timely.

    The 30 days *following* the first treatment day (evaluation included):
    ``first_treatment + 30 days``. Source: Pub. 100-02 Ch. 15 §220.1.3.B (grade:
    CMS manual text; the inclusive reading of the boundary is inferred).

    >>> certification_deadline("2024-01-01")
    datetime.date(2024, 1, 31)
    """
    return coerce_date(first_treatment, field="first_treatment", default_today=False) + timedelta(
        days=INITIAL_CERTIFICATION_DAYS
    )


def certification_interval_end(
    start: date | str,
    certified_through: date | str | None = None,
    *,
    certified_on: date | str | None = None,
) -> date:
    """Last date of service a certification covers.

    The plan's stated end (``certified_through``) or the 90th calendar day
    counting ``start`` (the first treatment day of the interval) as day 1,
    whichever is earlier. For certifications signed (``certified_on``) before
    2008-01-01 the limit is 30 days. Source: Pub. 100-02 Ch. 15 §220.1.3 and
    §220.1.3.C (CMS manual text; the day-1 counting is inferred, the stricter
    reading).

    >>> certification_interval_end("2024-01-01")
    datetime.date(2024, 3, 30)
    >>> certification_interval_end("2024-01-01", "2024-02-15")
    datetime.date(2024, 2, 15)
    """
    first = coerce_date(start, field="start", default_today=False)
    days = CERTIFICATION_MAX_DAYS
    if certified_on is not None:
        signed = coerce_date(certified_on, field="certified_on", default_today=False)
        if signed < NINETY_DAY_RULE_FROM:
            days = _PRE_2008_DAYS
    limit = first + timedelta(days=days - 1)
    if certified_through is None:
        return limit
    through = coerce_date(certified_through, field="certified_through", default_today=False)
    if through < first:
        raise InvalidDateError(
            f"certified_through={through.isoformat()} is before the interval start "
            f"{first.isoformat()}",
            value=certified_through,
            field="certified_through",
        )
    return min(through, limit)


def _dates(dates: Iterable[date | str], field: str) -> list[date]:
    if isinstance(dates, (str, date)):
        raise InvalidTypeError(
            f"{field} must be a list of dates, not a single {type(dates).__name__} {dates!r}",
            value=dates,
            field=field,
        )
    if not isinstance(dates, Iterable):
        raise InvalidTypeError(
            f"{field} must be a list of dates, not {type(dates).__name__} {dates!r}",
            value=dates,
            field=field,
        )
    return sorted({coerce_date(d, field=field, default_today=False) for d in dates})


def count_treatment_days(
    treatment_dates: Iterable[date | str], *, after: date | str | None = None
) -> int:
    """Number of distinct treatment days, optionally only those after ``after``.

    Several sessions on one calendar date are one treatment day (inferred
    reading, see the module notes).

    >>> count_treatment_days(["2024-01-02", "2024-01-02", "2024-01-04"])
    2
    >>> count_treatment_days(["2024-01-02", "2024-01-04"], after="2024-01-02")
    1
    """
    days = _dates(treatment_dates, "treatment_dates")
    if after is None:
        return len(days)
    cut = coerce_date(after, field="after", default_today=False)
    return sum(1 for d in days if d > cut)


def progress_report_due_by(
    treatment_dates: Iterable[date | str], *, last_report: date | str | None = None
) -> date | None:
    """The treatment day by which the next progress report must be written.

    The 10th distinct treatment day of the current period: counting from the
    first day of the episode, or from the first treatment day after
    ``last_report``. ``None`` while the period has fewer than 10 treatment
    days on record (nothing is due yet). Source: Pub. 100-02 Ch. 15 §220.3.D (CMS
    manual text); the period restarting after the report's date is inferred.

    >>> from dateutil.rrule import rrule, WEEKLY, MO, TH
    >>> visits = list(rrule(WEEKLY, byweekday=(MO, TH), dtstart=date(2024, 1, 1), count=11))
    >>> progress_report_due_by(visits)
    datetime.date(2024, 2, 1)
    >>> progress_report_due_by(visits, last_report="2024-01-04") is None
    True
    """
    days = _dates(treatment_dates, "treatment_dates")
    if last_report is not None:
        cut = coerce_date(last_report, field="last_report", default_today=False)
        days = [d for d in days if d > cut]
    if len(days) < PROGRESS_REPORT_TREATMENT_DAYS:
        return None
    return days[PROGRESS_REPORT_TREATMENT_DAYS - 1]


@attrs.frozen
class ProgressReportRule:
    """The progress-report period in force on a date of service.

    ``treatment_days``: a report at least once every that many treatment
    days; ``calendar_days``: or once during each that many calendar days,
    whichever comes first (``None`` when the rule has no calendar limit);
    ``source``: the public sources of the period and of its dates.
    """

    treatment_days: int
    calendar_days: int | None
    source: str


def progress_report_rule(on: date | str) -> ProgressReportRule:
    """The Medicare progress-report period for date of service ``on``.

    From 2013-01-01: every 10 treatment days (Pub. 100-02 Ch. 15 §220.3.D).
    Before: every 10 treatment days or 30 calendar days, whichever is less.

    >>> progress_report_rule("2013-01-01").calendar_days is None
    True
    >>> progress_report_rule("2012-12-31").calendar_days
    30
    """
    day = coerce_date(on, field="on", default_today=False)
    if day <= THIRTY_DAY_PROGRESS_UNTIL:
        return ProgressReportRule(PROGRESS_REPORT_TREATMENT_DAYS, 30, _PROGRESS_BEFORE_2013)
    return ProgressReportRule(PROGRESS_REPORT_TREATMENT_DAYS, None, _PROGRESS_2013)


def _opt_date(value: object, field: str) -> date | None:
    if value is None:
        return None
    return coerce_date(value, field=field, default_today=False)


def _first_treatment(value: object) -> date | None:
    return _opt_date(value, "first_treatment")


def _certified_on(value: object) -> date | None:
    return _opt_date(value, "certified_on")


def _certified_through(value: object) -> date | None:
    return _opt_date(value, "certified_through")


def _interval_start(value: object) -> date | None:
    return _opt_date(value, "interval_start")


def _order_signed_on(value: object) -> date | None:
    return _opt_date(value, "order_signed_on")


def _sent_to_physician_on(value: object) -> date | None:
    return _opt_date(value, "sent_to_physician_on")


def _last_progress_report_on(value: object) -> date | None:
    return _opt_date(value, "last_progress_report_on")


#: First date of service of the CY2025 order exception to initial
#: certification (CY2025 PFS final rule, 42 CFR 424.24(c)).
ORDER_EXCEPTION_FROM = date(2025, 1, 1)


def _opt_days(value: object) -> int | None:
    if value is None:
        return None
    return require_int(value, field="treatment_days_since_report", minimum=0, maximum=366)


@compact_pickle
@attrs.frozen
@slotted_base
class PlanOfCare:
    """The dates of a plan of care that decide Medicare's timing rules.

    - ``first_treatment``: first day of treatment in the episode, the
      evaluation included; starts the 30-day certification window and the
      first progress-report period.
    - ``certified_on``: date of the physician/NPP's signature (or verbal
      order) on the current certification; ``None`` while not yet certified.
    - ``certified_through``: last day the current certification covers, as
      the plan states it; ``None`` = the 90-day maximum.
    - ``interval_start``: first day of the current certification interval
      when it is a recertification; ``None`` = the initial certification,
      which starts on ``first_treatment``.
    - ``treatment_days_since_report``: treatment days in the episode *before*
      the date of service being checked, since the last progress report (or
      since the episode began); the visit checked is treatment day this + 1.
    - ``order_signed_on`` and ``sent_to_physician_on``: the date of a signed
      and dated physician/NPP order or referral for therapy, and the date the
      plan of care was sent to that physician/NPP. For dates of service from
      2025-01-01 (CY2025 PFS final rule, 42 CFR 424.24(c)) the two together
      satisfy the initial certification when the plan was sent within 30
      days of the first treatment, whether or not the plan was signed.
    - ``last_progress_report_on``: date of the last progress report in the
      episode; ``None`` = none written yet (or not known). Used only for dates
      of service before 2013-01-01, whose period was also limited to 30
      calendar days (:func:`progress_report_rule`); from 2013-01-01 only the
      treatment days count and this date changes no finding.
    """

    first_treatment: date = attrs.field(converter=_first_treatment)
    certified_on: date | None = attrs.field(default=None, converter=_certified_on)
    certified_through: date | None = attrs.field(default=None, converter=_certified_through)
    interval_start: date | None = attrs.field(default=None, converter=_interval_start)
    treatment_days_since_report: int | None = attrs.field(default=None, converter=_opt_days)
    order_signed_on: date | None = attrs.field(default=None, converter=_order_signed_on)
    sent_to_physician_on: date | None = attrs.field(default=None, converter=_sent_to_physician_on)
    last_progress_report_on: date | None = attrs.field(
        default=None, converter=_last_progress_report_on
    )

    def __attrs_post_init__(self) -> None:
        if self.first_treatment is None:
            raise InvalidInputError(
                "a plan of care needs first_treatment (the first day of treatment, "
                "evaluation included)",
                field="first_treatment",
            )
        start = self.start
        if start < self.first_treatment:
            raise InvalidDateError(
                f"interval_start={start.isoformat()} is before first_treatment="
                f"{self.first_treatment.isoformat()}",
                value=self.interval_start,
                field="interval_start",
            )
        if self.certified_through is not None and self.certified_through < start:
            raise InvalidDateError(
                f"certified_through={self.certified_through.isoformat()} is before the "
                f"certification interval starts ({start.isoformat()})",
                value=self.certified_through,
                field="certified_through",
            )
        report = self.last_progress_report_on
        if report is not None and report < self.first_treatment:
            raise InvalidDateError(
                f"last_progress_report_on={report.isoformat()} is before first_treatment="
                f"{self.first_treatment.isoformat()}: a progress report belongs to its episode",
                value=report,
                field="last_progress_report_on",
            )

    @property
    def start(self) -> date:
        """First day of the current certification interval."""
        return self.interval_start or self.first_treatment

    @property
    def is_recertification(self) -> bool:
        """Whether the current interval is a recertification."""
        return self.interval_start is not None and self.interval_start != self.first_treatment

    @property
    def interval_end(self) -> date:
        """Last date of service the current certification covers."""
        return certification_interval_end(
            self.start, self.certified_through, certified_on=self.certified_on
        )

    _KEYS = (
        "first_treatment",
        "certified_on",
        "certified_through",
        "interval_start",
        "treatment_days_since_report",
        "order_signed_on",
        "sent_to_physician_on",
        "last_progress_report_on",
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanOfCare:
        """Build from a mapping with the field names as keys; unknown keys are an error."""
        if not isinstance(data, Mapping):
            raise InvalidTypeError(
                f"plan_of_care must be a mapping, not {type(data).__name__} {data!r}",
                value=data,
                field="plan_of_care",
            )
        unknown = sorted(set(data) - set(cls._KEYS))
        if unknown:
            raise InvalidInputError(
                f"unknown plan_of_care key(s) {', '.join(map(repr, unknown))}; "
                f"valid keys: {', '.join(cls._KEYS)}",
                value=unknown,
                field="plan_of_care",
            )
        if data.get("first_treatment") is None:
            raise InvalidInputError(
                "plan_of_care needs 'first_treatment' (YYYY-MM-DD)", field="first_treatment"
            )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (ISO dates)."""
        out: dict[str, Any] = {}
        for key in self._KEYS:
            value = getattr(self, key)
            if value is None and key in _SHOWN_WHEN_GIVEN:
                continue  # later additions: a plan without them prints as it always did
            out[key] = value.isoformat() if isinstance(value, date) else value
        return out

    def progress_calendar_day(self, on: date) -> int | None:
        """Calendar day of the current progress-report period that ``on`` is.

        ``None`` when the rule for ``on`` has no calendar limit (from
        2013-01-01, :func:`progress_report_rule`). Counted from the day after
        ``last_progress_report_on``, or from ``first_treatment`` as day 1 when
        no report is given (module notes: inferred).
        """
        if on > THIRTY_DAY_PROGRESS_UNTIL:  # progress_report_rule(on) has no calendar limit
            return None
        report = self.last_progress_report_on
        if report is None:
            return (on - self.first_treatment).days + 1
        return (on - report).days

    def certified_by_order(self, on: date) -> bool:
        """Whether the CY2025 order exception satisfies the initial certification on ``on``.

        From 2025-01-01: a signed order (``order_signed_on``) and the plan sent
        to the ordering physician/NPP (``sent_to_physician_on``) within 30 days
        of the first treatment.
        """
        return (
            on >= ORDER_EXCEPTION_FROM
            and self.order_signed_on is not None
            and self.sent_to_physician_on is not None
            and self.sent_to_physician_on <= certification_deadline(self.first_treatment)
        )

    def _repr_html_(self) -> str:
        return html_table("Plan of care", self.to_dict().items())


_SHOWN_WHEN_GIVEN = frozenset(
    {"order_signed_on", "sent_to_physician_on", "last_progress_report_on"}
)


def check_plan_of_care(plan: PlanOfCare, on: date | str) -> tuple[Finding, ...]:
    """Check the date of service ``on`` against the plan's Medicare timing.

    Findings (rule ids are stable):

    - ``poc.before_episode`` (error): the date is before the first treatment.
    - ``poc.certification_pending`` (info): not yet certified, still within
      the 30 days; ``poc.certification_missing`` (error): not certified and
      the 30 days have passed; ``poc.certification_late`` (warning):
      certified after the 30 days — acceptable only with the delay's reason
      documented (§220.1.3.D). Initial certification only.
    - ``poc.recertification_due`` (error): the date is after the last day the
      current certification covers.
    - ``poc.progress_report_due`` (warning): this visit is the 10th treatment
      day of the period — write the progress report at this visit;
      ``poc.progress_report_overdue`` (error): past the 10th treatment day.
      For dates of service before 2013-01-01 the period also ended after 30
      calendar days (:func:`progress_report_rule`): calendar day 30 since
      ``last_progress_report_on`` (or day 30 counting the first treatment as
      day 1) is "due", later is "overdue", whichever of the two limits is
      reached first. From 2013-01-01 the calendar date is ignored. The
      progress report is checked only when the plan gives
      ``treatment_days_since_report`` or ``last_progress_report_on``.

    Raises :class:`~ot_billing_rules.errors.InvalidDateError` when
    ``last_progress_report_on`` is after ``on``.

    >>> plan = PlanOfCare("2024-01-02", certified_on="2024-01-10",
    ...                   treatment_days_since_report=9)
    >>> [f.rule for f in check_plan_of_care(plan, "2024-01-30")]
    ['poc.progress_report_due']
    >>> old = PlanOfCare("2012-01-02", certified_on="2012-01-10",
    ...                  treatment_days_since_report=5, last_progress_report_on="2012-02-01")
    >>> [f.rule for f in check_plan_of_care(old, "2012-03-02")]
    ['poc.progress_report_due']
    """
    if not isinstance(plan, PlanOfCare):
        raise InvalidTypeError(
            f"plan must be a PlanOfCare, not {type(plan).__name__} {plan!r}",
            value=plan,
            field="plan_of_care",
        )
    day = coerce_date(on, field="on", default_today=False)
    report = plan.last_progress_report_on
    if report is not None and report > day:
        raise InvalidDateError(
            f"last_progress_report_on={report.isoformat()} is after the date of service "
            f"{day.isoformat()}: give the last report written on or before it",
            value=report,
            field="last_progress_report_on",
        )
    found: list[Finding] = []
    if day < plan.first_treatment:
        found.append(
            Finding(
                "poc.before_episode",
                Severity.ERROR,
                (),
                f"Date of service {day.isoformat()} is before the plan's first treatment day "
                f"{plan.first_treatment.isoformat()}.",
                suggestion="Check the date of service or the plan of care's first treatment date.",
                source=cite("cms_poc_certification"),
            )
        )
        return tuple(found)
    found.extend(_certification(plan, day))
    found.extend(_progress(plan, day))
    return sort_findings(found)


def _certification(plan: PlanOfCare, day: date) -> list[Finding]:
    out: list[Finding] = []
    if not plan.is_recertification:
        deadline = certification_deadline(plan.first_treatment)
        late = plan.certified_on is None or plan.certified_on > deadline
        if late and plan.certified_by_order(day):
            sent = plan.sent_to_physician_on
            out.append(
                Finding(
                    "poc.certified_by_order",
                    Severity.INFO,
                    (),
                    f"The initial certification is satisfied by the signed order of "
                    f"{plan.order_signed_on} and the plan of care sent to the physician/NPP "
                    f"on {sent}, within the 30 days that ended {deadline.isoformat()} "
                    "(the exception applies to dates of service from 2025-01-01).",
                    suggestion="Keep the signed order and the proof of sending the plan in the "
                    "record; a later change to the plan still needs the physician/NPP.",
                    source=cite("cms_poc_order_exception"),
                )
            )
        elif plan.certified_on is None:
            if day > deadline:
                out.append(
                    Finding(
                        "poc.certification_missing",
                        Severity.ERROR,
                        (),
                        f"The plan of care is not certified and the 30 days after the first "
                        f"treatment ({plan.first_treatment.isoformat()}) ended on "
                        f"{deadline.isoformat()}.",
                        suggestion="Obtain the physician/NPP's dated signature; a delayed "
                        "certification needs the reason for the delay documented (§220.1.3.D).",
                        source=cite("cms_poc_certification"),
                    )
                )
            else:
                out.append(
                    Finding(
                        "poc.certification_pending",
                        Severity.INFO,
                        (),
                        f"The plan of care is not certified yet; certification is timely until "
                        f"{deadline.isoformat()}.",
                        suggestion="Send the plan to the physician/NPP for signature.",
                        source=cite("cms_poc_certification"),
                    )
                )
        elif plan.certified_on > deadline:
            out.append(
                Finding(
                    "poc.certification_late",
                    Severity.WARNING,
                    (),
                    f"The initial certification is dated {plan.certified_on.isoformat()}, after "
                    f"the 30-day window that ended {deadline.isoformat()}.",
                    suggestion="Document the reason for the delayed certification "
                    "(MBPM Ch. 15 §220.1.3.D).",
                    source=cite("cms_poc_certification"),
                )
            )
    end = plan.interval_end
    if day > end:
        late_by = relativedelta(day, end)
        out.append(
            Finding(
                "poc.recertification_due",
                Severity.ERROR,
                (),
                f"Date of service {day.isoformat()} is after the certification interval "
                f"({plan.start.isoformat()} to {end.isoformat()}) by "
                f"{_describe(late_by, (day - end).days)}: treatment beyond the certified "
                "duration needs a recertification.",
                suggestion="Obtain the physician/NPP's recertification (up to 90 days) before "
                "billing this date.",
                source=cite("cms_poc_recertification"),
            )
        )
    return out


def _describe(delta: relativedelta, days: int) -> str:
    if delta.months or delta.years:
        return f"{days} days (about {delta.years * 12 + delta.months} month(s))"
    return f"{days} day" + ("" if days == 1 else "s")


def _progress(plan: PlanOfCare, day: date) -> list[Finding]:
    by_days = _progress_by_days(plan, day)
    by_calendar = _progress_by_calendar(plan, day)
    # One finding: the limit reached first decides; on a tie the treatment-day wording stays.
    if by_calendar and (not by_days or by_calendar[0].severity.rank < by_days[0].severity.rank):
        return by_calendar
    return by_days


def _progress_by_calendar(plan: PlanOfCare, day: date) -> list[Finding]:
    if plan.treatment_days_since_report is None and plan.last_progress_report_on is None:
        return []
    k = plan.progress_calendar_day(day)
    rule = progress_report_rule(day)
    limit = rule.calendar_days
    if k is None or limit is None or k < limit:
        return []
    report = plan.last_progress_report_on
    since = (
        f"the last progress report of {report.isoformat()}"
        if report is not None
        else f"the first treatment day {plan.first_treatment.isoformat()} (day 1; no report yet)"
    )
    period = (
        f"before 2013-01-01 a progress report was due at least once every "
        f"{rule.treatment_days} treatment days or once during each {limit} calendar days, "
        "whichever is less"
    )
    if k == limit:
        return [
            Finding(
                "poc.progress_report_due",
                Severity.WARNING,
                (),
                f"{day.isoformat()} is calendar day {k} since {since}: {period}, so the "
                f"{limit}-calendar-day period ends at this visit.",
                suggestion="Have the therapist (not the assistant) write the progress report "
                "at this visit.",
                source=rule.source,
            )
        ]
    return [
        Finding(
            "poc.progress_report_overdue",
            Severity.ERROR,
            (),
            f"{day.isoformat()} is calendar day {k} since {since}: {period}, so one was due by "
            f"calendar day {limit}.",
            suggestion="Write the overdue progress report; services after the missed report "
            "may not be payable.",
            source=rule.source,
        )
    ]


def _progress_by_days(plan: PlanOfCare, day: date) -> list[Finding]:
    if plan.treatment_days_since_report is None:
        return []
    n = plan.treatment_days_since_report + 1
    limit = PROGRESS_REPORT_TREATMENT_DAYS
    if n == limit:
        return [
            Finding(
                "poc.progress_report_due",
                Severity.WARNING,
                (),
                f"{day.isoformat()} is treatment day {n} since the last progress report: a "
                "clinician's progress report is due at this visit.",
                suggestion="Have the therapist (not the assistant) write the progress report "
                "at this visit.",
                source=cite("cms_poc_progress"),
            )
        ]
    if n > limit:
        return [
            Finding(
                "poc.progress_report_overdue",
                Severity.ERROR,
                (),
                f"{day.isoformat()} is treatment day {n} since the last progress report; one "
                f"was due by treatment day {limit}.",
                suggestion="Write the overdue progress report; services after the missed report "
                "may not be payable.",
                source=cite("cms_poc_progress"),
            )
        ]
    return []


#: What the audit reports when no plan of care was given (built once).
POC_NOT_CHECKED = Finding(
    "poc.not_checked",
    Severity.INFO,
    (),
    "No plan of care was given, so certification and progress-report timing were not checked.",
    suggestion="Pass plan_of_care (first_treatment, certified_on, certified_through, "
    "treatment_days_since_report) to check them.",
    source="CMS Pub. 100-02 Ch. 15 §220",
)
