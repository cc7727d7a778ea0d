"""Store faults in words a learner understands: every failure becomes one :class:`StoreError`.

SQLite names its faults (``SQLITE_FULL``, ``SQLITE_CORRUPT``, ...); the
operating system names its own (``ENOSPC``, ``EACCES``, ...). Both map to a
``kind`` with a reason in the message catalogue, and the underlying words stay
in the message, so that a trainer helping a learner still sees the real cause.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Literal

from coursekit.errors import StoreError
from coursekit.messages import CATALOGUE, LANGS, msg

__all__ = ["Doing", "from_os", "from_sqlite", "kind_of_sqlite", "store_error"]

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
