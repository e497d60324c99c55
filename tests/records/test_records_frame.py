"""audit_frame with workers: the three frames built in the workers (issue 17, item 2).

One worker pass per visit returns its visit row, line rows and finding rows
as tuples; the parent only collects them. The frames must equal the
one-process frames exactly, and the reports behind them stay reachable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")

import ot_billing_rules as ob  # noqa: E402
from _fresh import run_script  # noqa: E402
from ot_billing_rules import pandas as obpd  # noqa: E402
from ot_billing_rules.errors import InvalidOptionError  # noqa: E402
from ot_billing_rules.pandas import FrameAudit, audit_frame, sample_export  # noqa: E402

AETNA = ob.PayerPolicy("my-aetna-contract", unit_method="ama", kx_threshold=False)
PAYERS: dict[str, Any] = {"MEDICARE PART B": "medicare", "Aetna Commercial": AETNA}


def _export(rows: int, seed: int, bad: int | None) -> Any:
    frame = sample_export(rows, seed=seed)
    if bad is not None:  # a row the reader refuses: an error row in the visits frame
        frame.loc[bad % rows, "minutes"] = "4x"
    return frame


def _same(one: FrameAudit, two: FrameAudit) -> None:
    for name in ("visits", "lines", "findings"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(min_value=1, max_value=400),
    seed=st.integers(min_value=0, max_value=10_000),
    bad=st.one_of(st.none(), st.integers(min_value=0, max_value=399)),
    money=st.sampled_from(["decimal", "float"]),
)
def test_workers_frames_equal_one_process_frames(
    rows: int, seed: int, bad: int | None, money: str
) -> None:
    frame = _export(rows, seed, bad)
    one = audit_frame(frame, payers=PAYERS, money=money)
    two = audit_frame(frame, payers=PAYERS, money=money, workers=2)
    _same(one, two)


def test_the_parent_flattens_no_report(monkeypatch: pytest.MonkeyPatch) -> None:
    # The rows come from the workers: flattening reports here (to_records)
    # is what made the parent the bottleneck.
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("to_records ran in the parent")

    monkeypatch.setattr(obpd, "to_records", refuse)
    audit = audit_frame(sample_export(300), payers=PAYERS, workers=2)
    assert len(audit.visits) > 100
    assert (audit.findings["rule"] == "audit.rows_combined").any()


def test_reports_behind_a_workers_frame_are_the_one_process_reports() -> None:
    frame = _export(300, 3, 17)
    one = audit_frame(frame, payers=PAYERS)
    two = audit_frame(frame, payers=PAYERS, workers=2)
    combined = one.findings.loc[one.findings["rule"] == "audit.rows_combined", "visit_id"]
    for visit_id in [*combined.head(3), one.visits["visit_id"].iloc[-1]]:
        assert two.report(visit_id) == one.report(visit_id)  # audited again alone
    failed = one.visits.loc[~one.visits["ok"], "visit_id"].iloc[0]
    with pytest.raises(InvalidOptionError, match=repr(failed)):
        two.report(failed)
    with pytest.raises(InvalidOptionError, match="'nope'"):
        two.report("nope")
    assert list(two.all_findings()) == list(one.all_findings())
    assert two.results == one.results
    assert two.report(combined.iloc[0]) == one.report(combined.iloc[0])  # now from results


def test_progress_counts_every_visit_with_workers() -> None:
    seen: list[tuple[int, int | None]] = []
    audit = audit_frame(
        sample_export(200), payers=PAYERS, workers=2, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (len(audit.visits), len(audit.visits))


SCRIPT = """
import json, multiprocessing, sys
import pandas as pd
import ot_billing_rules as ob
from ot_billing_rules.pandas import audit_frame, sample_export

AETNA = ob.PayerPolicy("my-aetna-contract", unit_method="ama", kx_threshold=False)
PAYERS = {"MEDICARE PART B": "medicare", "Aetna Commercial": AETNA}

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    frame = sample_export(600, seed=5)
    frame.loc[11, "minutes"] = "4x"
    one = audit_frame(frame, payers=PAYERS)
    two = audit_frame(frame, payers=PAYERS, workers=2)
    same = []
    for name in ("visits", "lines", "findings"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
        same.append(len(getattr(two, name)))
    print(json.dumps({"rows": same, "failed": int((~two.visits["ok"]).sum())}))
"""


def test_workers_frames_in_a_fresh_process_under_spawn(tmp_path: Path) -> None:
    out = run_script(tmp_path, SCRIPT, "spawn")
    visits, lines, findings = out["rows"]
    assert visits > 200
    assert lines > visits
    assert findings > 0
    assert out["failed"] >= 1


def test_a_visit_that_kills_its_worker_keeps_its_visit_id(monkeypatch: pytest.MonkeyPatch) -> None:
    # Forked workers inherit the patch; a combined-rows visit travels wrapped
    # with its findings, and its error row must still name it.
    import os

    from ot_billing_rules import records

    frame = sample_export(120)
    audit = audit_frame(frame, payers=PAYERS)
    combined = audit.findings.loc[audit.findings["rule"] == "audit.rows_combined", "visit_id"]
    target = combined.iloc[0]
    parent, original = os.getpid(), records._audit_one

    def killer(index: int, visit: Any, *args: Any) -> Any:
        if os.getpid() != parent and getattr(visit, "visit_id", None) == target:
            os._exit(9)
        return original(index, visit, *args)

    monkeypatch.setattr(records, "_audit_one", killer)
    two = audit_frame(frame, payers=PAYERS, workers=2)
    row = two.visits[two.visits["visit_id"] == target]
    assert list(row["error_type"]) == ["WorkerError"]
    assert int((~two.visits["ok"]).sum()) == int((~audit.visits["ok"]).sum()) + 1
