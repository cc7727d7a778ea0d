"""Named schema migrations, registered with a decorator, each applied in one transaction.

Modelled on sqlite-utils' ``migrations.py``. The applied migrations are listed
in the table ``_coursekit_migrations``; a migration runs once, in the order it
was registered, and is recorded in the same transaction that runs it, so two
kernels opening a new store at the same time cannot both apply it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from coursekit.session import now

__all__ = ["MIGRATIONS_TABLE", "Migration", "Migrations"]

MIGRATIONS_TABLE = "_coursekit_migrations"

Step = Callable[[sqlite3.Connection], None]


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

    def applied(self, conn: sqlite3.Connection) -> list[str]:
        """Names of the migrations already applied to ``conn``, in the order applied."""
        self._ensure_table(conn)
        rows = conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY rowid").fetchall()
        return [str(r[0]) for r in rows]

    def pending(self, conn: sqlite3.Connection) -> list[Migration]:
        done = set(self.applied(conn))
        return [m for m in self.migrations if m.name not in done]

    def apply(self, conn: sqlite3.Connection) -> list[str]:
        """Apply every pending migration; return the names applied now.

        ``conn`` must be in autocommit mode (``isolation_level=None``): each
        migration gets its own ``BEGIN IMMEDIATE`` transaction, and is skipped
        if another connection applied it while this one waited for the lock.
        """
        self._ensure_table(conn)
        applied_now: list[str] = []
        for migration in self.migrations:
            conn.execute("BEGIN IMMEDIATE")
            try:
                done = conn.execute(
                    f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE name = ?", (migration.name,)
                ).fetchone()
                if done is None:
                    migration.step(conn)
                    conn.execute(
                        f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
                        (migration.name, now()),
                    )
                    applied_now.append(migration.name)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return applied_now

    @staticmethod
    def _ensure_table(conn: sqlite3.Connection) -> None:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
