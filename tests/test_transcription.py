"""The bundled course is the packet, complete and verbatim.

Both directions are checked: every line of the packet stands in the course
(as text, a title, a label, or a source/date/issuer field), and every
paragraph of the course stands in the packet. Only white space and emphasis
markers are ignored, which is what the extraction damaged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coursekit import load_course

PACKET = Path(__file__).resolve().parents[2] / "shared" / "source" / "study-packet-2020-02.txt"
pytestmark = pytest.mark.skipif(not PACKET.is_file(), reason="the shared study packet is not here")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("**", ""))


def cn_date(value: object) -> str:
    y, m, d = str(value).split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def test_every_line_of_the_packet_is_in_the_course() -> None:
    course = load_course()
    text = "".join(
        squash(s)
        for m in course.modules
        for s in [
            m.title,
            m.label,
            m.meta.byline or "",
            m.meta.issuer or "",
            *(sec.heading or "" for sec in m.sections),
            *(p.text for p in m.paragraphs),
        ]
    )
    meta_lines = {squash(course.meta.issuer), cn_date(course.meta.date)}
    for m in course.modules:
        if m.meta.published:
            meta_lines.add(cn_date(m.meta.published))
            meta_lines.add(f"({cn_date(m.meta.published)})")
        if m.meta.source:
            meta_lines.add(
                squash(
                    f"来源：{m.meta.source}"
                    + (f"发布时间：{cn_date(m.meta.published)}" if m.meta.published else "")
                )
            )
    missing = []
    for n, line in enumerate(PACKET.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and squash(line) not in text and squash(line) not in meta_lines:
            missing.append((n, line[:40]))
    assert missing == []


def test_every_paragraph_of_the_course_is_in_the_packet() -> None:
    source = squash(PACKET.read_text(encoding="utf-8"))
    course = load_course()
    for m in course.modules:
        for p in m.paragraphs:
            assert squash(p.text) in source, (m.id, p.number)


def test_no_page_break_split_is_left() -> None:
    """Every paragraph ends a sentence and no heading holds one, so none was cut at a page break."""
    for m in load_course().modules:
        for p in m.paragraphs:
            assert p.plain[-1] in "。！？：；）”", (m.id, p.number, p.plain[-10:])
        for section in m.sections:
            assert not re.search("[。！？]", section.heading or ""), (m.id, section.heading)


def test_the_course_has_every_part_of_the_packet() -> None:
    course = load_course()
    assert [m.id for m in course.modules] == ["overview", *(f"a{n}" for n in range(1, 9)), "k1"]
    assert [m.label for m in course.modules[1:9]] == [f"附件{c}" for c in "一二三四五六七八"]
    a8 = course.module("a8")
    assert a8.sections[1].heading == "张定宇同志先进事迹"
    assert [p.plain[:2] for p in a8.sections[1].paragraphs[2:5]] == ["一、", "二、", "三、"]
    assert "**面对生与死的严峻考验，他直面绝症、舍身忘我。**" in a8.paragraph(2).text
