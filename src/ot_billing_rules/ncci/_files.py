"""File-level care for the SQLite NCCI store: locking, swapping, recovery, errors.

An import never writes into the store a reader may have open. It takes an
exclusive lock (``<store>.lock``), copies the current store into a scratch
file next to it (``.<store>.importing``), loads the new rows there, flushes
it to disk and renames it over the store (``os.replace``, atomic on POSIX and
Windows). So:

- a reader that opened the store before the swap keeps reading the file it
  opened (its open handle pins the old inode): a consistent snapshot;
- an import killed at any point (SIGKILL, SIGTERM, power loss) leaves the
  store as it was; the next import removes the scratch file;
- a failed import (a bad row, a full disk) leaves the store as it was.

Every ``sqlite3`` and ``OSError`` failure on the store becomes a
:class:`~ot_billing_rules.errors.StoreError` subclass naming the store and
what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import sys
from collections.abc import Iterator

from ..errors import (
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
)

#: Seconds a reader waits for a lock another program holds on the store.
BUSY_TIMEOUT = 2.0

_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}


def store_error(exc: BaseException, path: str) -> StoreError:
    """The typed error for a ``sqlite3.Error`` or ``OSError`` met on the store ``path``."""
    if isinstance(exc, OSError):
        why = exc.strerror or str(exc)
        if exc.errno in _FULL:
            return StoreFullError(
                f"the disk is full ({why}); the store is unchanged — free space and import again",
                path=path,
            )
        if exc.errno in _READ_ONLY:
            return StoreReadOnlyError(
                f"cannot write the store or its folder ({why}); an import needs write access "
                "to both (it writes a new file next to the store and swaps it in)",
                path=path,
            )
        return StoreError(f"cannot use the store ({why})", path=path)
    text = " ".join(str(exc).split())
    low = text.lower()
    if "locked" in low or "busy" in low:
        return StoreLockedError(
            f"the store is locked by another process ({text}); try again when it has finished",
            path=path,
        )
    if "full" in low:
        return StoreFullError(
            f"the disk is full ({text}); the store is unchanged — free space and import again",
            path=path,
        )
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return StoreReadOnlyError(
            f"cannot write the store or its folder ({text}); an import needs write access to both",
            path=path,
        )
    if "not a database" in low:
        return StoreDamagedError(
            f"not a SQLite database ({text}): the file is damaged or of another kind; give "
            "a store written by 'ot-billing ncci import' or a new file name",
            path=path,
        )
    if "malformed" in low or "corrupt" in low or "i/o" in low:
        return StoreDamagedError(
            f"the store file is damaged ({text}); import the CMS files again into a new store",
            path=path,
        )
    return StoreError(f"SQLite error on the store ({text})", path=path)


def recover(path: str) -> None:
    """Roll back a hot journal left by a writer killed mid-write.

    Stores written by this library are swapped in whole, but a store written
    in place (by an older version or another tool) and interrupted carries a
    ``-journal``; a read-only connection cannot roll it back and reports the
    file as damaged. Opening it read-write once lets SQLite restore it.
    """
    journal = path + "-journal"
    try:
        if os.path.getsize(journal) == 0:
            return
    except OSError:
        return
    try:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        err = store_error(exc, path)
        if isinstance(err, StoreReadOnlyError):
            raise StoreReadOnlyError(
                "the store holds an interrupted write (a '-journal' file next to it); open it "
                "once with write access to the file and its folder so SQLite can roll it back",
                path=path,
            ) from None
        raise err from None


@contextlib.contextmanager
def import_lock(target: str) -> Iterator[None]:
    """Hold ``<target>.lock`` exclusively; refuse at once if another import holds it.

    The lock file stays after the import: removing it would let a third
    process lock a file another has just unlinked.
    """
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise StoreError(f"the folder {folder} does not exist", path=target)
    try:
        fd = os.open(target + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise store_error(exc, target) from None
    try:
        if not _try_lock(fd):
            raise StoreLockedError(
                "another import into this store is running; try again when it has finished",
                path=target,
            )
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True


def scratch_path(target: str) -> str:
    """The file an import writes before swapping it in (same folder, so same file system)."""
    folder, name = os.path.split(os.path.abspath(target))
    return os.path.join(folder, f".{name}.importing")


def remove(path: str) -> None:
    """Delete ``path`` and its journal if present (a scratch file from a killed import)."""
    for name in (path, path + "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)


def check_writable(target: str) -> None:
    """Refuse a store file marked read-only.

    The swap would replace it anyway (the folder is writable), but a
    read-only mark is the user saying "do not change this file".
    """
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise store_error(exc, target) from None
    if not stat.S_ISREG(mode):
        raise StoreDamagedError(
            "cannot open the NCCI store: the path is not a file; give a file name", path=target
        )
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise StoreReadOnlyError(
            "the store file is read-only; make it writable (chmod u+w) or import into a new file",
            path=target,
        )
    if not os.access(target, os.W_OK):
        raise StoreReadOnlyError(
            "cannot write the store (no permission, or a read-only file system); import into "
            "a file you can write",
            path=target,
        )


def swap_in(scratch: str, target: str) -> None:
    """Flush ``scratch`` to disk and rename it over ``target`` atomically."""
    try:
        with open(scratch, "rb") as fh:
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            # Keep the permissions the user gave the store.
            os.chmod(scratch, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(scratch, target)
    except PermissionError as exc:
        if sys.platform == "win32":  # pragma: no cover - Windows refuses to replace open files
            raise StoreLockedError(
                "the store is open in another process; close it and import again", path=target
            ) from None
        raise store_error(exc, target) from None
    except OSError as exc:
        raise store_error(exc, target) from None
    if sys.platform != "win32":
        # Make the rename itself durable; some file systems cannot fsync a folder.
        with contextlib.suppress(OSError):
            fd = os.open(os.path.dirname(os.path.abspath(target)), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
