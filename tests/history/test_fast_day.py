"""A day with one visit of the patient takes its own path (``_prepare_one``,
``_finish_one``), not the pooled ``_day``.

That path merges the day's steps for the common case (no same-day group,
no merge finding, no joint pricing); a patient's one-visit days whose amounts
are known before the audit are prepared first and audited together
(``history._BATCH``). Every test here runs the same visits
twice — the fast path, and every day forced through ``_day``
(``history._ONE_VISIT_FAST = False``) — and compares every result, the final
state and the summaries with ``==``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.history.test_history_fast_paths import _priced_year
from tests.history.test_history_properties import TIGHT

import ot_billing_rules as ob
from ot_billing_rules import history
from ot_billing_rules._history_synthetic import synthetic_year
from ot_billing_rules.visit import Visit

_DAY0 = date(2024, 12, 10)


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Histories that reach every branch of a one-visit day: KX and no-KX payers,
    priced and unpriced, amounts given or left to the history, evaluations inside
    an episode, progress reports, a visit limit, and some pooled days."""
    n = draw(st.integers(1, 16))
    out: list[dict[str, Any]] = []
    for i in range(n):
        day = _DAY0 + timedelta(days=draw(st.integers(0, 40)))
        codes = draw(
            st.sets(st.sampled_from(["97530", "97110", "97535", "97166", "97168"]), min_size=1)
        )
        visit: dict[str, Any] = {
            "patient_id": draw(st.sampled_from(["p1", "p2"])),
            "visit_id": f"v{i:02d}",
            "date_of_service": day.isoformat(),
            "discipline": draw(st.sampled_from(["OT", "OT", "PT", "SLP"])),
            "services": [
                {"code": c, "minutes": draw(st.integers(1, 40))}
                if c.startswith("975") or c == "97110"
                else {"code": c}
                for c in sorted(codes)
            ],
        }
        if draw(st.booleans()):
            visit["billing_provider"] = draw(st.sampled_from(["111", "222"]))
        if draw(st.booleans()):
            visit["visit_allowed"] = f"{draw(st.integers(0, 2500))}.00"
        if draw(st.booleans()):
            visit["locality"] = "10112-00"
        if draw(st.integers(0, 3)) == 0:
            visit["progress_report"] = True
        payer = draw(st.sampled_from(["medicare", "medicare", "commercial", "tight"]))
        if payer == "tight":
            visit.update(payer="tight", state="IL", patient_birth_date="1995-01-01")
        else:
            visit["payer"] = payer
        if i == 0 or draw(st.integers(0, 5)) == 0:
            visit["plan_of_care"] = {"first_treatment": (day - timedelta(days=3)).isoformat()}
        out.append(visit)
    return out


def _run(visits: list[Any], fast: bool, batch: bool = True, **kwargs: Any) -> tuple[Any, ...]:
    saved = history._ONE_VISIT_FAST, history._BATCH
    history._ONE_VISIT_FAST, history._BATCH = fast, batch
    try:
        run = ob.audit_history(visits, errors="collect", policies=[TIGHT], **kwargs)
        results = list(run)
        return results, run.state.to_dict(), run.summaries
    finally:
        history._ONE_VISIT_FAST, history._BATCH = saved


def _evolved(
    first: Visit, services: Any, ytd: Any, amount: Any, plan: Any, done: int | None
) -> Visit:
    # The path _pooled_visit replaced: every converter and check of the class.
    return attrs.evolve(
        first,
        services=services,
        ytd_allowed=ytd,
        visit_allowed=amount,
        plan_of_care=plan,
        visits_this_period=done,
    )


def _same(fast: tuple[Any, ...], pooled: tuple[Any, ...]) -> None:
    assert len(fast[0]) == len(pooled[0])
    for a, b in zip(fast[0], pooled[0], strict=True):
        assert a.index == b.index
        assert a.visit_id == b.visit_id
        assert (a.error is None) == (b.error is None)
        if a.error is not None:
            assert type(a.error) is type(b.error)
            assert str(a.error) == str(b.error)
            continue
        assert a == b
        assert a.report.to_dict() == b.report.to_dict()
    assert fast[1] == pooled[1]
    assert fast[2] == pooled[2]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_one_visit_day_equals_the_pooled_path(visits: list[dict[str, Any]]) -> None:
    _same(_run(visits, True), _run(visits, False))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_batched_one_visit_days_equal_one_day_at_a_time(visits: list[dict[str, Any]]) -> None:
    # history._BATCH = False: each one-visit day audited right after its state steps.
    _same(_run(visits, True, batch=True), _run(visits, True, batch=False))


def test_one_visit_days_with_known_amounts_are_audited_after_every_state_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []
    prepare, audit = history._prepare_one, history._audit
    # The visits as the one-visit days hand them to the audit (a pooled day's
    # claim goes through _audit too, and is not what this test watches).
    one_visit_days: list[Visit] = []

    def prepared(*args: Any) -> Any:
        events.append("prepare")
        out = prepare(*args)
        one_visit_days.append(out[2])
        return out

    def audited(v: Visit) -> Any:
        if any(v is w for w in one_visit_days):
            events.append("audit")
        return audit(v)

    monkeypatch.setattr(history, "_prepare_one", prepared)
    monkeypatch.setattr(history, "_audit", audited)
    one = [Visit.from_dict(v) for v in synthetic_year(3) if v["patient_id"] == "P00000"]
    _, _, summaries = _run(one, True)
    assert summaries
    days = events.count("prepare")
    assert days > 10
    # Every visit carries visit_allowed: KX accrues before the audits, which come last.
    assert events == ["prepare"] * days + ["audit"] * days


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_pooled_visit_equals_attrs_evolve(visits: list[dict[str, Any]]) -> None:
    fast = _run(visits, True)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(history, "_pooled_visit", _evolved)
        _same(fast, _run(visits, True))


def test_pooled_minutes_past_a_day_fail_as_with_attrs_evolve() -> None:
    day = [
        {
            "patient_id": "p",
            "visit_id": x,
            "date_of_service": "2024-03-04",
            "services": [{"code": "97530", "minutes": 700}, {"code": "97110", "minutes": 100}],
        }
        for x in "ab"
    ]
    fast = _run(day, True)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(history, "_pooled_visit", _evolved)
        _same(fast, _run(day, True))
    assert [type(r.error).__name__ for r in fast[0]] == ["InvalidMinutesError"] * 2
    assert "1600" in str(fast[0][0].error)


@pytest.mark.parametrize("year", ["synthetic", "priced"])
def test_synthetic_years_equal_the_pooled_path(year: str) -> None:
    raw = synthetic_year(25) if year == "synthetic" else _priced_year(10)
    visits = [Visit.from_dict(v) for v in raw]
    _same(_run(visits, True), _run(visits, False))
    ordered = sorted(visits, key=lambda v: (v.patient_id or "", v.date_of_service))
    _same(_run(ordered, True, presorted=True), _run(ordered, False, presorted=True))


def test_a_new_evaluation_on_a_one_visit_day_keeps_its_finding() -> None:
    # The one-visit day that adds a finding (poc.new_evaluation_in_episode)
    # leaves the fast path's short cut for the full report.
    visits = [
        {
            "patient_id": "p",
            "visit_id": "a",
            "date_of_service": "2024-03-04",
            "services": [{"code": "97166"}],
            "plan_of_care": {"first_treatment": "2024-03-04"},
        },
        {
            "patient_id": "p",
            "visit_id": "b",
            "date_of_service": "2024-03-11",
            "services": [{"code": "97166"}, {"code": "97530", "minutes": 30}],
        },
    ]
    fast = _run(visits, True)
    _same(fast, _run(visits, False))
    rules = [f.rule for f in fast[0][1].report.findings]
    assert "poc.new_evaluation_in_episode" in rules


def test_one_visit_days_skip_the_pooled_day(monkeypatch: pytest.MonkeyPatch) -> None:
    pooled: list[int] = []
    real = history._day

    def counted(p: Any, day: Any) -> Any:
        pooled.append(len(day))
        return real(p, day)

    monkeypatch.setattr(history, "_day", counted)
    visits = [Visit.from_dict(v) for v in synthetic_year(10)]
    assert len(list(ob.audit_history(visits, errors="collect"))) == len(visits)
    # Only the split days (two sessions) are pooled; every other day is one visit.
    assert pooled
    assert set(pooled) == {2}
