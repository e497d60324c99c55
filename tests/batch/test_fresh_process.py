"""Pickles and pools as a new user meets them: each case runs in a fresh interpreter.

An in-process test cannot catch what these do: the test process has
already imported every module, so a pickle that needs a module to have been
imported, or a pool whose workers need it, works here and fails for a user.
Each script is written to a file (spawned workers re-import ``__main__``)
and run with ``sys.executable``; it prints one JSON line the test reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import ot_billing_rules as ob
from _fresh import KILLER, run_script

START_METHODS = ["fork", "spawn"]


# -- 1. every value and result type unpickles where only the package was imported

WRITER = """
import json, pickle, sys
import ot_billing_rules as ob
from ot_billing_rules import strategies  # noqa: F401  (imports every rule module)

visit = ob.Visit.from_dict({
    "visit_id": "v1",
    "date_of_service": "2024-07-01",
    "ytd_allowed": "2400.00",
    "visit_allowed": "120.00",
    "services": [
        {"code": "97530", "minutes": 33, "assistant_minutes": 10},
        {"code": "97150", "minutes": 20, "separate_interval": True},
        {"code": "97165"},
    ],
})
report = ob.audit_visit(visit)
results = list(ob.audit_many(
    [visit, {"date_of_service": "2024-07-01", "services": [{"code": "9753", "minutes": 8}]}],
    errors="collect",
))
edits = ob.EditSet.bundled()
samples = {
    "AuditReport": report,
    "AuditResult.ok": results[0],
    "AuditResult.error": results[1],
    "ServiceOutcome": report.services[0],
    "Finding": report.findings[0],
    "ClaimLine": report.lines[0],
    "ServiceLine": ob.ServiceLine("97530", 2, ("GO", "59")),
    "Visit": visit,
    "Service": visit.services[0],
    "UnitAllocation": report.allocation,
    "ServiceUnits": report.allocation.services[0],
    "UnitCounts": report.allocation.units,
    "Code": ob.lookup("97530", on="2024-07-01"),
    "EvaluationSelection": ob.select_ot_evaluation(
        profile="expanded", performance_deficits=3, decision_making="moderate"
    ),
    "ReevaluationDecision": ob.reevaluation_billable("new_clinical_findings"),
    "KXAssessment": report.kx,
    "PlanOfCare": ob.PlanOfCare("2024-06-03", certified_on="2024-06-05"),
    "PTPEdit": edits.ptp_edits("97150", "97530", on="2024-07-01", setting="practitioner")[0],
    "MUE": edits.mue("97530", on="2024-07-01", setting="practitioner"),
    "PayerPolicy": ob.MEDICARE,
    "DataVersion": ob.data_version(),
    "UnknownCodeError": results[1].error,
    "WorkerError": ob.WorkerError("visit #3: died", index=3, cause="worker died"),
    "DataFileError": ob.DataFileError("bad", path="x.csv", line=2, visit_id="v9"),
}
with open(sys.argv[1], "wb") as fh:
    pickle.dump(samples, fh)
print(json.dumps({k: repr(v) for k, v in samples.items()}))
"""

READER = """
import json, pickle, sys
import ot_billing_rules  # the only import a user's program may have made
before = sorted(m for m in sys.modules if m.startswith("ot_billing_rules."))
with open(sys.argv[1], "rb") as fh:
    samples = pickle.load(fh)
print(json.dumps({"before": before, "reprs": {k: repr(v) for k, v in samples.items()}}))
"""

COMPACT = """
import importlib, json, pkgutil
import attrs
import ot_billing_rules as ob
found = []
for info in pkgutil.iter_modules(ob.__path__):
    module = importlib.import_module("ot_billing_rules." + info.name)
    for name, value in vars(module).items():
        if (
            isinstance(value, type)
            and value.__module__ == module.__name__
            and attrs.has(value)
            and hasattr(module, "_make_" + value.__qualname__)
        ):
            found.append(name)
print(json.dumps(sorted(found)))
"""


def test_every_pickled_type_loads_in_a_fresh_interpreter(tmp_path: Path) -> None:
    path = tmp_path / "samples.pickle"
    written = run_script(tmp_path, WRITER, str(path), name="writer.py")
    read = run_script(tmp_path, READER, str(path), name="reader.py")
    # The reader had loaded none of the modules that define these types.
    assert "ot_billing_rules.audit" not in read["before"]
    assert read["reprs"] == written


def test_every_compact_pickled_class_is_in_the_fresh_interpreter_sample(tmp_path: Path) -> None:
    compact = run_script(tmp_path, COMPACT)
    sampled = {key.split(".")[0] for key in json.loads(_sample_keys())}
    assert compact, "no compact-pickled class found: the scan is broken"
    assert set(compact) <= sampled, set(compact) - sampled


def _sample_keys() -> str:
    start = WRITER.index("samples = {")
    keys = [
        line.split('"')[1]
        for line in WRITER[start:].splitlines()
        if line.startswith('    "') and '":' in line
    ]
    return json.dumps(keys)


# -- 1. audit_many(workers=2) as the first call, under fork and spawn

VISITS = """
GOOD = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 38}]}
BAD = {"date_of_service": "2024-07-01", "services": [{"code": "9753", "minutes": 38}]}

def visits(n):
    for i in range(n):
        base = BAD if i % 7 == 3 else GOOD
        yield dict(base, visit_id=f"v{i}")

def summary(results):
    return [
        [r.index, r.visit_id, r.ok, r.error_kind, type(r.error).__name__ if r.error else None,
         r.report.to_dict() if r.report else str(r.error), r.reader_failed]
        for r in results
    ]
"""

FIRST_CALL = (
    """
import json, multiprocessing, sys
import ot_billing_rules as ob
"""
    + VISITS
    + """
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    pooled = summary(ob.audit_many(visits(700), errors="collect", workers=2, chunksize=64))
    serial = summary(ob.audit_many(visits(700), errors="collect"))
    print(json.dumps({"same": pooled == serial, "n": len(pooled),
                      "bad": sum(1 for row in pooled if not row[2])}))
"""
)


@pytest.mark.parametrize("method", START_METHODS)
def test_pool_works_as_the_first_call(tmp_path: Path, method: str) -> None:
    out = run_script(tmp_path, FIRST_CALL, method)
    assert out == {"same": True, "n": 700, "bad": 100}


# -- 3. nothing computed is lost: reader failures, unpicklable input, odd errors, dead workers

READER_FAILS = (
    """
import json, multiprocessing, sys
import ot_billing_rules as ob
"""
    + VISITS
    + """
def failing(n):
    yield from visits(n)
    raise OSError("disk read failed at row 600")

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    workers = int(sys.argv[2])
    collected = summary(ob.audit_many(failing(600), errors="collect", workers=workers,
                                      chunksize=64))
    delivered = []
    raised = None
    try:
        for r in ob.audit_many(failing(600), workers=workers, chunksize=64,
                               errors="raise"):
            delivered.append(r.index)
    except Exception as exc:
        raised = type(exc).__name__ + ": " + str(exc)
    print(json.dumps({"collected": collected, "delivered": delivered, "raised": raised}))
"""
)


@pytest.mark.parametrize(("method", "workers"), [("fork", 1), ("fork", 2), ("spawn", 2)])
def test_a_failing_reader_keeps_every_result_before_it(
    tmp_path: Path, method: str, workers: int
) -> None:
    out = run_script(tmp_path, READER_FAILS, method, str(workers))
    collected = out["collected"]
    assert [row[0] for row in collected] == list(range(601))
    last = collected[-1]
    assert last[2:5] == [False, "reader", "OSError"]
    assert last[6] is True  # reader_failed
    assert not any(row[6] for row in collected[:-1])
    # Raise mode: items before the first bad visit (#3), then that visit's error.
    assert out["delivered"] == [0, 1, 2]
    assert out["raised"].startswith("UnknownCodeError") or out["raised"].startswith(
        "InvalidCodeError"
    )


READER_FAILS_ALL_GOOD = """
import json, multiprocessing, sys
import ot_billing_rules as ob

GOOD = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 38}]}

def failing():
    for i in range(600):
        yield dict(GOOD, visit_id=f"v{i}")
    raise OSError("disk read failed at row 600")

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    delivered, raised = [], None
    try:
        for r in ob.audit_many(failing(), workers=int(sys.argv[2]), chunksize=64):
            delivered.append(r.index)
    except OSError as exc:
        raised = str(exc)
    print(json.dumps({"delivered": delivered, "raised": raised}))
"""


@pytest.mark.parametrize(("method", "workers"), [("fork", 1), ("fork", 2), ("spawn", 2)])
def test_raise_mode_delivers_everything_before_the_reader_fails(
    tmp_path: Path, method: str, workers: int
) -> None:
    out = run_script(tmp_path, READER_FAILS_ALL_GOOD, method, str(workers))
    assert out == {"delivered": list(range(600)), "raised": "disk read failed at row 600"}


HOSTILE = (
    """
import json, multiprocessing, os, sys, types
from collections.abc import Mapping
import ot_billing_rules as ob
"""
    + VISITS
    + """
"""
    + KILLER
    + """
class Odd(Exception):
    # Pickles, but cannot be unpickled: __init__ needs two arguments.
    def __init__(self, a, b):
        super().__init__(f"odd {a} {b}")

class OddMapping(Mapping):
    def __init__(self, visit_id):
        self.visit_id = visit_id
    def __getitem__(self, key):
        if key == "visit_id":
            return self.visit_id
        raise Odd(1, 2)
    def __iter__(self):
        return iter(["visit_id", "date_of_service", "services"])
    def __len__(self):
        return 3


class GetRaises(dict):
    def get(self, key, default=None):
        raise RuntimeError("get is broken")

def hostile():
    for i, visit in enumerate(visits(300)):
        if i == 50:
            yield types.MappingProxyType(dict(GOOD, visit_id="proxy"))  # cannot be pickled
        elif i == 120:
            yield OddMapping("odd")
        elif i == 200:
            yield Killer("killer")
        elif i == 250:
            yield GetRaises(GOOD)
        else:
            yield visit

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    pooled = summary(ob.audit_many(hostile(), errors="collect", workers=2, chunksize=32))
    print(json.dumps(pooled))
"""
)


@pytest.mark.parametrize("method", START_METHODS)
def test_hostile_inputs_cost_only_their_own_result(tmp_path: Path, method: str) -> None:
    rows = run_script(tmp_path, HOSTILE, method)
    assert [row[0] for row in rows] == list(range(300))
    by_index = {row[0]: row for row in rows}
    # An unpicklable but valid visit is audited in the parent, not lost.
    assert by_index[50][1:4] == ["proxy", True, None]
    # An exception class that cannot be unpickled travels as a WorkerError naming it.
    assert by_index[120][1:5] == ["odd", False, "worker", "WorkerError"]
    assert "Odd: odd 1 2" in by_index[120][5]
    # The visit that kills its worker, every time, is the only one lost.
    assert by_index[200][1:5] == ["killer", False, "worker", "WorkerError"]
    assert "died" in by_index[200][5]
    # A mapping whose .get raises is that visit's error, even in the pool.
    assert by_index[250][2:4] == [False, "internal"]
    others = [row for i, row in by_index.items() if i not in {50, 120, 200, 250}]
    assert all(row[2] == (int(row[1][1:]) % 7 != 3) for row in others)


def test_get_raising_mapping_stays_in_collect_mode() -> None:
    class GetRaises(dict[str, Any]):
        def get(self, key: str, default: object = None) -> Any:
            raise RuntimeError("get is broken")

    good = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 38}]}
    results = list(ob.audit_many([GetRaises(good), good], errors="collect"))
    assert [r.ok for r in results] == [False, True]
    assert results[0].visit_id is None
    assert isinstance(results[0].error, RuntimeError)
