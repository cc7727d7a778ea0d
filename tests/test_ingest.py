"""`coursekit ingest`: the real packet, and packets the tests write themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from coursekit import load_course
from coursekit.cli import main
from coursekit.content import bundled_course_path, parse_module

# The packet lives in shared/, beside the clone (as the developers and CI lay it out).
PACKET = Path(__file__).resolve().parents[2] / "shared" / "source" / "study-packet-2020-02.txt"

# The hand edits made to courseware/ after ingest, as courseware/HAND-EDITS.md documents them:
# front-matter fields that ingest cannot know. The text itself has none.
HAND_EDITS = {
    "k1": {"label", "category", "issuer"},
    "a8": {"issuer"},
}


def run_ingest(packet: Path, out: Path) -> CliRunner:
    result = CliRunner().invoke(main, ["ingest", str(packet), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result


def front_and_text(path: Path) -> tuple[dict[str, object], list[tuple[str | None, list[str]]]]:
    problems: list[object] = []
    front, sections = parse_module(path, path.read_text(encoding="utf-8"), problems)  # type: ignore[arg-type]
    assert not problems and front is not None
    return front.data, [(s.heading, [p.text for p in s.paragraphs]) for s in sections]


@pytest.mark.skipif(not PACKET.is_file(), reason="the shared study packet is not beside this clone")
def test_ingest_of_the_real_packet_matches_the_courseware(tmp_path: Path) -> None:
    out = tmp_path / "course"
    result = run_ingest(PACKET, out)
    assert "10 modules" in result.output
    courseware = bundled_course_path()
    ingested = sorted(p.name for p in (out / "modules").glob("*.md"))
    assert ingested == sorted(p.name for p in (courseware / "modules").glob("*.md"))
    for md in (out / "modules").glob("*.md"):
        front, text = front_and_text(md)
        ours_front, ours_text = front_and_text(courseware / "modules" / md.name)
        assert text == ours_text, f"{md.name}: text differs from courseware/"
        edited = HAND_EDITS.get(md.stem, set())
        for key in set(front) | set(ours_front):
            if key not in edited:
                assert front.get(key) == ours_front.get(key), f"{md.name}: {key}"
    report = (out / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert report.count("joined the paragraph split at a page break") == 16
    assert "emphasis cut at the page break (line 199) now runs to the end of its sentence" in report
    assert "removed spaces inside numbers (line 219)" in report


@pytest.mark.skipif(not PACKET.is_file(), reason="the shared study packet is not beside this clone")
def test_the_hand_edits_are_documented() -> None:
    notes = (bundled_course_path() / "HAND-EDITS.md").read_text(encoding="utf-8")
    for module, fields in HAND_EDITS.items():
        for field in fields:
            assert f"`{module}`" in notes and f"`{field}`" in notes


def packet(
    attachments: int = 3,
    *,
    no_source: int | None = None,
    no_date: int | None = None,
    split: bool = False,
    trailing: bool = False,
) -> str:
    numerals = "一二三四五六七八九十"
    parts = [
        "某区委组织部",
        "",
        "关于开展学习的 工作提示",
        "",
        "学习内容主要包括上级指示精神、本地工作要求以及防控知识等方面。支部学习采取个人自学方式进行，时间不作统一安排。",
        "",
        "某区委组织部",
        "",
        "2020年2月4日",
        "",
    ]
    for n in range(1, attachments + 1):
        label = "附件" + (numerals[n - 1] if n <= 10 else "十" + numerals[n - 11])
        parts += [label, "", f"第{n}份 材料的标题", ""]
        if n != no_source:
            line = f"来源：新华网 发布时间：2020年1月{n}日" if n != no_date else "来源：新华网"
            parts += [line, ""]
        if split and n == 1:
            parts += [
                "这是一个很长的段落，它在页面底部被截断了，因为原文档的分页把它分成了两半，后半段在下一页的开头",
                "",
                "继续写完这句话。",
                "",
            ]
        parts += [f"第{n}份材料的第一段，会议在 28 日召开。", "", f"第{n}份材料的第二段。", ""]
    if trailing:
        parts += [
            "防护 指南",
            "",
            "某疾控中心 编写",
            "",
            "打开方式：在平台上搜索《防护指南》。",
            "",
        ]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("name", "text", "modules"),
    [
        ("one attachment", packet(1), ["overview", "a1"]),
        ("twelve attachments", packet(12), ["overview"] + [f"a{n}" for n in range(1, 13)]),
        ("no source line", packet(3, no_source=2), ["overview", "a1", "a2", "a3"]),
        ("no date", packet(3, no_date=3), ["overview", "a1", "a2", "a3"]),
        ("page-break split", packet(2, split=True), ["overview", "a1", "a2"]),
        ("trailing guide", packet(2, trailing=True), ["overview", "a1", "a2", "k1"]),
    ],
)
def test_synthetic_packets_yield_valid_courses(
    tmp_path: Path, name: str, text: str, modules: list[str]
) -> None:
    source = tmp_path / "packet.txt"
    source.write_text(text, encoding="utf-8")
    run_ingest(source, tmp_path / "out")
    course = load_course(tmp_path / "out")
    assert [m.id for m in course.modules] == modules
    assert course.title == "关于开展学习的工作提示"
    assert course.meta.issuer == "某区委组织部"
    assert [c.name for c in course.meta.categories] == ["上级指示精神", "本地工作要求", "防控知识"]
    assert course.meta.study_format.mode == "个人自学"
    a1 = course.module("a1")
    assert a1.title == "第1份材料的标题"
    assert any("28日召开" in p.text for p in a1.paragraphs)


def test_missing_source_and_date_are_left_empty(tmp_path: Path) -> None:
    source = tmp_path / "packet.txt"
    source.write_text(packet(3, no_source=2, no_date=3), encoding="utf-8")
    run_ingest(source, tmp_path / "out")
    course = load_course(tmp_path / "out")
    assert (course.module("a2").meta.source, course.module("a2").meta.published) == (None, None)
    assert course.module("a3").meta.source == "新华网"
    assert course.module("a3").meta.published is None
    assert str(course.module("a1").meta.published) == "2020-01-01"


def test_a_split_paragraph_is_joined_and_reported(tmp_path: Path) -> None:
    source = tmp_path / "packet.txt"
    source.write_text(packet(1, split=True), encoding="utf-8")
    run_ingest(source, tmp_path / "out")
    first = load_course(tmp_path / "out").module("a1").paragraphs[0].text
    assert first.endswith("后半段在下一页的开头继续写完这句话。")
    report = (tmp_path / "out" / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert "a1: joined the paragraph split at a page break (lines 17 and 19)" in report


def test_a_trailing_section_becomes_its_own_module(tmp_path: Path) -> None:
    source = tmp_path / "packet.txt"
    source.write_text(packet(1, trailing=True), encoding="utf-8")
    run_ingest(source, tmp_path / "out")
    k1 = load_course(tmp_path / "out").module("k1")
    assert (k1.title, k1.meta.byline) == ("防护指南", "某疾控中心编写")
    assert [p.text for p in k1.paragraphs] == ["打开方式：在平台上搜索《防护指南》。"]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("utf-8"), id="windows line endings"),
        pytest.param(lambda t: "\ufeff".encode() + t.encode("utf-8"), id="BOM"),
        pytest.param(lambda t: ("\ufeff" + t.replace("\n", "\r\n")).encode("utf-8"), id="both"),
    ],
)
def test_line_endings_and_bom_make_no_difference(tmp_path: Path, encode: object) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text(packet(3, split=True), encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_bytes(encode(packet(3, split=True)))  # type: ignore[operator]
    run_ingest(plain, tmp_path / "a")
    run_ingest(other, tmp_path / "b")
    for md in (tmp_path / "a" / "modules").glob("*.md"):
        assert md.read_bytes() == (tmp_path / "b" / "modules" / md.name).read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("只有一段话。\n", "packet.txt: no attachments found: expected lines such as 附件一"),
        ("", "packet.txt: the packet is empty"),
        (
            "标题\n\n正文。\n\n附件一\n\n正文第一段。\n",
            "packet.txt:7: [title] 附件一 has no title line after its label",
        ),
        (
            "标题\n\n正文。\n\n附件一\n\n标题一\n\n正文。\n\n附件三\n\n标题三\n\n正文。\n",
            "packet.txt:11: 附件三 follows 附件一: attachments should be numbered in order",
        ),
        (
            "标题\n\n正文。\n\n附件一\n\n标题一\n\n来源：新华网 发布时间：2020年2月30日\n\n正文。\n",
            "packet.txt:9: [published] 附件一: 发布时间 is not a real date: '2020年2月30日'",
        ),
    ],
)
def test_bad_packets_exit_2_with_a_clear_message(tmp_path: Path, text: str, message: str) -> None:
    source = tmp_path / "packet.txt"
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"error: {tmp_path}/{message}" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_non_utf8_packet_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "packet.txt"
    source.write_bytes(packet(1).encode("gb18030"))
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "packet.txt:1: is not UTF-8 text" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_existing_folder_is_not_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "packet.txt"
    source.write_text(packet(1), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(out)])
    assert result.exit_code == 2
    assert "already exists and is not empty; use --force to replace it" in result.stderr
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(out), "--force"])
    assert result.exit_code == 0
    assert not (out / "mine.txt").exists()
    assert yaml.safe_load((out / "course.yaml").read_text(encoding="utf-8"))["modules"] == [
        "overview",
        "a1",
    ]
