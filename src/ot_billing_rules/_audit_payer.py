"""The audit's payer-rules step: what the payer's record says about this claim.

:func:`payer_findings` reads ``PayerPolicy.terms`` (the one step that does)
and reports, for the claim lines as billed:

- ``payer.daily_cap``: units over a daily or per-visit cap, which lines the
  payer pays and which it does not, and why (claim order, highest value,
  claim denied, not medically necessary);
- ``payer.visit_limit``: this visit is past the period's visit limit
  (``Visit.visits_this_period`` counts the visits before it);
- ``payer.prior_auth``: the payer wants prior authorization;
- ``payer.age``: an age rule applies (EPSDT: under 21 a limit means prior
  authorization or medical-necessity review, never a denial), or the age
  needed to decide is missing;
- ``payer.modifier_required``: a modifier the payer requires is on no line;
- ``payer.edits_not_loaded``: a Medicaid policy without the Medicaid NCCI
  edit set (Medicare's rows are never used in its place);
- ``payer.edits_wrong_program``: the policy's edit set is the other NCCI
  program's (Medicare rows for a Medicaid payer, or the reverse); no NCCI
  edit is checked against it;
- ``payer.unknown``: the record's fields no source settles.

Every finding cites the record's first public source and names its evidence
grade (:meth:`Evidence.from_grade <ot_billing_rules.sources.Evidence.from_grade>`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from .catalog import Code
from .errors import InvalidTypeError, OTBillingError
from .findings import Finding, Severity
from .lines import ClaimLine
from .payer_terms import DailyCap, PayerTerms, VisitLimit
from .payers import PayerPolicy
from .sources import Evidence, cite
from .terms import UnitMethod
from .visit import Visit

__all__ = [
    "cap_excess",
    "edits_program_mismatch",
    "limit_start",
    "payer_findings",
    "period_first",
    "unit_method",
    "with_policies",
]

#: The NCCI program each record ``edit_set`` expects.
_PROGRAMS = {"medicare_ncci": "medicare", "medicaid_ncci": "medicaid"}


def edits_program_mismatch(policy: PayerPolicy) -> tuple[str, str] | None:
    """``(expected, loaded)`` programs when the policy's edit set is the other
    NCCI program's; ``None`` when they agree or either is not known.

    An edit set says its program in ``program`` (``EditSet`` does); a user's
    own edit data without one is taken as the caller means it.
    """
    if policy.terms is None or policy.edits is None:
        return None
    expected = _PROGRAMS.get(policy.terms.edit_set)
    loaded = getattr(policy.edits, "program", None)
    if expected is None or not isinstance(loaded, str) or loaded == expected:
        return None
    return expected, loaded


def _age(visit: Visit) -> int | None:
    born = visit.patient_birth_date
    if born is None:
        return None
    on = visit.date_of_service
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _source(policy: PayerPolicy, terms: PayerTerms) -> str:
    return terms.sources[0] if terms.sources else f"{cite('payer_policy')} {policy.name}"


def _grade(terms: PayerTerms) -> str:
    return f"evidence grade {terms.grade} ({Evidence.from_grade(terms.grade).value})"


def _epsdt(terms: PayerTerms, age: int | None) -> int | None:
    """The EPSDT age bound that applies at ``age`` (None: none applies)."""
    for rule in terms.age_rules or ():
        if age is not None and age < rule.under:
            return rule.under
    return None


def _counted(cap: DailyCap, line: ClaimLine, entries: Mapping[str, Code]) -> bool:
    if "all" in cap.codes:
        return True
    if "timed" in cap.codes:
        entry = entries.get(line.code)
        return entry is not None and entry.timed and entry.unit_minutes == 15
    return cap.counts(line.code)


def _show(items: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{code} x{units}" for code, units in items) or "none"


_EXCESS = {
    "paid_in_claim_order": "the payer pays the first units in the order the lines are listed on "
    "the claim (it does not sort them by amount)",
    "highest_value": "the payer pays the highest-valued units; the lines shown as paid are the "
    "first in claim order, so list the highest-valued first",
    "claim_denied": "the payer denies the whole claim (appealable)",
    "not_medically_necessary": "the units over the cap are not medically necessary for the payer",
    "unknown": "what the payer does with the units over the cap is not published",
}


def _allocate(
    cap: DailyCap, lines: Sequence[ClaimLine], entries: Mapping[str, Code]
) -> tuple[int, list[tuple[int, int, int]]]:
    """Units the cap counts, and ``(line index, units paid, units not paid)`` per
    counted line: the cap is filled in claim order."""
    split: list[tuple[int, int, int]] = []
    left = 0 if cap.excess == "claim_denied" else cap.max_units
    total = 0
    for i, ln in enumerate(lines):
        if not _counted(cap, ln, entries):
            continue
        total += ln.units
        take = min(left, ln.units)
        left -= take
        split.append((i, take, ln.units - take))
    return total, split


def cap_excess(
    policy: PayerPolicy, lines: Sequence[ClaimLine], entries: Mapping[str, Code]
) -> list[list[tuple[int, int]]]:
    """For each ``payer.daily_cap`` finding, in the order :func:`payer_findings`
    reports them: ``(line index, units not paid)`` of the lines over the cap."""
    out = []
    for cap in policy.terms.daily_caps or () if policy.terms is not None else ():
        total, split = _allocate(cap, lines, entries)
        if total > cap.max_units:
            out.append([(i, left) for i, _, left in split if left])
    return out


def _caps(
    visit: Visit, terms: PayerTerms, lines: Sequence[ClaimLine], entries: Mapping[str, Code]
) -> list[Finding]:
    out = []
    policy = visit.payer
    age = _age(visit)
    epsdt = _epsdt(terms, age)
    for cap in terms.daily_caps or ():
        total, split = _allocate(cap, lines, entries)
        if total <= cap.max_units:
            continue
        paid = [(lines[i].code, take) for i, take, _ in split if take]
        unpaid = [(lines[i].code, left) for i, _, left in split if left]
        scope = {
            "visit": "a visit",
            "day": "a date of service",
            "discipline": f"a date of service for {visit.discipline.value}",
            "provider": "a date of service per provider"
            + (
                f" ({visit.billing_provider})"
                if visit.billing_provider
                else " (billing_provider not given: counted for this visit)"
            ),
        }[cap.per]
        message = (
            f"{policy.name} pays at most {cap.max_units} units {scope}; this claim bills "
            f"{total}. Paid: {_show(paid)}; not paid: {_show(unpaid)} — {_EXCESS[cap.excess]} "
            f"({_grade(terms)})."
        )
        severity = Severity.ERROR
        suggestion = "Bill within the cap, or document why the payer's exception applies."
        if epsdt is not None:
            severity = Severity.WARNING
            suggestion = (
                f"The patient is under {epsdt}: EPSDT turns the cap into prior authorization or "
                "medical-necessity review; document medical necessity."
            )
        out.append(
            Finding(
                "payer.daily_cap",
                severity,
                tuple(dict.fromkeys(code for code, _ in unpaid)),
                message,
                suggestion,
                _source(policy, terms),
            )
        )
    return out


def period_first(on: date, start: str) -> date:
    """The first day of the limit period (``start`` is ``"MM-DD"``) holding ``on``."""
    month, day = (int(x) for x in start.split("-"))
    year = on.year if (on.month, on.day) >= (month, day) else on.year - 1
    # A 02-29 start falls back to 02-28 in years without one.
    return date(year, month, min(day, 28 if month == 2 and not _leap(year) else day))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def limit_start(visit: Visit, lim: VisitLimit) -> tuple[str, bool]:
    """The limit period's first day as ``"MM-DD"``, and whether it was assumed.

    A benefit year starts on the member's plan year (``Visit.plan_year_start``);
    without it the record's ``period_start`` is assumed. Calendar and fiscal
    years start where the record says.
    """
    if lim.period != "benefit_year":
        return lim.period_start, False
    if visit.plan_year_start is None:
        return lim.period_start, True
    return visit.plan_year_start.strftime("%m-%d"), False


def _period(on: date, start: str) -> str:
    return f"the period starting {period_first(on, start).isoformat()}"


def _limits(visit: Visit, terms: PayerTerms) -> list[Finding]:
    out = []
    policy = visit.payer
    age = _age(visit)
    epsdt = _epsdt(terms, age)
    for lim in terms.visit_limits or ():
        if lim.min_age is not None:
            if age is None:
                out.append(
                    Finding(
                        "payer.age",
                        Severity.INFO,
                        (),
                        f"{policy.name} limits visits to {lim.max_visits} a {lim.period} from "
                        f"age {lim.min_age}; the patient's birth date is not given, so the limit "
                        "was not checked.",
                        "Give patient_birth_date.",
                        _source(policy, terms),
                    )
                )
                continue
            if age < lim.min_age:
                continue
        if visit.visits_this_period is None:
            continue
        nth = visit.visits_this_period + 1
        if nth <= lim.max_visits:
            continue
        scope = "for " + visit.discipline.value if lim.scope == "per_discipline" else "combined"
        under = lim.beyond == "prior_auth" or epsdt is not None
        start, assumed = limit_start(visit, lim)
        guess = (
            f"; plan_year_start not given, so the benefit year is taken to start {start}"
            if assumed
            else ""
        )
        out.append(
            Finding(
                "payer.visit_limit",
                Severity.WARNING if under else Severity.ERROR,
                (),
                f"This is visit {nth} in {_period(visit.date_of_service, start)} "
                f"({lim.period.replace('_', ' ')}{guess}); {policy.name} allows {lim.max_visits} "
                f"({scope}){' without prior authorization' if lim.beyond == 'prior_auth' else ''}"
                f" ({_grade(terms)}).",
                "Obtain prior authorization."
                if under
                else "The visit is over the payer's limit: it will be denied.",
                _source(policy, terms),
            )
        )
    return out


def _prior_auth(visit: Visit, terms: PayerTerms) -> list[Finding]:
    out = []
    age = _age(visit)
    for pa in terms.prior_auth or ():
        if not pa.applies(age):
            if age is None:
                out.append(
                    Finding(
                        "payer.age",
                        Severity.INFO,
                        (),
                        f"{visit.payer.name} has an age-dependent prior-authorization rule "
                        f"({pa.note}); the patient's birth date is not given.",
                        "Give patient_birth_date.",
                        _source(visit.payer, terms),
                    )
                )
            continue
        done = visit.visits_this_period
        if pa.after_visits and (done is None or done < pa.after_visits):
            continue
        out.append(
            Finding(
                "payer.prior_auth",
                Severity.INFO,
                (),
                f"{visit.payer.name}: {pa.note} ({_grade(terms)}).",
                "Check that the authorization covers this date of service.",
                _source(visit.payer, terms),
            )
        )
    return out


def _ages(visit: Visit, terms: PayerTerms) -> list[Finding]:
    age = _age(visit)
    bound = _epsdt(terms, age)
    if bound is None:
        return []
    note = next(r.note for r in terms.age_rules or () if r.under == bound)
    return [
        Finding(
            "payer.age",
            Severity.INFO,
            (),
            f"The patient is {age}, under {bound}: {note}.",
            "Document medical necessity; request authorization rather than accept a cap.",
            cite("epsdt"),
        )
    ]


def _modifiers(visit: Visit, terms: PayerTerms, lines: Sequence[ClaimLine]) -> list[Finding]:
    out = []
    age = _age(visit)
    for req in terms.required_modifiers or ():
        if req.max_age is not None and age is not None and age > req.max_age:
            continue
        if not lines or any(req.modifier in ln.modifiers for ln in lines):
            continue
        who = f" for patients {req.max_age} and under" if req.max_age is not None else ""
        out.append(
            Finding(
                "payer.modifier_required",
                Severity.WARNING,
                tuple(dict.fromkeys(ln.code for ln in lines)),
                f"{visit.payer.name} requires {req.modifier} on {req.when}{who}; no line "
                f"carries it ({_grade(terms)}).",
                f"Add {req.modifier} to the therapy lines if the therapy is {req.when}.",
                _source(visit.payer, terms),
            )
        )
    return out


def _edits(policy: PayerPolicy, terms: PayerTerms) -> list[Finding]:
    wrong = edits_program_mismatch(policy) if policy.ncci_edits else None
    if wrong is not None:
        expected, loaded = wrong
        release = policy.edits.release if policy.edits is not None else "unknown"
        return [
            Finding(
                "payer.edits_wrong_program",
                Severity.WARNING,
                (),
                f"{policy.name} uses the {expected.capitalize()} NCCI edits, but the edit set "
                f"given is {loaded.capitalize()} NCCI (release {release}); the "
                "programs' PTP and MUE rows differ, so no NCCI edit was checked.",
                f"Load the {expected.capitalize()} NCCI files (EditSet.from_cms_files) and pass "
                "them as PayerPolicy(edits=...).",
                cite("medicaid_ncci"),
            )
        ]
    if terms.edit_set != "medicaid_ncci" or (policy.ncci_edits and policy.edits is not None):
        return []
    return [
        Finding(
            "payer.edits_not_loaded",
            Severity.WARNING,
            (),
            f"{policy.name} uses the Medicaid NCCI edits, which are not loaded; the Medicare NCCI "
            "rows differ and are not used in their place, so no PTP or MUE edit was checked.",
            "Load the state's Medicaid NCCI files and pass them as PayerPolicy(edits=..., "
            "ncci_edits=True).",
            cite("medicaid_ncci"),
        )
    ]


def _unknown(policy: PayerPolicy, terms: PayerTerms) -> list[Finding]:
    fields = terms.unknown_fields()
    if not fields:
        return []
    return [
        Finding(
            "payer.unknown",
            Severity.INFO,
            (),
            f"{policy.name}'s record does not settle: {', '.join(fields)}; nothing is assumed "
            "for them.",
            "Check the payer's contract or policy for these.",
            _source(policy, terms),
        )
    ]


def unit_method(
    visit: Visit,
    flag: UnitMethod,
    minutes: Mapping[str, int | None],
    assistant: Mapping[str, int] | None,
) -> tuple[UnitMethod, Finding | None]:
    """The unit method to bill: ``flag``, unless the payer's record says the
    method is unknown — then both are computed and the one giving fewer units
    is billed (an over-billed unit is a denial or a refund; an under-billed
    one is not), with a ``payer.unit_method_unknown`` finding saying why."""
    terms = visit.payer.terms
    if terms is None or terms.unit_method != "unknown" or not any(minutes.values()):
        return flag, None
    from .units import compute_units

    totals: dict[UnitMethod, int] = {}
    try:
        for method in (UnitMethod.CMS, UnitMethod.AMA):
            alloc = compute_units(
                minutes,
                method=method,
                on=visit.date_of_service,
                assistant_minutes=assistant,
                discipline=visit.discipline.value,
            )
            totals[method] = sum(line.units for line in alloc.lines)
    except OTBillingError:
        # The bill itself reports the bad input; the policy's method stands.
        return flag, None
    other = UnitMethod.AMA if flag is UnitMethod.CMS else UnitMethod.CMS
    chosen = other if totals[other] < totals[flag] else flag
    message = (
        f"{visit.payer.name} does not publish how it counts timed minutes: the CMS total-time "
        f"rule gives {totals[UnitMethod.CMS]} units, the CPT per-code rule "
        f"{totals[UnitMethod.AMA]}; "
        + (
            "both give the same."
            if totals[other] == totals[flag]
            else f"the audit bills the lower ({chosen.value})."
        )
    )
    return chosen, Finding(
        "payer.unit_method_unknown",
        Severity.INFO,
        (),
        message,
        "Ask the payer which rule it applies; until then the lower count is the safe one.",
        _source(visit.payer, terms),
    )


def prices_from_contract(policy: PayerPolicy) -> bool:
    """Whether ``policy`` is priced from its record's contracted rates (not as Medicare)."""
    terms = policy.terms
    return not policy.medicare_pricing and terms is not None and terms.rates is not None


def payer_findings(
    visit: Visit, terms: PayerTerms, lines: Sequence[ClaimLine], entries: Mapping[str, Code]
) -> list[Finding]:
    """Every finding the payer's record ``terms`` gives for ``visit`` billed as ``lines``."""
    if not (
        terms.daily_caps
        or terms.visit_limits
        or terms.prior_auth
        or terms.age_rules
        or terms.required_modifiers
    ):
        # Medicare's record and most others: no per-visit limit to check.
        return [*_edits(visit.payer, terms), *_unknown(visit.payer, terms)]
    return [
        *_caps(visit, terms, lines, entries),
        *_limits(visit, terms),
        *_prior_auth(visit, terms),
        *_ages(visit, terms),
        *_modifiers(visit, terms, lines),
        *_edits(visit.payer, terms),
        *_unknown(visit.payer, terms),
    ]


def with_policies(
    visit: Visit | Mapping[str, Any], policies: Iterable[PayerPolicy]
) -> Visit | Mapping[str, Any]:
    """Resolve a visit's ``payer`` name in the caller's own ``policies`` first.

    ``policies`` may hold several versions of one id: the one in force on the
    date (and in the visit's state) is chosen. Nothing is registered globally.
    """
    if isinstance(policies, (str, bytes, Mapping, PayerPolicy)) or not isinstance(
        policies, Iterable
    ):
        raise InvalidTypeError(
            f"policies must be a list of PayerPolicy, not {type(policies).__name__}",
            value=policies,
            field="policies",
        )
    policies = list(policies)
    for i, p in enumerate(policies):
        if not isinstance(p, PayerPolicy):
            raise InvalidTypeError(
                f"policies[{i}] must be a PayerPolicy (PayerPolicy.from_file reads one), "
                f"not {type(p).__name__} {p!r}",
                value=p,
                field="policies",
            )
    if isinstance(visit, Visit) or not isinstance(visit, Mapping):
        return visit
    name = visit.get("payer")
    if not isinstance(name, str):
        return visit
    key = name.strip().lower()
    mine = [p for p in policies if key in (p.id.lower(), p.name.lower())]
    if not mine:
        return visit
    on = Visit.from_dict({**visit, "payer": "medicare"}).date_of_service
    state = visit.get("state")
    hits = [
        p
        for p in mine
        if p.terms is None
        or p.terms.in_force(on, state.upper() if isinstance(state, str) else None)
    ]
    chosen = max(hits or mine, key=lambda p: p.terms is not None and p.terms.state is not None)
    return {**visit, "payer": chosen}
