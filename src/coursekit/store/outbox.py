"""Writes a kernel has made but the coursekit service has not taken yet, kept on this machine.

One SQLite file (``$COURSEKIT_HOME/outbox.sqlite3``) holds one row per write,
in the order it was made, with the idempotency key the service uses to add a
retried attempt only once. A row is written (and committed) before the
write's call returns, and deleted once the service has answered it; a row
the service refused (a 4xx) stays, marked with the service's reason, so that
nothing a learner did is ever thrown away.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursekit.store.faults import store_error

__all__ = ["OUTBOX_FILE", "Outbox", "Write", "outbox_path"]

OUTBOX_FILE = "outbox.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    service TEXT NOT NULL,
    learner TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    refused TEXT
)
"""


def outbox_path() -> Path:
    """``$COURSEKIT_HOME/outbox.sqlite3``, or ``~/.coursekit/outbox.sqlite3``."""
    home = os.environ.get("COURSEKIT_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".coursekit"
    return base / OUTBOX_FILE


@dataclass(frozen=True)
class Write:
    """One kept write: a request to the service, with its key and JSON body."""

    seq: int
    key: str
    method: str
    path: str
    body: dict[str, Any]


class Outbox:
    """The kept writes of one learner for one service, in a SQLite file shared by kernels."""

    def __init__(self, path: str | os.PathLike[str], service: str, learner: str) -> None:
        self.path = Path(path)
        self.service = service
        self.learner = learner
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise store_error("write", str(self.path), "outbox", detail=str(exc)) from exc

    def _run(self, sql: str, *args: Any) -> list[Any]:
        with self._lock:
            try:
                rows = self._db.execute(sql, args).fetchall()
                self._db.commit()
            except sqlite3.Error as exc:
                raise store_error("write", str(self.path), "outbox", detail=str(exc)) from exc
        return rows

    def add(self, key: str, method: str, path: str, body: dict[str, Any]) -> int:
        """Keep a write (committed before this returns); its place in the order."""
        rows = self._run(
            "INSERT INTO outbox (key, service, learner, method, path, body) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
            key,
            self.service,
            self.learner,
            method,
            path,
            json.dumps(body, ensure_ascii=False),
        )
        return int(rows[0][0])

    def waiting(self) -> list[Write]:
        """This learner's writes the service has not taken, oldest first."""
        rows = self._run(
            "SELECT seq, key, method, path, body FROM outbox "
            "WHERE service = ? AND learner = ? AND refused IS NULL ORDER BY seq",
            self.service,
            self.learner,
        )
        return [Write(int(s), k, m, p, json.loads(b)) for s, k, m, p, b in rows]

    def count(self) -> int:
        rows = self._run(
            "SELECT count(*) FROM outbox WHERE service = ? AND learner = ? AND refused IS NULL",
            self.service,
            self.learner,
        )
        return int(rows[0][0])

    def sent(self, seq: int) -> None:
        """The service took the write: it need not be kept."""
        self._run("DELETE FROM outbox WHERE seq = ?", seq)

    def refused(self, seq: int, reason: str) -> None:
        """The service refused the write for good: kept, with why, and never sent again."""
        self._run("UPDATE outbox SET refused = ? WHERE seq = ?", reason, seq)

    def refusals(self) -> list[tuple[Write, str]]:
        """Writes the service refused when they were sent later, with its reasons."""
        rows = self._run(
            "SELECT seq, key, method, path, body, refused FROM outbox "
            "WHERE service = ? AND learner = ? AND refused IS NOT NULL ORDER BY seq",
            self.service,
            self.learner,
        )
        return [(Write(int(s), k, m, p, json.loads(b)), r) for s, k, m, p, b, r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
