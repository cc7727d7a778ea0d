"""The three renderings of a module page, and the MIME type each takes from a widget's mimebundle.

``handout``   ``text/html``: question, options and a self-check in ``<details>``
``worksheet`` ``application/vnd.coursekit.worksheet+html``: blank answer lines, answer key
``trainer``   ``application/vnd.coursekit.trainer+html``: answers, evidence, trainer notes

The widgets write one mimebundle entry per variant; :mod:`coursekit.render`
keeps one of them in each published page.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["MIMETYPES", "TRAINER_MIME", "VARIANTS", "WORKSHEET_MIME", "Variant"]

Variant = Literal["handout", "worksheet", "trainer"]
VARIANTS: tuple[Variant, ...] = ("handout", "worksheet", "trainer")
WORKSHEET_MIME = "application/vnd.coursekit.worksheet+html"
TRAINER_MIME = "application/vnd.coursekit.trainer+html"
MIMETYPES: dict[str, str] = {
    "handout": "text/html",
    "worksheet": WORKSHEET_MIME,
    "trainer": TRAINER_MIME,
}
