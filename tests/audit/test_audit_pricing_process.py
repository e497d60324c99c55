"""Priced reports across process boundaries, each case in a fresh interpreter.

A pooled audit ships each report back without its visit, field by field;
a report pickled by one program is read by another that imported nothing.
Both must carry ``pricing``, ``amount_at_risk`` and the findings' amounts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _fresh import run_script

POOL = """
import json, multiprocessing, sys
import ot_billing_rules as ob

def visits():
    for i in range(120):
        yield {
            "visit_id": f"v{i}",
            "date_of_service": "2025-06-02",
            "locality": "10112-00",
            "ytd_allowed": "2380.00",
            "services": [{"code": "97150", "minutes": 30},
                         {"code": "97530", "minutes": 8 + i % 40}],
        }

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    pooled = [r.report for r in ob.audit_many(visits(), workers=2, chunksize=16)]
    serial = [r.report for r in ob.audit_many(visits())]
    print(json.dumps({
        "same": pooled == serial,
        "dicts": [r.to_dict() for r in pooled] == [r.to_dict() for r in serial],
        "priced": sum(r.pricing is not None for r in pooled),
        "at_risk": sum(r.amount_at_risk is not None and r.amount_at_risk > 0 for r in pooled),
        "kx": sum("KX" in r.lines[-1].modifiers for r in pooled),
    }))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pooled_priced_audits_equal_serial(tmp_path: Path, method: str) -> None:
    out = run_script(tmp_path, POOL, method)
    # Every visit is priced, its 97530 (column 2 of 97150) is at risk, and the
    # computed amount takes $2,380 over the $2,410 threshold for every visit
    # whose amount is above $30 — all of them (97150 alone is $12.94).
    assert out == {"same": True, "dicts": True, "priced": 120, "at_risk": 120, "kx": 120}


WRITE = """
import json, pickle, sys
import ot_billing_rules as ob
report = ob.audit_visit({
    "date_of_service": "2025-06-02", "locality": "10112-00", "place_of_service": "22",
    "services": [{"code": "97150", "minutes": 30}, {"code": "97530", "minutes": 30}],
})
with open(sys.argv[1], "wb") as fh:
    pickle.dump(report, fh)
print(json.dumps(report.to_dict()))
"""

READ = """
import json, pickle, sys
with open(sys.argv[1], "rb") as fh:
    report = pickle.load(fh)
print(json.dumps(report.to_dict()))
"""


def test_priced_report_pickle_loads_in_a_fresh_interpreter(tmp_path: Path) -> None:
    path = str(tmp_path / "report.pickle")
    written = run_script(tmp_path, WRITE, path, name="write.py")
    read = run_script(tmp_path, READ, path, name="read.py")
    assert read == written
    assert read["pricing"]["facility"] is True
    assert read["amount_at_risk"] == "54.98"
    assert [f["amount_at_risk"] for f in read["findings"] if f["rule"] == "ncci.ptp"] == ["54.98"]
