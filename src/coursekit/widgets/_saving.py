"""Saving when the store fails: the learner's work waits in memory and is saved later.

Every widget of a session writes through the session's :class:`SaveQueue`. A
write the store refuses (a full disk, a read-only or damaged store) stays in
the queue, in the order the learner did it, and the widget says "未保存" with
the reason. The next save by any widget of the session, or the learner's
"save again", writes what is waiting first, so nothing typed or answered is
lost once the store works again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coursekit.errors import StoreError
from coursekit.messages import msg
from coursekit.store import LearnerStore

__all__ = ["SaveQueue", "SaveStatus", "unreadable_text", "unsaved_text"]

Write = Callable[[LearnerStore], Any]


def unsaved_text(lang: str, error: StoreError) -> str:
    """'未保存：<reason>…', for a write the store refused."""
    return msg(lang, "store.unsaved", reason=error.reason(lang))


def unreadable_text(lang: str, error: StoreError) -> str:
    """'无法读取此前的学习记录：<reason>', for a read the store refused."""
    return msg(lang, "store.unreadable", reason=error.reason(lang))


@dataclass
class _Waiting:
    store: LearnerStore
    write: Write
    done: Callable[[Any], None]


class SaveQueue:
    """Writes the store has not taken yet, kept in memory in the order they were made.

    :meth:`save` and :meth:`retry` write what is waiting first, and stop at
    the first refusal, so the store gets everything in order. ``error`` is the
    last refusal, or ``None`` once nothing waits.
    """

    def __init__(self) -> None:
        self.error: StoreError | None = None
        self._waiting: list[_Waiting] = []
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._waiting)

    def waiting_for(self, store: LearnerStore) -> int:
        """How many writes wait for ``store``."""
        with self._lock:
            return sum(1 for w in self._waiting if w.store is store)

    def save(
        self, store: LearnerStore, write: Write, done: Callable[[Any], None]
    ) -> StoreError | None:
        """Queue ``write(store)`` and write everything waiting; ``done(result)`` once stored."""
        with self._lock:
            self._waiting.append(_Waiting(store, write, done))
        return self.retry()

    def retry(self) -> StoreError | None:
        """Write everything waiting, in order; the refusal that stopped it, if any."""
        stored: list[tuple[_Waiting, Any]] = []
        with self._lock:
            self.error = None
            while self._waiting:
                first = self._waiting[0]
                try:
                    result = first.write(first.store)
                except StoreError as exc:
                    self.error = exc
                    break
                self._waiting.pop(0)
                stored.append((first, result))
            error = self.error
        for item, result in stored:  # outside the lock: callbacks update widgets
            item.done(result)
        return error

    def replay(self, store: LearnerStore, onto: LearnerStore) -> int:
        """Make the writes waiting for ``store`` on ``onto`` too (an export's copy); how many."""
        with self._lock:
            waiting = [w for w in self._waiting if w.store is store]
        for item in waiting:
            item.write(onto)
        return len(waiting)


class SaveStatus:
    """One widget's writes through its session's queue.

    ``saved(result, recovered)`` runs once the widget has nothing left
    waiting: at once, or after a later retry (then ``recovered`` is true).
    ``refused(error)`` runs whenever the store refuses while the widget still
    has something waiting.
    """

    def __init__(self, queue: SaveQueue, store: LearnerStore) -> None:
        self.queue = queue
        self.store = store
        self.waiting = 0
        self._failed = False
        self._refused: Callable[[StoreError], None] | None = None
        self._lock = threading.Lock()

    def save(
        self,
        write: Write,
        saved: Callable[[Any, bool], None],
        refused: Callable[[StoreError], None],
    ) -> bool:
        """Write now, after whatever is still waiting; whether it is stored now."""
        with self._lock:
            self.waiting += 1
            self._refused = refused

        def done(result: Any) -> None:
            with self._lock:
                self.waiting -= 1
                last = self.waiting == 0
                recovered = last and self._failed
                if last:
                    self._failed = False
            if last:
                saved(result, recovered)

        return self._settle(self.queue.save(self.store, write, done))

    def retry(self) -> bool:
        """Try the waiting writes again (the learner asked to); whether nothing waits now."""
        return self._settle(self.queue.retry())

    def _settle(self, error: StoreError | None) -> bool:
        with self._lock:
            refused = self._refused if error is not None and self.waiting else None
            if refused is not None:
                self._failed = True
        if refused is not None and error is not None:
            refused(error)
            return False
        return True
