"""edits= and options= cross the process boundary: audit_many and audit_history with
workers=2 (fork and spawn, in a fresh interpreter) equal workers=1, and the options
and the customer's tables actually reached the workers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests._fresh import run_script

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "cms" / "ccipra-v302r0-f1.txt"

SCRIPT = """
import json, multiprocessing, sys
from ot_billing_rules import AuditOptions, EditSet, audit_history, audit_many, import_cms_files

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    source = sys.argv[2]
    import_cms_files(source, "store.sqlite")
    visits = [
        {"visit_id": f"v{n}", "patient_id": f"p{n % 3}", "date_of_service": f"2024-07-{n:02d}",
         "services": [{"code": "97530", "minutes": 30}, {"code": "97535", "minutes": 23}]}
        for n in range(1, 13)
    ] + [
        {"visit_id": f"t{n}", "patient_id": "p9", "date_of_service": f"2024-08-{n:02d}",
         "services": [{"code": "97110", "minutes": 20}, {"code": "97140", "minutes": 20}]}
        for n in range(1, 5)
    ]
    options = AuditOptions(prefer=["97140"], bypass_modifier="XU")
    out = {}
    sets = (("memory", EditSet.from_cms_files(source)), ("store", EditSet.open("store.sqlite")))
    for name, edits in sets:
        runs = []
        for workers in (1, 2):
            many = [r.report.to_dict() for r in audit_many(
                visits, workers=workers, chunksize=3, edits=edits, options=options)]
            hist = [r.report.to_dict() for r in audit_history(
                visits, workers=workers, edits=edits, options=options)]
            runs.append((many, hist))
        many, hist = runs[1]
        out[name] = {
            "equal": runs[0] == runs[1],
            "ptp": sum("ncci.ptp" in [f["rule"] for f in r["findings"]] for r in many),
            "hist_ptp": sum("ncci.ptp" in [f["rule"] for f in r["findings"]] for r in hist),
            "release": sorted({t["release"] for r in many for t in r["tables"]
                               if t["table"] == "ncci_ptp"}),
            "prefer": sorted({json.dumps(r["options"]["prefer"]) for r in many + hist}),
            "units_97140": sorted({l["units"] for r in many for l in r["lines"]
                                   if l["code"] == "97140"}),
        }
    print(json.dumps(out))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_gets_the_edits_and_options(tmp_path: Path, method: str) -> None:
    source = tmp_path / "ccipra-v302r0-f1.txt"
    shutil.copy(FIXTURE, source)
    source.write_bytes(
        source.read_bytes().replace(
            b"97530\t97535\t\t20200101\t20211231\t1", b"97530\t97535\t\t20200101\t*\t0"
        )
    )
    out = run_script(tmp_path, SCRIPT, method, str(source))
    for name in ("memory", "store"):
        got = out[name]
        assert got["equal"], name
        # Twelve visits with the pair the customer's quarter denies; the bundled data does not.
        assert (got["ptp"], got["hist_ptp"]) == (12, 12), name
        assert got["release"] == ["ccipra-v302r0"], name
        assert got["prefer"] == ['{"value": ["97140"], "from": "option"}'], name
        assert got["units_97140"] == [2], name
