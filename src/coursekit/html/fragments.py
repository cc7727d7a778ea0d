"""HTML fragments of a module for the widgets and the published pages: no kernel, no JavaScript.

Every function returns a fragment rendered by a macro of ``fragments.html.j2``
from course content only, never from a learner's data. Autoescape escapes
every value; ``**emphasis**`` becomes ``<strong>``. Class names start with
``ck-``; the one stylesheet styles them. A checkpoint has three variants
(:data:`~coursekit.html.variants.VARIANTS`): see the template's header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from coursekit.grading import answer_key
from coursekit.html.env import environment
from coursekit.html.variants import VARIANTS, Variant
from coursekit.messages import msg
from coursekit.model import (
    Checkpoint,
    Course,
    Evidence,
    FillBlank,
    GlossaryTerm,
    Module,
    MultipleChoice,
    Paragraph,
    Reflection,
    SingleChoice,
)
from coursekit.shuffle import Arrangement, arrange
from coursekit.text import READING_RATE, fold, plain, reading_minutes

__all__ = [
    "VARIANTS",
    "Variant",
    "answer_key_html",
    "appendix_html",
    "checkpoint_html",
    "citations",
    "emphasis_html",
    "evidence_lines",
    "evidence_place",
    "feedback_lines",
    "glossary_anchor",
    "glossary_html",
    "paragraph_html",
    "preface_html",
    "printed",
    "question_title",
    "reader_header_html",
    "reader_html",
    "reader_section_html",
    "reflection_html",
    "terms_in",
    "trainer_notes_html",
]

_BLANK = re.compile(r"_{2,}")


def _macros(lang: str) -> Any:
    """The macros of ``fragments.html.j2``, with ``lang`` for the ``t`` filter."""
    return environment().get_template("fragments.html.j2").make_module({"lang": lang})


def _check(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")


def _module(course: Course, module: Module | str) -> Module:
    return course.module(module) if isinstance(module, str) else module


def emphasis_html(text: str) -> Markup:
    """``text`` escaped, with ``**emphasis**`` as ``<strong>``."""
    return Markup(_macros("zh").emph(text))


# --- reader ----------------------------------------------------------------------------


def terms_in(course: Course, module: Module) -> list[GlossaryTerm]:
    """The glossary terms that occur in ``module``'s text, in glossary order."""
    text = "\n".join(p.plain for p in module.paragraphs)
    return [t for t in course.glossary.terms if any(form in text for form in t.forms)]


@dataclass(frozen=True)
class TermMark:
    """How a glossary form is marked: with its definition as a title (hover), or as a link
    to its entry in the glossary below the text."""

    title: str | None = None
    href: str | None = None


@dataclass(frozen=True)
class TermMarker:
    """Splits text into runs, each a glossary form (with its mark) or plain text (``None``).

    :meth:`of` marks every occurrence with its definition (a page of the live
    reader, which has no glossary below it). :meth:`linked` marks the first
    occurrence of each term with a link to its entry in the glossary of a whole
    article, and leaves the others plain: on a phone a tap works where hovering
    does not, and repeating each definition in every ``title`` doubled a handout.
    """

    pattern: re.Pattern[str] | None
    marks: dict[str, TermMark]
    once: bool = False
    seen: set[TermMark] = field(default_factory=set, compare=False)

    @classmethod
    def _make(cls, marks: dict[str, TermMark], once: bool = False) -> TermMarker:
        if not marks:
            return cls(None, {})
        forms = sorted(marks, key=len, reverse=True)
        return cls(re.compile("|".join(re.escape(f) for f in forms)), marks, once)

    @classmethod
    def of(cls, terms: Iterable[GlossaryTerm]) -> TermMarker:
        return cls._make({form: TermMark(title=t.definition) for t in terms for form in t.forms})

    @classmethod
    def linked(cls, terms: Iterable[GlossaryTerm]) -> TermMarker:
        """Links to the entries of ``glossary_html(terms)``: ``#ck-g-1`` for the first."""
        marks = {
            form: TermMark(href=f"#{glossary_anchor(n)}")
            for n, t in enumerate(terms, start=1)
            for form in t.forms
        }
        return cls._make(marks, once=True)

    def _mark(self, form: str) -> TermMark | None:
        mark = self.marks[form]
        if self.once:
            if mark in self.seen:
                return None
            self.seen.add(mark)
        return mark

    def __call__(self, text: str) -> list[tuple[str, TermMark | None]]:
        if self.pattern is None:
            return [(text, None)]
        runs: list[tuple[str, TermMark | None]] = []
        pos = 0
        for match in self.pattern.finditer(text):
            runs.append((text[pos : match.start()], None))
            runs.append((match.group(0), self._mark(match.group(0))))
            pos = match.end()
        runs.append((text[pos:], None))
        return runs


def glossary_anchor(number: int) -> str:
    """The id of the ``number``-th entry (from 1) of a glossary list."""
    return f"ck-g-{number}"


def paragraph_html(paragraph: Paragraph, terms: Iterable[GlossaryTerm] = ()) -> Markup:
    """One numbered paragraph: ``<p id="p-N" class="ck-para"><span class="ck-pn">¶N</span> …``."""
    return Markup(_macros("zh").paragraph(paragraph, TermMarker.of(terms)))


def reader_section_html(
    heading: str, paragraphs: Iterable[Paragraph], terms: Iterable[GlossaryTerm] = ()
) -> Markup:
    """A ``<section class="ck-section">``: an optional heading and numbered paragraphs."""
    return Markup(_macros("zh").section(heading, list(paragraphs), TermMarker.of(terms)))


def _category(course: Course, module: Module) -> str:
    try:
        return course.category(module.meta.category).name
    except KeyError:
        return module.meta.category


def reader_header_html(course: Course, module: Module, lang: str = "zh") -> Markup:
    """The header card: label, title, source, date, issuer, category and reading time."""
    chars = module.char_count
    return Markup(
        _macros(lang).reader_header(
            module.meta, _category(course, module), chars, reading_minutes(chars), READING_RATE
        )
    )


def _glossary_entries(
    course: Course, terms: Iterable[GlossaryTerm], lang: str
) -> list[dict[str, Any]]:
    sep = msg(lang, "format.sep")
    return [
        {
            "anchor": glossary_anchor(n),
            "term": t.term,
            "definition": t.definition,
            "places": sep.join(
                dict.fromkeys(evidence_place(course, ev, lang) for ev in t.evidence)
            ),
            "general": t.general,
        }
        for n, t in enumerate(terms, start=1)
    ]


def glossary_html(course: Course, terms: Iterable[GlossaryTerm], lang: str = "zh") -> Markup:
    """The module's glossary as a definition list; empty without terms.

    Each definition names where the packet says it; anything beyond the packet
    follows, marked as general knowledge, with its source.
    """
    return Markup(_macros(lang).glossary(_glossary_entries(course, terms, lang)))


def reader_html(course: Course, module: Module | str, lang: str = "zh") -> Markup:
    """A module's full text: header card, sub-sections, numbered paragraphs, glossary."""
    module = _module(course, module)
    terms = terms_in(course, module)
    header = reader_header_html(course, module, lang)
    entries = _glossary_entries(course, terms, lang)
    marker = TermMarker.linked(terms)
    return Markup(_macros(lang).reader(module, header, entries, marker))


# --- checkpoints ---------------------------------------------------------------------------


def evidence_place(course: Course, ev: Evidence, lang: str = "zh") -> str:
    """Where ``ev`` stands in words: ``附件二 ¶5``, or ``附件六 · 发布时间``."""
    try:
        label = course.module(ev.module).label
    except KeyError:
        label = ev.module
    field = msg(lang, f"meta.{ev.meta}") if ev.meta is not None else ""
    return ev.place(label, field)


def evidence_lines(course: Course, question: Checkpoint, lang: str = "zh") -> list[str]:
    """Each piece of evidence in words: ``见附件二 ¶5：“…”`` (plain text, not escaped)."""
    return [
        msg(lang, "checkpoint.evidence", place=evidence_place(course, ev, lang), quote=ev.quote)
        for ev in question.evidence
    ]


def _cite_href(course: Course, ev: Evidence, page_module: str) -> str | None:
    """The link to the cited paragraph (or front matter) from ``page_module``'s page: ``#p-4``
    on the same page, ``a3.html#p-4`` for another module's page of the same variant, which
    is in the same folder."""
    if ev.module not in {m.id for m in course.modules}:
        return None
    anchor = f"p-{ev.paragraph}" if ev.paragraph is not None else f"ck-m-{ev.module}"
    return f"#{anchor}" if ev.module == page_module else f"{ev.module}.html#{anchor}"


def citations(
    course: Course, question: Checkpoint, page_module: str, lang: str = "zh"
) -> list[dict[str, str | None]]:
    """Each piece of evidence as the printed pages cite it: its place (``附件三 ¶4``), the
    link to it from ``page_module``'s page, and its quote, left out (``None``) when the
    explanation quotes it already."""
    explained = fold(plain(question.explanation))
    return [
        {
            "place": evidence_place(course, ev, lang),
            "href": _cite_href(course, ev, page_module),
            "quote": None if fold(plain(ev.quote)) in explained else ev.quote,
        }
        for ev in question.evidence
    ]


def printed(course: Course, question: Checkpoint) -> Arrangement:
    """The one fixed arrangement of ``question`` on every printed page."""
    return arrange(question, None, shuffle=course.meta.policy.shuffle)


def feedback_lines(question: Checkpoint, arrangement: Arrangement, lang: str = "zh") -> list[str]:
    """Every wrong option's feedback, in the order the options are printed, each naming its
    option by the letter it is printed with (a fill-in's wrong answer by its text)."""
    if not isinstance(question, (SingleChoice, MultipleChoice, FillBlank)):
        return []
    shown = arrangement.options

    def place(option: str) -> int:
        return shown.index(option) if option in shown else 0

    lines = []
    for fb in sorted(question.feedback, key=lambda fb: place(fb.option)):
        option = (
            f"{arrangement.letter(fb.option)}. {fb.option}" if fb.option in shown else fb.option
        )
        lines.append(msg(lang, "checkpoint.why_wrong", option=option, why=fb.explanation))
    return lines


def question_title(question: Checkpoint, lang: str, number: int | None) -> str:
    """``第 3 题 · 单选题`` (or just the type when there is no number); plain text."""
    kind = msg(lang, f"type.{question.type}")
    if number is None:
        return kind
    return f"{msg(lang, 'checkpoint.number', number=number)} · {kind}"


def _solution(course: Course, question: Checkpoint, page_module: str, lang: str) -> dict[str, Any]:
    arrangement = printed(course, question)
    key = answer_key(question, arrangement, lang)
    return {
        "answer": key.summary,
        "answer_lines": key.lines,
        "explanation": question.explanation,
        "evidence": citations(course, question, page_module, lang),
        "feedback": feedback_lines(question, arrangement, lang),
    }


def checkpoint_html(
    course: Course,
    module_id: str,
    question: Checkpoint,
    variant: Variant = "handout",
    lang: str = "zh",
    number: int | None = None,
) -> Markup:
    """One checkpoint in the given variant (see ``fragments.html.j2``), its options in the
    printed pages' fixed order."""
    _check(variant)
    parts = _BLANK.split(question.prompt) if isinstance(question, FillBlank) else [question.prompt]
    return Markup(
        _macros(lang).checkpoint(
            module_id,
            question,
            variant,
            question_title(question, lang, number),
            parts,
            printed(course, question),
            _solution(course, question, module_id, lang),
        )
    )


def answer_key_html(course: Course, module_id: str, lang: str = "zh") -> Markup:
    """A module's answers, explanations and evidence as a numbered list (worksheet appendix)."""
    entries = [
        {
            "id": q.id,
            "title": question_title(q, lang, n),
            "solution": _solution(course, q, module_id, lang),
        }
        for n, q in enumerate(course.checkpoints_for(module_id), start=1)
    ]
    label = course.module(module_id).label
    return Markup(_macros(lang).answer_key(module_id, label, entries))


# --- reflections and trainer notes ------------------------------------------------------------


def reflection_html(
    reflection: Reflection, variant: Variant = "handout", lang: str = "zh"
) -> Markup:
    """Prompt, guidance, suggested length and a ruled answer area (the same in every variant)."""
    _check(variant)
    rules = max(4, min(12, reflection.min_chars // 20 + 2))
    return Markup(_macros(lang).reflection(reflection, rules))


def trainer_notes_html(module: Module, lang: str = "zh", level: int = 3) -> Markup:
    """Key points, discussion questions, misreadings and time; empty if the module has none.
    ``level`` is the level of its heading."""
    return Markup(_macros(lang).trainer_notes(module, level))


def appendix_html(course: Course, module_id: str, variant: str) -> Markup:
    """A page's appendix: the answer key on a page of its own (worksheet), or nothing."""
    if variant != "worksheet":
        return Markup("")
    lang = course.meta.lang
    body = answer_key_html(course, module_id, lang)
    return Markup(_macros(lang).appendix(variant, body))


def preface_html(course: Course, module_id: str, variant: str) -> Markup:
    """What opens a page before the article: the trainer notes (trainer guide: the trainer
    prepares from them), where the answer key starts (worksheet, on screen), or nothing."""
    lang = course.meta.lang
    body = Markup("")
    if variant == "trainer":
        body = trainer_notes_html(course.module(module_id), lang, level=2)
    elif variant == "worksheet" and not course.checkpoints_for(module_id):
        return body  # no questions, no key: nothing to say about printing it
    return Markup(_macros(lang).preface(variant, body))
