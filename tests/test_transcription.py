"""The bundled course is the packet, complete and verbatim.

Both directions are checked: every line of the packet stands in the course
(as text, a title, a label, or a source/date/issuer field), and every
paragraph of the course stands in the packet. Only white space and emphasis
markers are ignored, which is what the extraction damaged.

The round trip is stricter: the packet, character by character and in order,
is the course's labels, titles, headings and paragraphs plus the lines
INGEST-REPORT.md lists as kept as metadata, except where the report lists a
repair. It holds for what ingest writes and for courseware/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursekit import load_course
from coursekit.cli import main
from coursekit.content import bundled_course_path
from coursekit.transcript import round_trip

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


def course_files(root: Path) -> dict[str, str]:
    paths = [root / "course.yaml", *(root / "modules").glob("*.md")]
    if (root / "INGEST-REPORT.md").is_file():
        paths.append(root / "INGEST-REPORT.md")
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in paths}


def test_the_packet_round_trips_through_ingest_and_courseware(tmp_path: Path) -> None:
    out = tmp_path / "course"
    result = CliRunner().invoke(main, ["ingest", str(PACKET), "--out", str(out)])
    assert result.exit_code == 0, result.output
    packet = PACKET.read_text(encoding="utf-8-sig")
    ingested = course_files(out)
    assert round_trip(packet, ingested) == []
    report = ingested["INGEST-REPORT.md"]
    moved = re.findall(r"(?m)^- line (\d+), ([a-z0-9]+), ", report)
    assert moved == [
        ("3", "overview"),
        ("13", "overview"),
        ("15", "overview"),
        ("21", "a1"),
        ("33", "a2"),
        ("61", "a3"),
        ("95", "a4"),
        ("119", "a5"),
        ("163", "a6"),
        ("165", "a6"),
        ("187", "a7"),
        ("189", "a7"),
        ("195", "a8"),
    ]
    # courseware/ is that course with hand edits only where ingest cannot know (HAND-EDITS.md);
    # with ingest's report for the lines kept as metadata, it holds every character too.
    theirs = course_files(bundled_course_path()) | {"INGEST-REPORT.md": report}
    assert round_trip(packet, theirs) == []
    # and a course that lost one character of the packet does not pass
    a3 = theirs["modules/a3.md"]
    assert round_trip(packet, {**theirs, "modules/a3.md": a3.replace("抓实抓细", "抓实")})
