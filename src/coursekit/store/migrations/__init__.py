"""The store's schema migrations, run by Alembic; a store is upgraded when it opens.

The revisions are in ``versions/``, numbered ``0001``, ``0002``, …: the number is
the schema version. Revision 0001 is the schema the first coursekit wrote to
SQLite with its own migration list (``_coursekit_migrations``, one migration,
``m001_initial``). Such a store is stamped 0001 the first time it opens here,
and upgraded in place like any other.

:func:`upgrade` runs in the transaction its caller opened and locked: SQLite's
``BEGIN IMMEDIATE``, or on PostgreSQL a transaction holding an advisory lock.
So two kernels, or fifty, opening a store at once upgrade it once, and a
failed revision leaves the store as it was (both backends have transactional
DDL). A store newer than this code, by Alembic's table or by an old store's
own version marks, raises :class:`SchemaTooNew` before anything is written.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

__all__ = [
    "HEAD",
    "LEGACY_TABLE",
    "REVISIONS",
    "SchemaTooNew",
    "check",
    "current_revision",
    "needs_upgrade",
    "upgrade",
]

#: Every revision this code knows, oldest first; the last is the schema it writes.
REVISIONS = ("0001", "0002", "0003", "0004")
HEAD = REVISIONS[-1]
#: The first coursekit's list of applied migrations, and the one migration it knew.
LEGACY_TABLE = "_coursekit_migrations"
_LEGACY = ["m001_initial"]
_VERSION_TABLE = "alembic_version"
# Alembic keeps the running migration in module globals (alembic.context, alembic.op), so
# two threads of one process (two stores opening in one kernel) must not run it at once.
_ALEMBIC = threading.Lock()
# pg_advisory_xact_lock key: "coursekit" in ASCII, truncated to fit a bigint.
_PG_LOCK = 0x636F757273656B69


class SchemaTooNew(Exception):
    """The store was written by a newer coursekit; ``unknown`` names what this code lacks."""

    def __init__(self, store_version: int | str, code_version: int, unknown: list[str]) -> None:
        self.store_version = store_version
        self.code_version = code_version
        self.unknown = unknown
        super().__init__(
            f"store schema version {store_version}, this code knows {code_version}"
            + (f" (unknown migrations: {', '.join(unknown)})" if unknown else "")
        )


def _version(revision: str) -> int | str:
    return int(revision) if revision.isdigit() else revision


def current_revision(conn: sa.Connection) -> str | None:
    """The revision the store is at: Alembic's, ``0001`` for a first-coursekit store, or None."""
    inspector = sa.inspect(conn)
    if inspector.has_table(_VERSION_TABLE):
        row = conn.exec_driver_sql(f"SELECT version_num FROM {_VERSION_TABLE}").first()
        if row is not None:
            return str(row[0])
    if inspector.has_table(LEGACY_TABLE):
        return "0001"
    return None


def check(conn: sa.Connection) -> str | None:
    """The store's revision; :class:`SchemaTooNew` if a newer coursekit wrote it."""
    revision = current_revision(conn)
    code = int(HEAD)
    if revision is not None and revision not in REVISIONS:
        raise SchemaTooNew(_version(revision), code, [revision])
    if conn.dialect.name == "sqlite":
        # A first-coursekit store (or one an older coursekit upgraded its own way)
        # says how new it is in its migration list and in user_version.
        if sa.inspect(conn).has_table(LEGACY_TABLE):
            applied = [
                str(r[0])
                for r in conn.exec_driver_sql(f"SELECT name FROM {LEGACY_TABLE} ORDER BY rowid")
            ]
            unknown = [name for name in applied if name not in _LEGACY]
            if unknown:
                raise SchemaTooNew(len(applied), code, unknown)
        user_version = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
        if user_version > code:
            raise SchemaTooNew(user_version, code, [])
    return revision


def needs_upgrade(conn: sa.Connection) -> bool:
    """Whether :func:`upgrade` has anything to do; :class:`SchemaTooNew` if it never can."""
    return check(conn) != HEAD


def upgrade(conn: sa.Connection) -> list[str]:
    """Bring the store to :data:`HEAD` inside the caller's transaction; the revisions applied.

    The caller holds the write lock (see the module's docstring); on PostgreSQL
    the advisory lock is taken here. The revision is read again under the lock,
    so a store another process upgraded meanwhile is left alone.
    """
    from alembic import command
    from alembic.config import Config

    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    before = check(conn)
    if before == HEAD:
        return []
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = conn
    with _ALEMBIC:
        if before == "0001" and not _has_version_table(conn):
            command.stamp(config, "0001")
        command.upgrade(config, HEAD)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {int(HEAD)}")
    start = REVISIONS.index(before) + 1 if before is not None else 0
    return list(REVISIONS[start:])


def _has_version_table(conn: sa.Connection) -> bool:
    return sa.inspect(conn).has_table(_VERSION_TABLE)
