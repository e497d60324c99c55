"""The SQLite store across process boundaries: re-imports under open readers,
locks, read-only places, full disks, damaged and foreign files, killed imports.

Each failure must reach the CLI as exit 2 and one stderr line, and the
library as a typed ``StoreError``; never a traceback or a raw sqlite3 error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ot_billing_rules as ob

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"
OPH = FIX / "ccioph-v302r0-f1.txt"
MUE_PRA = FIX / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"
HEAD = "".join(PRA.read_text("latin-1").splitlines(keepends=True)[:6])
CLI = "import sys; from ot_billing_rules.cli import main; sys.exit(main(sys.argv[1:]))"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and locks")


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _py(code: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_line_exit_2(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("ot-billing: error: "), done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def _check_works(db: Path) -> None:
    done = _cli("check", "97150", "97530", "--on", "2024-07-01", "--db", db)
    assert done.returncode == 1, done.stderr
    assert "ncci.ptp" in done.stdout


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _big_ptp(path: Path, rows: int, rationale: str = "Mutually exclusive procedures") -> Path:
    """A PTP part with ``rows`` distinct rows (codes 10000.. paired with 97530)."""
    with path.open("w", encoding="latin-1", newline="") as fh:
        fh.write(HEAD)
        for i in range(rows):
            fh.write(f"{10000 + i % 80000:05d}\t{97000 + i // 80000:05d}\t\t20240701\t*\t1\t")
            fh.write(f"{rationale}\r\n")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PRA, OPH, MUE_PRA], db)
    return db


# -- item 10: an open EditSet and a re-import by another process -------------


def test_open_edit_set_keeps_its_snapshot_when_another_process_reimports(
    store: Path, tmp_path: Path
) -> None:
    edits = ob.EditSet.open(store)
    before = sorted(map(repr, edits.iter_ptp()))
    newer = tmp_path / "ccipra-v303r0-f1.txt"
    newer.write_bytes(
        (HEAD + "97150\t97530\t\t20200101\t20240930\t1\tA rationale new in v30.3\r\n").encode()
    )
    done = _cli("ncci", "import", newer, "--db", store)
    assert done.returncode == 0, done.stderr
    # The old handle still answers, consistently, from the release it opened.
    assert edits.release == "2024-07-01"
    assert sorted(map(repr, edits.iter_ptp())) == before
    (row,) = edits.ptp_history("97150", "97530", setting="practitioner")
    assert row.deletion is None
    mue = edits.mue("97530", on="2024-07-01")
    assert mue is not None
    assert mue.value == 6
    # A fresh open sees the new release.
    with ob.EditSet.open(store) as fresh:
        (new_row,) = fresh.ptp_history("97150", "97530", setting="practitioner")
        assert new_row.rationale == "A rationale new in v30.3"
    edits.close()


def test_in_place_change_by_another_program_raises_store_changed(store: Path) -> None:
    edits = ob.EditSet.open(store)
    assert edits.ptp_edits("97150", "97530", on="2024-07-01")
    done = _py(
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
        "c.execute(\"INSERT INTO rationale (text) VALUES ('new')\");"
        "c.execute('UPDATE ptp SET rationale = (SELECT max(id) FROM rationale)'); c.commit()",
        store,
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(ob.StoreChangedError, match="open it again") as info:
        edits.ptp_edits("97150", "97530", on="2024-07-01")
    assert info.value.path == str(store)
    with pytest.raises(ob.StoreChangedError):
        edits.mue("97530", on="2024-07-01")
    with pytest.raises(ob.StoreChangedError):
        list(edits.iter_ptp())
    assert isinstance(info.value, ob.DataFileError)


def test_pickled_edit_set_refuses_a_reimported_store(store: Path, tmp_path: Path) -> None:
    edits = ob.EditSet.open(store)
    blob = pickle.dumps(edits)
    assert pickle.loads(blob) == edits
    assert _cli("ncci", "import", MUE_PRA, "--db", store).returncode == 0
    code = "import pickle, sys; pickle.loads(open(sys.argv[1], 'rb').read())"
    (tmp_path / "edits.pickle").write_bytes(blob)
    done = _py(code, tmp_path / "edits.pickle")
    assert "StoreChangedError" in done.stderr
    assert "re-imported" in done.stderr


def test_close_and_context_manager(store: Path) -> None:
    with ob.EditSet.open(store) as edits:
        assert edits.status("97010") is ob.FeeScheduleStatus.BUNDLED
    with pytest.raises(ob.StoreClosedError, match="closed"):
        edits.status("97010")
    edits.close()  # twice is fine
    bundled = ob.EditSet.bundled()
    with bundled:
        pass
    assert bundled.mue("97530", on="2024-07-01") is not None  # shared; close is a no-op


# -- item 11: typed errors, exit 2, one line ---------------------------------


@posix_only
def test_locked_store(store: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(60)",
            str(store),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        # Both wait out the busy timeout side by side.
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", CLI, *map(str, args)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in (
                ("check", "97150", "97530", "--db", store),
                ("ncci", "import", MUE_PRA, "--db", store),
            )
        ]
        for run in runs:
            out, err = run.communicate(timeout=120)
            _one_line_exit_2(
                subprocess.CompletedProcess(run.args, run.returncode, out, err), "locked"
            )
    finally:
        holder.kill()
        holder.wait()
    assert ob.EditSet.open(store).counts()["ptp"] == 10


@posix_only
def test_concurrent_import_refused(store: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1] + '.lock', os.O_RDWR);"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
            str(store),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        _one_line_exit_2(_cli("ncci", "import", MUE_PRA, "--db", store), "another import")
    finally:
        holder.kill()
        holder.wait()
    assert _cli("ncci", "import", MUE_PRA, "--db", store).returncode == 0


def test_read_only_store_file(store: Path) -> None:
    before = _digest(store)
    store.chmod(0o444)
    try:
        _one_line_exit_2(_cli("ncci", "import", MUE_PRA, "--db", store), "read-only")
        _check_works(store)
    finally:
        store.chmod(0o644)
    assert _digest(store) == before


def _mount(point: Path, options: str) -> bool:
    point.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system (tmpfs; needs root), or skip."""
    point = tmp_path / "disk"
    if sys.platform != "linux" or os.geteuid() != 0 or not _mount(point, "size=1m"):
        pytest.skip("needs root to mount a tmpfs")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=False)


@posix_only
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    mounted = False
    if sys.platform == "linux" and os.geteuid() == 0:
        mounted = _mount(folder, "size=4m")
        if not mounted:
            pytest.skip("root cannot be denied by permissions, and mounting failed")
    else:
        folder.mkdir()
    try:
        db = folder / "edits.sqlite"
        ob.import_cms_files([PRA], db)
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            folder.chmod(0o555)
        _one_line_exit_2(_cli("ncci", "import", MUE_PRA, "--db", db), "write")
        _one_line_exit_2(_cli("ncci", "import", PRA, "--db", folder / "new.sqlite"), "write")
        _check_works(db)
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o755)


def test_full_disk_leaves_the_store(small_disk: Path, tmp_path: Path) -> None:
    db = small_disk / "edits.sqlite"
    ob.import_cms_files([PRA], db)
    before = _digest(db)
    big = _big_ptp(tmp_path / "ccipra-v303r0-f1.txt", 60_000)
    _one_line_exit_2(_cli("ncci", "import", big, "--db", db), "disk is full")
    assert _digest(db) == before
    assert not list(small_disk.glob(".*importing*"))  # scratch removed, space back
    with ob.EditSet.open(db) as edits:
        assert edits.counts()["ptp"] == 7
    with pytest.raises(ob.StoreFullError):
        ob.import_cms_files([big], db)


def test_damaged_store(tmp_path: Path) -> None:
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([_big_ptp(tmp_path / "ccipra-v302r0-f1.txt", 20_000)], db)
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, 3 * page):
        data[start : start + page] = b"\xa5" * page  # scribble over b-tree pages
    db.write_bytes(bytes(data))
    done = _cli("check", "10005", "97000", "--on", "2024-07-01", "--db", db)
    _one_line_exit_2(done)
    assert any(w in done.stderr for w in ("damaged", "not a SQLite database")), done.stderr
    _one_line_exit_2(_cli("ncci", "import", MUE_PRA, "--db", db))


def test_not_a_database_at_all(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    before = _digest(junk)
    _one_line_exit_2(_cli("check", "97530", "--db", junk))
    _one_line_exit_2(_cli("ncci", "import", PRA, "--db", junk))
    assert _digest(junk) == before


@pytest.mark.parametrize(
    "tables",
    [
        ["CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)", "CREATE TABLE t (x)"],
        ["CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"],
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
            "INSERT INTO meta VALUES ('schema', '1')",
        ],
    ],
    ids=["meta-and-other", "meta-only", "meta-with-schema-row"],
)
def test_foreign_sqlite_file_refused_and_untouched(tmp_path: Path, tables: list[str]) -> None:
    other = tmp_path / "app.sqlite"
    con = sqlite3.connect(other)
    for sql in tables:
        con.execute(sql)
    con.commit()
    con.close()
    before = _digest(other)
    _one_line_exit_2(_cli("ncci", "import", PRA, "--db", other), "not an ot-billing NCCI store")
    _one_line_exit_2(_cli("check", "97530", "--db", other), "not an ot-billing NCCI store")
    assert _digest(other) == before
    with pytest.raises(ob.StoreDamagedError, match="left untouched"):
        ob.import_cms_files([PRA], other)


@pytest.mark.parametrize(
    ("sql", "word"),
    [
        ("UPDATE meta SET value = 'garbage' WHERE key = 'release_date'", "release_date"),
        ("UPDATE meta SET value = '2024-13-45' WHERE key = 'release_date'", "release_date"),
        ("UPDATE source SET release_date = 20241399", "source table"),
        ("UPDATE ptp SET effective = 77777777", "PTP row"),
        ("UPDATE ptp SET rationale = 999", "PTP row"),
        ("UPDATE status SET status = '?'", "status letter"),
    ],
)
def test_garbage_values_in_the_store(store: Path, sql: str, word: str) -> None:
    con = sqlite3.connect(store)
    con.execute(sql)
    con.commit()
    con.close()
    done = _cli("check", "97150", "97530", "97010", "--on", "2024-07-01", "--db", store)
    _one_line_exit_2(done, word)


def test_mue_value_too_large_names_file_and_line(tmp_path: Path) -> None:
    text = MUE_PRA.read_text("latin-1").replace("97530,6,", "97530,99999999999999999999999,", 1)
    assert "99999999999999999999999" in text
    bad = tmp_path / MUE_PRA.name
    bad.write_text(text, "latin-1")
    db = tmp_path / "edits.sqlite"
    done = _cli("ncci", "import", bad, "--db", db)
    _one_line_exit_2(done, str(bad), "line", "largest accepted")
    with pytest.raises(ob.DataFileError, match="largest accepted") as info:
        ob.EditSet.from_cms_files(bad)
    assert info.value.path == str(bad)
    assert info.value.line is not None
    assert not db.exists()


# -- item 12: an import killed mid-way ---------------------------------------


@pytest.fixture(scope="module")
def big_part(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _big_ptp(tmp_path_factory.mktemp("big") / "ccipra-v303r0-f1.txt", 400_000)


@posix_only
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_import_leaves_the_previous_store(
    store: Path, tmp_path: Path, sig: signal.Signals, big_part: Path
) -> None:
    before = _digest(store)
    big = big_part
    scratch = store.with_name(f".{store.name}.importing")
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "ncci", "import", str(big), "--db", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if scratch.exists() and scratch.stat().st_size > 200_000:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(sig)
    proc.wait()
    assert proc.returncode == -sig
    assert _digest(store) == before
    _check_works(store)
    # The next import clears the scratch file and succeeds.
    small = tmp_path / "ccipra-v303r0-f2.txt"
    small.write_bytes(PRA.read_bytes())
    assert _cli("ncci", "import", small, "--db", store).returncode == 0
    assert not scratch.exists()


@posix_only
def test_store_with_a_hot_journal_from_an_in_place_writer_opens(store: Path) -> None:
    # An older version (or another tool) wrote into the store in place and was
    # killed mid-transaction, leaving a hot rollback journal.
    writer = (
        "import os, signal, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA cache_size = 1')\n"
        "c.execute('BEGIN')\n"
        "c.execute('DELETE FROM ptp')\n"
        "c.execute('DELETE FROM meta')\n"
        "c.execute('CREATE TABLE filler (x)')\n"
        "c.executemany('INSERT INTO filler VALUES (?)', [(b'x' * 4000,)] * 200)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = _py(writer, store)
    assert done.returncode == -signal.SIGKILL
    assert Path(str(store) + "-journal").stat().st_size > 0
    _check_works(store)
    with ob.EditSet.open(store) as edits:
        assert edits.counts()["ptp"] == 10
        assert len(list(edits.iter_ptp())) == 10


def test_store_path_with_uri_characters(tmp_path: Path) -> None:
    # The read-only open goes through a SQLite URI: '?', '#' and '%' in a
    # folder name must not cut it short.
    folder = tmp_path / "a?b #c%20d"
    folder.mkdir()
    db = folder / "edits.sqlite"
    ob.import_cms_files([PRA], db)
    with ob.EditSet.open(db) as edits:
        assert edits.counts()["ptp"] == 7


def test_full_disk_simulated_with_max_page_count(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs without root: SQLite's page cap on the scratch file raises the
    # same SQLITE_FULL a full disk does.
    real = sqlite3.connect

    def capped(target: str, *args: Any, **kw: Any) -> sqlite3.Connection:
        con: sqlite3.Connection = real(target, *args, **kw)
        if str(target).endswith(".importing"):
            con.execute("PRAGMA max_page_count = 40")
        return con

    before = _digest(store)
    monkeypatch.setattr(sqlite3, "connect", capped)
    with pytest.raises(ob.StoreFullError, match="disk is full") as info:
        ob.import_cms_files([_big_ptp(tmp_path / "ccipra-v303r0-f1.txt", 20_000)], store)
    assert info.value.path == str(store)
    assert _digest(store) == before
    assert not list(tmp_path.glob(".*importing*"))


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (OSError(28, "No space left on device"), ob.StoreFullError),
        (OSError(13, "Permission denied"), ob.StoreReadOnlyError),
        (OSError(30, "Read-only file system"), ob.StoreReadOnlyError),
        (sqlite3.OperationalError("database is locked"), ob.StoreLockedError),
        (sqlite3.OperationalError("database or disk is full"), ob.StoreFullError),
        (sqlite3.OperationalError("attempt to write a readonly database"), ob.StoreReadOnlyError),
        (sqlite3.DatabaseError("database disk image is malformed"), ob.StoreDamagedError),
        (sqlite3.DatabaseError("file is not a database"), ob.StoreDamagedError),
        (sqlite3.OperationalError("something new"), ob.StoreError),
    ],
)
def test_store_error_mapping(exc: BaseException, cls: type[ob.StoreError]) -> None:
    from ot_billing_rules.ncci._files import store_error

    err = store_error(exc, "edits.sqlite")
    assert type(err) is cls
    assert err.path == "edits.sqlite"
    assert pickle.loads(pickle.dumps(err)) == err
