"""The SQLite learner store: WAL, a busy timeout, and one transaction per write.

Two kernels (or a kernel and ``coursekit`` on the command line) may write to
the same file at the same time: every write takes SQLite's write lock with
``BEGIN IMMEDIATE`` and waits up to :data:`BUSY_TIMEOUT_MS` for it.

Every failure is a :class:`~coursekit.errors.StoreError` that names its real
cause (see :mod:`coursekit.store.faults`). Opening checks the file first: a new
store is built aside and linked into place whole, so a store file of 0 bytes
is a truncated one and is refused rather than silently started again; the
pages pass ``PRAGMA quick_check``; and a store from a newer coursekit is
refused with both schema versions named.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coursekit.answers import Answer, now
from coursekit.errors import StoreError
from coursekit.store.faults import Doing, from_os, from_sqlite, store_error
from coursekit.store.migrations import Migrations, SchemaTooNew, rollback
from coursekit.store.rows import Attempt, LearnerDump, Read, RestoreCounts, SavedReflection

__all__ = ["BUSY_TIMEOUT_MS", "MIGRATIONS", "SQLiteStore"]

BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = Migrations()


@MIGRATIONS
def m001_initial(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE learners (name TEXT PRIMARY KEY, first_seen TEXT NOT NULL,"
        " last_seen TEXT NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE reads (learner TEXT NOT NULL, course_id TEXT NOT NULL,"
        " module TEXT NOT NULL, done_at TEXT NOT NULL, PRIMARY KEY (learner, course_id, module))"
    )
    conn.execute(
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, learner TEXT NOT NULL,"
        " course_id TEXT NOT NULL, module TEXT NOT NULL, checkpoint_id TEXT NOT NULL,"
        " answer TEXT NOT NULL, correct INTEGER NOT NULL CHECK (correct IN (0, 1)),"
        " at TEXT NOT NULL)"
    )
    conn.execute(
        "CREATE INDEX attempts_by_learner ON attempts (learner, course_id, module, checkpoint_id)"
    )
    conn.execute(
        "CREATE TABLE reflections (learner TEXT NOT NULL, course_id TEXT NOT NULL,"
        " module TEXT NOT NULL, reflection_id TEXT NOT NULL, text TEXT NOT NULL,"
        " updated_at TEXT NOT NULL, PRIMARY KEY (learner, course_id, reflection_id))"
    )


def _answer_json(answer: Answer) -> str:
    return json.dumps(answer, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _where(**filters: str | None) -> tuple[str, list[str]]:
    used = {k: v for k, v in filters.items() if v is not None}
    clause = " AND ".join(f"{k} = ?" for k in used)
    return clause, list(used.values())


class SQLiteStore:
    """A :class:`~coursekit.store.LearnerStore` in one SQLite file (or in memory).

    Construct it from a ``path`` (the folder and a new store are created), an
    open ``conn``, or ``memory=True``. Opening checks the pages and applies
    any pending migrations. The object may be shared between threads (a
    debounced autosave runs on a timer thread).
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
        self._lock = threading.RLock()
        self._name = str(self.path) if self.path is not None else _file_of(conn)
        where = self._where()
        ours = conn is None
        if conn is None:
            conn = self._connect(self.path)
        try:
            conn.isolation_level = None  # we issue BEGIN IMMEDIATE ourselves
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _check_pages(conn, where)
            if self.path is not None:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            MIGRATIONS.apply(conn)
        except BaseException as exc:
            if ours:
                conn.close()
            if isinstance(exc, SchemaTooNew):
                raise store_error(
                    "open",
                    where,
                    "newer",
                    store_version=exc.store_version,
                    code_version=exc.code_version,
                ) from exc
            if isinstance(exc, sqlite3.Error):
                raise from_sqlite("open", where, exc) from exc
            raise
        self.conn = conn

    @staticmethod
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

    def _where(self) -> str:
        return self._name

    def _error(self, doing: Doing, exc: sqlite3.Error) -> StoreError:
        return from_sqlite(doing, self._where(), exc)

    def __repr__(self) -> str:
        return f"SQLiteStore({self._where()})"

    # -- plumbing ----------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; any failure rolls back and names the error that caused it."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                rollback(self.conn)
                raise self._error("write", exc) from exc
            except BaseException:
                rollback(self.conn)
                raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._error("read", exc) from exc

    def close(self) -> None:
        with self._lock:
            try:
                self.conn.close()
            except sqlite3.Error as exc:
                raise self._error("close", exc) from exc

    # -- learners ------------------------------------------------------------------------

    def add_learner(self, name: str) -> None:
        if not name.strip():
            raise ValueError("a learner needs a name")
        stamp = now()
        with self._write() as c:
            c.execute(
                "INSERT INTO learners (name, first_seen, last_seen) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen",
                (name, stamp, stamp),
            )

    def last_learner(self) -> str | None:
        rows = self._query("SELECT name FROM learners ORDER BY last_seen DESC, name LIMIT 1")
        return str(rows[0][0]) if rows else None

    def learners(self) -> list[str]:
        return [str(r[0]) for r in self._query("SELECT name FROM learners ORDER BY name")]

    # -- reads -------------------------------------------------------------------------------

    def mark_read(self, learner: str, course_id: str, module: str, at: str | None = None) -> str:
        with self._write() as c:
            c.execute(
                "INSERT INTO reads (learner, course_id, module, done_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO UPDATE SET done_at = min(done_at, excluded.done_at)",
                (learner, course_id, module, at or now()),
            )
            row = c.execute(
                "SELECT done_at FROM reads WHERE learner = ? AND course_id = ? AND module = ?",
                (learner, course_id, module),
            ).fetchone()
        return str(row[0])

    def read_at(self, learner: str, course_id: str, module: str) -> str | None:
        reads = [r for r in self.reads(learner, course_id) if r.module == module]
        return reads[0].done_at if reads else None

    def reads(self, learner: str, course_id: str | None = None) -> list[Read]:
        clause, params = _where(learner=learner, course_id=course_id)
        rows = self._query(
            f"SELECT learner, course_id, module, done_at FROM reads WHERE {clause}"
            " ORDER BY course_id, module",
            params,
        )
        return [Read(*r) for r in rows]

    # -- attempts ------------------------------------------------------------------------------

    def add_attempt(
        self,
        learner: str,
        course_id: str,
        module: str,
        checkpoint_id: str,
        answer: Answer,
        correct: bool,
        at: str | None = None,
    ) -> Attempt:
        attempt = Attempt(learner, course_id, module, checkpoint_id, answer, correct, at or now())
        with self._write() as c:
            self._insert_attempt(c, attempt)
        return attempt

    @staticmethod
    def _insert_attempt(c: sqlite3.Connection, a: Attempt) -> None:
        c.execute(
            "INSERT INTO attempts (learner, course_id, module, checkpoint_id, answer, correct, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                a.learner,
                a.course_id,
                a.module,
                a.checkpoint_id,
                _answer_json(a.answer),
                int(a.correct),
                a.at,
            ),
        )

    def attempts(
        self,
        learner: str,
        course_id: str | None = None,
        module: str | None = None,
        checkpoint_id: str | None = None,
    ) -> list[Attempt]:
        clause, params = _where(
            learner=learner, course_id=course_id, module=module, checkpoint_id=checkpoint_id
        )
        rows = self._query(
            "SELECT learner, course_id, module, checkpoint_id, answer, correct, at, id"
            f" FROM attempts WHERE {clause} ORDER BY course_id, module, at, id",
            params,
        )
        return [
            Attempt(r[0], r[1], r[2], r[3], self._answer(r[4], r[7]), bool(r[5]), r[6])
            for r in rows
        ]

    def _answer(self, stored: object, row_id: int) -> Answer:
        """The stored answer; a damaged one is a store fault, not a bare ``JSONDecodeError``."""
        try:
            if not isinstance(stored, str):
                raise TypeError(f"a {type(stored).__name__}, not text")
            answer: Answer = json.loads(stored)
        except (TypeError, ValueError) as exc:
            raise store_error(
                "read", self._where(), "corrupt", detail=f"attempt {row_id}: {exc}"
            ) from exc
        return answer

    # -- reflections ------------------------------------------------------------------------------

    def save_reflection(
        self,
        learner: str,
        course_id: str,
        module: str,
        reflection_id: str,
        text: str,
        at: str | None = None,
    ) -> SavedReflection:
        saved = SavedReflection(learner, course_id, module, reflection_id, text, at or now())
        with self._write() as c:
            self._upsert_reflection(c, saved, only_if_later=False)
        return saved

    @staticmethod
    def _upsert_reflection(c: sqlite3.Connection, r: SavedReflection, only_if_later: bool) -> int:
        """Insert or replace ``r`` (only over an older text if asked); returns rows changed."""
        condition = " WHERE excluded.updated_at > reflections.updated_at" if only_if_later else ""
        cur = c.execute(
            "INSERT INTO reflections (learner, course_id, module, reflection_id, text, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
            " module = excluded.module, text = excluded.text, updated_at = excluded.updated_at"
            + condition,
            (r.learner, r.course_id, r.module, r.reflection_id, r.text, r.updated_at),
        )
        return cur.rowcount

    def reflection(
        self, learner: str, course_id: str, reflection_id: str
    ) -> SavedReflection | None:
        rows = self._query(
            "SELECT learner, course_id, module, reflection_id, text, updated_at FROM reflections"
            " WHERE learner = ? AND course_id = ? AND reflection_id = ?",
            (learner, course_id, reflection_id),
        )
        return SavedReflection(*rows[0]) if rows else None

    def reflections(
        self, learner: str, course_id: str | None = None, module: str | None = None
    ) -> list[SavedReflection]:
        clause, params = _where(learner=learner, course_id=course_id, module=module)
        rows = self._query(
            "SELECT learner, course_id, module, reflection_id, text, updated_at FROM reflections"
            f" WHERE {clause} ORDER BY course_id, module, reflection_id",
            params,
        )
        return [SavedReflection(*r) for r in rows]

    # -- export and import -------------------------------------------------------------------------

    def dump(self, learner: str, course_id: str | None = None) -> LearnerDump:
        with self._lock:
            return LearnerDump(
                learner=learner,
                reads=tuple(self.reads(learner, course_id)),
                attempts=tuple(self.attempts(learner, course_id)),
                reflections=tuple(self.reflections(learner, course_id)),
            )

    def restore(self, dump: LearnerDump) -> RestoreCounts:
        reads = attempts = reflections = 0
        stamp = now()
        with self._write() as c:
            c.execute(
                "INSERT INTO learners (name, first_seen, last_seen) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (dump.learner, stamp, stamp),
            )
            for r in dump.reads:
                before = c.execute(
                    "SELECT done_at FROM reads WHERE learner = ? AND course_id = ? AND module = ?",
                    (r.learner, r.course_id, r.module),
                ).fetchone()
                if before is None or r.done_at < before[0]:
                    c.execute(
                        "INSERT OR REPLACE INTO reads (learner, course_id, module, done_at)"
                        " VALUES (?, ?, ?, ?)",
                        (r.learner, r.course_id, r.module, r.done_at),
                    )
                    reads += 1
            # An attempt is added as often as the dump holds it more often than the store:
            # restoring twice adds nothing, and identical attempts both survive. New rows go
            # in in the dump's order, so attempts made in the same instant keep their order.
            present: dict[tuple[str, str, str, str, str, str, int], int] = {}
            for a in dump.attempts:
                row = (
                    a.learner,
                    a.course_id,
                    a.module,
                    a.checkpoint_id,
                    a.at,
                    _answer_json(a.answer),
                    int(a.correct),
                )
                if row not in present:
                    (present[row],) = c.execute(
                        "SELECT count(*) FROM attempts WHERE learner = ? AND course_id = ?"
                        " AND module = ? AND checkpoint_id = ? AND at = ? AND answer = ?"
                        " AND correct = ?",
                        row,
                    ).fetchone()
                if present[row] > 0:
                    present[row] -= 1  # this one is in the store already
                    continue
                c.execute(
                    "INSERT INTO attempts (learner, course_id, module, checkpoint_id, at,"
                    " answer, correct) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                attempts += 1
            for s in dump.reflections:
                reflections += self._upsert_reflection(c, s, only_if_later=True)
        return RestoreCounts(reads, attempts, reflections)


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
        conn = sqlite3.connect(aside, isolation_level=None)
        try:
            MIGRATIONS.apply(conn)
        finally:
            conn.close()
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another kernel made it first: use theirs
        except OSError:
            # No hard links on this file system: move it, unless a store appeared meanwhile.
            if not os.path.lexists(path):
                os.replace(aside, path)
    except sqlite3.Error as exc:
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise store_error("open", str(path), "readonly", detail=str(exc)) from exc
        raise
    finally:
        for leftover in (aside, aside.with_name(aside.name + "-journal")):
            leftover.unlink(missing_ok=True)


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
