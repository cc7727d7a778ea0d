"""The Reader: a module's text, page by page, with glossary, text size and a saved "done"."""

from __future__ import annotations

import uuid

import ipywidgets as w
from markupsafe import Markup

from coursekit.answers import now
from coursekit.errors import StoreError
from coursekit.html import live
from coursekit.html.fragments import (
    Variant,
    glossary_html,
    reader_header_html,
    reader_html,
    reader_section_html,
    terms_in,
)
from coursekit.messages import msg
from coursekit.model import Course, Module, Paragraph
from coursekit.store import LearnerStore
from coursekit.widgets._common import StaticRenderings, live_classes
from coursekit.widgets._links import requested_paragraph
from coursekit.widgets._saving import unreadable_text, unsaved_text
from coursekit.widgets._session import LearnerSession, make_context

__all__ = ["FONT_SIZES", "Reader", "page_numbers", "pages_of"]

FONT_SIZES = (14, 16, 18, 20, 23, 26)
_DEFAULT_FONT = 1


def _chunks(module: Module, size: int) -> list[tuple[str, tuple[Paragraph, ...]]]:
    """A page per sub-section, long sections split every ``size`` paragraphs: (heading, them)."""
    if size < 1:
        raise ValueError("page_paragraphs must be at least 1")
    chunks = []
    for section in module.sections:
        paragraphs = section.paragraphs or ()
        for start in range(0, max(len(paragraphs), 1), size):
            chunks.append((section.heading or "", paragraphs[start : start + size]))
    return chunks


def pages_of(course: Course, module: Module, page_paragraphs: int = 10) -> list[str]:
    """The module as HTML pages: one per sub-section, long sections split every N paragraphs.

    A page that continues a section repeats its heading, so every page says where it is.
    """
    terms = terms_in(course, module)
    return [
        str(reader_section_html(heading, chunk, terms))
        for heading, chunk in _chunks(module, page_paragraphs)
    ]


def page_numbers(module: Module, page_paragraphs: int = 10) -> list[tuple[int, ...]]:
    """The paragraph numbers on each page of :func:`pages_of`."""
    return [tuple(p.number for p in chunk) for _, chunk in _chunks(module, page_paragraphs)]


class Reader(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A module's text for reading in the notebook.

    The header card states the reading time and the rate it assumes. Glossary
    terms carry their definition on hover, and the "look up" list shows it on
    click or by keyboard. "Done reading" is saved in the store with its time;
    when the store refuses it, the status says "未保存" and why, and the next
    click (or any later save) stores it with the time of the first click.
    """

    def __init__(
        self,
        module: Module | str,
        *,
        course: Course | None = None,
        store: LearnerStore | None = None,
        learner: str | LearnerSession | None = None,
        lang: str = "zh",
        page_paragraphs: int = 10,
        paragraph: int | None = None,
    ) -> None:
        self.ctx = make_context(course, store, learner, lang)
        course = self.ctx.course
        self.module = course.module(module) if isinstance(module, str) else module
        self.pages = pages_of(course, self.module, page_paragraphs)
        self.numbers = page_numbers(self.module, page_paragraphs)
        self.cited: int | None = None
        self.page = 0
        self.font = _DEFAULT_FONT
        self._saving = self.ctx.saving()
        lang = self.ctx.lang

        header = w.HTML(reader_header_html(course, self.module, lang))
        self.smaller = w.Button(
            description=msg(lang, "reader.smaller"),
            tooltip=msg(lang, "reader.smaller_tip"),
            layout=_auto(),
        )
        self.larger = w.Button(
            description=msg(lang, "reader.larger"),
            tooltip=msg(lang, "reader.larger_tip"),
            layout=_auto(),
        )
        self.terms = terms_in(course, self.module)
        self.term_pick = w.Dropdown(
            options=[(msg(lang, "reader.glossary_none"), None)]
            + [(t.term, t.term) for t in self.terms],
            value=None,
            description=msg(lang, "reader.glossary_pick"),
            style={"description_width": "initial"},
            layout=w.Layout(width="auto", flex="1 1 14em"),
        )
        self.definition = w.HTML("")
        tools = [self.smaller, self.larger]
        if self.terms:
            tools += [self.term_pick]
        self.body = w.HTML("")
        self.scope = f"ck-reader-{uuid.uuid4().hex[:12]}"  # this reader's own class
        self.body.add_class("ck-reader-body").add_class(self.scope)
        self.prev = w.Button(description=msg(lang, "reader.prev"), layout=_auto())
        self.next = w.Button(description=msg(lang, "reader.next"), layout=_auto())
        self.page_label = w.Label("")
        self.progress = w.IntProgress(
            value=1,
            min=0,
            max=len(self.pages),
            description=msg(lang, "reader.progress"),
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.done = w.Button(
            description=msg(lang, "reader.done"),
            tooltip=msg(lang, "reader.done_tip"),
            icon="check",
            button_style="primary",
            layout=_auto(),
        )
        self.status = w.Label(msg(lang, "reader.not_done"))
        super().__init__(
            [
                header,
                _row(*tools),
                self.definition,
                self.body,
                _row(self.prev, self.page_label, self.next).add_class("ck-pager"),
                self.progress,
                _row(self.done, self.status),
            ]
        )
        live_classes(self, "ck-live-reader")
        self.ctx.session.readers[self.module.id] = self
        self.smaller.on_click(lambda _: self.set_font(self.font - 1))
        self.larger.on_click(lambda _: self.set_font(self.font + 1))
        self.prev.on_click(lambda _: self.show_page(self.page - 1))
        self.next.on_click(lambda _: self.show_page(self.page + 1))
        self.term_pick.observe(lambda _: self._define(), names="value")
        self.done.on_click(lambda _: self.mark_done())
        self.set_font(self.font)
        self.show_page(0)
        wanted = paragraph if paragraph is not None else requested_paragraph()
        if wanted is not None:
            self.show_paragraph(wanted)
        self.ctx.on_learner(self._restore)

    @property
    def font_size(self) -> str:
        """The CSS font size of the text now, e.g. ``"16px"``."""
        return f"{FONT_SIZES[self.font]}px"

    def set_font(self, step: int) -> None:
        self.font = min(max(step, 0), len(FONT_SIZES) - 1)
        self.body.style.font_size = self.font_size
        self.smaller.disabled = self.font == 0
        self.larger.disabled = self.font == len(FONT_SIZES) - 1

    def show_page(self, index: int) -> None:
        """Show page ``index`` (clamped); progress shows how far into the text it is."""
        self.page = min(max(index, 0), len(self.pages) - 1)
        cited = self.cited if self.cited in self.numbers[self.page] else None
        note = msg(self.ctx.lang, "reader.cited", paragraph=cited) if cited else ""
        self.body.value = str(
            live.reader_page(Markup(self.pages[self.page]), self.scope, cited, note)
        )
        self.page_label.value = msg(
            self.ctx.lang, "reader.page", page=self.page + 1, pages=len(self.pages)
        )
        self.progress.value = self.page + 1
        self.prev.disabled = self.page == 0
        self.next.disabled = self.page == len(self.pages) - 1

    def page_of(self, paragraph: int) -> int | None:
        """The index of the page that holds ``paragraph``, if the module has it."""
        for index, numbers in enumerate(self.numbers):
            if paragraph in numbers:
                return index
        return None

    def show_paragraph(self, paragraph: int) -> int | None:
        """Turn to the page holding ``paragraph`` and mark it; that page's number (from 1)."""
        index = self.page_of(paragraph)
        if index is None:
            return None
        self.cited = paragraph
        self.show_page(index)
        return index + 1

    def _define(self) -> None:
        term = next((t for t in self.terms if t.term == self.term_pick.value), None)
        # the glossary entry as the handout has it: where the packet says it, and any
        # general knowledge marked as such
        self.definition.value = (
            "" if term is None else str(glossary_html(self.ctx.course, [term], self.ctx.lang))
        )

    def mark_done(self) -> None:
        """Save that the module was read; the status names the time."""
        if not self.ctx.learner:
            self.status.value = msg(self.ctx.lang, "learner.needed")
            return
        if self._saving.waiting:
            self._saving.retry()  # this click is already waiting: try it again
        else:
            learner, course_id, at = self.ctx.learner, self.ctx.course.id, now()
            self._saving.save(
                lambda store: (learner, store.mark_read(learner, course_id, self.module.id, at)),
                self._saved,
                self._refused,
            )
        self.ctx.session.touch()

    def _saved(self, stored: tuple[str, str], recovered: bool) -> None:
        learner, done_at = stored
        if learner == self.ctx.learner:
            self.status.value = msg(self.ctx.lang, "reader.done_at", time=self.ctx.time(done_at))

    def _refused(self, error: StoreError) -> None:
        self.status.value = unsaved_text(self.ctx.lang, error)

    def _restore(self) -> None:
        learner = self.ctx.learner
        try:
            done_at = (
                self.ctx.store.read_at(learner, self.ctx.course.id, self.module.id)
                if learner
                else None
            )
        except StoreError as exc:
            self.status.value = unreadable_text(self.ctx.lang, exc)
            return
        self.status.value = (
            msg(self.ctx.lang, "reader.not_done")
            if done_at is None
            else msg(self.ctx.lang, "reader.done_at", time=self.ctx.time(done_at))
        )

    def static_html(self, variant: Variant) -> str:
        return reader_html(self.ctx.course, self.module, self.ctx.lang)


def _row(*children: object) -> w.HBox:
    """Controls side by side that wrap onto the next line when the screen is narrow."""
    return w.HBox(list(children)).add_class("ck-row")


def _auto() -> w.Layout:
    """As wide as the button's words, never squeezed: no "A…" on a phone."""
    return w.Layout(width="auto", flex="0 0 auto")
