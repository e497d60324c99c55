"""audit_history: KX across visits, progress reports, same-day pooling, state, order."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import HistoryState, audit_history, audit_visit
from ot_billing_rules._history_synthetic import synthetic_year
from ot_billing_rules.errors import HistoryInputError, HistoryOrderError, InvalidInputError


def _v(pid: str | None, vid: str, day: str, *services: tuple[str, int], **extra: Any) -> dict:
    out: dict[str, Any] = {
        "visit_id": vid,
        "date_of_service": day,
        "services": [{"code": c, "minutes": m} for c, m in services],
        **extra,
    }
    if pid is not None:
        out["patient_id"] = pid
    return out


def _key(results: list[Any]) -> list[Any]:
    return [
        (r.index, r.visit_id, None if r.report is None else r.report.to_dict(), repr(r.error))
        for r in results
    ]


def _rules(r: Any) -> list[str]:
    return [f.rule for f in r.report.findings]


def test_two_ten_minute_sessions_bill_one_unit() -> None:
    # Alone each 10-minute session bills 1 unit (8-minute rule): the day bills 1, not 2.
    a = _v("p", "a", "2024-03-04", ("97530", 10))
    b = _v("p", "b", "2024-03-04", ("97530", 10))
    assert audit_visit(a).lines[0].units == 1
    results = list(audit_history([b, a]))
    assert [sum(ln.units for ln in r.report.lines) for r in results] == [0, 1]
    assert all("history.same_day_merged" in _rules(r) for r in results)
    # Two 7-minute sessions: alone each gives no unit, pooled the day's 14 minutes give one.
    c = _v("q", "c", "2024-03-04", ("97530", 7))
    d = _v("q", "d", "2024-03-04", ("97530", 7))
    assert audit_visit(c).lines == ()
    assert sum(ln.units for r in audit_history([c, d]) for ln in r.report.lines) == 1


def test_pooling_never_crosses_billing_providers() -> None:
    a = _v("p", "a", "2024-03-04", ("97530", 10), billing_provider="111")
    b = _v("p", "b", "2024-03-04", ("97530", 10), billing_provider="222")
    results = list(audit_history([a, b]))
    assert [sum(ln.units for ln in r.report.lines) for r in results] == [1, 1]
    assert all("history.same_day_merged" not in _rules(r) for r in results)


def test_kx_from_the_crossing_day_on_and_review_once() -> None:
    visits = [
        _v("p", f"k{n}", f"2024-05-{n:02d}", ("97530", 45), visit_allowed="700.00")
        for n in range(1, 7)
    ]
    results = list(audit_history(visits))
    kx = ["KX" in r.report.lines[0].modifiers for r in results]
    # 2024 OT threshold $2,330: 2,100 after k3, 2,800 after k4.
    assert kx == [False, False, False, True, True, True]
    review = [("kx.targeted_review" in _rules(r)) for r in results]
    # $3,000 crossed by k5 (3,500): reported there only.
    assert review == [False, False, False, False, True, False]


def test_opening_balance_and_own_ytd_refused() -> None:
    v = _v("p", "a", "2024-05-01", ("97530", 45), visit_allowed="100.00")
    run = audit_history([v], opening_balances={"p": {(2024, "OT"): "2300.00"}})
    assert "KX" in next(iter(run)).report.lines[0].modifiers
    bad = dict(v, ytd_allowed="10.00")
    with pytest.raises(HistoryInputError, match="ytd_allowed"):
        list(audit_history([bad]))
    with pytest.raises(InvalidInputError, match="bucket"):
        audit_history([v], opening_balances={"p": {(2024, "XX"): "1"}})


def test_kx_restarts_each_year() -> None:
    visits = [
        _v("p", "a", "2024-12-30", ("97530", 45), visit_allowed="3000.00"),
        _v("p", "b", "2025-01-02", ("97530", 45), visit_allowed="100.00"),
    ]
    results = list(audit_history(visits))
    assert ["KX" in r.report.lines[0].modifiers for r in results] == [True, False]


def test_progress_report_due_then_overdue_and_report_restarts() -> None:
    plan = {"first_treatment": "2024-02-01", "certified_on": "2024-02-01"}
    visits = [_v("p", "e", "2024-02-01", ("97530", 30), plan_of_care=plan)]
    visits[0]["services"] = [{"code": "97166"}]
    visits += [_v("p", f"t{n:02d}", f"2024-02-{n + 1:02d}", ("97530", 30)) for n in range(1, 12)]
    results = list(audit_history(visits))
    flags = [
        ("due" if "poc.progress_report_due" in _rules(r) else "")
        + ("overdue" if "poc.progress_report_overdue" in _rules(r) else "")
        for r in results
    ]
    assert flags == [""] * 9 + ["due", "overdue", "overdue"]
    # The report written at day 10 clears the due warning and restarts the count.
    visits[9]["progress_report"] = True
    results = list(audit_history(visits))
    assert all(not any(x.startswith("poc.progress") for x in _rules(r)) for r in results)
    summary = audit_history(visits)
    list(summary)
    (s,) = summary.summaries
    assert (s.progress_reports_written, s.progress_reports_missed) == (1, 0)


def test_new_evaluation_inside_episode_flagged() -> None:
    plan = {"first_treatment": "2024-02-01", "certified_on": "2024-02-01"}
    e1 = {
        "patient_id": "p",
        "visit_id": "e1",
        "date_of_service": "2024-02-01",
        "services": [{"code": "97166"}],
        "plan_of_care": plan,
    }
    e2 = {
        "patient_id": "p",
        "visit_id": "e2",
        "date_of_service": "2024-02-20",
        "services": [{"code": "97165"}],
    }
    results = list(audit_history([e1, e2]))
    assert "poc.new_evaluation_in_episode" in _rules(results[1])
    assert "poc.new_evaluation_in_episode" not in _rules(results[0])


def test_no_patient_id_audited_alone_with_a_finding() -> None:
    (r,) = audit_history([_v(None, "x", "2024-03-04", ("97530", 10))])
    assert "history.no_patient_id" in _rules(r)


def test_presorted_out_of_order_refused() -> None:
    a = _v("p", "a", "2024-03-04", ("97530", 10))
    b = _v("q", "b", "2024-03-04", ("97530", 10))
    with pytest.raises(HistoryOrderError, match="reappears"):
        list(audit_history([a, b, dict(a, visit_id="c")], presorted=True))


def test_continued_state_refuses_earlier_dates() -> None:
    a = _v("p", "a", "2024-03-04", ("97530", 10))
    run = audit_history([a])
    list(run)
    results = list(audit_history([a], state=run.state, errors="collect"))
    assert isinstance(results[0].error, HistoryOrderError)


YEAR = synthetic_year(60)


def test_synthetic_year_findings_a_biller_expects() -> None:
    run = audit_history(YEAR, errors="collect")
    results = list(run)
    assert len(results) == len(YEAR)
    assert all(r.ok for r in results)
    assert [r.index for r in results] == list(range(len(YEAR)))
    rules = {f for r in results for f in _rules(r)}
    assert {"kx.threshold_reached", "history.same_day_merged"} <= rules
    records = list(run.to_records(level="patient"))
    assert len(records) == 60
    assert any(rec["kx_visit_ot"] for rec in records)


def test_shuffle_sorted_presorted_and_workers_agree() -> None:
    def by_id(visits: list[dict]) -> dict[str, Any]:
        return {r.visit_id: r.report.to_dict() for r in audit_history(visits)}

    shuffled = list(YEAR)
    random.Random(3).shuffle(shuffled)
    assert by_id(shuffled) == by_id(YEAR)
    presorted = sorted(YEAR, key=lambda v: (v["patient_id"], v["date_of_service"]))
    a = _key(list(audit_history(presorted)))
    b = _key(list(audit_history(presorted, presorted=True)))
    c = _key(list(audit_history(presorted, workers=2)))
    assert a == b == c


def test_resuming_equals_one_call() -> None:
    whole = {r.visit_id: r.report.to_dict() for r in audit_history(YEAR)}
    first = [v for v in YEAR if v["date_of_service"] < "2024-06-01"]
    rest = [v for v in YEAR if v["date_of_service"] >= "2024-06-01"]
    run = audit_history(first)
    parts = {r.visit_id: r.report.to_dict() for r in run}
    saved = HistoryState.from_dict(json.loads(json.dumps(run.state.to_dict())))
    parts.update({r.visit_id: r.report.to_dict() for r in audit_history(rest, state=saved)})
    assert parts == whole


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(0, len(YEAR) - 1))
def test_a_visit_depends_only_on_earlier_days_of_its_patient(rng: random.Random, n: int) -> None:
    target = YEAR[n]
    pid, day = target["patient_id"], target["date_of_service"]
    keep = [v for v in YEAR if v["patient_id"] == pid and v["date_of_service"] <= day]
    noise = [v for v in YEAR if v["patient_id"] != pid]
    mixed = keep + rng.sample(noise, min(20, len(noise)))
    rng.shuffle(mixed)
    got = {r.visit_id: r.report.to_dict() for r in audit_history(mixed)}
    alone = {r.visit_id: r.report.to_dict() for r in audit_history(keep)}
    assert got[target["visit_id"]] == alone[target["visit_id"]]


def test_state_and_summary_pickle_in_a_fresh_process(tmp_path: Any) -> None:
    script = tmp_path / "s.py"
    script.write_text(
        "import pickle, sys\n"
        "from ot_billing_rules import audit_history\n"
        "from ot_billing_rules._history_synthetic import synthetic_year\n"
        "run = audit_history(synthetic_year(3)); list(run)\n"
        "sys.stdout.buffer.write(pickle.dumps((run.state, run.summaries)))\n",
        encoding="utf-8",
    )
    blob = subprocess.run(
        [sys.executable, str(script)], capture_output=True, check=True, timeout=120
    ).stdout
    reader = tmp_path / "r.py"
    reader.write_text(
        "import pickle, sys\n"
        "state, summaries = pickle.loads(sys.stdin.buffer.read())\n"
        "print(type(state).__name__, len(state.patients), len(summaries))\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, str(reader)], input=blob, capture_output=True, check=True, timeout=120
    ).stdout.decode()
    assert out.split() == ["HistoryState", "3", "3"]
    _ = Decimal


def test_the_collector_is_given_back() -> None:
    import gc

    assert gc.get_freeze_count() == 0
    list(audit_history(YEAR[:200]))
    assert gc.get_freeze_count() == 0
    run = iter(audit_history(YEAR[:200]))
    next(run)
    del run  # abandoned mid-way: closing the generator unfreezes
    gc.collect()
    assert gc.get_freeze_count() == 0
    # A program's own freeze is left alone.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        list(audit_history(YEAR[:200]))
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_priced_amount_accrues_without_visit_allowed() -> None:
    # 97530 x4 in locality 10112-00 prices at $106.36 on 2024-07-01: 22 days are $2,340,
    # above the $2,330 OT threshold, so the 22nd day takes KX (and not the 21st).
    visits = [
        _v("p", f"d{n:02d}", f"2024-07-{n:02d}", ("97530", 60), locality="10112-00")
        for n in range(1, 23)
    ]
    results = list(audit_history(visits))
    assert results[0].report.kx.visit_amount == Decimal("106.36")
    kx = ["KX" in r.report.lines[0].modifiers for r in results]
    assert kx == [False] * 21 + [True]


def test_once_per_day_code_pooled_across_visits() -> None:
    # Alone, each 97129 session bills 97129 x1: two first-15-minute units on one day.
    # Pooled, the day's 31 minutes bill 97129 once plus 97130, on the visit with more minutes.
    b = _v("p", "b", "2024-07-01", ("97129", 15))
    a = _v("p", "a", "2024-07-01", ("97129", 16))
    assert [(ln.code, ln.units) for ln in audit_visit(b).lines] == [("97129", 1)]
    results = list(audit_history([b, a]))
    lines = [[(ln.code, ln.units) for ln in r.report.lines] for r in results]
    assert lines == [[], [("97129", 1), ("97130", 1)]]


def test_a_years_first_visit_shows_a_zero_total_in_cents_on_every_path() -> None:
    # As audit_visit shows a given ytd_allowed of 0: "0.00", on a one-visit day
    # and on a pooled day alike.
    from ot_billing_rules import audit_history

    visits = [
        {"patient_id": p, "visit_id": f"{p}{s}", "date_of_service": "2024-03-04",
         "visit_allowed": "50.00", "services": [{"code": "97530", "minutes": 20}]}
        for p, sessions in (("one", "a"), ("two", "ab"))
        for s in sessions
    ]  # fmt: skip
    shown = {r.visit_id: r.report.to_dict()["visit"]["ytd_allowed"] for r in audit_history(visits)}
    assert shown == {"onea": "0.00", "twoa": "0.00", "twob": "0.00"}


def test_a_pooled_day_says_what_became_of_each_visits_services() -> None:
    # The day's 97530 (10 + 12 minutes) and 97110 (20) are 42 timed minutes: 3 units
    # under the 8-minute rule, one full unit each and the third to the larger
    # remainder (97530's 7 minutes over 97110's 5). 97530 is billed by b, which
    # furnished more of its minutes; a's 97530 says where it went.
    a = _v("p", "a", "2024-03-04", ("97530", 10), ("97110", 20))
    b = _v("p", "b", "2024-03-04", ("97530", 12))
    ra, rb = (r.report for r in audit_history([a, b]))
    assert [(ln.code, ln.units) for ln in ra.lines] == [("97110", 1)]
    assert [(ln.code, ln.units) for ln in rb.lines] == [("97530", 2)]
    assert [(s.code, s.minutes, s.billed, s.units) for s in ra.services] == [
        ("97530", 10, False, 0),
        ("97110", 20, True, 1),
    ]
    assert "billed on the visit with most minutes" in ra.services[0].reason
    assert ra.services[1].reason == ""
    assert [(s.code, s.minutes, s.billed, s.units, s.reason) for s in rb.services] == [
        ("97530", 12, True, 2, "")
    ]
    merged_a = [f for f in ra.findings if f.rule == "history.same_day_merged"]
    merged_b = [f for f in rb.findings if f.rule == "history.same_day_merged"]
    assert len(merged_a) == len(merged_b) == 1
    assert "visit(s) b:" in merged_a[0].message
    assert "Its line(s) 97530 were billed" in merged_a[0].message
    assert "visit(s) a:" in merged_b[0].message
    assert "Its line(s)" not in merged_b[0].message
    assert merged_a[0].severity.value == "info"
    assert merged_a[0].codes == ()


def test_a_service_without_minutes_still_decides_who_bills_it() -> None:
    # 97166 (untimed) is listed by b only: b bills it although a furnished the day's minutes.
    a = _v("p", "a", "2024-03-04", ("97530", 30))
    b = {**_v("p", "b", "2024-03-04"), "services": [{"code": "97166"}]}
    ra, rb = (r.report for r in audit_history([a, b]))
    assert [ln.code for ln in ra.lines] == ["97530"]
    assert [ln.code for ln in rb.lines] == ["97166"]


@pytest.mark.parametrize(
    ("second", "field"),
    [
        # Two codes whose pooled minutes pass a day's 1,440: the day's check.
        (("97110", 700), "minutes"),
        # One code listed twice whose pooled minutes pass 1,440: the service's own check.
        (("97530", 700), "minutes"),
    ],
)
def test_a_pooled_day_past_a_days_minutes_fails_every_visit_of_it(
    second: tuple[str, int], field: str
) -> None:
    a = _v("p", "a", "2024-03-04", ("97530", 800))
    b = _v("p", "b", "2024-03-04", second)
    results = list(audit_history([a, b], errors="collect"))
    assert [r.report for r in results] == [None, None]
    assert all(isinstance(r.error, InvalidInputError) for r in results)
    assert all(r.error.field == field for r in results)
    assert [r.visit_id for r in results] == ["a", "b"]


def test_a_presorted_result_the_caller_drops_is_freed_before_the_patient_ends() -> None:
    import weakref

    # Three patients of about forty visits each: the first patient's results are
    # all produced before the second patient's visits are read.
    visits = sorted(synthetic_year(3), key=lambda v: (v["patient_id"], v["date_of_service"]))
    run = iter(audit_history(visits, presorted=True))
    first = weakref.ref(next(run))
    # The run's own loop variable holds the latest result until the next one is asked for.
    second = next(run)
    assert first() is None
    assert second.visit_id is not None
