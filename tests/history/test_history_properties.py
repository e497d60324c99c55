"""Hypothesis: audit_history's invariants on small random histories around a year boundary."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import HistoryState, audit_history
from ot_billing_rules.payer_terms import VisitLimit
from ot_billing_rules.payers import payer_policy

_DAY0 = date(2024, 12, 20)
_IL = payer_policy("medicaid-il", on=_DAY0, state="IL")
assert _IL.terms is not None
#: A user policy (passed as policies=) whose visit limit a short history reaches.
TIGHT = attrs.evolve(
    _IL,
    name="tight",
    terms=attrs.evolve(
        _IL.terms,
        id="tight",
        effective=None,
        until=None,
        visit_limits=(VisitLimit(2, "calendar_year", "01-01", "combined", "denied"),),
    ),
)


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 14))
    out: list[dict[str, Any]] = []
    for i in range(n):
        day = _DAY0 + timedelta(days=draw(st.integers(0, 25)))
        visit: dict[str, Any] = {
            "patient_id": draw(st.sampled_from(["p1", "p2", "p3"])),
            "visit_id": f"v{i:02d}",
            "date_of_service": day.isoformat(),
            "discipline": draw(st.sampled_from(["OT", "OT", "PT"])),
            "billing_provider": draw(st.sampled_from(["111", "222"])),
            "visit_allowed": f"{draw(st.integers(0, 1500))}.00",
            "services": [
                {"code": c, "minutes": draw(st.integers(1, 40))}
                for c in draw(st.sets(st.sampled_from(["97530", "97110", "97535"]), min_size=1))
            ],
        }
        if draw(st.booleans()):
            visit["progress_report"] = True
        if draw(st.integers(0, 3)) == 0:
            # A 2-visit calendar-year limit: reached, and restarted at the year boundary.
            visit.update(payer="tight", state="IL", patient_birth_date="1995-01-01")
        if i == 0:
            visit["plan_of_care"] = {"first_treatment": _DAY0.isoformat()}
        out.append(visit)
    return out


def _by_id(visits: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {r.visit_id: r.report.to_dict() for r in audit_history(visits, policies=[TIGHT], **kw)}


@settings(max_examples=60, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_shuffling_changes_no_result_and_every_input_gets_one(
    visits: list[dict[str, Any]], rng: Any
) -> None:
    results = list(audit_history(visits, errors="collect", policies=[TIGHT]))
    assert [r.index for r in results] == list(range(len(visits)))
    shuffled = list(visits)
    rng.shuffle(shuffled)
    assert _by_id(shuffled) == _by_id(visits)


def _kx(report: dict[str, Any]) -> Any:
    return (report["kx"], [("KX" in ln["modifiers"]) for ln in report["lines"]])


@settings(max_examples=60, deadline=None)
@given(histories())
def test_splitting_at_the_year_boundary_changes_no_kx_result(visits: list[dict[str, Any]]) -> None:
    whole = _by_id(visits)
    later = [v for v in visits if v["date_of_service"] >= "2025-01-01"]
    alone = _by_id(later)
    for v in later:
        assert _kx(alone[v["visit_id"]]) == _kx(whole[v["visit_id"]])


@settings(max_examples=60, deadline=None)
@given(histories(), st.integers(0, 25))
def test_resuming_from_a_saved_state_equals_one_call(
    visits: list[dict[str, Any]], cut: int
) -> None:
    edge = (_DAY0 + timedelta(days=cut)).isoformat()
    first = [v for v in visits if v["date_of_service"] < edge]
    rest = [v for v in visits if v["date_of_service"] >= edge]
    run = audit_history(first, policies=[TIGHT])
    got = {r.visit_id: r.report.to_dict() for r in run}
    saved = HistoryState.from_dict(json.loads(json.dumps(run.state.to_dict())))
    got.update(_by_id(rest, state=saved))
    assert got == _by_id(visits)


@settings(max_examples=60, deadline=None)
@given(histories())
def test_summaries_count_what_the_results_show(visits: list[dict[str, Any]]) -> None:
    # The summaries are tallied as the run goes; counted again here from the
    # results themselves, per patient and calendar year.
    run = audit_history(visits, errors="collect", policies=[TIGHT])
    results = list(run)
    by_id = {v["visit_id"]: v for v in visits}
    expected: dict[tuple[str, int], dict[str, Any]] = {}
    for r in results:
        if r.report is None:
            continue
        v = by_id[r.visit_id]
        key = (v["patient_id"], int(v["date_of_service"][:4]))
        row = expected.setdefault(key, {"visits": 0, "rules": {}, "written": 0})
        row["visits"] += 1
        row["written"] += bool(v.get("progress_report"))
        for f in r.report.findings:
            row["rules"][f.rule] = row["rules"].get(f.rule, 0) + 1
    got = {(s.patient_id, s.year): s for s in run.summaries}
    assert set(got) == set(expected)
    for key, row in expected.items():
        s = got[key]
        assert s.visits == row["visits"]
        assert dict(s.findings) == row["rules"]
        assert s.progress_reports_due == row["rules"].get("poc.progress_report_due", 0)
        assert s.progress_reports_written <= row["written"]
