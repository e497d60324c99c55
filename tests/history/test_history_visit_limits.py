"""audit_history counts each patient's visits per payer limit period (payer.visit_limit)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest

from ot_billing_rules import HistoryState, audit_history, errors


def _visits(patient: str, birth: str, n: int, first: date) -> list[dict[str, Any]]:
    return [
        {
            "patient_id": patient,
            "visit_id": f"{patient}-{i + 1:02d}",
            "payer": "medicaid-il",
            "state": "IL",
            "patient_birth_date": birth,
            "date_of_service": (first + timedelta(days=7 * i)).isoformat(),
            "discipline": "OT",
            "services": [{"code": "97530", "minutes": 30}],
        }
        for i in range(n)
    ]


def _limited(results: Any) -> list[str]:
    return [
        r.visit_id for r in results if any(f.rule == "payer.visit_limit" for f in r.report.findings)
    ]


@pytest.mark.parametrize(("birth", "flagged"), [("1990-01-01", ["a-21"]), ("2015-01-01", [])])
def test_illinois_21st_ot_visit_of_the_fiscal_year(birth: str, flagged: list[str]) -> None:
    got = _limited(audit_history(_visits("a", birth, 21, date(2023, 7, 3))))
    assert got == flagged


def test_the_child_gets_the_epsdt_note_not_a_denial() -> None:
    last = list(audit_history(_visits("a", "2015-01-01", 21, date(2023, 7, 3))))[-1].report
    assert last is not None
    assert any(f.rule == "payer.age" for f in last.findings)


def test_the_count_restarts_with_the_fiscal_year() -> None:
    # 21 weekly visits from 2024-03-04 straddle 2024-07-01: neither period reaches 21.
    assert _limited(audit_history(_visits("a", "1990-01-01", 21, date(2024, 3, 4)))) == []


def test_other_disciplines_do_not_count_toward_ot() -> None:
    visits = _visits("a", "1990-01-01", 21, date(2023, 7, 3))
    for v in visits[:5]:
        v["discipline"] = "PT"
        v["services"] = [{"code": "97110", "minutes": 30}]
    assert _limited(audit_history(visits)) == []


def test_resuming_a_saved_state_keeps_the_count() -> None:
    visits = _visits("a", "1990-01-01", 21, date(2023, 7, 3))
    run = audit_history(visits[:15])
    list(run)
    saved = HistoryState.from_dict(run.state.to_dict())
    assert _limited(audit_history(visits[15:], state=saved)) == ["a-21"]


def test_a_visits_own_count_is_refused() -> None:
    visit = {**_visits("a", "1990-01-01", 1, date(2023, 7, 3))[0], "visits_this_period": 20}
    with pytest.raises(errors.HistoryInputError, match="visits_this_period"):
        list(audit_history([visit]))


def test_pooled_run_in_a_fresh_process_counts_like_one_worker() -> None:
    code = (
        "from datetime import date, timedelta\n"
        "from ot_billing_rules import audit_history\n"
        "vs = [{'patient_id': p, 'visit_id': f'{p}-{i + 1}', 'payer': 'medicaid-il',\n"
        "       'state': 'IL', 'patient_birth_date': b,\n"
        "       'date_of_service': (date(2023, 7, 3) + timedelta(days=7 * i)).isoformat(),\n"
        "       'services': [{'code': '97530', 'minutes': 30}]}\n"
        "      for p, b in (('a', '1990-01-01'), ('c', '2015-01-01')) for i in range(22)]\n"
        "run = audit_history(vs, workers=2)\n"
        "hit = [r.visit_id for r in run\n"
        "       if any(f.rule == 'payer.visit_limit' for f in r.report.findings)]\n"
        "print(hit, run.state.to_dict()['patients']['a']['visits'][0]['count'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['a-21', 'a-22'] 22"
