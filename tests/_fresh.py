"""Run a test script in a fresh interpreter, where nothing of ours was imported first.

The script is written to a file (spawned workers re-import ``__main__``) and
run with ``sys.executable``; its last line of output is JSON, which is returned.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any


def run_script(tmp_path: Path, source: str, *args: str, name: str = "script.py") -> Any:
    """Run ``source`` as ``tmp_path/name`` with ``args``; return its last output line as JSON."""
    script = tmp_path / name
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


#: Script text (column 0) for a pool test: ``PARENT``, the parent's pid, which
#: spawned workers (re-running the script as ``__mp_main__``) read from the
#: environment, and ``Killer(visit_id)``, a visit mapping that kills any
#: process but the parent reading it. The script imports ``os`` and
#: ``Mapping`` and defines ``GOOD``, the visit it carries.
KILLER = """
PARENT = int(os.environ.setdefault("KILLER_PARENT_PID", str(os.getpid())))

class Killer(Mapping):
    # Kills the worker that reads it; harmless in the parent.
    def __init__(self, visit_id):
        self.data = dict(GOOD, visit_id=visit_id)
    def __getitem__(self, key):
        if os.getpid() != PARENT:
            os._exit(7)
        return self.data[key]
    def __iter__(self):
        return iter(self.data)
    def __len__(self):
        return len(self.data)
"""
