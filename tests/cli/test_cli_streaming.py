"""``ot-billing audit`` as a process (issue 11): flat memory, pipes, encodings, stdin.

Each test runs the real command in a fresh interpreter: peak memory, a
closed pipe and the encoding of standard output belong to the process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "ot_billing_rules.cli", "audit"]
CODES = ("97530", "97535", "97110")


def write_visits(path: Path, visits: int) -> None:
    """``visits`` visits of three services, as CSV rows (grouped) or a JSON list."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8") as fh:
            fh.write("visit_id,date_of_service,ytd_allowed,code,minutes\n")
            for n in range(visits):
                day = 1 + n % 28
                fh.write(f"v{n},2024-07-{day:02d},{1000 + n % 2000}.00,97530,{8 + n % 40}\n")
                fh.write(f"v{n},,,97535,{10 + n % 30}\n")
                fh.write(f"v{n},,,97110,{15 + n % 20}\n")
        return
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[\n")
        for n in range(visits):
            visit = {
                "visit_id": f"v{n}",
                "date_of_service": f"2024-07-{1 + n % 28:02d}",
                "ytd_allowed": f"{1000 + n % 2000}.00",
                "services": [{"code": c, "minutes": 8 + (n + k) % 40} for k, c in enumerate(CODES)],
            }
            fh.write(("," if n else "") + json.dumps(visit) + "\n")
        fh.write("]\n")


MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
assert done.returncode in (0, 1), done.stderr
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_kb(*argv: str) -> int:
    """Peak resident set size (kB on Linux) of the command run in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kB on Linux")
@pytest.mark.parametrize(("suffix", "extra"), [(".csv", ()), (".json", ("--json",))])
def test_peak_memory_does_not_grow_with_the_number_of_visits(
    tmp_path: Path, suffix: str, extra: tuple[str, ...]
) -> None:
    # Before streaming, 5,000 visits cost ~25-40 MB more than 500 (every row,
    # visit, report and the whole output held at once); now the difference is
    # the set of visit ids seen.
    peaks = []
    for visits in (500, 5000):
        path = tmp_path / f"v{visits}{suffix}"
        write_visits(path, visits)
        peaks.append(peak_rss_kb(*CLI, str(path), *extra))
    small, big = peaks
    assert big - small < 8 * 1024, f"peak grew from {small} kB to {big} kB"


def test_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    write_visits(path, 2000)  # far more output than a pipe buffers
    proc = subprocess.Popen([*CLI, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert first.startswith(b"Visit v0 2024-07-01")
    assert err == b""


def test_closed_pipe_through_a_shell(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    write_visits(path, 2000)
    cmd = f"{' '.join(map(_quote, CLI))} {_quote(str(path))} --json | head -1"
    done = subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, check=False)
    assert done.stdout == b"[\n"
    assert done.stderr == b""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


ODD_ID = "Zoë-\udcff-\u2028-療"
ODD_JSON = json.dumps(
    {
        "visit_id": ODD_ID,
        "date_of_service": "2024-07-01",
        "services": [{"code": "97530", "minutes": 30}],
    }
)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8"])
def test_any_stdout_encoding_json(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "v.json"
    path.write_text(ODD_JSON, encoding="ascii")  # json.dumps escaped it all
    done = run(str(path), "--json", "--quiet", env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert json.loads(done.stdout.decode(encoding))["visit_id"] == ODD_ID


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8"])
def test_any_stdout_encoding_text(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "v.json"
    path.write_text(ODD_JSON, encoding="ascii")
    done = run(str(path), "--quiet", env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    head = done.stdout.decode(encoding).splitlines()[0]
    assert "\\udcff-\\u2028-" in head
    assert head.startswith("Visit Zo")


def test_lang_c_text_and_json(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(ODD_JSON, encoding="ascii")
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    for extra in ((), ("--json",)):
        done = run(str(path), *extra, "--quiet", env=env)
        assert done.returncode == 0, done.stderr
        assert b"Traceback" not in done.stderr
        assert done.stderr == b""


CSV = b"visit_id,date_of_service,code,minutes\na,2024-07-01,97530,30\nb,2024-07-01,97110,20\n"


@pytest.mark.parametrize(
    ("data", "extra"),
    [
        (CSV, ()),
        (b"\xef\xbb\xbf" + CSV, ()),
        (CSV, ("--input-format", "csv")),
        (json.dumps([ODD_JSON and json.loads(ODD_JSON)]).encode(), ()),
        (b"\n " + ODD_JSON.encode(), ("--input-format", "json")),
    ],
    ids=["csv", "csv-bom", "csv-forced", "json-list", "json-object"],
)
def test_dash_reads_standard_input(data: bytes, extra: tuple[str, ...]) -> None:
    done = run("-", "--json", *extra, stdin=data)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    ids = [r["visit_id"] for r in out] if isinstance(out, list) else [out["visit_id"]]
    assert ids in (["a", "b"], [ODD_ID])


def test_dash_errors_name_standard_input() -> None:
    done = run("-", stdin=CSV + b"c,2024-07-01\n")
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr == (
        b"ot-billing: error: <stdin>, line 4: fewer cells than header columns (2, header has 4)\n"
    )


def run(
    *argv: str, env: dict[str, str] | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONIO", "LC_"))}
    full_env.update(env or {})
    return subprocess.run(
        [*CLI, *argv], input=stdin, capture_output=True, env=full_env, check=False, timeout=120
    )
