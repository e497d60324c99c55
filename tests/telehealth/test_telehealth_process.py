"""Telehealth visits across process boundaries, in a fresh interpreter: a
pooled audit of POS 02/10 visits equals the serial one, and a pickled report
(findings, dated rate) reads back in a process that imported nothing first."""

from __future__ import annotations

from pathlib import Path

from _fresh import run_script

POOL = """
import json, multiprocessing, pickle, sys
import ot_billing_rules as ob

DAYS = ["2021-06-01", "2025-10-15", "2026-03-02", "2019-06-03", "2024-03-04"]

def visits():
    for i in range(40):
        yield {
            "visit_id": f"v{i}",
            "date_of_service": DAYS[i % len(DAYS)],
            "place_of_service": ["02", "10"][i % 2],
            "locality": "10112-00",
            "services": [{"code": "97110", "minutes": 30}, {"code": "97530", "minutes": 15}],
        }

if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    pooled = [r.report for r in ob.audit_many(visits(), workers=2, chunksize=8)]
    serial = [r.report for r in ob.audit_many(visits())]
    back = pickle.loads(pickle.dumps(serial[1]))
    print(json.dumps({
        "same": [r.to_dict() for r in pooled] == [r.to_dict() for r in serial],
        "retro": sum(any(f.rule == "telehealth.retroactive" for f in r.findings) for r in pooled),
        "back": back == serial[1],
        "pos": back.visit.place_of_service,
    }))
"""


def test_pooled_telehealth_audits_match_serial(tmp_path: Path) -> None:
    out = run_script(tmp_path, POOL)
    assert out["same"] is True
    assert out["retro"] == 8  # every 2025-10-15 visit: the lapse reversed by Pub. L. 119-37
    assert out["back"] is True
    assert out["pos"] == "10"
