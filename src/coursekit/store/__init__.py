"""The learner store: everything a learner does, saved at once.

Where it lives
    ``$COURSEKIT_HOME/learner.sqlite3`` when the environment variable
    ``COURSEKIT_HOME`` is set, otherwise ``~/.coursekit/learner.sqlite3``.
    On Binder that is the session's home folder, which disappears with the
    session: learners keep their work by exporting their learning record.

What it holds
    ``learners`` (name, first and last seen), ``reads`` (a module read to the
    end), ``attempts`` (every checkpoint answer with its time and grade),
    ``reflections`` (the latest text of each reflection) and the applied
    migrations in ``_coursekit_migrations``.

The widgets talk to the :class:`LearnerStore` protocol only, so a store on a
database server (a URL for :func:`open_store`) can replace SQLite later.

When it fails
    every fault is a :class:`~coursekit.errors.StoreError` that names the real
    cause in words a learner understands (:mod:`coursekit.store.faults`). A
    store file truncated to 0 bytes, a damaged page and a store written by a
    newer coursekit are refused on opening. In a kernel the widgets use a
    :class:`ReopeningStore`, which tries again on every use until it opens.
"""

from __future__ import annotations

import os
from pathlib import Path

from coursekit.errors import StoreError
from coursekit.store.base import LearnerStore
from coursekit.store.reopening import ReopeningStore
from coursekit.store.rows import Attempt, LearnerDump, Read, RestoreCounts, SavedReflection
from coursekit.store.sqlite import SQLiteStore

__all__ = [
    "Attempt",
    "LearnerDump",
    "LearnerStore",
    "Read",
    "ReopeningStore",
    "RestoreCounts",
    "SQLiteStore",
    "SavedReflection",
    "default_path",
    "open_store",
]

STORE_FILE = "learner.sqlite3"


def default_path() -> Path:
    """``$COURSEKIT_HOME/learner.sqlite3``, or ``~/.coursekit/learner.sqlite3``."""
    home = os.environ.get("COURSEKIT_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".coursekit"
    return base / STORE_FILE


def open_store(url_or_path: str | os.PathLike[str] | None = None) -> LearnerStore:
    """Open the learner store named by a path or URL (the default path when ``None``).

    Accepted: a file path; ``sqlite:///relative/or//absolute/path``;
    ``sqlite://`` or ``:memory:`` for a store in memory. Any other URL scheme
    raises :class:`~coursekit.errors.StoreError`.
    """
    if url_or_path is None:
        return SQLiteStore(default_path())
    target = os.fspath(url_or_path)
    if target in (":memory:", "sqlite://", "sqlite:///:memory:"):
        return SQLiteStore(memory=True)
    if target.startswith("sqlite:///"):
        return SQLiteStore(Path(target.removeprefix("sqlite:///")))
    scheme = target.split("://", 1)[0] if "://" in target else None
    if scheme is not None:
        raise StoreError(
            f"cannot open learner store {target!r}: the {scheme!r} scheme is not supported "
            "(use a file path or a sqlite:/// URL)"
        )
    return SQLiteStore(Path(target))
