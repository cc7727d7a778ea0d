"""The one interface every learner store implements."""

from __future__ import annotations

from typing import Protocol

from coursekit.answers import Answer
from coursekit.store.rows import (
    Attempt,
    Learner,
    LearnerDump,
    Read,
    RestoreCounts,
    SavedReflection,
)

__all__ = ["LearnerStore"]


class LearnerStore(Protocol):
    """Where the widgets save a learner's work; every write is committed before it returns.

    Times are ISO 8601 strings in UTC (:func:`coursekit.answers.now` when not given).
    Lists come back in a stable order: by course, module, then time.
    """

    def add_learner(self, name: str, display_name: str | None = None) -> None:
        """Record the learner ``name`` (their id; what they typed on their own machine) as
        the one working now; a learner new to the store is shown as ``display_name``."""

    def last_learner(self) -> str | None:
        """The learner most recently named, so that a new kernel need not ask again."""

    def learners(self) -> list[str]:
        """Every learner in this store, by id."""

    def learner(self, learner: str) -> Learner | None:
        """The learner with this id (display name, branch, first and last seen), or None."""

    def mark_read(self, learner: str, course_id: str, module: str, at: str | None = None) -> str:
        """Record that ``module`` was read to the end; returns the first time it was."""

    def read_at(self, learner: str, course_id: str, module: str) -> str | None: ...

    def reads(self, learner: str, course_id: str | None = None) -> list[Read]: ...

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
        """Save one submitted answer; attempts are never overwritten."""

    def attempts(
        self,
        learner: str,
        course_id: str | None = None,
        module: str | None = None,
        checkpoint_id: str | None = None,
    ) -> list[Attempt]: ...

    def save_reflection(
        self,
        learner: str,
        course_id: str,
        module: str,
        reflection_id: str,
        text: str,
        at: str | None = None,
    ) -> SavedReflection:
        """Save the latest text of a reflection, replacing the one before."""

    def reflection(
        self, learner: str, course_id: str, reflection_id: str
    ) -> SavedReflection | None: ...

    def reflections(
        self, learner: str, course_id: str | None = None, module: str | None = None
    ) -> list[SavedReflection]: ...

    def dump(self, learner: str, course_id: str | None = None) -> LearnerDump:
        """Everything stored for ``learner`` (in one course, or all), for an export."""

    def restore(self, dump: LearnerDump) -> RestoreCounts:
        """Merge an exported dump back, in one transaction.

        Attempts already present are not added twice; of two texts of a
        reflection the later one wins; a module counts as read from the
        earlier time. Restoring the same dump twice changes nothing.
        """

    def close(self) -> None: ...
