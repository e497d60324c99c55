"""audit_history(workers=2) in a fresh interpreter, fork and spawn: equal to workers=1."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = """
import json, multiprocessing, sys
from ot_billing_rules import audit_history
from ot_billing_rules._history_synthetic import synthetic_year

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    year = synthetic_year(25)
    def run(workers):
        r = audit_history(year, workers=workers, errors="collect")
        out = [(x.index, x.visit_id, x.report.to_dict()) for x in r]
        return out, r.state.to_dict(), [s.to_record() for s in r.summaries]
    one, many = run(1), run(2)
    print(json.dumps({"equal": one == many, "n": len(one[0]), "inputs": len(year)}))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_equals_one_process(tmp_path: Path, method: str) -> None:
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), method],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"equal": True, "n": out["inputs"], "inputs": out["inputs"]}
