"""Hostile CMS inputs: a zip member with no line break, thousands of small
members, a path with a NUL character."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

import ot_billing_rules as ob
from ot_billing_rules.ncci import _cms_files

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"


def _no_newline_zip(path: Path, size: int) -> Path:
    chunk = b"A" * (1 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("ccipra-v302r0-f1.TXT", "w", force_zip64=True) as member,
    ):
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="resource module")
def test_member_without_newline_is_refused_with_flat_memory(tmp_path: Path) -> None:
    archive = _no_newline_zip(tmp_path / "medicare-ncci-2024q3-ccipra-v302r0-f1.zip", 256 << 20)
    code = (
        "import resource, sys\n"
        # A forked child inherits its parent's RSS high-water mark (a big
        # pytest process): reset it, where Linux allows, before measuring.
        "try:\n"
        "    open('/proc/self/clear_refs', 'w').write('5')\n"
        "except OSError:\n"
        "    pass\n"
        "import ot_billing_rules as ob\n"
        "try:\n"
        "    ob.EditSet.from_cms_files(sys.argv[1])\n"
        "except ob.DataFileError as exc:\n"
        "    print(type(exc).__name__, exc.line, str(exc).replace(chr(10), ' '))\n"
        # getrusage keeps the inherited mark; VmHWM honours the reset above.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "print(hwm[0].split()[1] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(archive)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    first, peak = done.stdout.splitlines()
    assert first.startswith("DataFileError 1 "), first
    assert "longer than" in first
    # ru_maxrss is KiB on Linux, bytes on macOS: either way far below the
    # 256 MiB the member would take if read as one line.
    kib = int(peak) // (1024 if sys.platform == "darwin" else 1)
    assert kib < 120 * 1024, f"peak RSS {kib} KiB"


def test_cli_import_of_a_member_without_newline_is_one_line(tmp_path: Path) -> None:
    archive = _no_newline_zip(tmp_path / "ccipra-v302r0-f1.zip", 4 << 20)
    code = "import sys; from ot_billing_rules.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "ncci", "import", str(archive), "--db", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "longer than" in done.stderr


def test_long_line_limit_names_the_line(tmp_path: Path) -> None:
    text = PRA.read_text("latin-1") + "97530\t97535\t" + "x" * (_cms_files.MAX_LINE_CHARS + 5)
    path = tmp_path / PRA.name
    path.write_text(text, "latin-1")
    with pytest.raises(ob.DataFileError, match="longer than") as info:
        ob.EditSet.from_cms_files(path)
    assert info.value.line == 14


def _many_members(path: Path, count: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("ccipra-v302r0-f1.TXT", PRA.read_bytes())
        for i in range(count):
            z.writestr(f"notes/readme-{i:05d}.txt", b"a read-me, not a table\n")
    return path


def test_thousands_of_members_open_the_archive_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _many_members(tmp_path / "cms-ncci-files.zip", 3000)
    opened: list[int] = []

    class Counting(zipfile.ZipFile):
        def __init__(self, *args: Any, **kw: Any) -> None:
            opened.append(1)
            super().__init__(*args, **kw)

    monkeypatch.setattr(zipfile, "ZipFile", Counting)
    edits = ob.EditSet.from_cms_files(archive)
    assert edits.counts()["ptp"] == 7
    assert len(opened) == 1, len(opened)


def test_member_count_scales_linearly(tmp_path: Path) -> None:
    def seconds(count: int) -> float:
        archive = _many_members(tmp_path / f"cms-ncci-files-{count}.zip", count)
        started = time.perf_counter()
        ob.EditSet.from_cms_files(archive)
        return time.perf_counter() - started

    small, large = seconds(400), seconds(4000)
    # Linear: about 10x; the old reopen-per-member was about 100x.
    assert large < 30 * small + 0.5, (small, large)


def test_table_read_after_the_generator_finished_reopens(tmp_path: Path) -> None:
    archive = _many_members(tmp_path / "cms-ncci-files.zip", 3)
    (table,) = list(_cms_files.read_cms_files([archive], setting=None))
    assert len(list(table.ptp_rows())) == 7


@pytest.mark.parametrize(
    "call",
    [
        lambda: ob.EditSet.from_cms_files("\x00"),
        lambda: ob.EditSet.from_cms_files(str(PRA) + "\x00"),
        lambda: ob.EditSet.open("\x00"),
        lambda: ob.import_cms_files(["bad\x00name.txt"], "/tmp/never.sqlite"),
        lambda: ob.import_cms_files([PRA], "edits\x00.sqlite"),
    ],
    ids=["from-cms-nul", "from-cms-trailing-nul", "open-nul", "import-path-nul", "import-db-nul"],
)
def test_nul_in_a_path_is_a_typed_error(call: object) -> None:
    assert callable(call)
    with pytest.raises(ob.InvalidInputError, match="NUL") as info:
        call()
    assert info.value.field in ("paths", "path", "db")
