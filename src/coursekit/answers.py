"""What an answer is, and when it was given: shared by the store, grading and the widgets.

Answers are plain JSON values, the same in the widgets, the store and the
learner record; :mod:`coursekit.grading` says what each question type takes.
``None`` (or an empty value) means "not answered" and is never graded.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

__all__ = ["Answer", "clock_time", "now"]

Answer: TypeAlias = "str | bool | list[str] | dict[str, str | None] | None"


def now() -> str:
    """The current time as stored: ISO 8601, UTC, with microseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def clock_time(stamp: str) -> str:
    """A stored time as the learner's local ``HH:MM``."""
    return dt.datetime.fromisoformat(stamp).astimezone().strftime("%H:%M")
