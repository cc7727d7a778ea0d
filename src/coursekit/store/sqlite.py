"""The SQLite learner store: one file, WAL, a busy timeout, and one transaction per write.

Two kernels (or a kernel and ``coursekit`` on the command line) may write to
the same file at the same time: every write takes SQLite's write lock with
``BEGIN IMMEDIATE`` and waits up to :data:`BUSY_TIMEOUT_MS` for it.

The queries are :class:`~coursekit.store.sql.SQLStore`'s, shared with
PostgreSQL. What is SQLite's own is the file: opening checks it first. A new
store is built aside and linked into place whole, so a store file of 0 bytes
is a truncated one and is refused rather than silently started again; the
pages pass ``PRAGMA quick_check``; and a store from a newer coursekit is
refused with both schema versions named.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import stat
import urllib.parse
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from coursekit.errors import StoreError
from coursekit.store.faults import from_os, from_sqlite, store_error
from coursekit.store.sql import SQLStore

__all__ = ["BUSY_TIMEOUT_MS", "SQLiteStore"]

BUSY_TIMEOUT_MS = 30_000


def _configure(conn: sqlite3.Connection, file: bool) -> sqlite3.Connection:
    """Transactions are begun by the store itself (``BEGIN IMMEDIATE`` for writes)."""
    conn.isolation_level = None
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if file:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _engine(conn: sqlite3.Connection) -> sa.Engine:
    """An engine over one open connection, as the store has always used one per file."""
    return sa.create_engine("sqlite+pysqlite://", creator=lambda: conn, poolclass=StaticPool)


class SQLiteStore(SQLStore):
    """A :class:`~coursekit.store.LearnerStore` in one SQLite file (or in memory).

    Construct it from a ``path`` (the folder and a new store are created), an
    open ``conn``, or ``memory=True``. Opening checks the file and its pages and
    applies any pending migrations. ``conn`` is the one SQLite connection it uses.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        conn: sqlite3.Connection | None = None,
        memory: bool = False,
    ) -> None:
        if sum((path is not None, conn is not None, memory)) != 1:
            raise ValueError("give exactly one of path, conn or memory=True")
        self.path = Path(path) if path is not None else None
        where = str(self.path) if self.path is not None else _file_of(conn)
        ours = conn is None
        if conn is None:
            conn = _connect(self.path)
        try:
            _configure(conn, file=self.path is not None)
            _check_pages(conn, where)
            self.conn = conn
            super().__init__(_engine(conn), where)
        except BaseException as exc:
            if ours:
                conn.close()
            if isinstance(exc, sqlite3.Error):
                raise from_sqlite("open", where, exc) from exc
            raise

    def close(self) -> None:
        # SQLite's advice for every connection that closes: gather the planner statistics
        # its queries showed were missing (usually nothing, at once).
        with self._lock, contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA optimize")
        super().close()
        with self._lock:
            try:
                self.conn.close()
            except sqlite3.Error as exc:
                raise from_sqlite("close", self.where, exc) from exc


def _connect(path: Path | None) -> sqlite3.Connection:
    if path is None:
        return sqlite3.connect(":memory:", check_same_thread=False)
    where = str(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise from_os("open", where, exc, making_folder=True) from exc
    try:
        if not os.path.lexists(path):
            _create(path)
        _check_file(path)
        # mode=rw: never create here, so a store deleted meanwhile is an error, not a new store
        return sqlite3.connect(
            _uri(path, "rw"),
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
    except OSError as exc:
        raise from_os("open", where, exc) from exc
    except sqlite3.Error as exc:
        raise from_sqlite("open", where, exc) from exc


# -- opening a file ------------------------------------------------------------------------


def _file_of(conn: sqlite3.Connection | None) -> str:
    """The file behind a connection, for messages; ``(in memory)`` when there is none."""
    try:
        rows = conn.execute("PRAGMA database_list").fetchall() if conn is not None else []
    except sqlite3.Error:
        rows = []
    return next((str(r[2]) for r in rows if r[1] == "main" and r[2]), "(in memory)")


def _uri(path: Path, mode: str) -> str:
    return f"file:{urllib.parse.quote(os.fspath(path.absolute()))}?mode={mode}"


def _create(path: Path) -> None:
    """Build a new store beside ``path`` and link it into place whole.

    A store file therefore never exists with 0 bytes while it is being made,
    and of two kernels creating the same store at once, one wins and the
    other opens its store.
    """
    aside = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.new")
    try:
        conn = sqlite3.connect(aside, check_same_thread=False)
        # In WAL mode before it is linked: a store's openers then find it so, and none has
        # to switch its journal mode, which needs the file to itself, while others open it.
        conn.execute("PRAGMA journal_mode = WAL")
        SQLiteStore(conn=conn).close()
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another kernel made it first: use theirs
        except OSError:
            # No hard links on this file system: move it, unless a store appeared meanwhile.
            if not os.path.lexists(path):
                os.replace(aside, path)
    except (sqlite3.Error, StoreError) as exc:
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise store_error("open", str(path), "readonly", detail=str(exc)) from exc
        raise
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            aside.with_name(aside.name + suffix).unlink(missing_ok=True)


def _check_file(path: Path) -> None:
    """Refuse what is not a store file: a folder, a device, or a store truncated to 0 bytes.

    A 0-byte file with a write-ahead log beside it is a store whose pages are
    all still in the log, and SQLite reads them from there.
    """
    where = str(path)
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise store_error("open", where, "notfile")
    if info.st_size == 0:
        wal = path.with_name(path.name + "-wal")
        if not (wal.is_file() and wal.stat().st_size > 0):
            raise store_error("open", where, "empty")


def _check_pages(conn: sqlite3.Connection, where: str) -> None:
    """``PRAGMA quick_check``: a damaged page is refused on opening, not met later."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if rows != [("ok",)]:
        problems = " ".join(str(r[0]) for r in rows[:3]).replace("\n", " ")
        raise store_error("open", where, "corrupt", detail=problems[:300])
