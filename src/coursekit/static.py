"""Static HTML for handouts, worksheets and trainer guides: no kernel, no JavaScript.

Every function returns an HTML fragment built from course content only,
never from a learner's data. All content is escaped; ``**emphasis**`` becomes
``<strong>``. Class names start with ``ck-``; the publishing template
supplies the CSS. Three variants of a checkpoint:

``handout``   question, options and a ``<details class="ck-selfcheck">`` self-check
``worksheet`` question, options and blank answer lines (``ck-lines``), no answer
``trainer``   question, options, and the answer, explanation and evidence shown openly
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from html import escape
from typing import Literal

from coursekit.grading import answer_text, start_order
from coursekit.messages import msg
from coursekit.model import (
    Checkpoint,
    Course,
    FillBlank,
    GlossaryTerm,
    Matching,
    Module,
    MultipleChoice,
    Ordering,
    Paragraph,
    Reflection,
    SingleChoice,
    TrueFalse,
)
from coursekit.text import READING_RATE, emphasis_html, reading_minutes, split_emphasis

__all__ = [
    "VARIANTS",
    "Variant",
    "answer_key_html",
    "checkpoint_html",
    "evidence_lines",
    "format_date",
    "glossary_html",
    "paragraph_html",
    "question_title",
    "reader_header_html",
    "reader_html",
    "reflection_html",
    "terms_in",
    "trainer_notes_html",
]

Variant = Literal["handout", "worksheet", "trainer"]
VARIANTS: tuple[Variant, ...] = ("handout", "worksheet", "trainer")
_BLANK = re.compile(r"_{2,}")
_LETTERS = "ABCDEFGHIJ"


def _module(course: Course, module: Module | str) -> Module:
    return course.module(module) if isinstance(module, str) else module


def format_date(value: object, lang: str) -> str:
    """A date as the catalogue writes it (``2020年2月5日`` in Chinese)."""
    if isinstance(value, dt.date):
        return msg(
            lang,
            "format.date",
            year=value.year,
            month=value.month,
            day=value.day,
            iso=value.isoformat(),
        )
    return str(value)


# --- reader ----------------------------------------------------------------------------


def terms_in(course: Course, module: Module) -> list[GlossaryTerm]:
    """The glossary terms that occur in ``module``'s text, in glossary order."""
    text = "\n".join(p.plain for p in module.paragraphs)
    return [t for t in course.glossary.terms if any(form in text for form in t.forms)]


def _term_pattern(terms: Iterable[GlossaryTerm]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    definitions = {form: t.definition for t in terms for form in t.forms}
    if not definitions:
        return None, {}
    forms = sorted(definitions, key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in forms)), definitions


def _marked(text: str, pattern: re.Pattern[str] | None, definitions: dict[str, str]) -> str:
    """Escape ``text``, wrapping each glossary form in ``<abbr class="ck-term">``."""
    if pattern is None:
        return escape(text)
    out: list[str] = []
    pos = 0
    for match in pattern.finditer(text):
        out.append(escape(text[pos : match.start()]))
        title = escape(definitions[match.group(0)])
        out.append(f'<abbr class="ck-term" title="{title}">{escape(match.group(0))}</abbr>')
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def paragraph_html(paragraph: Paragraph, terms: Iterable[GlossaryTerm] = ()) -> str:
    """One numbered paragraph: ``<p id="p-N" class="ck-para"><span class="ck-pn">¶N</span> …``."""
    pattern, definitions = _term_pattern(terms)
    body = "".join(
        f"<strong>{_marked(part, pattern, definitions)}</strong>"
        if strong
        else _marked(part, pattern, definitions)
        for part, strong in split_emphasis(paragraph.text)
    )
    n = paragraph.number
    return f'<p id="p-{n}" class="ck-para"><span class="ck-pn">¶{n}</span> {body}</p>'


def reader_header_html(course: Course, module: Module, lang: str = "zh") -> str:
    """The header card: label, title, source, date, issuer, category and reading time."""
    meta = module.meta
    facts: list[str] = []
    if meta.source:
        facts.append(msg(lang, "reader.source", source=meta.source))
    if meta.published:
        facts.append(msg(lang, "reader.published", date=format_date(meta.published, lang)))
    if meta.issuer:
        facts.append(msg(lang, "reader.issuer", issuer=meta.issuer))
    if meta.byline:
        facts.append(msg(lang, "reader.byline", byline=meta.byline))
    try:
        category = course.category(meta.category).name
    except KeyError:
        category = meta.category
    facts.append(msg(lang, "reader.category", category=category))
    chars = module.char_count
    minutes = msg(
        lang, "reader.reading_time", minutes=reading_minutes(chars), chars=chars, rate=READING_RATE
    )
    items = "".join(f"<li>{escape(f)}</li>" for f in facts)
    return (
        '<header class="ck-card">'
        f'<p class="ck-label">{escape(meta.label)}</p>'
        f'<h2 class="ck-title">{escape(meta.title)}</h2>'
        f'<ul class="ck-facts">{items}</ul>'
        f'<p class="ck-reading-time">{escape(minutes)}</p>'
        "</header>"
    )


def glossary_html(terms: Iterable[GlossaryTerm], lang: str = "zh") -> str:
    """The module's glossary as a definition list (hover does not work on a phone)."""
    rows = "".join(
        f"<dt><dfn>{escape(t.term)}</dfn></dt><dd>{escape(t.definition)}</dd>" for t in terms
    )
    if not rows:
        return ""
    title = escape(msg(lang, "reader.glossary"))
    return f'<section class="ck-glossary"><h3>{title}</h3><dl>{rows}</dl></section>'


def reader_html(course: Course, module: Module | str, lang: str = "zh") -> str:
    """A module's full text: header card, sub-sections, numbered paragraphs, glossary."""
    module = _module(course, module)
    terms = terms_in(course, module)
    parts = [
        f'<article class="ck-reader" id="ck-m-{module.id}">',
        reader_header_html(course, module, lang),
    ]
    for section in module.sections:
        parts.append('<section class="ck-section">')
        if section.heading:
            parts.append(f'<h3 class="ck-heading">{emphasis_html(section.heading)}</h3>')
        parts.extend(paragraph_html(p, terms) for p in section.paragraphs)
        parts.append("</section>")
    parts.append(glossary_html(terms, lang))
    parts.append("</article>")
    return "".join(parts)


# --- checkpoints ---------------------------------------------------------------------------


def evidence_lines(course: Course, question: Checkpoint, lang: str = "zh") -> list[str]:
    """Each piece of evidence in words: ``见附件二 ¶5：“…”`` (plain text, not escaped)."""
    lines = []
    for ev in question.evidence:
        try:
            label = course.module(ev.module).label
        except KeyError:
            label = ev.module
        lines.append(msg(lang, "checkpoint.evidence", place=ev.place(label), quote=ev.quote))
    return lines


def _prompt_html(question: Checkpoint) -> str:
    if isinstance(question, FillBlank):
        pieces = _BLANK.split(question.prompt)
        blank = '<span class="ck-blank">＿＿＿＿</span>'
        return blank.join(emphasis_html(p) for p in pieces)
    return emphasis_html(question.prompt)


def _options_html(question: Checkpoint, lang: str) -> str:
    if isinstance(question, (SingleChoice, MultipleChoice)):
        items = "".join(
            f'<li><span class="ck-letter">{_LETTERS[i]}.</span> {emphasis_html(o)}</li>'
            for i, o in enumerate(question.options)
        )
        return f'<ol class="ck-options">{items}</ol>'
    if isinstance(question, TrueFalse):
        items = "".join(
            f"<li>{escape(msg(lang, key))}</li>" for key in ("checkpoint.true", "checkpoint.false")
        )
        return f'<ul class="ck-options ck-truefalse">{items}</ul>'
    if isinstance(question, Ordering):
        items = "".join(f"<li>{emphasis_html(item)}</li>" for item in start_order(question))
        hint = escape(msg(lang, "checkpoint.order_hint"))
        return f'<p class="ck-hint">{hint}</p><ul class="ck-options ck-order">{items}</ul>'
    if isinstance(question, Matching):
        options = "".join(f"<li>{emphasis_html(o)}</li>" for o in question.options)
        items = "".join(
            f'<li>{emphasis_html(p.item)} → <span class="ck-blank">＿＿＿＿</span></li>'
            for p in question.answer
        )
        hint = escape(msg(lang, "checkpoint.match_hint"))
        return (
            f'<p class="ck-hint">{hint}</p><ul class="ck-options ck-match-options">{options}</ul>'
            f'<ol class="ck-match-items">{items}</ol>'
        )
    return ""


def _solution_html(course: Course, question: Checkpoint, lang: str) -> str:
    answer = escape(msg(lang, "checkpoint.answer", answer=answer_text(question, lang)))
    explanation = escape(msg(lang, "checkpoint.explanation", explanation=question.explanation))
    evidence = "".join(
        f'<li class="ck-evidence">{escape(line)}</li>'
        for line in evidence_lines(course, question, lang)
    )
    return (
        f'<p class="ck-answer">{answer}</p><p class="ck-explanation">{explanation}</p>'
        f'<ul class="ck-evidence-list">{evidence}</ul>'
    )


def question_title(question: Checkpoint, lang: str, number: int | None) -> str:
    """``第 3 题 · 单选题`` (or just the type when there is no number); plain text."""
    kind = msg(lang, f"type.{question.type}")
    if number is None:
        return kind
    return f"{msg(lang, 'checkpoint.number', number=number)} · {kind}"


def checkpoint_html(
    course: Course,
    module_id: str,
    question: Checkpoint,
    variant: Variant = "handout",
    lang: str = "zh",
    number: int | None = None,
) -> str:
    """One checkpoint in the given variant (see the module docstring)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
    parts = [
        f'<section class="ck-checkpoint ck-{question.type} ck-{variant}" id="ck-q-{question.id}"'
        f' data-module="{escape(module_id)}">',
        f'<h4 class="ck-qtitle">{escape(question_title(question, lang, number))}</h4>',
        f'<p class="ck-prompt">{_prompt_html(question)}</p>',
        _options_html(question, lang),
    ]
    if variant == "handout":
        summary = escape(msg(lang, "checkpoint.selfcheck"))
        parts.append(
            f'<details class="ck-selfcheck"><summary>{summary}</summary>'
            f"{_solution_html(course, question, lang)}</details>"
        )
    elif variant == "worksheet":
        label = escape(msg(lang, "checkpoint.answer_lines"))
        lines = '<span class="ck-line"></span>' * (3 if isinstance(question, FillBlank) else 2)
        parts.append(
            f'<div class="ck-lines"><span class="ck-lines-label">{label}</span>{lines}</div>'
        )
    else:
        parts.append(f'<div class="ck-solution">{_solution_html(course, question, lang)}</div>')
    parts.append("</section>")
    return "".join(parts)


def answer_key_html(course: Course, module_id: str, lang: str = "zh") -> str:
    """A module's answers, explanations and evidence as a numbered list (worksheet appendix)."""
    questions = course.checkpoints_for(module_id)
    items = "".join(
        f'<li id="ck-key-{q.id}"><p class="ck-qtitle">{escape(question_title(q, lang, n))}</p>'
        f"{_solution_html(course, q, lang)}</li>"
        for n, q in enumerate(questions, start=1)
    )
    title = escape(msg(lang, "checkpoint.answer_key"))
    label = escape(course.module(module_id).label)
    return (
        f'<section class="ck-answer-key" data-module="{escape(module_id)}">'
        f"<h3>{title} · {label}</h3><ol>{items}</ol></section>"
    )


# --- reflections and trainer notes ------------------------------------------------------------


def reflection_html(reflection: Reflection, variant: Variant = "handout", lang: str = "zh") -> str:
    """Prompt, guidance, suggested length and a ruled answer area (the same in every variant)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
    rules = '<div class="ck-rule"></div>' * max(4, min(12, reflection.min_chars // 20 + 2))
    guidance = escape(msg(lang, "reflection.guidance", guidance=reflection.guidance))
    minimum = escape(msg(lang, "reflection.min", n=reflection.min_chars))
    return (
        f'<section class="ck-reflection" id="ck-r-{reflection.id}">'
        f"<h4>{escape(msg(lang, 'reflection.title'))}</h4>"
        f'<p class="ck-prompt">{emphasis_html(reflection.prompt)}</p>'
        f'<p class="ck-guidance">{guidance}</p><p class="ck-min">{minimum}</p>'
        f'<div class="ck-ruled" aria-hidden="true">{rules}</div></section>'
    )


def trainer_notes_html(module: Module, lang: str = "zh") -> str:
    """Key points, discussion questions, misreadings and time; empty if the module has none."""
    notes = module.extras.trainer_notes
    if notes is None:
        return ""

    def block(key: str, items: list[str]) -> str:
        if not items:
            return ""
        lis = "".join(f"<li>{emphasis_html(i)}</li>" for i in items)
        return f"<h4>{escape(msg(lang, key))}</h4><ul>{lis}</ul>"

    return (
        f'<aside class="ck-trainer-notes" data-module="{escape(module.id)}">'
        f"<h3>{escape(msg(lang, 'trainer.title'))} · {escape(module.label)}</h3>"
        f'<p class="ck-minutes">{escape(msg(lang, "trainer.minutes", minutes=notes.minutes))}</p>'
        + block("trainer.key_points", notes.key_points)
        + block("trainer.discussion", notes.discussion)
        + block("trainer.misreadings", notes.misreadings)
        + "</aside>"
    )
