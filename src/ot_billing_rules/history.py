"""Audit a history of claims: each visit with the state the patient's earlier visits imply.

:func:`audit_history` is the composer for what one visit cannot know alone
(a billing team auditing a year of claims has those claims and nothing else):

- **KX** (SSA §1833(g)): allowed amounts accrue per calendar year and KX
  bucket (OT apart from PT+SLP) from each visit's ``visit_allowed`` (the
  caller's amount wins), else from its share of the patient-day's priced
  amount, from an optional opening balance; the patient-day whose amount
  takes the total above the threshold, and every later therapy line that
  year, carry KX. The $3,000 targeted-review finding is reported on the day
  that crosses it.
- **The day's price** (the therapy MPPR, Pub. 100-04 Ch. 5 §10.7): the
  lines of all the day's claims of one billing provider and payer, every
  discipline, are priced in one :func:`~ot_billing_rules.payment.price_lines`
  call; each line keeps the amount it gets there, and a visit's share is the
  allowed amount of the lines it bills.
- **Plan of care** (Pub. 100-02 Ch. 15 §220): an episode starts at an
  initial evaluation or a visit carrying ``plan_of_care``; treatment days
  are counted across visits and a visit with ``progress_report=True``
  restarts the count (§220.3.D): the 10th day without a report is "due",
  later ones "overdue". For dates of service before 2013-01-01 the period
  also ends on its 30th calendar day (the date of the last report is kept in
  the episode), whichever comes first. An initial evaluation inside an open, certified
  episode is flagged (``poc.new_evaluation_in_episode``) and starts a new one.
- **Same day** (Pub. 100-04 Ch. 5 §20.2, total timed minutes per day and
  discipline): visits of one patient, date, discipline, payer and billing
  provider are pooled before the 8-minute rule; each claim line goes to the
  visit that furnished most of its code's minutes (ties: the earlier
  ``visit_id``), so each code has one line per date (CQ/CO split apart), and
  MUE and once-per-day add-on limits see the whole day.
- **Payer visit limits** (the payer's record): visits are counted per payer
  id and limit period (calendar, fiscal or benefit year; per discipline or
  combined, as the record says); the visit past the limit gets
  ``payer.visit_limit``. A pooled same-day visit counts once.

Each visit is audited by :func:`~ot_billing_rules.audit_visit` with the
history's state filled in (``ytd_allowed``, ``plan_of_care``,
``visits_this_period``), which is why a visit's own ``ytd_allowed``,
``visits_this_period`` or ``treatment_days_since_report`` is refused here.

>>> from ot_billing_rules import audit_history
>>> run = audit_history([
...     {"patient_id": "p1", "visit_id": "a", "date_of_service": "2024-03-04",
...      "services": [{"code": "97530", "minutes": 10}]},
...     {"patient_id": "p1", "visit_id": "b", "date_of_service": "2024-03-04",
...      "services": [{"code": "97530", "minutes": 10}]},
... ])
>>> [(r.visit_id, [(ln.code, ln.units) for ln in r.report.lines]) for r in run]
[('a', [('97530', 1)]), ('b', [])]
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from itertools import chain
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._audit_payer import limit_start, period_first
from ._coerce import coerce_enum, require_int
from ._display import as_findings, as_lines
from ._fast import maker, replacer
from ._history_pricing import DayClaim, alone_share, price_day, repriced
from ._history_state import Episode, HistoryState, PatientState, kx_key
from ._money import coerce_money
from ._progress import Progress, check_progress, total_of, track
from .audit import AuditReport, AuditStatus, ServiceOutcome, audit_visit
from .batch import AuditResult, ErrorMode, resolve_policies, to_records
from .catalog import Category, TherapyList, get
from .errors import HistoryInputError, HistoryOrderError, InvalidTypeError, OTBillingError
from .findings import Finding, Severity, sort_findings
from .lines import ClaimLine
from .options import AuditOptions, check_edits, coerce_options
from .payers import PayerPolicy
from .plan_of_care import PROGRESS_REPORT_TREATMENT_DAYS, PlanOfCare, progress_report_rule
from .sources import cite
from .terms import Discipline
from .thresholds import kx_threshold
from .visit import Service, Visit, check_day_minutes

if TYPE_CHECKING:
    from .ncci import EditData

_T = TypeVar("_T")
_RULE = attrgetter("rule")
#: Zero dollars, in cents as every amount is (a year's first visit shows a
#: ``ytd_allowed`` of 0.00, as ``audit_visit`` shows a given 0); made once.
_NONE = Decimal("0.00")
#: Each discipline's value, looked up without the enum's (slower) ``value`` property.
_DISCIPLINE: Mapping[Discipline, str] = {d: d.value for d in Discipline}
#: Each discipline's KX bucket, looked up without the (slower) ``kx_bucket`` property.
_BUCKET: Mapping[Discipline, str] = {d: d.kx_bucket for d in Discipline}
__all__ = [
    "PATIENT_SCHEMA",
    "HistoryRun",
    "HistoryState",
    "PatientState",
    "PatientSummary",
    "audit_history",
]


@attrs.frozen
class PatientSummary:
    """One patient's calendar year in a run of :func:`audit_history`.

    ``visits`` audited; ``units`` and ``allowed`` per KX bucket (``"OT"``,
    ``"PT_SLP"``) from this run's visits; ``kx_visit`` the visit id (or date)
    whose day took the bucket above the KX threshold; progress reports
    ``written`` (visits with ``progress_report``), ``due`` (due findings) and
    ``missed`` (periods that passed their 10th treatment day without one);
    ``findings`` counts findings by rule id.
    """

    patient_id: str
    year: int
    visits: int = 0
    units: Mapping[str, int] = attrs.Factory(dict)
    allowed: Mapping[str, Decimal] = attrs.Factory(dict)
    kx_visit: Mapping[str, str] = attrs.Factory(dict)
    progress_reports_written: int = 0
    progress_reports_due: int = 0
    progress_reports_missed: int = 0
    findings: Mapping[str, int] = attrs.Factory(dict)

    def to_record(self) -> dict[str, Any]:
        """One flat record with the columns of :data:`PATIENT_SCHEMA`."""
        return {
            "patient_id": self.patient_id,
            "year": self.year,
            "visits": self.visits,
            "units_ot": self.units.get("OT", 0),
            "units_pt_slp": self.units.get("PT_SLP", 0),
            "allowed_ot": str(self.allowed.get("OT", Decimal(0))),
            "allowed_pt_slp": str(self.allowed.get("PT_SLP", Decimal(0))),
            "kx_visit_ot": self.kx_visit.get("OT"),
            "kx_visit_pt_slp": self.kx_visit.get("PT_SLP"),
            "progress_reports_written": self.progress_reports_written,
            "progress_reports_due": self.progress_reports_due,
            "progress_reports_missed": self.progress_reports_missed,
            "rules": " ".join(f"{r}={n}" for r, n in sorted(self.findings.items())),
        }


#: Columns of :meth:`HistoryRun.to_records` at ``level="patient"`` (one per patient-year).
#: Money is a decimal string; ``kx_visit_*`` is ``None`` when the year stayed below KX;
#: ``rules`` reads ``rule=count`` pairs joined by spaces.
PATIENT_SCHEMA: Mapping[str, type] = {
    "patient_id": str,
    "year": int,
    "visits": int,
    "units_ot": int,
    "units_pt_slp": int,
    "allowed_ot": str,
    "allowed_pt_slp": str,
    "kx_visit_ot": str,
    "kx_visit_pt_slp": str,
    "progress_reports_written": int,
    "progress_reports_due": int,
    "progress_reports_missed": int,
    "rules": str,
}


class _Summary:
    """Mutable tally behind one :class:`PatientSummary`."""

    def __init__(self) -> None:
        self.visits = 0
        self.units: dict[str, int] = {}
        self.allowed: dict[str, Decimal] = {}
        self.kx_visit: dict[str, str] = {}
        self.written = self.missed = 0
        # Each tallied report's findings, counted by rule once, when frozen (in C:
        # counting them report by report cost a tenth of the history's own time).
        self.seen: list[Sequence[Finding]] = []

    def freeze(self, patient: str, year: int) -> PatientSummary:
        findings = dict(Counter(map(_RULE, chain.from_iterable(self.seen))))
        return PatientSummary(
            patient,
            year,
            self.visits,
            dict(self.units),
            dict(self.allowed),
            dict(self.kx_visit),
            self.written,
            findings.get("poc.progress_report_due", 0),
            self.missed,
            findings,
        )


# ---------------------------------------------------------------- findings


def _no_patient() -> Finding:
    return Finding(
        "history.no_patient_id",
        Severity.WARNING,
        (),
        "The visit has no patient_id, so it was audited alone: KX totals, plan-of-care "
        "treatment days and same-day pooling from the patient's other visits were not applied.",
        suggestion="Give every visit its patient_id (and billing_provider) to audit the history.",
        source=cite("cms_timed_codes_day"),
    )


def _merged(others: Sequence[Visit], moved: Sequence[str]) -> Finding:
    names = ", ".join(o.visit_id or o.date_of_service.isoformat() for o in others)
    where = (
        f" Its line(s) {', '.join(moved)} were billed with the visit(s) that furnished more "
        "of those minutes."
        if moved
        else ""
    )
    # Built from checked values (one per visit of a pooled day): no converter to run.
    return _finding(
        "history.same_day_merged",
        Severity.INFO,
        (),
        f"Same patient, date, discipline and billing provider as visit(s) {names}: the day's "
        "timed minutes were pooled before the 8-minute rule, one claim line per code." + where,
        "Bill the day's lines once, on the claim of the visit each line names.",
        cite("cms_timed_codes_day"),
        None,
    )


#: ``Finding(*values)`` for values of the field types already (no converter runs).
_finding: Callable[..., Finding] = maker(Finding)


def _new_evaluation(code: str, plan: PlanOfCare) -> Finding:
    return Finding(
        "poc.new_evaluation_in_episode",
        Severity.WARNING,
        (code,),
        f"{code} is an initial evaluation inside the episode that began "
        f"{plan.first_treatment.isoformat()} (certified through {plan.interval_end.isoformat()}); "
        "a new episode was started from it.",
        suggestion="Bill a re-evaluation (97168/97164) inside an episode; an initial evaluation "
        "only for a new episode (new diagnosis or discharge first).",
        source=cite("cms_episode"),
    )


# ---------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=2048)
def _initial_evaluation(code: str) -> bool:
    entry = get(code)
    return (
        entry is not None
        and entry.category is Category.EVALUATION
        and "re-evaluation" not in entry.description.lower()
    )


def _plus(total: Decimal | None, amount: Decimal | None) -> Decimal | None:
    """``total + amount``, where a ``None`` is an amount not known (``None``: neither is)."""
    if amount is None:
        return total
    return amount if total is None else total + amount


def _merge_services(group: Sequence[Visit]) -> tuple[Service, ...]:
    by_code: dict[str, list[Service]] = {}
    for v in group:
        for s in v.services:
            by_code.setdefault(s.code, []).append(s)
    out: list[Service] = []
    for code in sorted(by_code):
        ss = by_code[code]
        if len(ss) == 1:
            out.append(ss[0])
            continue
        minutes = [s.minutes for s in ss if s.minutes is not None]
        assistant = [s.assistant_minutes for s in ss if s.assistant_minutes is not None]
        mods: list[str] = []
        for s in ss:
            mods.extend(m for m in s.modifiers if m not in mods)
        out.append(
            Service(
                code,
                minutes=sum(minutes) if minutes else None,
                assistant_minutes=sum(assistant) if assistant else None,
                modifiers=tuple(mods),
                separate_interval=any(s.separate_interval for s in ss),
            )
        )
    return tuple(out)


def _owners(lines: Iterable[ClaimLine], group: Sequence[Visit]) -> dict[str, int]:
    """Per line code: the index in ``group`` of the visit that furnished most of its minutes.

    A code's minutes are its own and its primary codes' (:func:`_owner_codes`);
    a service without minutes still counts one, so the visit that lists it wins
    over one that does not.
    """
    # Each visit lists a code once (Visit checks), so a code's minutes are one look-up.
    minutes = [{s.code: (s.minutes or 0) + 1 for s in v.services} for v in group]
    out: dict[str, int] = {}
    for ln in lines:
        code = ln.code
        if code in out:
            continue
        codes = _owner_codes(code)
        best, best_minutes = 0, -1
        for n, mine in enumerate(minutes):  # group is sorted by visit_id: ties go to the earlier
            m = 0
            for c in codes:
                m += mine.get(c, 0)
            if m > best_minutes:
                best, best_minutes = n, m
        out[code] = best
    return out


@functools.lru_cache(maxsize=2048)
def _owner_codes(code: str) -> frozenset[str]:
    """``code`` and the primary codes it is an add-on to (whose minutes it goes with).

    Cached: the bundled, read-only catalog, asked for every line of a pooled day.
    """
    entry = get(code)
    return frozenset((code, *entry.add_on_to)) if entry is not None else frozenset((code,))


#: ``False`` sends every day through :func:`_day`'s pooled path (the tests
#: compare the two); :func:`_prepare_one` and :func:`_finish_one` must give the same results.
_ONE_VISIT_FAST = True
#: ``False`` audits each one-visit day right after its state steps instead of
#: a patient's batch of them after all the steps (the tests compare the two).
_BATCH = True


_first = itemgetter(0)


def _day_order(item: tuple[int, Visit]) -> tuple[Any, ...]:
    return _sort_key(item[1])


def _sort_key(v: Visit) -> tuple[Any, ...]:
    return (
        v.date_of_service,
        _DISCIPLINE[v.discipline],
        v.payer.name,
        v.billing_provider or "",
        v.visit_id or "",
        repr(v.to_dict()) if v.visit_id is None else "",
    )


# ---------------------------------------------------------------- one patient


class _Open:
    """A discipline's open episode while its patient is audited: an :class:`Episode`
    updated in place once per treatment day (saved as an :class:`Episode`)."""

    __slots__ = ("days", "last_report", "overdue", "plan")

    def __init__(
        self,
        plan: PlanOfCare,
        days: int = 0,
        overdue: bool = False,
        last_report: date | None = None,
    ) -> None:
        self.plan = plan
        self.days = days
        self.overdue = overdue
        self.last_report = last_report


@attrs.define
class _Patient:
    """Mutable working state of one patient (never leaves this module)."""

    patient_id: str
    kx: dict[tuple[int, str], Decimal]
    episodes: dict[str, _Open]
    last_date: date | None
    visits: dict[tuple[str, date, str], int] = attrs.Factory(dict)
    summaries: dict[int, _Summary] = attrs.Factory(dict)

    def summary(self, year: int) -> _Summary:
        s = self.summaries.get(year)
        if s is None:
            s = self.summaries[year] = _Summary()
        return s

    def frozen(self) -> PatientState:
        episodes = {
            d: Episode(e.plan, e.days, e.overdue, e.last_report) for d, e in self.episodes.items()
        }
        return PatientState(dict(self.kx), episodes, self.last_date, dict(self.visits))


def _patient_run(
    patient_id: str,
    items: Sequence[tuple[int, Visit]],
    state: PatientState | None,
    opening: Mapping[tuple[int, str], Decimal] | None,
) -> tuple[list[AuditResult], PatientState, list[PatientSummary]]:
    """Audit one patient's visits (any order); results carry the input indexes."""
    base = state or PatientState()
    kx = dict(base.kx)
    for key, amount in (opening or {}).items():
        kx.setdefault(key, amount)
    episodes = {
        d: _Open(e.plan, e.days_since_report, e.overdue, e.last_report)
        for d, e in base.episodes.items()
    }
    p = _Patient(patient_id, kx, episodes, base.last_date, dict(base.visits))
    results: list[AuditResult] = []
    good: list[tuple[date, int, Visit]] = []
    last = p.last_date
    for index, v in items:
        # Most visits carry none of what history mode refuses: one test, no call.
        if (
            v.ytd_allowed is None
            and v.visits_this_period is None
            and v.plan_of_care is None
            and last is None
        ):
            good.append((v.date_of_service, index, v))
            continue
        problem = _refused(v, last)
        if problem is not None:
            results.append(AuditResult(index=index, error=problem, visit_id=v.visit_id))
        else:
            good.append((v.date_of_service, index, v))
    # By date only, stable (items come in input order): a day of one visit (most
    # days) needs no tie-break; a day of several is put in _sort_key's order
    # (the same for any input order) below.
    good.sort(key=_first)
    fast = _ONE_VISIT_FAST
    batch: list[_Prepared] = []
    n, start = len(good), 0
    while start < n:
        d, index, v = good[start]
        end = start + 1
        while end < n and good[end][0] == d:
            end += 1
        if end == start + 1 and fast:
            prepared = _prepare_one(p, index, v)
            if prepared[7] and _BATCH:
                batch.append(prepared)
            else:
                results.append(_finish_one(p, prepared, *_audit(prepared[2])))
        else:
            day = [(i, w) for _, i, w in good[start:end]]
            results.extend(_day(p, sorted(day, key=_day_order)))
        start = end
    # One-visit days whose state the audit cannot change, audited together and
    # then finished together: run between their state steps, the audits and
    # the steps each evicted the other's data from the processor's caches.
    audits = [_audit(prepared[2]) for prepared in batch]
    for prepared, (report, error) in zip(batch, audits, strict=True):
        results.append(_finish_one(p, prepared, report, error))
    return (
        results,
        p.frozen(),
        [s.freeze(patient_id, y) for y, s in sorted(p.summaries.items())],
    )


def _refused(v: Visit, last: date | None) -> OTBillingError | None:
    if v.ytd_allowed is not None:
        return HistoryInputError(
            f"visit {v.visit_id or v.date_of_service.isoformat()}: ytd_allowed={v.ytd_allowed} "
            "is computed by audit_history from the patient's earlier visits; give the year's "
            "starting amount as opening_balances={patient_id: {(year, bucket): amount}} instead",
            value=v.ytd_allowed,
            field="ytd_allowed",
        )
    if v.visits_this_period is not None:
        return HistoryInputError(
            f"visit {v.visit_id or v.date_of_service.isoformat()}: "
            f"visits_this_period={v.visits_this_period} is counted by audit_history from the "
            "patient's earlier visits; give those visits in the history (or continue a saved "
            "state) instead",
            value=v.visits_this_period,
            field="visits_this_period",
        )
    plan = v.plan_of_care
    if plan is not None and plan.treatment_days_since_report is not None:
        return HistoryInputError(
            f"visit {v.visit_id or v.date_of_service.isoformat()}: "
            "plan_of_care.treatment_days_since_report is counted by audit_history; mark the "
            "visits where a report was written with progress_report=true instead",
            value=plan.treatment_days_since_report,
            field="treatment_days_since_report",
        )
    if plan is not None and plan.last_progress_report_on is not None:
        return HistoryInputError(
            f"visit {v.visit_id or v.date_of_service.isoformat()}: "
            "plan_of_care.last_progress_report_on is taken by audit_history from the visits "
            "marked progress_report=true; mark the visit where the report was written instead",
            value=plan.last_progress_report_on.isoformat(),
            field="last_progress_report_on",
        )
    if last is not None and v.date_of_service <= last:
        return HistoryOrderError(
            f"visit {v.visit_id or ''} dated {v.date_of_service.isoformat()} is on or before "
            f"{last.isoformat()}, the last date the continued state already audited for patient "
            f"{v.patient_id}; audit it in the run that covers that date",
            value=v.date_of_service.isoformat(),
            field="date_of_service",
        )
    return None


def _day(p: _Patient, day: Sequence[tuple[int, Visit]]) -> list[AuditResult]:
    d = day[0][1].date_of_service
    p.last_date = d
    year = d.year
    # KX is priced per patient-day: every claim of a bucket sees the day's total.
    before: dict[str, Decimal] = {}
    given: dict[str, Decimal | None] = {}
    open_buckets: set[str] = set()
    for _, v in day:
        if not v.payer.kx_threshold:
            continue
        b = _BUCKET[v.discipline]
        if b not in before:
            before[b] = p.kx.get((year, b), _NONE)
        given[b] = _plus(given.get(b), v.visit_allowed)
        if v.visit_allowed is None:
            open_buckets.add(b)
    plans = _plans(p, day)
    # A bucket whose visits all carry visit_allowed is known before the audit;
    # otherwise each claim is audited with its own priced amount first, and
    # again below if the day's total (priced across disciplines) differs.
    claims = [
        _pooled(p, group, before, plans, None if _bucket(group) in open_buckets else given)
        for group in _groups(day)
    ]
    if any(c.report is not None and c.report.pricing is not None for c in claims):
        shares, parts = price_day([c.day_claim() for c in claims])
        for c, share in zip(claims, shares, strict=True):
            c.amounts = [v.visit_allowed if v.visit_allowed is not None else a
                         for v, a in zip(c.visits, share, strict=True)]  # fmt: skip
    else:  # nothing priced (no locality): only the callers' amounts
        parts = [None] * len(claims)
        for c in claims:
            c.amounts = [v.visit_allowed for v in c.visits]
    totals: dict[str, Decimal | None] = {}
    for c in claims:
        if c.bucket in before:
            total = totals.get(c.bucket)
            for amount in c.amounts:
                total = _plus(total, amount)
            totals[c.bucket] = total
    out: list[AuditResult] = []
    for c, part in zip(claims, parts, strict=True):
        if c.report is not None and c.bucket in before:
            kx = c.report.kx
            if kx is not None and kx.visit_amount != totals.get(c.bucket):
                c.audit(totals.get(c.bucket))
        if c.report is not None and part is not None:
            c.report = repriced(c.report, part)
        out.extend(
            _group(p, c, before.get(c.bucket), plans.get(_DISCIPLINE[c.visits[0].discipline]))
        )
    for b in before:
        total = totals.get(b)
        p.kx[(year, b)] = before[b] + (total if total is not None else _NONE)
    return out


def _groups(day: Sequence[tuple[int, Visit]]) -> list[list[tuple[int, Visit]]]:
    """The day's same-day groups (discipline, payer, billing provider), in first-seen order."""
    if len(day) == 1:  # most days: one claim, nothing to pool
        return [list(day)]
    groups: dict[tuple[str, str, str], list[tuple[int, Visit]]] = {}
    for item in day:
        v = item[1]
        key = (_DISCIPLINE[v.discipline], v.payer.name, v.billing_provider or "")
        groups.setdefault(key, []).append(item)
    return list(groups.values())


def _bucket(group: Sequence[tuple[int, Visit]]) -> str:
    return _BUCKET[group[0][1].discipline]


def _plans(p: _Patient, day: Sequence[tuple[int, Visit]]) -> dict[str, _Step]:
    """Per discipline: (plan for the day, extra findings, report written)."""
    d = day[0][1].date_of_service
    by_discipline: dict[str, list[Visit]] = {}
    for _, v in day:
        by_discipline.setdefault(_DISCIPLINE[v.discipline], []).append(v)
    out: dict[str, _Step] = {}
    for disc in sorted(by_discipline):
        vs = by_discipline[disc]
        if any(v.payer.plan_of_care_timing for v in vs):
            step = _episode_day(p, disc, vs, d)
            if step is not None:
                out[disc] = step
    return out


#: A discipline's plan-of-care step of a day: (plan for the day, extra findings, report written).
_Step = tuple[PlanOfCare, tuple[Finding, ...], bool]


def _episode_day(p: _Patient, disc: str, vs: Sequence[Visit], d: date) -> _Step | None:
    """One discipline's plan-of-care step for a day of several visits (:func:`_episode_step`)."""
    evals = [s.code for v in vs for s in v.services if _initial_evaluation(s.code)]
    given = [v.plan_of_care for v in vs if v.plan_of_care is not None]
    return _episode_step(
        p,
        disc,
        d,
        evals[0] if evals else None,
        given[-1] if given else None,
        any(v.progress_report for v in vs),
    )


def _episode_one(p: _Patient, disc: str, v: Visit, d: date) -> _Step | None:
    """:func:`_episode_day` for a day of one visit, without the day's lists."""
    evaluation = None
    for s in v.services:
        if _initial_evaluation(s.code):
            evaluation = s.code
            break
    return _episode_step(p, disc, d, evaluation, v.plan_of_care, v.progress_report)


def _episode_step(
    p: _Patient,
    disc: str,
    d: date,
    evaluation: str | None,
    given: PlanOfCare | None,
    written: bool,
) -> _Step | None:
    """One discipline's plan-of-care step for the day: (plan, extra findings, report written).

    ``evaluation``: the day's first initial-evaluation code; ``given``: the
    day's last plan of care given with a visit; ``written``: a progress report
    was written that day. ``None``: no episode is open and none starts today.
    """
    extra: tuple[Finding, ...] = ()
    ep = p.episodes.get(disc)
    if (
        evaluation is not None
        and ep is not None
        and d <= ep.plan.interval_end
        and ep.plan.first_treatment < d
    ):
        extra = (_new_evaluation(evaluation, ep.plan),)
    if given is not None:
        if evaluation is not None or ep is None or ep.plan.first_treatment != given.first_treatment:
            ep = p.episodes[disc] = _Open(given)
        else:
            ep.plan = given
    elif evaluation is not None:
        ep = p.episodes[disc] = _Open(PlanOfCare(d))
    if ep is None:
        return None
    day_plan = _counted(ep.plan, ep.days, ep.last_report)
    n = ep.days + 1
    late = n > PROGRESS_REPORT_TREATMENT_DAYS or _calendar_late(day_plan, d)
    missed = late and not ep.overdue
    if written:
        ep.days, ep.overdue, ep.last_report = 0, False, d
    else:
        ep.days, ep.overdue = n, ep.overdue or missed
    summary = p.summary(d.year)
    summary.written += written
    summary.missed += missed
    return day_plan, extra, written


def _calendar_late(day_plan: PlanOfCare, d: date) -> bool:
    """Whether ``d`` is past the period's calendar-day limit (dates of service before 2013)."""
    calendar = day_plan.progress_calendar_day(d)
    return calendar is not None and calendar > _calendar_limit(d)


class _Claim:
    """One pooled same-day group (discipline, payer, billing provider) on its way
    through the day: the visit audited for it, its report or error, who bills each line."""

    def __init__(
        self, group: list[tuple[int, Visit]], audited: Visit | None, error: Exception | None
    ) -> None:
        self.group = group
        self.visits = [v for _, v in group]
        self.bucket = _BUCKET[self.visits[0].discipline]
        self.audited = audited
        self.error = error
        self.report: AuditReport | None = None
        self.owners: dict[str, int] = {}
        self.amounts: list[Decimal | None] = [None] * len(group)

    def audit(self, amount: Decimal | None) -> None:
        v = self.audited
        if v is None:
            return
        if amount != v.visit_allowed:
            v = _with(v, v.ytd_allowed, amount, v.plan_of_care, v.visits_this_period)
        self.report, error = _audit(v)
        if self.report is None:  # the pooled day failed: every visit of it says why
            self.error = error
            return
        if len(self.visits) == 1:
            self.owners = dict.fromkeys((ln.code for ln in self.report.lines), 0)
        else:
            self.owners = _owners(self.report.lines, self.visits)

    def day_claim(self) -> DayClaim:
        lines = self.report.lines if self.report is not None else ()
        return DayClaim(
            self.visits[0],
            self.report,
            tuple(self.owners[ln.code] for ln in lines),
            len(self.group),
        )


def _pooled(
    p: _Patient,
    group: list[tuple[int, Visit]],
    before: Mapping[str, Decimal],
    plans: Mapping[str, _Step],
    given: Mapping[str, Decimal | None] | None,
) -> _Claim:
    """The group's claim, audited once (``given``: the day's amounts per bucket, when known)."""
    first = group[0][1]
    bucket = _BUCKET[first.discipline]
    ytd = before.get(bucket)
    plan = plans.get(_DISCIPLINE[first.discipline], (None,))[0]
    done = _count_visit(p, first)  # the group is one visit: a pooled day counts once
    amount = given.get(bucket) if given is not None else None
    try:
        if len(group) > 1:
            merged = _merge_services([v for _, v in group])
            audited = _pooled_visit(first, merged, ytd, amount, plan, done)
        else:
            audited = _with(first, ytd, amount, plan, done)
    except Exception as exc:
        return _Claim(group, None, exc)
    claim = _Claim(group, audited, None)
    claim.audit(amount)
    return claim


def _calendar_limit(d: date) -> int:
    limit = progress_report_rule(d).calendar_days
    assert limit is not None  # asked only where progress_calendar_day gave a day
    return limit


#: ``_counted(plan, days, last_report)``: ``plan`` with the episode's
#: ``treatment_days_since_report`` and ``last_progress_report_on`` (both
#: already checked: a report date is an earlier audited date of the episode).
#: Built, not ``attrs.evolve``d: once per patient-day, the validators cost more
#: than the rest of the day's plan step.
_counted: Callable[[PlanOfCare, int, date | None], PlanOfCare] = replacer(
    PlanOfCare, ("treatment_days_since_report", "last_progress_report_on")
)


def _group(
    p: _Patient,
    c: _Claim,
    ytd: Decimal | None,
    step: _Step | None,
) -> list[AuditResult]:
    """The claim's report split back into one report per visit, each tallied.

    ``ytd``: the bucket's total before the day (``None``: the payer has no KX
    threshold); ``step``: the discipline's plan-of-care step of the day.
    """
    report = c.report
    if report is None:
        return [AuditResult(index=i, error=c.error, visit_id=v.visit_id) for i, v in c.group]
    group, visits, bucket = c.group, c.visits, c.bucket
    first = visits[0]
    plan, extra, written = step if step is not None else (None, (), False)
    if len(group) == 1 and not extra:
        return [_single(p, group[0][0], first, report, ytd, plan, written, c.amounts[0])]
    done = report.visit.visits_this_period
    findings = [
        f
        for f in (*report.findings, *extra)
        if f.rule not in _MAY_DROP or _keep(f, written, ytd, first)
    ]
    results: list[AuditResult] = []
    owners = c.owners
    pooled = len(group) > 1
    split: list[list[ClaimLine]] = [[] for _ in group]
    for ln in report.lines:
        split[owners[ln.code]].append(ln)
    day = {s.code: s for s in report.services} if pooled else None
    for n, (index, v) in enumerate(group):
        lines = as_lines(split[n])
        billed = {ln.code for ln in lines}
        listed = {s.code for s in v.services}
        mine = _findings_of(findings, listed | billed, n)
        if pooled:
            others = [o for o in visits if o is not v]
            mine.append(_merged(others, sorted(listed - billed)))
        if v.payer.suppress_rules:
            mine = [f for f in mine if not v.payer.suppresses(f.rule)]
        final = as_findings(sort_findings(mine))
        # A pooled day is priced as one: its pricing goes with the first visit.
        lead = n == 0
        r = _split(
            report,
            _with(v, ytd, v.visit_allowed, plan, done),
            lines,
            final,
            _outcomes(v, billed, day) if day is not None else report.services,
            AuditStatus.of(final),
            report.pricing if lead else None,
            report.amount_at_risk if lead else None,
            report.contract_pricing if lead else None,
        )
        _tally(p, r, bucket, c.amounts[n], ytd)
        results.append(_reported(index, r, None, v.visit_id, False))
    return results


#: One visit's share of a claim's ``report``: its visit, lines, findings,
#: services, status and (the lead visit's) pricing; the allocation, KX result,
#: options and tables are the claim's. Every value is the audit's or checked
#: here, so no converter runs (one per visit of a pooled day).
_split: Callable[..., AuditReport] = replacer(
    AuditReport,
    (
        "visit",
        "lines",
        "findings",
        "services",
        "status",
        "pricing",
        "amount_at_risk",
        "contract_pricing",
    ),
)


#: ``AuditResult(index, report, error, visit_id, reader_failed)`` from audited
#: values (one per visit: the keyword ``__init__`` cost as much as a tally).
_reported: Callable[[int, AuditReport, None, str | None, bool], AuditResult] = maker(AuditResult)


def _single(
    p: _Patient,
    index: int,
    v: Visit,
    report: AuditReport,
    ytd: Decimal | None,
    plan: PlanOfCare | None,
    written: bool,
    amount: Decimal | None,
) -> AuditResult:
    """The result of a claim of one visit and no added finding, tallied.

    The claim's report is the visit's (its findings are already suppressed and
    sorted, and _keep only drops some); rebuilding it line by line would cost
    a fifth of the history's time.
    """
    findings = [f for f in report.findings if f.rule not in _MAY_DROP or _keep(f, written, ytd, v)]
    shown = None
    if report.visit.visit_allowed != v.visit_allowed:
        shown = _with(v, ytd, v.visit_allowed, plan, report.visit.visits_this_period)
    if shown is not None or len(findings) != len(report.findings):
        report = _trimmed(report, shown, findings)
    _tally(p, report, _BUCKET[v.discipline], amount, ytd)
    return _reported(index, report, None, v.visit_id, False)


#: A one-visit day with its state steps taken, before its audit: (input index,
#: visit, the visit as audited, year-to-date total before the day, KX key,
#: plan-of-care step, the amount audited with, whether KX accrued already).
_Prepared = tuple[
    int, Visit, Visit, Decimal | None, tuple[int, str], _Step | None, Decimal | None, bool
]


def _prepare_one(p: _Patient, index: int, v: Visit) -> _Prepared:
    """The state steps of a one-visit day (most days), taken before its audit.

    :func:`_day`'s steps for one claim, with what a single visit makes moot
    left out: no same-day group, no pooled services or merge finding, no joint
    pricing (the claim is alone under its key, so it keeps the audit's own),
    and no per-day mappings of buckets and disciplines; :func:`_finish_one`
    takes the audit's report.

    KX accrues here when the day's amount is the caller's (``visit_allowed``),
    or not at all (a payer without the threshold): the audit cannot change
    it, so the patient's later days can be prepared before this one is
    audited (``_Prepared[7]``). A priced amount accrues in :func:`_finish_one`.
    """
    d = v.date_of_service
    p.last_date = d
    discipline = v.discipline
    payer = v.payer
    counted = payer.kx_threshold
    key = (d.year, _BUCKET[discipline])
    ytd = p.kx.get(key, _NONE) if counted else None
    step = _episode_one(p, _DISCIPLINE[discipline], v, d) if payer.plan_of_care_timing else None
    terms = payer.terms
    done = _count_visit(p, v) if terms is not None and terms.visit_limits else None
    given = v.visit_allowed if counted else None
    if ytd is not None and given is not None:
        p.kx[key] = ytd + given
    audited = _with(v, ytd, given, step[0] if step is not None else None, done)
    return index, v, audited, ytd, key, step, given, ytd is None or given is not None


def _audit(v: Visit) -> tuple[AuditReport | None, Exception | None]:
    """``audit_visit(v)`` with the run's setup; an error is the visit's own result."""
    edits, options = _SETUP.get()
    try:
        return audit_visit(v, edits=edits, options=options), None
    except Exception as exc:  # the visit's own problem: its result says why
        return None, exc


def _finish_one(
    p: _Patient, day: _Prepared, report: AuditReport | None, error: Exception | None
) -> AuditResult:
    """A prepared one-visit day's result from its audit, tallied."""
    index, v, audited, ytd, key, step, given, accrued = day
    amount = v.visit_allowed
    if amount is None and report is not None and report.pricing is not None:
        amount = alone_share(v, report.pricing.lines)
    plan = audited.plan_of_care
    if ytd is not None:
        if not accrued:
            p.kx[key] = ytd + (amount if amount is not None else _NONE)
        kx = report.kx if report is not None else None
        if kx is not None and kx.visit_amount != amount:
            # KX is decided on the day's amount: the priced one, once known.
            if amount != given:
                audited = _with(audited, ytd, amount, plan, audited.visits_this_period)
            report, error = _audit(audited)
    if report is None:
        return AuditResult(index=index, error=error, visit_id=v.visit_id)
    if step is not None and step[1]:  # a new evaluation inside an episode: a finding to add
        c = _Claim([(index, v)], audited, None)
        c.report, c.amounts = report, [amount]
        c.owners = dict.fromkeys((ln.code for ln in report.lines), 0)
        return _group(p, c, ytd, step)[0]
    return _single(p, index, v, report, ytd, plan, step is not None and step[2], amount)


def _count_visit(p: _Patient, v: Visit) -> int | None:
    """Count ``v`` toward its payer's visit limits; the count before it (``None``: no limit)."""
    keys = _limit_keys(v)
    done = p.visits.get(keys[0], 0) if keys else None
    for key in keys:
        p.visits[key] = p.visits.get(key, 0) + 1
    return done


#: ``report`` showing another visit, findings (a subset of its own) and status;
#: every value is the audit's own or checked here (see :func:`_trimmed`).
_reshown: Callable[[AuditReport, Visit, tuple[Finding, ...], AuditStatus], AuditReport] = replacer(
    AuditReport, ("visit", "findings", "status")
)


def _trimmed(report: AuditReport, visit: Visit | None, findings: list[Finding]) -> AuditReport:
    """``report`` showing ``visit`` (when given) and ``findings`` (a subset of its own)."""
    if len(findings) == len(report.findings):
        return _reshown(report, visit or report.visit, report.findings, report.status)
    return _reshown(report, visit or report.visit, as_findings(findings), AuditStatus.of(findings))


def _limit_keys(v: Visit) -> list[tuple[str, date, str]]:
    """The visit-limit counters ``v`` adds to: one per limit of its payer's record.

    The first is the one the audit checks (``visits_this_period`` is one count;
    the records hold one limit each).
    """
    terms = v.payer.terms
    out = []
    for lim in terms.visit_limits or () if terms is not None else ():
        scope = v.discipline.value if lim.scope == "per_discipline" else "all"
        start, _ = limit_start(v, lim)
        out.append((v.payer.id, period_first(v.date_of_service, start), scope))
    return out


def _pooled_visit(
    first: Visit,
    services: tuple[Service, ...],
    ytd: Decimal | None,
    amount: Decimal | None,
    plan: PlanOfCare | None,
    done: int | None,
) -> Visit:
    """``first`` holding the day's pooled ``services`` and the history's state.

    What ``attrs.evolve`` would give: the converters have nothing to do (a
    tuple of services; amounts the history summed from checked ones, in
    cents), and of the class's own checks only one can fail: the pooled
    minutes must fit in a day. (The payer is ``first``'s, already the version
    in force that day; the services are one per code, merged by code; the
    setting is ``first``'s, already checked.)
    """
    check_day_minutes(services)
    return _pool(first, services, ytd, amount, plan, done)


_pool: Callable[..., Visit] = replacer(
    Visit, ("services", "ytd_allowed", "visit_allowed", "plan_of_care", "visits_this_period")
)


#: ``_with(v, ytd, amount, plan, done)``: ``v`` with the history's state filled
#: in (``ytd_allowed``, ``visit_allowed``, ``plan_of_care``, ``visits_this_period``;
#: every value already checked). Generated from the class's own field list, so
#: a field added to :class:`Visit` travels through history mode without an
#: edit here; one call, no list of values (once or twice per visit).
_with: Callable[[Visit, Decimal | None, Decimal | None, PlanOfCare | None, int | None], Visit] = (
    replacer(Visit, ("ytd_allowed", "visit_allowed", "plan_of_care", "visits_this_period"))
)


def _keep(f: Finding, written: bool, ytd: Decimal | None, v: Visit) -> bool:
    if f.rule == "poc.progress_report_due" and written:
        return False  # written at the visit it was due
    if f.rule == "kx.targeted_review" and ytd is not None:
        review = _targeted_review(v.date_of_service.year, v.discipline)
        return review is None or ytd <= review  # reported on the day that crosses it
    return True


@functools.lru_cache(maxsize=256)
def _targeted_review(year: int, discipline: Discipline) -> Decimal | None:
    # Cached: the bundled, read-only table, asked on every claim with the finding.
    found = kx_threshold(year, discipline)
    return found.targeted_review if found is not None else None


#: The rules :func:`_keep` may drop: any other finding is kept without asking.
_MAY_DROP = frozenset({"poc.progress_report_due", "kx.targeted_review"})


def _findings_of(findings: Sequence[Finding], own: set[str], n: int) -> list[Finding]:
    """The findings of the ``n``-th visit of a claim: those naming a code it lists or
    bills (``own``), and the claim-wide ones (no codes) on the first visit."""
    return [f for f in findings if (not own.isdisjoint(f.codes) if f.codes else n == 0)]


def _outcomes(
    v: Visit, billed: set[str], day: Mapping[str, ServiceOutcome]
) -> tuple[ServiceOutcome, ...]:
    """What became of each of ``v``'s services on a pooled day (``day``: the pooled
    claim's outcomes by code; ``billed``: the codes of the lines ``v`` bills)."""
    out: list[ServiceOutcome] = []
    for s in v.services:
        pooled = day.get(s.code)
        if pooled is None or not pooled.billed:
            reason = pooled.reason if pooled is not None else "not billed"
            out.append(_outcome(s.code, s.minutes, False, 0, reason))
        elif s.code in billed:
            out.append(_outcome(s.code, s.minutes, True, pooled.units, ""))
        else:
            out.append(_outcome(s.code, s.minutes, False, 0, _BILLED_ELSEWHERE))
    return tuple(out)


_BILLED_ELSEWHERE = "pooled with the same day's visits; billed on the visit with most minutes"
#: ``ServiceOutcome(code, minutes, billed, units, reason)`` from the input's and the
#: audit's own values (several per visit of a pooled day).
_outcome: Callable[[str, int | None, bool, int, str], ServiceOutcome] = maker(ServiceOutcome)


def _tally(
    p: _Patient,
    r: AuditReport,
    bucket: str,
    amount: Decimal | None,
    ytd: Decimal | None,
) -> None:
    v = r.visit
    year = v.date_of_service.year
    s = p.summaries.get(year) or p.summary(year)
    s.visits += 1
    units = 0
    for ln in r.lines:
        if _therapy(ln.code):
            units += ln.units
    s.units[bucket] = s.units.get(bucket, 0) + units
    if amount is not None:
        s.allowed[bucket] = s.allowed.get(bucket, _NONE) + amount
    kx = r.kx
    if kx is not None and kx.kx_required and bucket not in s.kx_visit:
        threshold = kx.threshold
        if threshold is not None and (ytd if ytd is not None else _NONE) <= threshold.amount:
            s.kx_visit[bucket] = v.visit_id or v.date_of_service.isoformat()
    s.seen.append(r.findings)


@functools.lru_cache(maxsize=2048)
def _therapy(code: str) -> bool:
    # Cached: the catalog is the bundled, read-only one; asked for every claim line.
    entry = get(code)
    return entry is not None and entry.therapy_list is not TherapyList.NONE


#: The run's ``(edits, options)``, read where each visit is audited; set around
#: each task, so it holds in a pool worker too.
_SETUP: ContextVar[tuple[Any, Any]] = ContextVar("ot_billing_history_setup", default=(None, None))


def _in_setup(setup: tuple[Any, Any], fn: Callable[..., _T], *args: Any) -> _T:
    token = _SETUP.set(setup)
    try:
        return fn(*args)
    finally:
        _SETUP.reset(token)


def _alone(index: int, v: Visit) -> AuditResult:
    """A visit without a patient: audited by itself, with a finding saying so."""
    report, error = _audit(v)
    if report is None:  # its own failure is its result, as for any other visit
        return AuditResult(index=index, error=error, visit_id=v.visit_id)
    findings = sort_findings([*report.findings, _no_patient()])
    report = attrs.evolve(report, findings=findings, status=AuditStatus.of(findings))
    return AuditResult(index=index, report=report, visit_id=v.visit_id)


# ---------------------------------------------------------------- the run


class _Collected:
    """Each patient's final state and summaries, as the walk finishes them.

    Apart from :class:`HistoryRun` so the walk (which calls :meth:`finish`)
    and the run do not reference each other: no cycle keeps an abandoned walk alive.
    """

    def __init__(self, saved: Mapping[str, PatientState]) -> None:
        # Patients of the saved state not seen in this run keep their state.
        self.patients: dict[str, PatientState] = dict(saved)
        self.summaries: list[PatientSummary] = []

    def finish(
        self, patient: str, state: PatientState | None, summaries: list[PatientSummary]
    ) -> None:
        # None: the patient's work was lost with its worker; their saved state stands.
        if state is not None:
            self.patients[patient] = state
        self.summaries.extend(summaries)


class HistoryRun:
    """The results of :func:`audit_history`: iterate for one
    :class:`~ot_billing_rules.AuditResult` per input, in input order.

    Once iterated to the end, :attr:`state` is the :class:`HistoryState` to
    continue from and :attr:`summaries` the :class:`PatientSummary` values.
    """

    def __init__(self, results: Iterator[AuditResult], collect: bool, tally: _Collected) -> None:
        self._results = results
        self._collect = collect
        self._started = False
        self._done = False
        self._tally = tally

    def __iter__(self) -> Iterator[AuditResult]:
        if self._started:
            raise HistoryOrderError(
                "a HistoryRun can be iterated once; call audit_history again", field="results"
            )
        self._started = True
        return self._drain()

    def _drain(self) -> Iterator[AuditResult]:
        try:
            for result in self._results:
                if result.error is not None and not self._collect:
                    raise result.error
                yield result
        finally:
            # Abandoned or failed: end the walk now (it gives back the collector).
            close = getattr(self._results, "close", None)
            if close is not None:
                close()
        self._done = True

    def _finished(self) -> None:
        if not self._done:
            raise HistoryOrderError(
                "the run is not finished: iterate over its results first (list(run))",
                field="state",
            )

    @property
    def state(self) -> HistoryState:
        """Every patient's state after the run (pass as ``state=`` to continue)."""
        self._finished()
        return HistoryState(dict(sorted(self._tally.patients.items())))

    @property
    def summaries(self) -> tuple[PatientSummary, ...]:
        """One :class:`PatientSummary` per patient and calendar year of this run."""
        self._finished()
        return tuple(sorted(self._tally.summaries, key=lambda s: (s.patient_id, s.year)))

    def to_records(self, *, level: str = "visit") -> Iterator[dict[str, Any]]:
        """Flat records: ``level="patient"`` gives one per patient-year
        (:data:`PATIENT_SCHEMA`, iterating the run to its end if needed); the
        other levels are :func:`~ot_billing_rules.to_records`'s, over the results
        (the run must not have been iterated yet)."""
        if level == "patient":
            if not self._started:
                for _ in self:
                    pass
            return (s.to_record() for s in self.summaries)
        return to_records(self, level=level)


def _coerce(item: object) -> Visit | Exception:
    if isinstance(item, (Visit, Exception)):
        return item
    if isinstance(item, Mapping):
        try:
            return Visit.from_dict(item)
        except Exception as exc:
            return exc
    return InvalidTypeError(
        f"audit_history takes Visit values or mappings, not {type(item).__name__} {item!r}",
        value=item,
        field="visits",
    )


def _openings(value: object) -> dict[str, dict[tuple[int, str], Decimal]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise HistoryInputError(
            "opening_balances must map patient_id to {(year, bucket): amount}, not "
            f"{type(value).__name__} {value!r}",
            value=value,
            field="opening_balances",
        )
    out: dict[str, dict[tuple[int, str], Decimal]] = {}
    for patient, balances in value.items():
        if not isinstance(balances, Mapping):
            raise HistoryInputError(
                f"opening_balances[{patient!r}] must map (year, bucket) to an amount, not "
                f"{balances!r}",
                value=balances,
                field="opening_balances",
            )
        row: dict[tuple[int, str], Decimal] = {}
        for key, amount in balances.items():
            if not isinstance(key, tuple) or len(key) != 2:
                raise HistoryInputError(
                    f"opening_balances[{patient!r}] key must be (year, bucket) such as "
                    f"(2024, 'OT'), not {key!r}",
                    value=key,
                    field="opening_balances",
                )
            row[kx_key(*key)] = coerce_money(amount, field="opening_balances")
        out[str(patient)] = row
    return out


def audit_history(
    visits: Iterable[Visit | Mapping[str, Any]],
    *,
    errors: ErrorMode | str = "raise",
    workers: int = 1,
    presorted: bool = False,
    opening_balances: Mapping[str, Mapping[tuple[int, str], Any]] | None = None,
    state: HistoryState | None = None,
    policies: Iterable[PayerPolicy] | None = None,
    progress: Progress = False,
    edits: EditData | None = None,
    options: AuditOptions | Mapping[str, Any] | None = None,
) -> HistoryRun:
    """Audit each visit with the state its patient's earlier visits imply.

    Returns a :class:`HistoryRun`: one :class:`~ot_billing_rules.AuditResult` per
    input, in input order, like :func:`~ot_billing_rules.audit_many`
    (``errors="raise"`` raises the first failed input's error when it is
    reached, ``"collect"`` returns it in the result). Visits carry
    ``patient_id``; one without it is audited alone, with a
    ``history.no_patient_id`` finding. If the input iterator itself raises,
    the results before it still come; then ``"raise"`` re-raises its error and
    ``"collect"`` ends with one result carrying it (``reader_failed=True``).

    - ``presorted=True``: the input is sorted by patient, then date; each
      patient is audited when their visits end, so memory holds one patient's
      visits. Input out of that order raises :class:`~ot_billing_rules.errors.HistoryOrderError`.
    - ``workers > 1``: patients are audited in a process pool (a patient's
      visits stay in one worker); results are identical to ``workers=1``.
    - ``opening_balances={patient_id: {(year, "OT" | "PT_SLP"): amount}}``: KX
      totals before the first visit; a visit's own ``ytd_allowed`` is refused.
    - ``state``: a :class:`HistoryState` from an earlier run (its
      :attr:`HistoryRun.state`); the run continues it, and equals auditing
      both runs' visits in one call when this run's visits are later.
    - ``policies``: the caller's own :class:`~ot_billing_rules.PayerPolicy`
      values, as in :func:`~ot_billing_rules.audit_visit`: a mapping visit's
      ``payer`` name is looked up in them first (before any worker sees it).
    - ``progress``: as in :func:`~ot_billing_rules.audit_many` (``True`` or a
      ``callback(done, total)``), counted as results come back.
    - ``edits``, ``options``: as in :func:`~ot_billing_rules.audit_visit`, for
      every visit (checked here; pickled with each task to the workers).

    The cyclic garbage collector: while the run is iterated, the results it
    holds for input order are frozen (``gc.freeze``) patient by patient, and
    with ``workers=1`` the collector is paused (``gc.disable``) while a
    patient's visits are audited; both are undone before control returns to
    the caller's loop (the pause) and when the run ends or is closed (the
    freeze). A program that froze objects itself, or turned the collector
    off, is left to manage it: the run then touches neither. Pool workers
    pause theirs while they audit a chunk of patients.
    """
    setup = (check_edits(edits), None if options is None else coerce_options(options))
    chosen = setup != (None, None)
    mode = coerce_enum(ErrorMode, errors, field="errors")
    shown = check_progress(progress)
    n_workers = require_int(workers, field="workers", minimum=1, maximum=1024)
    if not isinstance(presorted, bool):
        raise InvalidTypeError(
            f"presorted must be true or false, not {presorted!r}",
            value=presorted,
            field="presorted",
        )
    if state is not None and not isinstance(state, HistoryState):
        raise HistoryInputError(
            f"state must be a HistoryState (HistoryState.from_dict reads a saved one), not "
            f"{type(state).__name__}",
            value=state,
            field="state",
        )
    if not isinstance(visits, Iterable) or isinstance(visits, (str, bytes, Mapping)):
        raise InvalidTypeError(
            f"visits must be an iterable of visits, not {type(visits).__name__} {visits!r}",
            value=visits,
            field="visits",
        )
    opening = _openings(opening_balances)
    saved = dict(state.patients) if state is not None else {}
    for patient, balances in opening.items():
        both = sorted(set(balances) & set(saved[patient].kx)) if patient in saved else []
        if both:
            raise HistoryInputError(
                f"opening_balances[{patient!r}] gives {both[0]}, which the continued state "
                "already totals; give an opening balance only for a year the state has not seen",
                value=both[0],
                field="opening_balances",
            )
    collect = mode is ErrorMode.COLLECT
    tally = _Collected(saved)
    from ._history_run import run_patients

    items: Iterable[object] = visits
    if policies is not None:
        items = resolve_policies(items, policies)
    results = run_patients(
        map(_coerce, items),
        presorted=presorted,
        workers=n_workers,
        task=functools.partial(_in_setup, setup, _patient_run) if chosen else _patient_run,
        alone=functools.partial(_in_setup, setup, _alone) if chosen else _alone,
        saved=saved,
        opening=opening,
        finish=tally.finish,
    )
    return HistoryRun(track(results, shown, total_of(visits)), collect, tally)
