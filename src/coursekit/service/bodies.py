"""The request bodies the service takes, as pydantic models with the records' field rules.

Every model forbids unknown fields: a client that sends ``correct`` with an
attempt is refused (422), since the service grades from the course key.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from coursekit.records import MAX_ATTEMPTS, MAX_TEXT, Timestamp

__all__ = ["AttemptBody", "DumpBody", "ReadBody", "ReflectionBody"]

Id = Annotated[str, Field(min_length=1, max_length=80)]
AnswerValue = str | bool | list[str] | dict[str, str | None] | None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AttemptBody(_Body):
    """``POST attempts``: one answer; ``key`` (a UUID) makes a retried POST add nothing."""

    course_id: str = Field(min_length=1, max_length=200)
    module: Id
    checkpoint_id: Id
    answer: AnswerValue
    at: Timestamp | None = None
    key: uuid.UUID


class ReadBody(_Body):
    """``PUT reads/<course>/<module>``: when the module was read to the end (now if absent)."""

    at: Timestamp | None = None


class ReflectionBody(_Body):
    """``PUT reflections/<course>/<reflection>``: the latest text."""

    module: Id
    text: str = Field(max_length=MAX_TEXT)
    at: Timestamp | None = None


class DumpRead(_Body):
    module: Id
    done_at: Timestamp


class DumpAttempt(_Body):
    """An attempt to restore; its ``correct`` is ignored: the service grades it again."""

    module: Id
    checkpoint_id: Id
    answer: AnswerValue
    correct: bool | None = None
    at: Timestamp


class DumpReflection(_Body):
    module: Id
    reflection_id: Id
    text: str = Field(max_length=MAX_TEXT)
    updated_at: Timestamp


class DumpBody(_Body):
    """``POST restore``: a learner's work in one course, as ``GET dump`` gives it."""

    course_id: str = Field(min_length=1, max_length=200)
    # what GET dump says of the learner; the learner must be the caller, the rest is ignored
    learner: str | None = None
    name: str | None = None
    branch: str | None = None
    reads: list[DumpRead] = Field(default_factory=list, max_length=500)
    attempts: list[DumpAttempt] = Field(default_factory=list, max_length=MAX_ATTEMPTS)
    reflections: list[DumpReflection] = Field(default_factory=list, max_length=500)
