"""The three renderings of a module page, and the MIME type each takes from a widget's mimebundle.

``handout``   ``text/html``: question, options and a self-check in ``<details>``
``worksheet`` ``application/vnd.coursekit.worksheet+html``: blank answer lines, answer key
``trainer``   ``application/vnd.coursekit.trainer+html``: answers, evidence, trainer notes

The widgets write one mimebundle entry per variant; :mod:`coursekit.render`
keeps one of them in each published page.

A kernel that ``coursekit publish`` runs has :data:`RENDERINGS_ONLY` set in its
environment: there :func:`coursekit.widgets.show_module` displays these
renderings alone, without making the widgets (which need a front end that a
publish does not have, and cost more than the renderings).
"""

from __future__ import annotations

import os
from typing import Literal

__all__ = [
    "MIMETYPES",
    "RENDERINGS_ONLY",
    "TRAINER_MIME",
    "VARIANTS",
    "WORKSHEET_MIME",
    "Variant",
    "renderings_only",
]

Variant = Literal["handout", "worksheet", "trainer"]
VARIANTS: tuple[Variant, ...] = ("handout", "worksheet", "trainer")
WORKSHEET_MIME = "application/vnd.coursekit.worksheet+html"
TRAINER_MIME = "application/vnd.coursekit.trainer+html"
MIMETYPES: dict[str, str] = {
    "handout": "text/html",
    "worksheet": WORKSHEET_MIME,
    "trainer": TRAINER_MIME,
}
RENDERINGS_ONLY = "COURSEKIT_RENDERINGS_ONLY"


def renderings_only() -> bool:
    """Whether this kernel publishes: module pages display their static renderings only."""
    return os.environ.get(RENDERINGS_ONLY) == "1"
