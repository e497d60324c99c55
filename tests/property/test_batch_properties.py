"""Nothing lost: every input comes back, whatever fails."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import batch

GOOD = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}


@given(st.lists(st.sampled_from(["ok", "typed", "bug", "garbage"]), max_size=40))
def test_every_input_comes_back_in_order(kinds: list[str]) -> None:
    inputs: list[Any] = []
    for n, kind in enumerate(kinds):
        if kind == "ok":
            inputs.append({**GOOD, "visit_id": str(n)})
        elif kind == "typed":
            inputs.append({"date_of_service": "2024-07-01", "services": [{"code": "x"}]})
        elif kind == "bug":
            inputs.append({"visit_id": str(n), "__bug__": True})
        else:
            inputs.append(n)

    real = batch.audit_visit

    def flaky(visit: Any) -> Any:
        if isinstance(visit, dict) and visit.get("__bug__"):
            raise RuntimeError("random failure")
        return real(visit)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch, "audit_visit", flaky)
        results = list(ob.audit_many(inputs, errors="collect"))
    assert [r.index for r in results] == list(range(len(inputs)))
    for kind, result in zip(kinds, results, strict=True):
        assert result.ok is (kind == "ok")
        expected = {
            "ok": None,
            "typed": "invalid_input",
            "bug": "internal",
            "garbage": "invalid_input",
        }
        assert result.error_kind == expected[kind]
    assert len(list(ob.to_records(results))) == len(inputs)
