"""Parsed course documents and the line of every key in them, so problems can name lines.

:mod:`coursekit.content` fills these while it reads a course; :mod:`coursekit.validate`
reads them to point each problem at its file, line and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.model import QUESTION_TYPES

__all__ = ["Located", "Sources", "field_name"]


@dataclass
class Located:
    """A parsed YAML document and the line of every key and list item in it."""

    path: Path
    data: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line(self, loc: tuple[str | int, ...]) -> int | None:
        """The line of the deepest part of ``loc`` that the document has.

        A list index the document does not have is skipped, because a single
        mapping may stand where the model takes a list of one (``evidence``).
        """
        path: tuple[str | int, ...] = ()
        for part in loc:
            if (*path, part) in self.lines:
                path = (*path, part)
            elif part != 0:
                break
        return self.lines.get(path)


@dataclass
class Sources:
    """Every parsed document of a course, kept so that later checks can name lines."""

    root: Path
    course: Located | None = None
    fronts: dict[str, Located] = field(default_factory=dict)
    extras: dict[str, Located] = field(default_factory=dict)
    glossary: Located | None = None
    exercises: Located | None = None


def field_name(loc: tuple[str | int, ...]) -> str:
    """``('checkpoints', 2, 'single', 'answer')`` → ``checkpoints[2].answer``."""
    out = ""
    prev: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(prev, int) and part in QUESTION_TYPES:
            pass  # pydantic's discriminator tag, not a field the author wrote
        else:
            out += f".{part}" if out else part
        prev = part
    return out
