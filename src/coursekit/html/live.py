"""HTML the widgets and the trainer's dashboard show live, from macros of ``live.html.j2``.

Every function takes text in words and returns :class:`Markup`: autoescape
escapes each text once. Pass Markup (a fragment, a Styler's table) where a
rendered part is expected.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from markupsafe import Markup

from coursekit.html.env import LIVE_SECTION, TEMPLATES, environment
from coursekit.model import Paragraph

__all__ = [
    "LIVE_MARKER",
    "checkpoint_prompt",
    "checkpoint_set",
    "cited",
    "dashboard_bundle",
    "dashboard_tables",
    "data_url",
    "downloads",
    "feedback",
    "heading",
    "lines",
    "live_stylesheet",
    "para",
    "progress_table",
    "reader_page",
    "reflection_head",
    "style",
]

#: Where the widgets' own section of ``style.css`` begins.
LIVE_MARKER = LIVE_SECTION


def _macros() -> Any:
    return environment().get_template("live.html.j2").module


def para(text: str, cls: str | None = None) -> Markup:
    """``<p class="cls">text</p>``."""
    return Markup(_macros().para(text, cls))


def heading(text: str, level: int = 3) -> Markup:
    """``<h3>text</h3>`` (or another level)."""
    return Markup(_macros().heading(text, level))


def lines(items: Iterable[str]) -> Markup:
    """Lines of text, one under the other (``<br>`` between them)."""
    return Markup(_macros().lines([i for i in items if i]))


def checkpoint_prompt(title: str, prompt: str) -> Markup:
    """A live checkpoint's title and prompt (``**emphasis**`` as ``<strong>``)."""
    return Markup(_macros().checkpoint_prompt(title, prompt))


def feedback(kind: str, mark: str, first: str, rest: Sequence[str]) -> Markup:
    """The verdict of an answer (``ck-right``, ``ck-wrong`` or ``ck-note``), then its details."""
    return Markup(_macros().feedback(kind, mark, first, list(rest)))


def cited(place: str, paragraph: Paragraph, href: str | None = None, link: str = "") -> Markup:
    """A cited paragraph shown under its question, with a link to its module's page if given."""
    return Markup(_macros().cited(place, paragraph, href, link))


def reader_page(page: Markup, scope: str, paragraph: int | None = None, note: str = "") -> Markup:
    """A page of the live reader, with ``paragraph`` marked (for the reader of class ``scope``)."""
    return Markup(_macros().reader_page(page, scope, paragraph, note))


def checkpoint_set(module_id: str, title: str, parts: Iterable[str]) -> Markup:
    """A module's checkpoints under one title; ``parts`` are rendered fragments."""
    return Markup(_macros().checkpoint_set(module_id, title, [Markup(p) for p in parts]))


def reflection_head(title: str, prompt: str, guidance: str) -> Markup:
    """A live reflection's title, prompt and guidance."""
    return Markup(_macros().reflection_head(title, prompt, guidance))


def progress_table(caption: str, headers: Sequence[str], rows: Sequence[dict[str, Any]]) -> Markup:
    """The course progress table.

    A row has label, title, read, correct, checkpoints, written and reflections.
    """
    return Markup(_macros().progress_table(caption, list(headers), list(rows)))


def data_url(content: str, mime: str) -> str:
    """``content`` as a ``data:`` URL (UTF-8, base64)."""
    data = base64.b64encode(content.encode("utf-8")).decode("ascii")
    return f"data:{mime};charset=utf-8;base64,{data}"


def downloads(links: Iterable[tuple[str, str, str]]) -> Markup:
    """Download links, one a line: ``(file name, data: URL, label)`` each."""
    return Markup(_macros().downloads(list(links)))


def _rules(css: str) -> Iterator[tuple[str, str]]:
    """The top-level rules of ``css`` as ``(prelude, whole rule)``; comments dropped."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    depth, start, prelude_end = 0, 0, 0
    for i, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude_end = i
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                yield css[start:prelude_end].strip(), css[start : i + 1].strip()
                start = i + 1


def _ours(prelude: str) -> bool:
    """A rule every selector of which names a ``ck-`` class: it cannot restyle JupyterLab."""
    if prelude.startswith("@"):
        return False  # @media print, @page: pages only
    return all(".ck-" in selector for selector in prelude.split(","))


@cache
def live_stylesheet() -> Markup:
    """The widgets' CSS: the ``ck-`` rules of the page stylesheet, then its live section.

    JupyterLab shows a notebook's widgets in its own page, so nothing that
    selects a bare element (``body``, ``a``, ``table``) may go with them; the
    fragments the widgets show (reader, prompts, glossary) keep their look.
    Read from the file itself: pages have no use for the live section.
    """
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    pages, _, live = css.partition(LIVE_MARKER)
    kept = [rule for prelude, rule in _rules(pages) if _ours(prelude)]
    return Markup("\n".join([*kept, *(rule for _, rule in _rules(live))]))


def style(css: Markup) -> Markup:
    """``<style>`` with ``css``, for an HTML widget."""
    return Markup(_macros().style(css))


def dashboard_tables(sections: Iterable[tuple[str, str]], skipped: Iterable[str]) -> Markup:
    """Titled tables, then a line per skipped file.

    A table is a Styler's HTML: its cells were escaped once in the frame
    (:func:`coursekit.cells.html_cells`) before the Styler saw them, so it is
    taken as rendered, never escaped again.
    """
    parts = [(title, Markup(table)) for title, table in sections]
    return Markup(_macros().dashboard_tables(parts, list(skipped)))


def dashboard_bundle(status: str, tables: str) -> Markup:
    """The dashboard without a kernel: the status line, then the tables (both rendered)."""
    return Markup(_macros().dashboard_bundle(Markup(status), Markup(tables)))
