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
