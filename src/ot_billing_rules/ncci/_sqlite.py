"""A SQLite store for the full national NCCI files (stdlib ``sqlite3``).

Parsing the 2.5-million-row practitioner PTP set on every process start is
slow, so :func:`import_cms_files` loads the CMS files once into a SQLite file
and :meth:`EditSet.open <ot_billing_rules.EditSet.open>` reads it back through
indexes. The import streams rows into ``executemany`` batches and builds the
indexes after the load, in a scratch copy that is swapped in only when
complete (:mod:`._sqlite_files`), so a bad row, a full disk or a killed
process leaves the store as it was and open readers keep their snapshot.

History is kept: PTP files carry deleted rows, and the store keeps them, so a
past date of service is checked against the edits in force then. A PTP
release is identified by the version in its file name (``ccipra-v302r0``):
its parts (``-f1``..``-f4``) accumulate, imported together or one at a time;
a higher version or revision of a setting replaces the older one (a PTP file
holds the whole history of its setting), and an older one is refused. Names
without a version fall back to release dates. MUE tables carry no history, so
each release's MUE rows are kept side by side and the one in force on the
date of service is used.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from os import PathLike, fspath
from typing import TYPE_CHECKING, Any

from ..catalog import FeeScheduleStatus
from ..errors import (
    DataFileError,
    InvalidInputError,
    InvalidTypeError,
    StoreChangedError,
    StoreClosedError,
    StoreDamagedError,
)
from ..terms import Setting
from . import _files
from ._bundled import _status_map
from ._models import MUE, EditSource, ImportSummary, PTPEdit, release_of

if TYPE_CHECKING:
    from ._cms_files import CMSTable

SCHEMA_VERSION = "1"
#: Written into ``meta`` so a store is recognisable as this library's.
STORE_MARK = "ot_billing_rules NCCI store"
_BATCH = 50_000
_SETTING_ID = {Setting.PRACTITIONER: 1, Setting.OUTPATIENT_HOSPITAL: 2}
_SETTING_OF = {v: k for k, v in _SETTING_ID.items()}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS source (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, setting INTEGER NOT NULL,
    release TEXT NOT NULL, release_date INTEGER, rows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rationale (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS ptp (
    col1 TEXT NOT NULL, col2 TEXT NOT NULL, setting INTEGER NOT NULL, effective INTEGER,
    deletion INTEGER, indicator INTEGER NOT NULL, rationale INTEGER NOT NULL,
    prior INTEGER NOT NULL, source INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mue (
    code TEXT NOT NULL, setting INTEGER NOT NULL, value INTEGER NOT NULL, mai INTEGER NOT NULL,
    rationale TEXT NOT NULL, effective INTEGER, source INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS status (code TEXT PRIMARY KEY, status TEXT NOT NULL);
"""
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ptp_pair ON ptp (col1, col2, setting)",
    "CREATE INDEX IF NOT EXISTS ptp_col2 ON ptp (col2, setting)",
    "CREATE INDEX IF NOT EXISTS mue_code ON mue (code, setting)",
)


def _int_date(value: date | None) -> int | None:
    return None if value is None else value.year * 10000 + value.month * 100 + value.day


def _date(value: int | None) -> date | None:
    if value is None:
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


def import_cms_files(
    paths: Iterable[str | PathLike[str]],
    db: str | PathLike[str],
    *,
    setting: Setting | None = None,
    status: Mapping[str, FeeScheduleStatus | str] | None = None,
    max_member_bytes: int,
) -> ImportSummary:
    """Load CMS PTP/MUE files (plain or zipped) into the SQLite store ``db``.

    The new store is built in a scratch file and swapped in (see
    :mod:`._sqlite_files`): the store at ``db`` is never written in place.
    """
    if not isinstance(db, (str, PathLike)):
        raise InvalidTypeError(
            f"db must be a path, not {type(db).__name__} {db!r}", value=db, field="db"
        )
    target = fspath(db)
    if not isinstance(target, str) or "\x00" in target or not target:
        raise InvalidInputError(
            f"db {target!r} is not a usable file name (empty, bytes or a NUL character)",
            value=target,
            field="db",
        )
    started = time.perf_counter()
    # Checked before the lock, so a folder given as the store gets no lock file.
    _files.check_writable(target)
    with _files.import_lock(target):
        exists = os.path.exists(target)
        scratch = _files.scratch_path(target)
        try:
            _files.remove(scratch)
        except OSError as exc:
            raise _files.store_error(exc, target) from None
        try:
            loaded, release, counts = _build(
                paths, target, scratch, exists, setting, status, max_member_bytes
            )
            _files.swap_in(scratch, target)
        except BaseException:
            with contextlib.suppress(OSError):
                _files.remove(scratch)
            raise
    return ImportSummary(target, tuple(loaded), release, counts, time.perf_counter() - started)


def _build(
    paths: Iterable[str | PathLike[str]],
    target: str,
    scratch: str,
    exists: bool,
    setting: Setting | None,
    status: Mapping[str, FeeScheduleStatus | str] | None,
    max_member_bytes: int,
) -> tuple[list[EditSource], str, dict[str, int]]:
    from ._cms_files import read_cms_files

    try:
        con = sqlite3.connect(scratch, isolation_level=None)
    except sqlite3.Error as exc:
        raise _files.store_error(exc, target) from None
    try:
        if exists:
            # Copy through SQLite, not the file system: the copy is a
            # consistent snapshot even while another program reads the store.
            _files.recover(target)
            src = _connect_ro(target)
            try:
                _check_schema(src, target, creating=True)
                src.backup(con)
            finally:
                src.close()
        # The scratch file is thrown away on any failure, so it needs no journal.
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA cache_size = -32768")
        con.execute("BEGIN")
        for stmt in _SCHEMA.strip().split(";"):
            if stmt.strip():
                con.execute(stmt)
        for name in ("ptp_pair", "ptp_col2", "mue_code"):
            con.execute(f"DROP INDEX IF EXISTS {name}")
        rationale = dict(con.execute("SELECT text, id FROM rationale"))
        loaded: list[EditSource] = []
        for table in read_cms_files(paths, setting=setting, max_member_bytes=max_member_bytes):
            if table.program != "medicare":
                # The store holds one program's releases; mixing Medicaid rows
                # into a Medicare store would check Medicare claims against them.
                raise DataFileError(
                    "a Medicaid NCCI table cannot be imported into the store (it holds "
                    "Medicare NCCI releases); read it with EditSet.from_cms_files",
                    path=table.name,
                )
            loaded.append(_load_table(con, table, rationale))
        _align_parts(con)
        if status is not None or not con.execute("SELECT 1 FROM status LIMIT 1").fetchone():
            con.execute("DELETE FROM status")
            con.executemany(
                "INSERT INTO status VALUES (?, ?)",
                sorted((k, v.value) for k, v in _status_map(status).items()),
            )
        for stmt in _INDEXES:
            con.execute(stmt)
        counts = _count(con)
        release_date, release = release_of(_sources(con, target))
        meta = {
            "schema": SCHEMA_VERSION,
            "store": STORE_MARK,
            "generation": os.urandom(16).hex(),
            "release": release,
            "release_date": release_date.isoformat() if release_date else "",
            "ptp_rows": str(counts["ptp"]),
            "mue_rows": str(counts["mue"]),
            "status_rows": str(counts["status"]),
        }
        con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        con.execute("COMMIT")
    except sqlite3.Error as exc:
        raise _files.store_error(exc, target) from None
    finally:
        con.close()
    return loaded, release, counts


def _ro_uri(path: str) -> str:
    # Built by hand: pathlib and urllib would add milliseconds to every open.
    # SQLite URIs need only '%', '?' and '#' escaped.
    full = os.path.abspath(path).replace(os.sep, "/")
    if not full.startswith("/"):
        full = "/" + full  # Windows: file:/C:/...
    escaped = "".join(f"%{ord(c):02X}" if c in "%?#" else c for c in full)
    return f"file:{escaped}?mode=ro"


def _connect_ro(path: str) -> sqlite3.Connection:
    uri = _ro_uri(path)
    return sqlite3.connect(
        uri,
        uri=True,
        check_same_thread=False,
        isolation_level=None,
        timeout=_files.BUSY_TIMEOUT,
    )


_TABLES = frozenset({"meta", "source", "rationale", "ptp", "mue", "status"})


def _check_schema(con: sqlite3.Connection, path: str, *, creating: bool) -> None:
    """Refuse anything but a store this library wrote (an empty file may become one).

    A SQLite file of another program is refused even when it has a ``meta``
    table, so an import never writes into it.
    """
    tables = {
        r[0]
        for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not str(r[0]).startswith("sqlite_")
    }
    if not tables and creating:
        return
    row = None
    if tables == _TABLES:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is None:
        shown = ", ".join(sorted(tables)[:5]) or "none"
        why = "no meta table" if "meta" not in tables else "tables of another program"
        raise StoreDamagedError(
            f"not an ot-billing NCCI store ({why}; its tables: {shown}); give a new file name or a "
            "store written by 'ot-billing ncci import' — this file is left untouched",
            path=path,
        )
    if row[0] != SCHEMA_VERSION:
        raise StoreDamagedError(
            f"NCCI store schema {row[0]!r} is not the supported {SCHEMA_VERSION}; re-import the "
            "CMS files into a new store",
            path=path,
        )


def _load_table(con: sqlite3.Connection, table: CMSTable, rationale: dict[str, int]) -> EditSource:
    from ._cms_files import ptp_version

    sid = _SETTING_ID[table.setting]
    # A re-import of the same file, or of the same part of the same release
    # under another name (the .txt, then the zip), replaces its earlier rows.
    for old, name in con.execute(
        "SELECT id, name FROM source WHERE kind = ? AND setting = ?", (table.kind, sid)
    ).fetchall():
        same_part = table.part is not None and ptp_version(name) == (table.version, table.part)
        if name == table.name or same_part:
            _drop_source(con, old, table.kind)
    cur = con.execute(
        "INSERT INTO source (name, kind, setting, release, release_date, rows) "
        "VALUES (?, ?, ?, ?, NULL, 0)",
        (table.name, table.kind, sid, table.release),
    )
    src = cur.lastrowid
    if table.kind == "ptp":
        rows: Iterator[tuple[Any, ...]] = (
            (c1, c2, sid, eff, dele, int(ind), _rid(con, rationale, why), int(prior), src)
            for c1, c2, prior, eff, dele, ind, why in table.ptp_rows()
        )
        sql = "INSERT INTO ptp VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    else:
        eff_int = _int_date(table.release_date)
        rows = (
            # Medicaid tables (mai None) were refused before any row is read.
            (code, sid, value, int(mai or "1"), why, eff_int, src)
            for code, value, mai, why in table.mue_rows()
        )
        sql = "INSERT INTO mue VALUES (?, ?, ?, ?, ?, ?, ?)"
    while True:
        batch = list(itertools.islice(rows, _BATCH))
        if not batch:
            break
        con.executemany(sql, batch)
    info = table.source()
    con.execute(
        "UPDATE source SET release_date = ?, rows = ? WHERE id = ?",
        (_int_date(info.release_date), info.rows, src),
    )
    _supersede(con, table, info, src)
    return info


def _supersede(con: sqlite3.Connection, table: CMSTable, info: EditSource, src: int | None) -> None:
    """Drop what the new table replaces; refuse a PTP release older than the store's.

    PTP releases are told apart by the version in the file name
    (``ccipra-v302r0``): parts of one version accumulate, a higher version or
    revision replaces a lower one. Only when a name carries no version are
    release dates compared (for a bare ``.txt``, its latest effective date).
    """
    from ._cms_files import ptp_version

    sid = _SETTING_ID[table.setting]
    mine = _int_date(info.release_date)
    others = con.execute(
        "SELECT id, name, release, release_date FROM source "
        "WHERE kind = ? AND setting = ? AND id != ?",
        (table.kind, sid, src),
    ).fetchall()
    for other, name, label, when in others:
        if table.kind == "mue":
            if when == mine:
                _drop_source(con, other, "mue")
            continue
        theirs = ptp_version(name)[0]
        if table.version is not None and theirs is not None:
            newer = theirs > table.version
            same = theirs == table.version
        else:
            newer = when is not None and mine is not None and when > mine
            same = when == mine and (when is not None or label == info.release)
        if newer:
            raise DataFileError(
                f"the store already holds the newer {table.setting.value} PTP release "
                f"{label}; a PTP file carries the full history, so import older releases "
                "into a separate store",
                path=table.name,
            )
        if not same:
            _drop_source(con, other, "ptp")


def _align_parts(con: sqlite3.Connection) -> None:
    """Give every part of one PTP version the same release label and date.

    A part named by its zip (``2024q3``) knows its date; a bare ``.txt``
    part only guesses it from its latest effective date. The named date
    wins; failing that, the latest guess.
    """
    from ._cms_files import ptp_version

    groups: dict[tuple[int, tuple[int, int]], list[tuple[int, str, int | None]]] = {}
    for sid, sid_row, name, label, when in con.execute(
        "SELECT setting, id, name, release, release_date FROM source WHERE kind = 'ptp'"
    ).fetchall():
        version = ptp_version(name)[0]
        if version is not None:
            groups.setdefault((sid, version), []).append((sid_row, label, when))
    for parts in groups.values():
        named = [(w, lab) for _, lab, w in parts if w is not None and lab == _iso_int(w)]
        if named:
            when, label = max(named)
        else:
            dated = [(w, lab) for _, lab, w in parts if w is not None]
            if not dated:
                continue
            when, label = max(dated)
        con.executemany(
            "UPDATE source SET release = ?, release_date = ? WHERE id = ?",
            [(label, when, row) for row, _, _ in parts],
        )


def _iso_int(value: int) -> str:
    return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"


def _drop_source(con: sqlite3.Connection, source: int, kind: str) -> None:
    con.execute(f"DELETE FROM {'ptp' if kind == 'ptp' else 'mue'} WHERE source = ?", (source,))
    con.execute("DELETE FROM source WHERE id = ?", (source,))


def _rid(con: sqlite3.Connection, cache: dict[str, int], text: str) -> int:
    hit = cache.get(text)
    if hit is None:
        cur = con.execute("INSERT INTO rationale (text) VALUES (?)", (text,))
        hit = cache[text] = int(cur.lastrowid or 0)
    return hit


def _count(con: sqlite3.Connection) -> dict[str, int]:
    return {
        name: int(con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0])
        for name in ("ptp", "mue", "status")
    }


def _sources(con: sqlite3.Connection, path: str) -> list[EditSource]:
    try:
        return [
            EditSource(name, kind, _SETTING_OF[sid], release, _date(when), rows)
            for name, kind, sid, release, when, rows in con.execute(
                "SELECT name, kind, setting, release, release_date, rows FROM source ORDER BY id"
            )
        ]
    except (KeyError, ValueError, TypeError) as exc:
        raise StoreDamagedError(
            f"the store's source table holds a value it cannot hold ({exc!r}); import the CMS "
            "files again into a new store",
            path=path,
        ) from None


_COLUMNS = "col1, col2, setting, effective, deletion, indicator, rationale, prior"


def _guarded_sql(sql: str, width: int) -> str:
    # The store's data_version rides in the same statement as the look-up, so
    # both are read under one lock: the rows belong to the snapshot whose
    # version they arrive with.
    pad = ", NULL" * (width - 1)
    return f"SELECT data_version{pad} FROM pragma_data_version UNION ALL {sql}"


_PAIR_SQL = _guarded_sql(
    f"SELECT {_COLUMNS} FROM ptp WHERE col1 = ? AND col2 = ? AND setting = ? "
    f"UNION ALL SELECT {_COLUMNS} FROM ptp WHERE col1 = ? AND col2 = ? AND setting = ?",
    8,
)
_MUE_SQL = _guarded_sql(
    "SELECT value, mai, rationale, effective FROM mue WHERE code = ? AND setting = ?", 4
)
_STATUS_SQL = _guarded_sql("SELECT status FROM status WHERE code = ?", 1)
_ALL_SQL = _guarded_sql(f"SELECT {_COLUMNS} FROM ptp", 8)


class SQLiteBackend:
    """Read-only look-ups against a store (the :class:`EditSet` backend).

    Everything cached (meta, sources, rationale texts) is read in one read
    transaction together with SQLite's ``data_version``; every look-up
    re-reads that version in its own statement. A store re-imported by this
    library is a new file swapped in, so the version never moves and the
    backend keeps answering from the file it opened. A store changed in place
    by another program moves it, and the look-up raises
    :class:`~ot_billing_rules.errors.StoreChangedError` instead of mixing old
    cached texts with new rows.
    """

    def __init__(self, path: str, generation: str | None = None) -> None:
        self.path = path
        if not os.path.isfile(path):
            raise DataFileError(
                "no such NCCI store (run 'ot-billing ncci import' first)", path=path
            )
        _files.recover(path)
        try:
            con = _connect_ro(path)
        except sqlite3.Error as exc:
            raise _files.store_error(exc, path) from None
        try:
            con.execute("BEGIN")
            _check_schema(con, path, creating=False)
            self._version = con.execute("PRAGMA data_version").fetchone()[0]
            self._rationale: dict[int, str] = dict(con.execute("SELECT id, text FROM rationale"))
            self._meta: dict[str, str] = dict(con.execute("SELECT key, value FROM meta"))
            self.sources = tuple(_sources(con, path))
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            con.close()
            raise _files.store_error(exc, path) from None
        except BaseException:
            con.close()
            raise
        self._con: sqlite3.Connection | None = con
        self._lock = threading.Lock()
        self._dates: dict[int, date] = {}
        self.generation = self._meta.get("generation", "")
        self.release = self._meta.get("release", "unknown")
        try:
            self.release_date = _date_iso(self._meta.get("release_date") or None)
        except ValueError:
            self.close()
            raise StoreDamagedError(
                f"the store's release_date {self._meta.get('release_date')!r} is not a "
                "YYYY-MM-DD date; import the CMS files again into a new store",
                path=path,
            ) from None
        if generation is not None and generation != self.generation:
            self.close()
            raise StoreChangedError(
                "the store was re-imported since this edit set was opened (pickled); open it "
                "again with EditSet.open to use the new data",
                path=path,
            )

    def __reduce__(self) -> tuple[Any, ...]:
        return (SQLiteBackend, (self.path, self.generation))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SQLiteBackend):
            return NotImplemented
        return (os.path.abspath(self.path), self.generation) == (
            os.path.abspath(other.path),
            other.generation,
        )

    def __hash__(self) -> int:
        return hash(os.path.abspath(self.path))

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._con is None:
                raise StoreClosedError(
                    "this edit set was closed; open the store again with EditSet.open",
                    path=self.path,
                )
            try:
                rows = self._con.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _files.store_error(exc, self.path) from None
        if not rows or rows[0][0] != self._version:
            raise StoreChangedError(
                "the store was changed in place by another program while this edit set was "
                "open; open it again with EditSet.open ('ot-billing ncci import' swaps in a "
                "new file instead, which open edit sets never notice)",
                path=self.path,
            )
        return rows[1:]

    def _day(self, value: int | None) -> date | None:
        if value is None:
            return None
        hit = self._dates.get(value)
        if hit is None:
            hit = self._dates[value] = date(value // 10000, value // 100 % 100, value % 100)
        return hit

    def _edit(self, row: tuple[Any, ...]) -> PTPEdit:
        c1, c2, sid, eff, dele, ind, rat, prior = row
        try:
            return PTPEdit(
                c1,
                c2,
                self._day(eff),
                self._day(dele),
                str(ind),
                self._rationale[rat],
                _SETTING_OF[sid],
                prior_1996=bool(prior),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise StoreDamagedError(
                f"the store's PTP row {c1}/{c2} holds a value it cannot hold ({exc!r}); "
                "import the CMS files again into a new store",
                path=self.path,
            ) from None

    def ptp_rows(self, code_a: str, code_b: str, setting: Setting) -> tuple[PTPEdit, ...]:
        sid = _SETTING_ID[setting]
        if code_a == code_b:
            return ()
        rows = self._rows(_PAIR_SQL, (code_a, code_b, sid, code_b, code_a, sid))
        if not rows:
            return ()
        return tuple(self._edit(r) for r in rows)

    def mue_rows(self, code: str, setting: Setting) -> tuple[MUE, ...]:
        rows = self._rows(_MUE_SQL, (code, _SETTING_ID[setting]))
        rows.sort(key=lambda r: r[3] if r[3] is not None else -1)
        try:
            return tuple(
                MUE(code, value, str(mai), why, setting, self._day(eff))
                for value, mai, why, eff in rows
            )
        except (ValueError, TypeError) as exc:
            raise StoreDamagedError(
                f"the store's MUE row for {code} holds a value it cannot hold ({exc!r}); "
                "import the CMS files again into a new store",
                path=self.path,
            ) from None

    def status(self, code: str) -> FeeScheduleStatus | None:
        rows = self._rows(_STATUS_SQL, (code,))
        if not rows:
            return None
        try:
            return FeeScheduleStatus(rows[0][0])
        except ValueError:
            raise StoreDamagedError(
                f"the store's status letter {rows[0][0]!r} for {code} is not a fee-schedule "
                "status; import the CMS files again into a new store",
                path=self.path,
            ) from None

    def counts(self) -> dict[str, int]:
        out = {}
        for k in ("ptp", "mue", "status"):
            text = self._meta.get(f"{k}_rows", "0")
            if not text.isdigit():
                raise StoreDamagedError(
                    f"the store's {k}_rows count {text!r} is not a whole number", path=self.path
                )
            out[k] = int(text)
        return out

    def iter_ptp(self) -> Iterator[PTPEdit]:
        for r in self._rows(_ALL_SQL, ()):
            yield self._edit(r)


def open_store(path: str | PathLike[str]) -> SQLiteBackend:
    """Open ``path`` read-only (see :class:`SQLiteBackend`)."""
    if not isinstance(path, (str, PathLike)):
        raise InvalidTypeError(
            f"path must be a str or os.PathLike, not {type(path).__name__} {path!r}",
            value=path,
            field="path",
        )
    target = fspath(path)
    if not isinstance(target, str) or "\x00" in target:
        raise InvalidInputError(
            f"path {target!r} is not a usable file name (bytes or a NUL character)",
            value=target,
            field="path",
        )
    return SQLiteBackend(target)


def _date_iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
