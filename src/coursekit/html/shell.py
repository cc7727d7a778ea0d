"""HTML of the live course's shell: the start page's contents, the trainer's view of a module.

Every function takes text in words and returns :class:`Markup` from the macros
of ``shell.html.j2``; autoescape escapes each text once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from coursekit.html.env import environment

__all__ = ["ContentsRow", "contents", "trainer_view", "unanswered"]


@dataclass(frozen=True)
class ContentsRow:
    """One module on the start page: where it is, what it is, how far the learner got."""

    href: str
    module_id: str
    label: str
    title: str
    status: str
    done: bool


def _macros() -> Any:
    return environment().get_template("shell.html.j2").module


def contents(title: str, overall: str, rows: Sequence[ContentsRow]) -> Markup:
    """The list of modules, each a link with the learner's progress under it."""
    return Markup(_macros().contents(title, overall, list(rows)))


def trainer_view(notes: Markup, empty: str, href: str, link: str) -> Markup:
    """A module's trainer notes (rendered already), or ``empty``; then a link to the module."""
    return Markup(_macros().trainer_view(notes, empty, href, link))


def unanswered(title: str, table: str) -> Markup:
    """A table (rendered already, from escaped cells) folded under ``title``."""
    return Markup(_macros().unanswered(title, Markup(table)))
