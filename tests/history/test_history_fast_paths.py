"""The history's fast paths give exactly what the checked paths they replace give.

``audit_history`` builds the visits and reports it shows through the classes'
makers and replacers (no converters: values the history already checked),
groups a one-visit day without pooling and takes it through its own path,
caches the targeted-review threshold and asks ``_keep`` only about the rules
it may drop. Each test runs a synthetic year
both ways — the fast paths, and the paths they replaced patched back in
(field-by-field building, ``attrs.evolve`` of the report, plan and pooled
visit, the report's own constructor, the grouping dict, the pooled path for
every day, an uncached threshold, ``_keep`` for every finding, the findings and
outcomes of a pooled day through their constructors, the owner of each pooled line
asked code by code, the pooled visit's own checks) — and compares every
result, the final state and the summaries with ``==``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import pytest

import ot_billing_rules as ob
from ot_billing_rules import history
from ot_billing_rules._history_synthetic import synthetic_year
from ot_billing_rules.audit import AuditReport, AuditStatus, ServiceOutcome
from ot_billing_rules.findings import Finding
from ot_billing_rules.plan_of_care import PlanOfCare
from ot_billing_rules.thresholds import kx_threshold
from ot_billing_rules.visit import Visit


def _checked_with(v: Visit, ytd: Any, amount: Any, plan: Any, done: int | None = None) -> Visit:
    # The path the replacer replaced, with every converter and check: the
    # history's amounts must already be what the converters make of them (an
    # opening total of zero shows as 0.00, as audit_visit shows a given 0).
    return attrs.evolve(
        v, ytd_allowed=ytd, visit_allowed=amount, plan_of_care=plan, visits_this_period=done
    )


def _dict_groups(day: Sequence[tuple[int, Visit]]) -> list[list[tuple[int, Visit]]]:
    groups: dict[tuple[str, str, str], list[tuple[int, Visit]]] = {}
    for item in day:
        v = item[1]
        key = (v.discipline.value, v.payer.name, v.billing_provider or "")
        groups.setdefault(key, []).append(item)
    return list(groups.values())


def _evolved(report: AuditReport, visit: Visit | None, findings: list[Finding]) -> AuditReport:
    changes: dict[str, Any] = {}
    if visit is not None:
        changes["visit"] = visit
    if len(findings) != len(report.findings):
        changes.update(findings=tuple(findings), status=AuditStatus.of(findings))
    return attrs.evolve(report, **changes)


def _checked_split(
    report: AuditReport,
    visit: Visit,
    lines: Any,
    findings: Any,
    services: Any,
    status: AuditStatus,
    pricing: Any,
    risk: Any,
    contract: Any,
) -> AuditReport:
    # The path the replacer replaced: every field by name, through the converters.
    return AuditReport(
        visit=visit,
        lines=tuple(lines),
        allocation=report.allocation,
        kx=report.kx,
        findings=tuple(findings),
        services=services,
        status=status,
        pricing=pricing,
        amount_at_risk=risk,
        options=report.options,
        tables=report.tables,
        contract_pricing=contract,
    )


def _checked_counted(plan: PlanOfCare, days: int, last: Any) -> PlanOfCare:
    # With the class's validators (a report date inside the plan's dates).
    return attrs.evolve(plan, treatment_days_since_report=days, last_progress_report_on=last)


def _checked_pooled_visit(first: Visit, *values: Any) -> Visit:
    # With every converter (amounts the history summed must already be in cents)
    # and every one of the class's own checks, not the day's minutes alone.
    names = ("services", "ytd_allowed", "visit_allowed", "plan_of_care", "visits_this_period")
    return attrs.evolve(first, **dict(zip(names, values, strict=True)))


def _checked_owners(lines: Any, group: Sequence[Visit]) -> dict[str, int]:
    # Code by code, as before the per-visit minute tables: each visit's minutes of
    # the code and of the primary codes it is an add-on to (a service without
    # minutes counts one); ties go to the earlier visit.
    out = {}
    for ln in lines:
        codes = {ln.code, *(ob.get(ln.code).add_on_to if ob.get(ln.code) else ())}
        best, best_minutes = 0, -1
        for n, v in enumerate(group):
            m = sum((s.minutes or 0) + 1 for s in v.services if s.code in codes)
            if m > best_minutes:
                best, best_minutes = n, m
        out[ln.code] = best
    return out


def _uncached_review(year: int, discipline: Any) -> Any:
    found = kx_threshold(year, discipline)
    return found.targeted_review if found is not None else None


class _Every:
    def __contains__(self, rule: object) -> bool:
        return True


def _checked_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "_with", _checked_with)
    monkeypatch.setattr(history, "_groups", _dict_groups)
    monkeypatch.setattr(history, "_trimmed", _evolved)
    monkeypatch.setattr(history, "_targeted_review", _uncached_review)
    monkeypatch.setattr(history, "_MAY_DROP", _Every())
    monkeypatch.setattr(history, "_split", _checked_split)
    monkeypatch.setattr(history, "_counted", _checked_counted)
    monkeypatch.setattr(history, "_pooled_visit", _checked_pooled_visit)
    monkeypatch.setattr(history, "_owners", _checked_owners)
    monkeypatch.setattr(history, "_finding", Finding)
    monkeypatch.setattr(history, "_outcome", ServiceOutcome)
    monkeypatch.setattr(history, "_ONE_VISIT_FAST", False)


def _priced_year(patients: int) -> list[dict[str, Any]]:
    # Priced (a locality), amounts left to the history on two visits in three,
    # some PT: the day's joint pricing and the re-audit with the day's total run.
    out = []
    for n, raw in enumerate(synthetic_year(patients)):
        v = dict(raw, locality="10112-00")
        if n % 3:
            v.pop("visit_allowed", None)
        if n % 7 == 0:
            v["discipline"] = "PT"
        out.append(v)
    return out


def _run(visits: list[Visit], **kwargs: Any) -> tuple[Any, ...]:
    run = ob.audit_history(visits, errors="collect", **kwargs)
    results = list(run)
    return results, run.state.to_dict(), run.summaries


@pytest.mark.parametrize("year", ["synthetic", "priced"])
@pytest.mark.parametrize("presorted", [False, True])
def test_fast_paths_equal_checked_paths(
    monkeypatch: pytest.MonkeyPatch, year: str, presorted: bool
) -> None:
    raw = synthetic_year(30) if year == "synthetic" else _priced_year(12)
    visits = [Visit.from_dict(v) for v in raw]
    if presorted:
        visits.sort(key=lambda v: (v.patient_id or "", v.date_of_service))
    fast = _run(visits, presorted=presorted)
    with monkeypatch.context() as m:
        _checked_paths(m)
        checked = _run(visits, presorted=presorted)
    assert len(fast[0]) == len(checked[0]) == len(visits)
    for a, b in zip(fast[0], checked[0], strict=True):
        assert a == b
        assert a.report is not None
        assert b.report is not None
        assert type(a.report.findings) is type(b.report.findings)
        assert a.report.to_dict() == b.report.to_dict()
    assert fast[1] == checked[1]
    assert fast[2] == checked[2]
    # The run exercised what the fast paths skip: pooled days, trimmed reports.
    rules = {f.rule for r in fast[0] if r.report is not None for f in r.report.findings}
    assert "history.same_day_merged" in rules


def test_continued_state_equal_checked_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    visits = [Visit.from_dict(v) for v in synthetic_year(20)]
    first = [v for v in visits if v.date_of_service.month <= 6]
    rest = [v for v in visits if v.date_of_service.month > 6]

    def both() -> tuple[Any, ...]:
        run = ob.audit_history(first, errors="collect")
        a = list(run)
        later = ob.audit_history(rest, errors="collect", state=run.state)
        return a, list(later), later.state.to_dict(), later.summaries

    fast = both()
    with monkeypatch.context() as m:
        _checked_paths(m)
        checked = both()
    assert fast == checked
