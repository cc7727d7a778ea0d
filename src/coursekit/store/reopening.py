"""A store a kernel keeps trying to open, so that a store fault never stops a module page."""

from __future__ import annotations

import os
import threading

from coursekit.answers import Answer
from coursekit.errors import StoreError
from coursekit.store.base import LearnerStore
from coursekit.store.rows import (
    Attempt,
    Learner,
    LearnerDump,
    Read,
    RestoreCounts,
    SavedReflection,
)

__all__ = ["ReopeningStore"]


class ReopeningStore:
    """The store at ``target`` (a path or URL), opened on first use and, until then, on every use.

    While it cannot be opened (a full disk, a truncated file, a store from a
    newer coursekit) every call raises that attempt's :class:`StoreError`, so
    the widgets can say why and keep the learner's work in memory. Once the
    fault is mended, the next call opens the store and everything carries on.
    ``error`` is the last opening fault, or ``None``.
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = os.fspath(target)
        self.error: StoreError | None = None
        self._store: LearnerStore | None = None
        self._lock = threading.Lock()

    def opened(self) -> LearnerStore:
        """The open store; a :class:`StoreError` if it still cannot be opened."""
        with self._lock:
            if self._store is None:
                try:
                    from coursekit.store import learner_store

                    self._store = learner_store(self.target)
                except StoreError as exc:
                    self.error = exc
                    raise
                self.error = None
            return self._store

    def __repr__(self) -> str:
        return f"ReopeningStore({self.target})"

    def kept(self) -> int:
        """Writes kept on this machine that the store has not taken yet (a hub store's outbox)."""
        with self._lock:
            store = self._store
        kept = getattr(store, "kept", None)
        return int(kept()) if callable(kept) else 0

    def add_learner(self, name: str, display_name: str | None = None) -> None:
        self.opened().add_learner(name, display_name)

    def last_learner(self) -> str | None:
        return self.opened().last_learner()

    def learners(self) -> list[str]:
        return self.opened().learners()

    def learner(self, learner: str) -> Learner | None:
        return self.opened().learner(learner)

    def mark_read(self, learner: str, course_id: str, module: str, at: str | None = None) -> str:
        return self.opened().mark_read(learner, course_id, module, at)

    def read_at(self, learner: str, course_id: str, module: str) -> str | None:
        return self.opened().read_at(learner, course_id, module)

    def reads(self, learner: str, course_id: str | None = None) -> list[Read]:
        return self.opened().reads(learner, course_id)

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
        return self.opened().add_attempt(
            learner, course_id, module, checkpoint_id, answer, correct, at
        )

    def attempts(
        self,
        learner: str,
        course_id: str | None = None,
        module: str | None = None,
        checkpoint_id: str | None = None,
    ) -> list[Attempt]:
        return self.opened().attempts(learner, course_id, module, checkpoint_id)

    def save_reflection(
        self,
        learner: str,
        course_id: str,
        module: str,
        reflection_id: str,
        text: str,
        at: str | None = None,
    ) -> SavedReflection:
        return self.opened().save_reflection(learner, course_id, module, reflection_id, text, at)

    def reflection(
        self, learner: str, course_id: str, reflection_id: str
    ) -> SavedReflection | None:
        return self.opened().reflection(learner, course_id, reflection_id)

    def reflections(
        self, learner: str, course_id: str | None = None, module: str | None = None
    ) -> list[SavedReflection]:
        return self.opened().reflections(learner, course_id, module)

    def dump(self, learner: str, course_id: str | None = None) -> LearnerDump:
        return self.opened().dump(learner, course_id)

    def restore(self, dump: LearnerDump) -> RestoreCounts:
        return self.opened().restore(dump)

    def close(self) -> None:
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()
