"""audit_history(workers=2) when a worker dies: every input still gets one result.

Run in a fresh interpreter, fork and spawn (the pool and its crashes cross a
process boundary). A ``KillerVisit`` is a Visit whose unpickling kills the
process that is not the parent (``os._exit``): in a worker it takes the
worker down with the whole chunk of patients it was sent with.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _fresh import run_script

SCRIPT = """
import json, multiprocessing, os, sys
import ot_billing_rules as ob
from ot_billing_rules import Visit, WorkerError, audit_history
from ot_billing_rules._history_synthetic import synthetic_year

# Spawned workers re-run this module: the parent's pid reaches them through the environment.
PARENT = int(os.environ.setdefault("KILLER_PARENT_PID", str(os.getpid())))
MARK = os.path.join(os.getcwd(), "killed-once")

def revive(data, always):
    if os.getpid() != PARENT and (always or not os.path.exists(MARK)):
        open(MARK, "w").close()
        os._exit(7)
    return Visit.from_dict(data)

class KillerVisit(Visit):
    always = True
    def __reduce__(self):
        return (revive, (self.to_dict(), self.always))

class OnceVisit(KillerVisit):
    always = False

def killer(kind, v):
    fields = {a.name: getattr(v, a.name) for a in Visit.__attrs_attrs__}
    out = object.__new__(kind)
    for name, value in fields.items():
        object.__setattr__(out, name, value)
    return out

def summary(run):
    rows = [
        (r.index, r.visit_id, r.report.to_dict() if r.ok else None,
         r.error_kind, str(r.error) if r.error else None)
        for r in run
    ]
    return rows, run.state.to_dict(), [s.to_record() for s in run.summaries]

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    year = [Visit.from_dict(v) for v in synthetic_year(8)]
    victim = "P00003"
    victims = [i for i, v in enumerate(year) if v.patient_id == victim]
    target = victims[3]
    plain_rows, plain_state, plain_summaries = summary(audit_history(year, errors="collect"))

    once = list(year)
    once[target] = killer(OnceVisit, once[target])
    retried = summary(audit_history(once, errors="collect", workers=2))
    assert os.path.exists(MARK)  # the worker did die once

    always = list(year)
    always[target] = killer(KillerVisit, always[target])
    rows, state, summaries = summary(audit_history(always, errors="collect", workers=2))

    try:
        for _ in audit_history(always, workers=2):
            pass
        raised = None
    except WorkerError as exc:
        raised = [type(exc).__name__, exc.cause, str(exc)]

    print(json.dumps({
        "retried_equal": retried == (plain_rows, plain_state, plain_summaries),
        "indexes": [row[0] for row in rows],
        "inputs": len(year),
        "victims": victims,
        "victim_ids": [year[i].visit_id for i in victims],
        "victim_rows": [rows[i][1:] for i in victims],
        "others_equal": [rows[i] for i in range(len(year)) if i not in victims]
            == [plain_rows[i] for i in range(len(year)) if i not in victims],
        "state_patients": sorted(state["patients"]),
        "plain_patients": sorted(plain_state["patients"]),
        "summary_patients": sorted({s["patient_id"] for s in summaries}),
        "raised": raised,
    }))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_dying_worker_costs_only_its_patient(tmp_path: Path, method: str) -> None:
    out = run_script(tmp_path, SCRIPT, method)
    # A worker that died once: the chunk was retried, the run equals workers=1.
    assert out["retried_equal"] is True
    # A patient whose visit kills every worker: one result per input still.
    assert out["indexes"] == list(range(out["inputs"]))
    assert out["victims"]
    for visit_id, (rid, report, kind, message) in zip(
        out["victim_ids"], out["victim_rows"], strict=True
    ):
        assert rid == visit_id
        assert report is None
        assert kind == "worker"
        assert f"({visit_id}) of patient 'P00003'" in message
        assert "died" in message
    # Its neighbours in the same chunk were isolated and audited as usual.
    assert out["others_equal"] is True
    assert out["state_patients"] == [p for p in out["plain_patients"] if p != "P00003"]
    assert "P00003" not in out["summary_patients"]
    # errors="raise": the lost visit's typed WorkerError.
    kind, cause, message = out["raised"]
    assert (kind, cause) == ("WorkerError", "worker died")
    assert "of patient 'P00003'" in message
