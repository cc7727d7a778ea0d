"""The learner store: everything a learner does, saved at once.

Where it lives
    A URL or a path names it: ``--store`` on the command line, else the
    environment variable ``COURSEKIT_STORE``, else the embedded default,
    ``$COURSEKIT_HOME/learner.sqlite3`` (``~/.coursekit/learner.sqlite3``
    without ``COURSEKIT_HOME``). On Binder that is the session's home folder,
    which disappears with the session: learners keep their work by exporting
    their learning record. An organisation points every kernel and the
    trainers at one PostgreSQL database:
    ``postgresql+psycopg://user:password@host/dbname`` (``docs/deployment.md``).
    Under JupyterHub, ``COURSEKIT_STORE=hub`` (or the service's ``http(s)://``
    URL) makes learners' kernels save through the coursekit service with
    their own hub token (:class:`~coursekit.store.hub.HubStore`, chosen by
    :func:`learner_store`), and the kernel holds no database URL.

What it holds
    ``learners`` (id, display name, branch, first and last seen: the roster),
    ``reads`` (a module read to the end), ``attempts`` (every checkpoint answer
    with its time and grade), ``reflections`` (the latest text of each
    reflection), keyed by learner id; Alembic's ``alembic_version`` says the
    schema revision (:mod:`coursekit.store.migrations`).

One implementation, :class:`~coursekit.store.sql.SQLStore` on SQLAlchemy Core,
serves both backends; :class:`SQLiteStore` adds what is the file's own. The
widgets talk to the :class:`LearnerStore` protocol only.

When it fails
    every fault is a :class:`~coursekit.errors.StoreError` that names the real
    cause in words a learner understands (:mod:`coursekit.store.faults`). A
    store file truncated to 0 bytes, a damaged page, a database server that
    cannot be reached and a store written by a newer coursekit are refused on
    opening. In a kernel the widgets use a :class:`ReopeningStore`, which tries
    again on every use until it opens.
"""

from __future__ import annotations

import os
from pathlib import Path

from coursekit.errors import StoreError
from coursekit.store.base import LearnerStore
from coursekit.store.hub import HUB_TARGET, is_hub_target
from coursekit.store.reopening import ReopeningStore
from coursekit.store.rows import (
    Attempt,
    Learner,
    LearnerDump,
    Read,
    RestoreCounts,
    RosterCounts,
    RosterEntry,
    SavedReflection,
)
from coursekit.store.sql import SQLStore
from coursekit.store.sqlite import SQLiteStore

__all__ = [
    "STORE_ENV",
    "Attempt",
    "Learner",
    "LearnerDump",
    "LearnerStore",
    "Read",
    "ReopeningStore",
    "RestoreCounts",
    "RosterCounts",
    "RosterEntry",
    "SQLStore",
    "SQLiteStore",
    "SavedReflection",
    "default_path",
    "learner_store",
    "open_store",
    "store_target",
]

STORE_FILE = "learner.sqlite3"
#: The environment variable that names the store when ``--store`` does not.
STORE_ENV = "COURSEKIT_STORE"
_MEMORY = (":memory:", "sqlite://", "sqlite:///:memory:")


def default_path() -> Path:
    """``$COURSEKIT_HOME/learner.sqlite3``, or ``~/.coursekit/learner.sqlite3``."""
    home = os.environ.get("COURSEKIT_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".coursekit"
    return base / STORE_FILE


def store_target(url_or_path: str | os.PathLike[str] | None = None) -> str:
    """What names the store: the argument, else ``$COURSEKIT_STORE``, else :func:`default_path`."""
    if url_or_path is not None:
        return os.fspath(url_or_path)
    return os.environ.get(STORE_ENV) or str(default_path())


def open_store(url_or_path: str | os.PathLike[str] | None = None) -> SQLStore:
    """Open the learner store named by a path or URL (see :func:`store_target`).

    Accepted: a file path; ``sqlite:///relative/or//absolute/path``;
    ``sqlite://`` or ``:memory:`` for a store in memory;
    ``postgresql+psycopg://user:password@host:port/dbname`` (``postgresql://``
    means the same). Any other URL scheme raises :class:`~coursekit.errors.StoreError`.
    """
    target = store_target(url_or_path)
    if is_hub_target(target):
        raise StoreError(
            f"cannot open learner store {target!r} here: it is the coursekit service, which "
            "learners' kernels reach with their hub token; name the database itself "
            "(--store postgresql+psycopg://…)"
        )
    if target in _MEMORY:
        return SQLiteStore(memory=True)
    if target.startswith("sqlite:///"):
        return SQLiteStore(Path(target.removeprefix("sqlite:///")))
    if target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return _server_store(target)
    scheme = target.split("://", 1)[0] if "://" in target else None
    if scheme is not None:
        raise StoreError(
            f"cannot open learner store {_hidden(target)!r}: the {scheme!r} scheme is not "
            "supported (use a file path, a sqlite:/// URL or a postgresql+psycopg:// URL)"
        )
    return SQLiteStore(Path(target))


def learner_store(url_or_path: str | os.PathLike[str] | None = None) -> LearnerStore:
    """The store a learner's kernel saves to, opened now: the coursekit service through
    :class:`~coursekit.store.hub.HubStore` for ``hub`` or an ``http(s)://`` URL,
    else :func:`open_store`."""
    target = store_target(url_or_path)
    if is_hub_target(target):
        from coursekit.store.hub import HubStore

        return HubStore(None if target == HUB_TARGET else target)
    return open_store(target)


def _hidden(url: str) -> str:
    """``url`` with any password masked, for messages."""
    import sqlalchemy as sa

    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.split("@", 1)[-1] if "@" in url else url


def _server_store(url: str) -> SQLStore:
    """A store on PostgreSQL through psycopg 3 (the ``postgresql`` extra)."""
    import sqlalchemy as sa

    where = _hidden(url)
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"cannot open learner store {where!r}: {exc}") from exc
    parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        import psycopg  # noqa: F401 - the driver SQLAlchemy loads for this URL
    except ImportError:
        raise StoreError(
            f"cannot open learner store {where!r}: PostgreSQL needs psycopg: "
            "pip install 'coursekit[postgresql]'"
        ) from None
    engine = sa.create_engine(
        parsed,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10, "application_name": "coursekit"},
    )
    return SQLStore(engine, where)
