"""The learner handout, answerable without a server: its inline script and the course data it reads.

Progressive enhancement. The handout page is complete without JavaScript;
``templates/handout/interactive.js``, inlined at the end of the learner
handout's body, turns each printed checkpoint into one a learner can answer,
grades it by the rules of :func:`coursekit.grading.grade`, keeps progress in
the browser's ``localStorage`` and downloads a learner record in the schema of
:mod:`coursekit.records`.

The script reads one ``<script type="application/json">`` block, built here
from course content only (a published page never holds learner data): the
course's id, title and content version, its module ids, the message texts the
script shows, and per checkpoint its key and the feedback entries. Option and
item texts are not repeated: the script reads them from the printed lists, in
the printed pages' fixed order (:func:`coursekit.html.fragments.printed`), and
the author's feedback from the self-check's list of it, whose entries the data
names by position.

Size. A learner handout, script included, must stay within 60 KB. The script
is minified (:func:`minify`: no comments, no line breaks, no white space a
parser does not need) and carried gzipped in base64, which a few lines of
``templates/handout/unpack.js`` unpack with the browser's DecompressionStream
and run. A browser without it keeps the page as printed.

Where a learner may pick: a "read" mark is set by the first answer on the page
(the learner has reached the questions), not by a button.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from markupsafe import Markup

from coursekit.html.env import TEMPLATES, html_lang
from coursekit.html.fragments import feedback_lines, printed
from coursekit.messages import CATALOGUE, check_lang
from coursekit.model import (
    Checkpoint,
    Course,
    FillBlank,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.shuffle import Arrangement

__all__ = [
    "MESSAGES",
    "REVEAL_AFTER",
    "SCRIPT",
    "HandoutScript",
    "handout_data",
    "handout_script",
    "inline_script",
    "minify",
    "script_text",
]

SCRIPT = TEMPLATES / "handout" / "interactive.js"
UNPACK = TEMPLATES / "handout" / "unpack.js"
# The widgets' default (CheckpointSettings.reveal_after); a test keeps the two equal.
REVEAL_AFTER = 2
# The learner record's schema (coursekit.records, a stage this package may not import);
# a test keeps them in step. A handout knows only the name its reader typed, which is the
# learner's id there, so it writes version 1: no display name or branch of its own.
RECORD_SCHEMA = "coursekit.learner-record"
RECORD_SCHEMA_VERSION = 1

#: The catalogue entries the script shows, by the short name it uses, with their ``{fields}``.
MESSAGES = {
    "submit": "checkpoint.submit",
    "correct": "checkpoint.correct",
    "incorrect": "checkpoint.incorrect",
    "incomplete": "checkpoint.incomplete",
    "attempts": "checkpoint.attempts",
    "fill_placeholder": "checkpoint.fill_placeholder",
    "order_hint": "checkpoint.order_hint",
    "match_hint": "checkpoint.match_hint",
    "match_none": "checkpoint.match_none",
    "up": "checkpoint.up",
    "down": "checkpoint.down",
    "up_tip": "checkpoint.up_tip",
    "down_tip": "checkpoint.down_tip",
    "your_answer": "handout.your_answer",
    "name": "learner.name",
    "name_placeholder": "learner.placeholder",
    "start": "learner.start",
    "empty": "learner.empty",
    "needed": "learner.needed",
    "learner": "handout.learner",
    "change": "handout.change",
    "saved_here": "handout.saved_here",
    "no_storage": "handout.no_storage",
    "answer": "reflection.answer",
    "placeholder": "reflection.placeholder",
    "saved_at": "reflection.saved_at",
    "download": "handout.download",
    "downloaded": "handout.downloaded",
    "no_seal": "handout.no_seal",
    "file": "handout.file",
}


@dataclass(frozen=True)
class HandoutScript:
    """What the learner handout's template puts at the end of its body."""

    data: Markup  # JSON, safe inside <script type="application/json">
    script: Markup


def _raw_messages(lang: str) -> dict[str, str]:
    # msg() fills fields with str.format; the script fills the same {fields} itself.
    catalogue = CATALOGUE[check_lang(lang)]
    return {name: catalogue[key] for name, key in MESSAGES.items()}


def _feedback_keys(question: Checkpoint, a: Arrangement) -> list[int | str]:
    """Each feedback entry as the self-check lists it: an option by its printed position,
    a fill-in's wrong answer by its text."""
    if not isinstance(question, (SingleChoice, MultipleChoice, FillBlank)):
        return []
    shown = feedback_lines(question, a)
    keys: list[int | str] = [""] * len(shown)
    for fb in question.feedback:
        line = feedback_lines(question.model_copy(update={"feedback": [fb]}), a)[0]
        position = shown.index(line)
        keys[position] = a.options.index(fb.option) if fb.option in a.options else fb.option
    return keys


def _key(question: Checkpoint, a: Arrangement) -> Any:
    """The right answer, by printed position where the page lists options or items."""
    if isinstance(question, SingleChoice):
        return a.options.index(question.answer)
    if isinstance(question, MultipleChoice):
        return [a.options.index(o) for o in question.answer]  # in the author's order
    if isinstance(question, (TrueFalse, FillBlank)):
        return question.answer
    if isinstance(question, Ordering):
        return [a.items.index(item) for item in question.answer]
    if not isinstance(question, Matching):
        raise TypeError(f"no key for a {question.type} question")
    chosen = {pair.item: pair.answer for pair in question.answer}
    return [a.options.index(chosen[item]) for item in a.items]


def _question(course: Course, question: Checkpoint) -> dict[str, Any]:
    a = printed(course, question)
    entry: dict[str, Any] = {
        "id": question.id,
        "t": question.type,
        "k": _key(question, a),
    }
    if question.reveal_after:
        entry["r"] = question.reveal_after
    feedback = _feedback_keys(question, a)
    if feedback:
        entry["f"] = feedback
    if isinstance(question, MultipleChoice):
        entry["p"] = [a.options.index(o) for o in question.options]  # the author's order
    return entry


def handout_data(course: Course, module_id: str) -> dict[str, Any]:
    """The course data the script of ``module_id``'s handout reads: course content only."""
    lang = course.meta.lang
    return {
        "schema": [RECORD_SCHEMA, RECORD_SCHEMA_VERSION],
        "course": {"id": course.id, "title": course.title, "version": course.version},
        "modules": [m.id for m in course.modules],
        "module": module_id,
        "lang": html_lang(lang),
        "r": REVEAL_AFTER,
        "msg": _raw_messages(lang),
        "q": [_question(course, q) for q in course.checkpoints_for(module_id)],
        "rf": [r.id for r in course.module(module_id).reflections],
    }


def _safe_json(data: object) -> str:
    """JSON that cannot end its <script> element or open a comment in it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# The script's tokens: enough of JavaScript's lexical grammar to drop what a browser does not
# need (comments, indentation, line breaks) without touching a string or a regular expression.
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
    |(?P<word>[\w$]+)
    |(?P<regex>/(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[])+/[a-z]*)
    |(?P<punct>.)""",
    re.S | re.X,
)
# After these a slash starts a regular expression; after any other word, ) or ], it divides.
_BEFORE_REGEX = {"return", "typeof", "case", "in", "of", "void", "delete", "new"}


def _tokens(source: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(source):
        found = _TOKEN.match(source, pos)
        if found is None:  # the last alternative takes any character
            raise ValueError(f"cannot read {SCRIPT} at {pos}")
        kind, token, pos = found.lastgroup, found.group(), found.end()
        if kind == "regex" and tokens and _divides_after(tokens[-1]):
            kind, token, pos = "punct", "/", found.start() + 1  # a division, not a pattern
        if kind not in ("space", "comment"):
            tokens.append(token)
    return tokens


def _divides_after(token: str) -> bool:
    return token in (")", "]") or (
        (token[0].isalnum() or token[0] in "_$") and token not in _BEFORE_REGEX
    )


def minify(source: str) -> str:
    """JavaScript without comments and without white space between tokens that need none.

    Line breaks go too, so every statement must end with a semicolon; the browser tests run
    the result, so a missing one fails them.
    """
    out: list[str] = []
    for token in _tokens(source):
        if out:
            last, first = out[-1][-1], token[0]
            words = (last.isalnum() or last in "_$") and (first.isalnum() or first in "_$")
            if words or (last in "+-" and first == last):
                out.append(" ")
        out.append(token)
    return "".join(out)


@cache
def script_text() -> str:
    """The script, minified: what runs in the page once unpacked."""
    return minify(SCRIPT.read_text(encoding="utf-8"))


@cache
def inline_script() -> str:
    """What the page's <script> holds: the unpacker, with the script gzipped in base64.

    Packed, the script costs less than half its minified size; a page must stay within
    60 KB. The gzip header's time is zero, so a page is the same at every publish.
    """
    packed = base64.b64encode(gzip.compress(script_text().encode("utf-8"), 9, mtime=0))
    unpack = minify(UNPACK.read_text(encoding="utf-8"))
    if unpack.count("PACKED") != 1:
        raise ValueError(f"{UNPACK} must name PACKED once")
    text = unpack.replace("PACKED", json.dumps(packed.decode("ascii")))
    if "</" in text or "<!--" in text:
        raise ValueError(f"{UNPACK} must not hold '</' or '<!--': it is inlined in <script>")
    return text


def handout_script(course: Course, module_id: str) -> HandoutScript:
    """The data block and the script for the learner handout of ``module_id``."""
    return HandoutScript(
        Markup(_safe_json(handout_data(course, module_id))), Markup(inline_script())
    )
