"""The interactive handout's data block and script, without a browser: what a page carries.

The browser half (answering, storing, the downloaded record) is in test_browser_handout.py.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from coursekit import Course, load_course
from coursekit.html.fragments import printed
from coursekit.html.interactive import (
    MESSAGES,
    RECORD_SCHEMA,
    RECORD_SCHEMA_VERSION,
    REVEAL_AFTER,
    handout_data,
    handout_script,
    inline_script,
    minify,
    script_text,
)
from coursekit.messages import CATALOGUE
from coursekit.model import FillBlank, Matching, MultipleChoice, Ordering, SingleChoice

COURSE = load_course()


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)


def course_strings(course: Course, module_id: str) -> set[str]:
    """The texts a module's handout may carry: its course's ids, title and content, the
    catalogue's words and the data block's own field names."""
    allowed = {course.id, course.title, course.version, *(m.id for m in course.modules)}
    for q in course.checkpoints_for(module_id):
        allowed |= {q.id, q.type}
        if isinstance(q, FillBlank):
            allowed |= set(q.answer) | {f.option for f in q.feedback}
    allowed |= {r.id for r in course.module(module_id).reflections}
    allowed |= set(MESSAGES) | {CATALOGUE[course.meta.lang][k] for k in MESSAGES.values()}
    allowed |= {"zh-CN", "en", RECORD_SCHEMA}
    allowed |= {"schema", "course", "id", "title", "version", "modules", "module", "lang"}
    allowed |= {"r", "msg", "q", "rf", "t", "k", "f", "p"}
    return allowed


@pytest.mark.parametrize("module_id", [m.id for m in COURSE.modules])
def test_the_data_block_holds_course_content_only(module_id: str) -> None:
    data = handout_data(COURSE, module_id)
    assert set(strings(data)) <= course_strings(COURSE, module_id)
    assert data["module"] == module_id
    assert data["course"] == {"id": COURSE.id, "title": COURSE.title, "version": COURSE.version}
    assert [q["id"] for q in data["q"]] == [q.id for q in COURSE.checkpoints_for(module_id)]


def test_each_key_names_the_printed_option_or_item() -> None:
    for module_id, q in COURSE.all_checkpoints():
        entry = next(e for e in handout_data(COURSE, module_id)["q"] if e["id"] == q.id)
        a = printed(COURSE, q)
        if isinstance(q, SingleChoice):
            assert a.options[entry["k"]] == q.answer
        elif isinstance(q, MultipleChoice):
            assert [a.options[i] for i in entry["k"]] == q.answer
            assert [a.options[i] for i in entry["p"]] == q.options
        elif isinstance(q, Ordering):
            assert [a.items[i] for i in entry["k"]] == q.answer
        elif isinstance(q, Matching):
            pairs = {p.item: p.answer for p in q.answer}
            assert [a.options[i] for i in entry["k"]] == [pairs[item] for item in a.items]
        else:
            assert entry["k"] == q.answer
        assert entry.get("r", REVEAL_AFTER) == (q.reveal_after or REVEAL_AFTER)


def test_feedback_entries_are_named_in_the_order_the_self_check_lists_them() -> None:
    from coursekit.html.fragments import feedback_lines

    checked = 0
    for module_id, q in COURSE.all_checkpoints():
        entry = next(e for e in handout_data(COURSE, module_id)["q"] if e["id"] == q.id)
        if not isinstance(q, (SingleChoice, MultipleChoice, FillBlank)) or not q.feedback:
            assert "f" not in entry
            continue
        a = printed(COURSE, q)
        lines = feedback_lines(q, a)
        whys = {f.option: f.explanation for f in q.feedback}
        for key, line in zip(entry["f"], lines, strict=True):
            option = a.options[key] if isinstance(key, int) else key
            assert line.endswith(whys[option]) and option in line
            checked += 1
    assert checked > 50


def test_the_constants_agree_with_the_record_and_the_widgets() -> None:
    from coursekit.records import SCHEMA, LearnerRecord
    from coursekit.widgets import CheckpointSettings

    assert RECORD_SCHEMA == SCHEMA
    # the handout writes a version the report reads (version 1: the typed name is the id)
    readable = LearnerRecord.model_fields["schema_version"].annotation
    assert RECORD_SCHEMA_VERSION in readable.__args__
    assert CheckpointSettings().reveal_after == REVEAL_AFTER
    for lang in CATALOGUE:
        assert set(MESSAGES.values()) <= set(CATALOGUE[lang])


def test_hostile_course_text_cannot_leave_the_json_block(hostile_course: Course) -> None:
    from dataclasses import replace

    from coursefactory import HOSTILE_TEXT

    course = replace(
        hostile_course, meta=hostile_course.meta.model_copy(update={"title": HOSTILE_TEXT})
    )
    module_id = course.modules[-1].id
    block = str(handout_script(course, module_id).data)
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data == handout_data(course, module_id)
    assert data["course"]["title"] == HOSTILE_TEXT  # the text itself is kept, as JSON escapes


def test_the_page_carries_the_minified_script_gzipped() -> None:
    inline = inline_script()
    packed = re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', inline)
    assert packed is not None
    assert gzip.decompress(base64.b64decode(packed.group(1))).decode("utf-8") == script_text()
    assert "</" not in inline and "<!--" not in inline
    assert inline == inline_script.__wrapped__()  # the same bytes at every publish
    assert len(inline.encode()) < 7_000, "the script's budget in a 60 KB page"


@pytest.mark.parametrize(
    ("source", "minified"),
    [
        ('const a = "x // y";  // note\nf(a);', 'const a="x // y";f(a);'),
        ("const r = /[/]\\/x/g, d = 1 / 3 / 2;", "const r=/[/]\\/x/g,d=1/3/2;"),
        ("if (x) return /a b/.test(s);", "if(x)return/a b/.test(s);"),
        ("a = b + +c - -d;\n/* block */ e = f(g) / h;", "a=b+ +c- -d;e=f(g)/h;"),
        ("x = 'it\\'s / here';", "x='it\\'s / here';"),
    ],
)
def test_minify_keeps_strings_and_patterns(source: str, minified: str) -> None:
    assert minify(source) == minified
