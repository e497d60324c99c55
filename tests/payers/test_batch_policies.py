"""audit_many and audit_history pass the caller's own policies through (policies=)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import Any

import attrs
import pytest

from ot_billing_rules import audit_history, audit_many, errors
from ot_billing_rules.payers import payer_policy

_ON = date(2023, 3, 1)
_CIGNA = payer_policy("cigna", on=_ON)
assert _CIGNA.terms is not None
MINE = attrs.evolve(_CIGNA, name="My plan", terms=attrs.evolve(_CIGNA.terms, id="my-plan"))
SIX = [{"code": "97530", "minutes": 60}, {"code": "97110", "minutes": 30}]


def _visit(**kw: Any) -> dict[str, Any]:
    return {"date_of_service": _ON.isoformat(), "services": SIX, "payer": "my-plan", **kw}


def _caps(result: Any) -> bool:
    return any(f.rule == "payer.daily_cap" for f in result.report.findings)


def test_audit_many_uses_the_callers_policy() -> None:
    with pytest.raises(errors.InvalidOptionError):
        list(audit_many([_visit()]))
    [result] = audit_many([_visit()], policies=[MINE])
    assert _caps(result)


def test_audit_many_pool_uses_the_callers_policy() -> None:
    # The lookup happens in this process: the workers see the policy, not the name.
    results = list(
        audit_many(
            [_visit(visit_id=str(i)) for i in range(4)], workers=2, chunksize=1, policies=[MINE]
        )
    )
    assert all(_caps(r) for r in results)


def test_audit_history_uses_the_callers_policy() -> None:
    [result] = audit_history([_visit(patient_id="p")], policies=[MINE])
    assert _caps(result)
    pooled = list(
        audit_history([_visit(patient_id=f"p{i}") for i in range(3)], workers=2, policies=[MINE])
    )
    assert all(_caps(r) for r in pooled)


def test_a_policy_generator_is_read_once() -> None:
    results = list(audit_many([_visit(), _visit()], policies=(p for p in [MINE])))
    assert all(_caps(r) for r in results)


def test_a_visit_whose_lookup_fails_is_its_own_error() -> None:
    results = list(
        audit_many(
            [_visit(date_of_service="2023-02-30"), _visit()], policies=[MINE], errors="collect"
        )
    )
    assert results[0].error is not None
    assert results[1].report is not None


def test_pool_in_a_fresh_process() -> None:
    code = (
        "import attrs; from datetime import date\n"
        "from ot_billing_rules import audit_many\n"
        "from ot_billing_rules.payers import payer_policy\n"
        "c = payer_policy('cigna', on=date(2023, 3, 1))\n"
        "m = attrs.evolve(c, name='My plan', terms=attrs.evolve(c.terms, id='my-plan'))\n"
        "v = [{'date_of_service': '2023-03-01', 'payer': 'my-plan', 'visit_id': str(i),\n"
        "      'services': [{'code': '97530', 'minutes': 60}, {'code': '97110', 'minutes': 30}]}\n"
        "     for i in range(6)]\n"
        "rs = list(audit_many(v, workers=2, chunksize=2, policies=[m]))\n"
        "print(sum(any(f.rule == 'payer.daily_cap' for f in r.report.findings) for r in rs))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "6"
