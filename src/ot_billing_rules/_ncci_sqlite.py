"""A SQLite store for the full national NCCI files (stdlib ``sqlite3``).

Parsing the 2.5-million-row practitioner PTP set on every process start is
slow, so :func:`import_cms_files` loads the CMS files once into a SQLite file
and :meth:`EditSet.open <ot_billing_rules.EditSet.open>` reads it back through
indexes. The import streams rows into ``executemany`` batches and builds the
indexes after the load; it runs in one transaction, so a bad row leaves the
store as it was.

History is kept: PTP files carry deleted rows, and the store keeps them, so a
past date of service is checked against the edits in force then. A PTP file
holds the whole history of its setting, so importing a newer release of a
setting replaces the older release's PTP rows (its four ``-f1``..``-f4``
parts accumulate); importing an older release than the store holds is refused.
MUE tables carry no history, so each release's MUE rows are kept side by side
and the one in force on the date of service is used.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from os import PathLike, fspath
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ._html import html_table
from .codes import FeeScheduleStatus
from .errors import DataFileError, InvalidTypeError
from .ncci import MUE, EditSource, PTPEdit, Setting, _status_map, release_of

if TYPE_CHECKING:
    from ._cms_files import CMSTable

SCHEMA_VERSION = "1"
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


@attrs.frozen
class ImportSummary:
    """What :func:`import_cms_files` loaded.

    ``tables`` are the files read this time; ``release`` the newest release
    the store now holds; ``counts`` the store's row totals; ``seconds`` the
    wall time of the import.
    """

    path: str
    tables: tuple[EditSource, ...]
    release: str
    counts: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "path": self.path,
            "tables": [t.to_dict() for t in self.tables],
            "release": self.release,
            "counts": dict(self.counts),
            "seconds": round(self.seconds, 3),
        }

    def explain(self) -> str:
        """Describe the import in words."""
        parts = ", ".join(
            f"{t.kind.upper()} {t.setting.value} {t.release} ({t.rows} rows)" for t in self.tables
        )
        return (
            f"imported {parts} into {self.path} in {self.seconds:.1f} s; the store holds "
            f"{self.counts['ptp']} PTP rows and {self.counts['mue']} MUE rows, newest release "
            f"{self.release}"
        )

    def _repr_html_(self) -> str:
        return html_table("NCCI import", self.to_dict().items())


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
    """Load CMS PTP/MUE files (plain or zipped) into the SQLite store ``db``."""
    from ._cms_files import read_cms_files

    if not isinstance(db, (str, PathLike)):
        raise InvalidTypeError(
            f"db must be a path, not {type(db).__name__} {db!r}", value=db, field="db"
        )
    started = time.perf_counter()
    target = fspath(db)
    try:
        con = sqlite3.connect(target, isolation_level=None)
    except sqlite3.Error as exc:
        raise DataFileError(
            f"cannot open the NCCI store ({exc}); give a new file name or a store written "
            "by import_cms_files",
            path=target,
        ) from None
    try:
        # The schema check first: it turns a file that is not SQLite into a
        # typed error before any statement touches it.
        _check_schema(con, target, creating=True)
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
            loaded.append(_load_table(con, table, rationale))
        if status is not None or not con.execute("SELECT 1 FROM status LIMIT 1").fetchone():
            con.execute("DELETE FROM status")
            con.executemany(
                "INSERT INTO status VALUES (?, ?)",
                sorted((k, v.value) for k, v in _status_map(status).items()),
            )
        for stmt in _INDEXES:
            con.execute(stmt)
        counts = _count(con)
        sources = _sources(con)
        release_date, release = release_of(sources)
        meta = {
            "schema": SCHEMA_VERSION,
            "release": release,
            "release_date": release_date.isoformat() if release_date else "",
            "ptp_rows": str(counts["ptp"]),
            "mue_rows": str(counts["mue"]),
            "status_rows": str(counts["status"]),
        }
        con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return ImportSummary(target, tuple(loaded), release, counts, time.perf_counter() - started)


def _check_schema(con: sqlite3.Connection, path: str, *, creating: bool) -> None:
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise DataFileError(f"not a SQLite database ({exc})", path=path) from None
    if not tables and creating:
        return
    if "meta" not in tables:
        raise DataFileError("not an ot-billing NCCI store (no meta table)", path=path)
    row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is None and creating:
        return
    if row is None or row[0] != SCHEMA_VERSION:
        found = row[0] if row else "none"
        raise DataFileError(
            f"NCCI store schema {found} is not the supported {SCHEMA_VERSION}; re-import the "
            "CMS files into a new store",
            path=path,
        )


def _load_table(con: sqlite3.Connection, table: CMSTable, rationale: dict[str, int]) -> EditSource:
    sid = _SETTING_ID[table.setting]
    # A re-import of the same file replaces its earlier rows.
    for (old,) in con.execute(
        "SELECT id FROM source WHERE name = ? AND kind = ? AND setting = ?",
        (table.name, table.kind, sid),
    ).fetchall():
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
            (code, sid, value, int(mai), why, eff_int, src)
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
    sid = _SETTING_ID[table.setting]
    mine = _int_date(info.release_date)
    others = con.execute(
        "SELECT id, release, release_date FROM source WHERE kind = ? AND setting = ? AND id != ?",
        (table.kind, sid, src),
    ).fetchall()
    for other, label, when in others:
        if table.kind == "ptp":
            if when is not None and mine is not None and when > mine:
                raise DataFileError(
                    f"the store already holds the newer {table.setting.value} PTP release "
                    f"{label}; a PTP file carries the full history, so import older releases "
                    "into a separate store",
                    path=table.name,
                )
            if when != mine or (when is None and label != info.release):
                _drop_source(con, other, "ptp")
        elif when == mine:
            _drop_source(con, other, "mue")


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


def _sources(con: sqlite3.Connection) -> list[EditSource]:
    return [
        EditSource(name, kind, _SETTING_OF[sid], release, _date(when), rows)
        for name, kind, sid, release, when, rows in con.execute(
            "SELECT name, kind, setting, release, release_date, rows FROM source ORDER BY id"
        )
    ]


_COLUMNS = "col1, col2, setting, effective, deletion, indicator, rationale, prior"
_PAIR_SQL = (
    f"SELECT {_COLUMNS} FROM ptp WHERE col1 = ? AND col2 = ? AND setting = ? "
    f"UNION ALL SELECT {_COLUMNS} FROM ptp WHERE col1 = ? AND col2 = ? AND setting = ?"
)


class SQLiteBackend:
    """Read-only look-ups against a store (the :class:`EditSet` backend)."""

    def __init__(self, path: str) -> None:
        self.path = path
        if not os.path.isfile(path):
            raise DataFileError(
                "no such NCCI store (run 'ot-billing ncci import' first)", path=path
            )
        uri = Path(os.path.abspath(path)).as_uri() + "?mode=ro"
        try:
            con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            _check_schema(con, path, creating=False)
        except sqlite3.DatabaseError as exc:
            raise DataFileError(f"not a SQLite database ({exc})", path=path) from None
        self._con = con
        self._lock = threading.Lock()
        self._rationale = dict(con.execute("SELECT id, text FROM rationale"))
        self._meta = dict(con.execute("SELECT key, value FROM meta"))
        self._dates: dict[int, date] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (SQLiteBackend, (self.path,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SQLiteBackend):
            return NotImplemented
        return os.path.abspath(self.path) == os.path.abspath(other.path)

    def __hash__(self) -> int:
        return hash(os.path.abspath(self.path))

    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    def _day(self, value: int | None) -> date | None:
        if value is None:
            return None
        hit = self._dates.get(value)
        if hit is None:
            hit = self._dates[value] = date(value // 10000, value // 100 % 100, value % 100)
        return hit

    def _edit(self, row: tuple[Any, ...]) -> PTPEdit:
        c1, c2, sid, eff, dele, ind, rat, prior = row
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

    def ptp_rows(self, code_a: str, code_b: str, setting: Setting) -> tuple[PTPEdit, ...]:
        sid = _SETTING_ID[setting]
        if code_a == code_b:
            return ()
        with self._lock:
            rows = self._con.execute(
                _PAIR_SQL, (code_a, code_b, sid, code_b, code_a, sid)
            ).fetchall()
        if not rows:
            return ()
        return tuple(self._edit(r) for r in rows)

    def mue_rows(self, code: str, setting: Setting) -> tuple[MUE, ...]:
        with self._lock:
            rows = self._con.execute(
                "SELECT value, mai, rationale, effective FROM mue WHERE code = ? AND setting = ? "
                "ORDER BY effective",
                (code, _SETTING_ID[setting]),
            ).fetchall()
        return tuple(
            MUE(code, value, str(mai), why, setting, self._day(eff))
            for value, mai, why, eff in rows
        )

    def status(self, code: str) -> FeeScheduleStatus | None:
        with self._lock:
            row = self._con.execute("SELECT status FROM status WHERE code = ?", (code,)).fetchone()
        return FeeScheduleStatus(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        return {k: int(self._meta.get(f"{k}_rows", "0")) for k in ("ptp", "mue", "status")}

    def iter_ptp(self) -> Iterator[PTPEdit]:
        with self._lock:
            rows = self._con.execute(
                "SELECT col1, col2, setting, effective, deletion, indicator, rationale, prior "
                "FROM ptp ORDER BY rowid"
            ).fetchall()
        for r in rows:
            yield self._edit(r)


def open_store(
    path: str | PathLike[str],
) -> tuple[SQLiteBackend, str, date | None, tuple[EditSource, ...]]:
    """Open ``path`` read-only: the backend, release label, release date and sources."""
    if not isinstance(path, (str, PathLike)):
        raise InvalidTypeError(
            f"path must be a str or os.PathLike, not {type(path).__name__} {path!r}",
            value=path,
            field="path",
        )
    backend = SQLiteBackend(fspath(path))
    meta = backend.meta()
    with backend._lock:
        sources = tuple(_sources(backend._con))
    when = meta.get("release_date") or None
    return backend, meta.get("release", "unknown"), _date_iso(when), sources


def _date_iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
