"""Named schema migrations, registered with a decorator, each applied in one transaction.

Modelled on sqlite-utils' ``migrations.py``. The applied migrations are listed
in the table ``_coursekit_migrations``; a migration runs once, in the order it
was registered, and is recorded in the same transaction that runs it, so two
kernels opening a new store at the same time cannot both apply it.

The schema version is the number of migrations a store has applied. Each
migration also sets ``PRAGMA user_version`` to it, so that a later coursekit
that merges old migrations can still say how new its schema is. A store that
has applied a migration this code does not know, or whose ``user_version`` is
higher than this code's version, was written by a newer coursekit:
:meth:`Migrations.apply` refuses it with :class:`SchemaTooNew` before writing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from coursekit.answers import now

__all__ = ["MIGRATIONS_TABLE", "Migration", "Migrations", "SchemaTooNew"]

MIGRATIONS_TABLE = "_coursekit_migrations"

Step = Callable[[sqlite3.Connection], None]


class SchemaTooNew(Exception):
    """The store was written by a newer coursekit; ``unknown`` names what this code lacks."""

    def __init__(self, store_version: int, code_version: int, unknown: list[str]) -> None:
        self.store_version = store_version
        self.code_version = code_version
        self.unknown = unknown
        super().__init__(
            f"store schema version {store_version}, this code knows {code_version}"
            + (f" (unknown migrations: {', '.join(unknown)})" if unknown else "")
        )


@dataclass(frozen=True)
class Migration:
    name: str
    step: Step


@dataclass
class Migrations:
    """An ordered set of migrations; call it as a decorator to register one."""

    migrations: list[Migration] = field(default_factory=list)

    def __call__(self, step: Step) -> Step:
        """Register ``step`` under its function name; names must be unique."""
        name = step.__name__
        if any(m.name == name for m in self.migrations):
            raise ValueError(f"a migration named {name!r} is already registered")
        self.migrations.append(Migration(name, step))
        return step

    @property
    def version(self) -> int:
        """The schema version this code writes: how many migrations it knows."""
        return len(self.migrations)

    def applied(self, conn: sqlite3.Connection) -> list[str]:
        """Names of the migrations already applied to ``conn``, in the order applied."""
        if not _has_table(conn):
            return []
        rows = conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY rowid").fetchall()
        return [str(r[0]) for r in rows]

    def pending(self, conn: sqlite3.Connection) -> list[Migration]:
        done = set(self.applied(conn))
        return [m for m in self.migrations if m.name not in done]

    def check(self, conn: sqlite3.Connection) -> int:
        """The store's schema version; :class:`SchemaTooNew` if it is newer than this code."""
        applied = self.applied(conn)
        known = {m.name for m in self.migrations}
        unknown = [name for name in applied if name not in known]
        (user_version,) = conn.execute("PRAGMA user_version").fetchone()
        store_version = max(int(user_version), len(applied))
        if unknown or store_version > self.version:
            raise SchemaTooNew(store_version, self.version, unknown)
        return store_version

    def apply(self, conn: sqlite3.Connection) -> list[str]:
        """Apply every pending migration; return the names applied now.

        ``conn`` must be in autocommit mode (``isolation_level=None``): each
        migration gets its own ``BEGIN IMMEDIATE`` transaction, and is skipped
        if another connection applied it while this one waited for the lock.
        A store with nothing pending is only read, so a read-only store opens.
        A store from a newer coursekit raises :class:`SchemaTooNew` untouched.
        """
        self.check(conn)
        if not self.pending(conn):
            return []
        applied_now: list[str] = []
        for version, migration in enumerate(self.migrations, start=1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
                    "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
                done = conn.execute(
                    f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE name = ?", (migration.name,)
                ).fetchone()
                if done is None:
                    migration.step(conn)
                    conn.execute(
                        f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
                        (migration.name, now()),
                    )
                    conn.execute(f"PRAGMA user_version = {version}")
                    applied_now.append(migration.name)
                conn.execute("COMMIT")
            except BaseException:
                rollback(conn)  # never hide the error that got us here
                raise
        return applied_now


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if any; a failing rollback is not the news.

    After some errors (a full disk, an I/O error) SQLite has already rolled
    back, and ``ROLLBACK`` would raise "no transaction is active" in place of
    the error that matters.
    """
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
    ).fetchone()
    return row is not None
