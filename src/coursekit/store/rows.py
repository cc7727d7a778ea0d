"""The rows a learner store keeps, as frozen dataclasses with a JSON-ready form."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from coursekit.answers import Answer

__all__ = [
    "Attempt",
    "Learner",
    "LearnerDump",
    "Read",
    "RestoreCounts",
    "RosterCounts",
    "RosterEntry",
    "SavedReflection",
]


@dataclass(frozen=True)
class Learner:
    """A learner as the store knows them: an id, a display name and a branch (支部).

    The id is what every attempt, read and reflection is keyed by; two members
    called 王伟 in different branches have two ids. On a learner's own machine
    the id is the name they typed; an organisation's roster assigns them.
    ``first_seen``/``last_seen`` are ``None`` for a member on the roster who
    has not studied yet. ``role`` is the roster's 职务 (支部书记, 组织委员, …).
    """

    id: str
    name: str
    branch: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class RosterEntry:
    """One member on an organisation's roster: learner id, display name, branch, role (职务)."""

    learner: str
    name: str
    branch: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class RosterCounts:
    """What :meth:`~coursekit.store.LearnerStore.import_roster` did, member by member."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


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
    """Everything stored for one learner, in a stable order (by course, module, time).

    ``name`` and ``branch`` are what a record said of the learner; a store that
    does not know the learner yet takes them, one that does keeps its own.
    """

    learner: str
    reads: tuple[Read, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    reflections: tuple[SavedReflection, ...] = ()
    name: str | None = None
    branch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "learner": self.learner,
            "name": self.name,
            "branch": self.branch,
            "reads": [asdict(r) for r in self.reads],
            "attempts": [asdict(a) for a in self.attempts],
            "reflections": [asdict(r) for r in self.reflections],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnerDump:
        """The dump :meth:`to_dict` wrote; a ``KeyError``/``TypeError`` if fields are missing."""
        return cls(
            learner=str(data["learner"]),
            name=data.get("name"),
            branch=data.get("branch"),
            reads=tuple(Read(**r) for r in data.get("reads", [])),
            attempts=tuple(Attempt(**a) for a in data.get("attempts", [])),
            reflections=tuple(SavedReflection(**r) for r in data.get("reflections", [])),
        )
