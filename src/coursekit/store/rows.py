"""The rows a learner store keeps, as frozen dataclasses with a JSON-ready form."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from coursekit.answers import Answer

__all__ = ["Attempt", "LearnerDump", "Read", "RestoreCounts", "SavedReflection"]


@dataclass(frozen=True)
class Read:
    """A module the learner marked as read to the end."""

    learner: str
    course_id: str
    module: str
    done_at: str


@dataclass(frozen=True)
class Attempt:
    """One submitted answer to a checkpoint (see :mod:`coursekit.grading` for its shape)."""

    learner: str
    course_id: str
    module: str
    checkpoint_id: str
    answer: Answer
    correct: bool
    at: str


@dataclass(frozen=True)
class SavedReflection:
    """The latest text of one reflection."""

    learner: str
    course_id: str
    module: str
    reflection_id: str
    text: str
    updated_at: str


@dataclass(frozen=True)
class RestoreCounts:
    """How many rows :meth:`~coursekit.store.LearnerStore.restore` added or changed."""

    reads: int = 0
    attempts: int = 0
    reflections: int = 0


@dataclass(frozen=True)
class LearnerDump:
    """Everything stored for one learner, in a stable order (by course, module, time)."""

    learner: str
    reads: tuple[Read, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    reflections: tuple[SavedReflection, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "learner": self.learner,
            "reads": [asdict(r) for r in self.reads],
            "attempts": [asdict(a) for a in self.attempts],
            "reflections": [asdict(r) for r in self.reflections],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnerDump:
        """The dump :meth:`to_dict` wrote; a ``KeyError``/``TypeError`` if fields are missing."""
        return cls(
            learner=str(data["learner"]),
            reads=tuple(Read(**r) for r in data.get("reads", [])),
            attempts=tuple(Attempt(**a) for a in data.get("attempts", [])),
            reflections=tuple(SavedReflection(**r) for r in data.get("reflections", [])),
        )
