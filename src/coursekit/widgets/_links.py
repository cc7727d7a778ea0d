"""Links between module pages: where a module's live page is, and the paragraph it opens at.

A module's live page is its notebook, ``notebooks/03-a2.ipynb`` (named by
:func:`coursekit.build.notebook_name`); module notebooks sit side by side, so
a link from one to another is relative. ``?p=4`` asks the page to open its
reader at ¶4, marked: Voilà hands a page's query string to its kernel as
``QUERY_STRING``, and the Reader reads it (:func:`requested_paragraph`).
JupyterLab has no query string to hand over; there the link opens the notebook.

``?continue=1`` says the page was reached by a link inside the course, in the
same browser tab: coursekit's Voilà template adds it to such links (the learner
is clicking through), so the page goes on as the remembered learner, named in
its bar, instead of asking again. A page opened afresh still asks.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs

from coursekit.model import Course

__all__ = ["CONTINUE_QUERY", "PARAGRAPH_QUERY", "continues", "module_href", "requested_paragraph"]

PARAGRAPH_QUERY = "p"
CONTINUE_QUERY = "continue"


def module_href(course: Course, module_id: str, paragraph: int | None = None) -> str:
    """The relative address of ``module_id``'s notebook, opening at ``paragraph`` if given."""
    from coursekit.build import notebook_name

    index = course.meta.modules.index(module_id) + 1
    name = notebook_name(index, module_id)
    return name if paragraph is None else f"{name}?{PARAGRAPH_QUERY}={paragraph}"


def requested_paragraph(query: str | None = None) -> int | None:
    """The paragraph the page's address asks for (``?p=4``), from Voilà's ``QUERY_STRING``."""
    if query is None:
        query = os.environ.get("QUERY_STRING", "")
    values = parse_qs(query).get(PARAGRAPH_QUERY, [])
    if not values or not values[0].isdecimal() or len(values[0]) > 6:
        return None
    number = int(values[0])
    return number if number >= 1 else None


def continues(query: str | None = None) -> bool:
    """Whether the page was reached from another page of the course (``?continue=1``)."""
    if query is None:
        query = os.environ.get("QUERY_STRING", "")
    return parse_qs(query).get(CONTINUE_QUERY, []) == ["1"]
