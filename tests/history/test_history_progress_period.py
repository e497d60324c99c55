"""audit_history applies the progress-report period of each date of service.

Pub. 100-02 Ch. 15 §220.3.D: before 2013-01-01 a progress report was due "at
least once every 10 treatment days or at least once during each 30 calendar
days, whichever is less" (CMS FAQ 2003, questions.cms.gov, archived
2013-02-14); from 2013-01-01 every 10 treatment days only (APTA News,
2013-01-04, "CMS Revises Medicare Benefit Policy Manual", on the revision that
added functional reporting). The history keeps the date of the episode's last
report (``progress_report=True``) so the calendar days can be counted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ot_billing_rules import HistoryState, audit_history
from ot_billing_rules._history_state import Episode
from ot_billing_rules.errors import HistoryInputError, InvalidDateError, OTBillingError

PLAN = {"first_treatment": "2012-11-20", "certified_on": "2012-11-20"}
# Report on 11-27; 12-27 is calendar day 30 (treatment day 5 since the report),
# 12-31 day 34 (treatment day 6); 2013 visits are treatment days 7 and 8.
DAYS = ["2012-11-20", "2012-11-27", "2012-12-04", "2012-12-11", "2012-12-18", "2012-12-27"]
DAYS += ["2012-12-31", "2013-01-02", "2013-01-09"]


def _visits(days: list[str], report_at: tuple[int, ...] = (1,)) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, d in enumerate(days):
        v: dict[str, Any] = {
            "patient_id": "p",
            "visit_id": f"v{i}",
            "date_of_service": d,
            "services": [{"code": "97530", "minutes": 30}],
        }
        if i == 0:
            v["plan_of_care"] = {**PLAN, "first_treatment": d, "certified_on": d}
        if i in report_at:
            v["progress_report"] = True
        out.append(v)
    return out


def _flags(visits: list[dict[str, Any]], **kw: Any) -> list[str]:
    out = []
    for r in audit_history(visits, **kw):
        assert r.report is not None, r.error
        rules = {f.rule for f in r.report.findings}
        out.append(
            "due"
            if "poc.progress_report_due" in rules
            else "overdue"
            if "poc.progress_report_overdue" in rules
            else ""
        )
    return out


def test_across_2012_12_to_2013_01() -> None:
    assert _flags(_visits(DAYS)) == ["", "", "", "", "", "due", "overdue", "", ""]


def test_the_findings_name_the_30_day_rule() -> None:
    results = list(audit_history(_visits(DAYS)))
    assert results[5].report is not None
    (due,) = [f for f in results[5].report.findings if f.rule == "poc.progress_report_due"]
    assert "calendar day 30 since the last progress report of 2012-11-27" in due.message
    assert "once during each 30 calendar days" in due.message
    assert "before 2013-01-01" in due.source


def test_summary_counts_the_missed_calendar_period_once() -> None:
    run = audit_history(_visits(DAYS))
    list(run)
    by_year = {s.year: s for s in run.summaries}
    assert (by_year[2012].progress_reports_due, by_year[2012].progress_reports_missed) == (1, 1)
    assert by_year[2013].progress_reports_missed == 0


def test_same_gaps_from_2013_flag_nothing() -> None:
    later = [(date.fromisoformat(d) + timedelta(days=371)).isoformat() for d in DAYS]
    assert date.fromisoformat(later[0]) > date(2013, 1, 1)
    assert _flags(_visits(later)) == [""] * len(DAYS)


def test_report_written_at_the_due_visit_restarts_the_period() -> None:
    assert _flags(_visits(DAYS, report_at=(1, 5))) == [""] * len(DAYS)


def test_no_report_yet_counts_from_the_first_treatment_day() -> None:
    # 2012-11-20 is day 1; 2012-12-19 day 30; 2012-12-20 day 31; 4 treatment days.
    days = ["2012-11-20", "2012-12-01", "2012-12-19", "2012-12-20"]
    assert _flags(_visits(days, report_at=())) == ["", "", "due", "overdue"]


def test_state_keeps_the_report_date_and_resumes_equal() -> None:
    visits = _visits(DAYS)
    first = audit_history(visits[:5])
    list(first)
    saved = first.state.to_dict()
    assert saved["patients"]["p"]["episodes"]["OT"]["last_report"] == "2012-11-27"
    resumed = _flags(visits[5:], state=HistoryState.from_dict(json.loads(json.dumps(saved))))
    assert resumed == _flags(visits)[5:]


def test_state_saved_without_the_report_date_still_loads() -> None:
    first = audit_history(_visits(DAYS[:5]))
    list(first)
    old = first.state.to_dict()
    del old["patients"]["p"]["episodes"]["OT"]["last_report"]
    state = HistoryState.from_dict(old)
    assert state.patients["p"].episodes["OT"].last_report is None
    # Without the date the period counts from the first treatment day (2012-11-20):
    # 12-27 is day 38, past the 30 days.
    assert _flags(_visits(DAYS)[5:6], state=state) == ["overdue"]


def test_resume_in_a_fresh_process(tmp_path: Path) -> None:
    visits = _visits(DAYS)
    first = audit_history(visits[:5])
    list(first)
    (tmp_path / "state.json").write_text(json.dumps(first.state.to_dict()), encoding="utf-8")
    (tmp_path / "rest.json").write_text(json.dumps(visits[5:]), encoding="utf-8")
    script = (
        "import json, sys\n"
        "from ot_billing_rules import HistoryState, audit_history\n"
        "state = HistoryState.from_dict(json.load(open(sys.argv[1])))\n"
        "for r in audit_history(json.load(open(sys.argv[2])), state=state):\n"
        "    print(r.visit_id, *sorted(f.rule for f in r.report.findings\n"
        "                              if f.rule.startswith('poc.progress')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "state.json"), str(tmp_path / "rest.json")],
        capture_output=True,
        check=True,
        timeout=120,
        text=True,
    ).stdout.splitlines()
    assert out == ["v5 poc.progress_report_due", "v6 poc.progress_report_overdue", "v7", "v8"]


def test_a_visit_plan_with_the_report_date_is_refused() -> None:
    visits = _visits(DAYS[:2])
    visits[1]["plan_of_care"] = {**PLAN, "last_progress_report_on": "2012-11-21"}
    with pytest.raises(HistoryInputError, match="progress_report=true"):
        list(audit_history(visits))


@pytest.mark.parametrize(
    ("raw", "error"),
    [("2012-02-30", InvalidDateError), ("2012-11-19", InvalidDateError), (7, OTBillingError)],
)
def test_bad_episode_report_date_is_a_typed_error(raw: object, error: type) -> None:
    data = {"plan": PLAN, "days_since_report": 1, "overdue": False, "last_report": raw}
    with pytest.raises(error, match="last_report"):
        Episode.from_dict(data)
