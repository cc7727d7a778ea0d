"""Store faults in words a learner understands: every failure becomes one :class:`StoreError`.

SQLite names its faults (``SQLITE_FULL``, ``SQLITE_CORRUPT``, ...),
PostgreSQL its SQLSTATEs (``53100`` disk full, ``08006`` connection failure, ...),
the operating system its own (``ENOSPC``, ``EACCES``, ...). Both map to a
``kind`` with a reason in the message catalogue, and the underlying words stay
in the message, so that a trainer helping a learner still sees the real cause.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Literal

from coursekit.errors import StoreError
from coursekit.messages import CATALOGUE, LANGS, msg

__all__ = [
    "Doing",
    "from_dbapi",
    "from_os",
    "from_sqlite",
    "kind_of_postgres",
    "kind_of_sqlite",
    "store_error",
]

Doing = Literal["open", "read", "write", "close"]

# SQLite's primary result codes (extended codes such as SQLITE_IOERR_WRITE or
# SQLITE_READONLY_DBMOVED share the reason of their primary code).
_SQLITE_KINDS = {
    "FULL": "full",
    "READONLY": "readonly",
    "PERM": "readonly",
    "CORRUPT": "corrupt",
    "NOTADB": "notadb",
    "IOERR": "ioerr",
    "CANTOPEN": "cantopen",
    "BUSY": "busy",
    "LOCKED": "busy",
    "PROTOCOL": "busy",
}
# PostgreSQL SQLSTATEs, by the whole code and then by its class (the first two characters).
_PG_KINDS = {
    "53100": "full",  # disk_full
    "25006": "readonly",  # read_only_sql_transaction
    "42501": "denied",  # insufficient_privilege
    "XX001": "corrupt",  # data_corrupted
    "XX002": "corrupt",  # index_corrupted
    "40001": "busy",  # serialization_failure
    "40P01": "busy",  # deadlock_detected
    "55P03": "busy",  # lock_not_available
    "57P01": "server",  # admin_shutdown
    "57P03": "server",  # cannot_connect_now
    "3D000": "server",  # invalid_catalog_name: no such database
}
_PG_CLASSES = {"08": "server", "28": "auth", "53": "full", "58": "ioerr"}
_OS_KINDS = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EFBIG: "full",
    errno.EACCES: "readonly",
    errno.EPERM: "readonly",
    errno.EROFS: "readonly",
    errno.ENOENT: "cantopen",
    errno.EISDIR: "notfile",
    errno.ENOTDIR: "notfile",
}


def kind_of_sqlite(exc: sqlite3.Error) -> str:
    """The fault's kind from SQLite's error name, ``"other"`` when it has none we know."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    primary = name.removeprefix("SQLITE_").split("_", 1)[0]
    return _SQLITE_KINDS.get(primary, "other")


def kind_of_postgres(exc: BaseException) -> str:
    """The fault's kind from PostgreSQL's SQLSTATE; a connection that never opened is "server"."""
    state = getattr(exc, "sqlstate", None) or ""
    if state:
        return _PG_KINDS.get(state) or _PG_CLASSES.get(state[:2], "other")
    # psycopg raises OperationalError without a SQLSTATE when no server answers at all.
    return "server" if type(exc).__name__ == "OperationalError" else "other"


def from_dbapi(doing: Doing, where: str, exc: Exception) -> StoreError:
    """The :class:`StoreError` for a SQLAlchemy ``DBAPIError`` from either backend."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        return from_sqlite(doing, where, orig)
    detail = " ".join(str(orig).split())[:300] or type(orig).__name__
    return store_error(doing, where, kind_of_postgres(orig), detail=detail)


def store_error(
    doing: Doing,
    where: str,
    kind: str,
    detail: str | None = None,
    **fields: object,
) -> StoreError:
    """A :class:`StoreError` of ``kind`` while ``doing`` something to the store at ``where``."""
    reasons = {}
    messages = []
    for lang in LANGS:
        reason = msg(lang, f"store.reason.{kind}", path=where, **fields)
        if detail:
            reason = msg(lang, "store.cause", reason=reason, detail=detail)
        reasons[lang] = reason
        # a reason that names the file already says where it is
        named = "{path}" in CATALOGUE[lang][f"store.reason.{kind}"]
        messages.append(
            msg(
                lang,
                "store.failed_here" if named else "store.failed",
                doing=msg(lang, f"store.doing.{doing}"),
                path=where,
                reason=reason,
            )
        )
    return StoreError("\n".join(messages), kind=kind, path=where, detail=detail, reasons=reasons)


def from_sqlite(doing: Doing, where: str, exc: sqlite3.Error) -> StoreError:
    """The :class:`StoreError` for a ``sqlite3`` error (chain it: ``raise ... from exc``)."""
    return store_error(doing, where, kind_of_sqlite(exc), detail=str(exc) or type(exc).__name__)


def from_os(doing: Doing, where: str, exc: OSError, making_folder: bool = False) -> StoreError:
    """The :class:`StoreError` for an operating-system error on the store's file or folder."""
    kind = _OS_KINDS.get(exc.errno or 0, "ioerr")
    if making_folder and kind not in ("full", "readonly"):
        kind = "folder"
    detail = exc.strerror or str(exc)
    if exc.filename is not None and kind != "notfile":
        detail = f"{detail}: {exc.filename}"
    return store_error(doing, where, kind, detail=detail)
