"""Concurrency (issue 8): first use from many threads loads each data file once,
and results are identical across threads, runs, processes and process pools.

The design promises (principle 5) that data "loads lazily once per process,
thread-safe". Checking that needs a process where nothing is loaded yet, so
the thread test runs in a fresh interpreter: it wraps ``_store.once`` to count
how often each key's builder runs (slowed down, to widen the race window),
then releases 16 threads at once behind a ``threading.Barrier``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import ot_billing_rules as ob

VISIT = {
    "visit_id": "c-1",
    "date_of_service": "2024-07-01",
    "ytd_allowed": "2100.00",
    "services": [
        {"code": "97165"},
        {"code": "97530", "minutes": 38, "assistant_minutes": 20},
        {"code": "97535", "minutes": 20},
        {"code": "97150", "minutes": 30},
    ],
}

# Runs in a fresh interpreter; prints one JSON document on stdout.
THREAD_SCRIPT = r"""
import json, sys, threading, time
from ot_billing_rules import _data as _store

calls = {}
real_once = _store.once

def counting_once(key, build):
    def slow_build():
        calls[key] = calls.get(key, 0) + 1
        time.sleep(0.02)  # widen the window in which a second builder could start
        return build()
    return real_once(key, slow_build)

_store.once = counting_once
assert not _store._cache, "data loaded before the threads started"

import ot_billing_rules as ob

VISIT = json.loads(sys.argv[1])
N = 16
barrier = threading.Barrier(N)
results = [None] * N
errors = []

def work(i):
    try:
        barrier.wait()
        edits = ob.EditSet.bundled()
        results[i] = {
            "lookup": ob.lookup("97530", on="2024-07-01").to_dict(),
            "edits": [id(edits), edits.to_dict()],
            "units": ob.compute_units({"97530": 38, "97110": 7}, on="2024-07-01").to_dict(),
            "eval": ob.select_ot_evaluation(
                profile="expanded", performance_deficits=3, decision_making="moderate"
            ).to_dict(),
            "audit": ob.audit_visit(VISIT).to_dict(),
        }
    except BaseException as exc:  # reported, not swallowed
        errors.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"calls": calls, "keys": sorted(_store._cache), "errors": errors,
                  "results": results}, sort_keys=True, default=str))
"""

# Runs in a fresh interpreter; prints the to_dict() of fixed inputs.
RESULTS_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import test_concurrency as tc
print(json.dumps(tc.compute_all(), sort_keys=True, default=str))
"""


def compute_all() -> dict[str, Any]:
    """The results compared across processes (top level, so a pool can pickle it)."""
    return {
        "lookup": ob.lookup("97530", on="2024-07-01").to_dict(),
        "units_cms": ob.compute_units(
            {"97530": 38, "97110": 7, "97140": 8}, on="2024-07-01"
        ).to_dict(),
        "units_ama": ob.compute_units({"97530": 22, "97110": 8}, method="ama").to_dict(),
        "eval": ob.select_ot_evaluation(
            profile="extensive", performance_deficits=5, decision_making="high"
        ).to_dict(),
        "bundling": [
            f.to_dict() for f in ob.check_bundling(["97150:GO", "97530x2:GO"], on="2024-07-01")
        ],
        "audit": ob.audit_visit(VISIT).to_dict(),
        "edits": ob.EditSet.bundled().to_dict(),
        "version": ob.data_version().version,
    }


def _python(script: str, *args: str, seed: str = "0") -> dict[str, Any]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_first_use_from_16_threads_loads_each_key_once() -> None:
    out = _python(THREAD_SCRIPT, json.dumps(VISIT))
    assert out["errors"] == []
    assert out["calls"], "the counting wrapper saw no loads"
    assert set(out["calls"]) == set(out["keys"])
    assert {k: v for k, v in out["calls"].items() if v != 1} == {}
    # catalog, edit set, evaluation table, manifest at least; key names are internal.
    assert len(out["calls"]) >= 4, out["calls"]
    first = out["results"][0]
    assert first is not None
    for other in out["results"][1:]:
        assert other == first  # same objects too: id(EditSet.bundled()) is in "edits"


def test_results_identical_across_processes_and_hash_seeds() -> None:
    here = os.path.dirname(__file__)
    a = _python(RESULTS_SCRIPT, here, seed="1")
    b = _python(RESULTS_SCRIPT, here, seed="12345")
    assert a == b
    assert a == json.loads(json.dumps(compute_all(), sort_keys=True, default=str))


def test_results_identical_in_a_process_pool() -> None:
    local = json.dumps(compute_all(), sort_keys=True, default=str)
    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = [pool.submit(compute_all) for _ in range(4)]
        outs = [json.dumps(f.result(), sort_keys=True, default=str) for f in remote]
    assert outs == [local] * 4


def test_audit_many_workers_match_serial() -> None:
    visits: list[Any] = [
        {**VISIT, "visit_id": f"v{n}", "services": VISIT["services"][: 1 + n % 4]}
        for n in range(12)
    ]
    visits[5] = {"date_of_service": "2024-07-01", "services": [{"code": "9753"}]}
    serial = [r.to_dict() for r in ob.audit_many(visits, errors="collect")]
    pooled = [r.to_dict() for r in ob.audit_many(visits, errors="collect", workers=2, chunksize=3)]
    assert pooled == serial
    assert serial[5]["error"]["type"] == "InvalidCodeError"


def test_data_version_to_dict_is_json_ready() -> None:
    data = ob.data_version().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert isinstance(data["files"], list)
