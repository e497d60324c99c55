"""scripts/build_data.py: the package data rebuilds byte for byte from data/sources/.

Every case runs the script in a fresh interpreter, as CI does.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_data.py"
SOURCES = ROOT / "data" / "sources"
DATA = ROOT / "src" / "ot_billing_rules" / "_data"
PTP = "ncci_2024-07-01/ptp_practitioner_2024-07-01_ot_subset.csv"

pytestmark = pytest.mark.skipif(
    not SOURCES.is_dir(), reason="data/sources/ is not in this checkout"
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    copy = tmp_path / "sources"
    shutil.copytree(SOURCES, copy)
    return copy


def tamper_ptp(sources: Path) -> tuple[str, str]:
    """Flip the first practitioner PTP row's modifier indicator; return (old, new) sha256."""
    path = sources / PTP
    old = path.read_bytes()
    head, first, rest = old.split(b"\n", 2)
    fields = first.split(b",")
    fields[3] = b"0" if fields[3] != b"0" else b"1"
    path.write_bytes(b"\n".join((head, b",".join(fields), rest)))
    return hashlib.sha256(old).hexdigest(), hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_data_matches_a_rebuild() -> None:
    done = run("--check")
    assert done.returncode == 0, done.stderr
    assert "matches a rebuild" in done.stdout


def test_build_writes_the_committed_bytes(tmp_path: Path) -> None:
    out = tmp_path / "_data"
    done = run("--data", out)
    assert done.returncode == 0, done.stderr
    # _data/__init__.py is the loader, not built data.
    committed = [p for p in DATA.iterdir() if p.is_file() and p.suffix != ".py"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in committed)
    for path in committed:
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name


def test_build_replaces_stale_and_removes_unbuilt_files(tmp_path: Path) -> None:
    out = tmp_path / "_data"
    shutil.copytree(DATA, out)
    (out / "kx_thresholds.json").write_text("{}\n", "utf-8")
    (out / "leftover.csv").write_text("x\n", "utf-8")
    done = run("--data", out)
    assert done.returncode == 0, done.stderr
    assert "kx_thresholds.json" in done.stdout
    assert (out / "kx_thresholds.json").read_bytes() == (DATA / "kx_thresholds.json").read_bytes()
    assert not (out / "leftover.csv").exists()


def test_tampered_source_fails_check_naming_the_file(sources: Path) -> None:
    tamper_ptp(sources)
    done = run("--check", "--sources", sources)
    assert done.returncode == 1
    assert PTP in done.stderr
    assert "does not match pin" in done.stderr


def test_repinned_change_fails_check_naming_the_data_files(sources: Path) -> None:
    old, new = tamper_ptp(sources)
    for name in ("SHA256SUMS", "SOURCES.md"):
        text = (sources / name).read_text("utf-8")
        (sources / name).write_text(text.replace(old, new), "utf-8")
    done = run("--check", "--sources", sources)
    assert done.returncode == 1
    assert "pin" not in done.stderr
    assert "ncci_ptp_2024-07-01.csv: committed file differs" in done.stderr
    assert "manifest.json: committed file differs" in done.stderr


def test_pin_not_listed_in_sources_md_fails(sources: Path) -> None:
    old, new = tamper_ptp(sources)
    pins = sources / "SHA256SUMS"
    pins.write_text(pins.read_text("utf-8").replace(old, new), "utf-8")
    done = run("--check", "--sources", sources)
    assert done.returncode == 1
    assert f"{PTP}: not listed with its sha256 in SOURCES.md" in done.stderr


@pytest.mark.parametrize("case", ["unpinned", "missing", "outside"])
def test_pin_file_problems_fail_naming_the_file(sources: Path, case: str) -> None:
    pins = sources / "SHA256SUMS"
    if case == "unpinned":
        (sources / "project" / "extra.json").write_text("{}\n", "utf-8")
        expected = "project/extra.json: not pinned"
    elif case == "missing":
        (sources / "seed" / "activity_table.txt").unlink()
        expected = "seed/activity_table.txt: pinned but missing"
    else:
        line = f"{'0' * 64}  ../outside.txt\n"
        pins.write_text(pins.read_text("utf-8") + line, "utf-8")
        expected = "../outside.txt"
    done = run("--check", "--sources", sources)
    assert done.returncode == 1
    assert expected in done.stderr


def test_pins_match_the_files() -> None:
    # The pin file stays readable by `sha256sum -c`.
    lines = (SOURCES / "SHA256SUMS").read_text("utf-8").splitlines()
    assert lines
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((SOURCES / name).read_bytes()).hexdigest() == digest, name


def test_sources_stay_small() -> None:
    for path in SOURCES.rglob("*"):
        assert path.stat().st_size < 3_000_000, path


# Run the script under an audit hook that records every file it opens for
# reading and every directory it lists; all must lie in the repository, the
# temporary build directory or the Python installation.
_AUDIT = """
import os, runpy, sys
seen = []
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        path, mode, flags = args
        if (isinstance(mode, str) and set(mode) & set("wxa+")) or (flags or 0) & WRITE:
            return
        seen.append(os.fsdecode(path))
    elif event in ("os.listdir", "os.scandir") and isinstance(args[0], (str, bytes)):
        seen.append(os.fsdecode(args[0]))
sys.addaudithook(hook)
sys.argv = [sys.argv[1], "--check"]
sys.path[0] = os.path.dirname(sys.argv[0])
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
sys.stdout.write("\\n".join(["OPENED"] + seen) + "\\n")
sys.exit(code)
"""


def test_build_reads_nothing_outside_the_repository() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _AUDIT, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tempfile.gettempdir(),
    )
    assert done.returncode == 0, done.stderr
    opened = done.stdout.split("OPENED\n", 1)[1].split()
    allowed = [ROOT, *(Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})]
    build_dir = Path(tempfile.gettempdir()).resolve()
    read_sources = {p for p in opened if Path(p).resolve().is_relative_to(SOURCES)}
    assert len(read_sources) >= 8, opened
    for name in opened:
        path = Path(name).resolve()
        if any(path.is_relative_to(root) for root in allowed):
            continue
        # In the temp dir, only the build's own directory, never other files there.
        assert path.is_relative_to(build_dir), name
        assert path.relative_to(build_dir).parts[:1] != (), name
        assert path.relative_to(build_dir).parts[0].startswith("build_data-"), name


def test_wheel_does_not_ship_the_sources_and_the_sdist_does() -> None:
    tomllib = pytest.importorskip("tomllib")
    hatch = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]
    assert hatch["build"]["targets"]["wheel"]["packages"] == ["src/ot_billing_rules"]
    assert "data" in hatch["build"]["targets"]["sdist"]["include"]
