"""`coursekit ingest`: the real packet, and packets the tests write themselves."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from coursekit import load_course
from coursekit.cli import main
from coursekit.content import bundled_course_path, parse_module
from coursekit.model import Course, Module

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
    assert "a1, line 17: joined the paragraph split at a page break (lines 17 and 19)" in report


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
        (
            "只有一段话。\n",
            "packet.txt: [label] no attachments found: the packet has 1 line and none is a "
            "label such as 附件一 or 附件1 (at the start of a line)",
        ),
        (
            "标题\n\n正文。\n\n附件一所列的材料如下。\n",
            "packet.txt:5: [label] no attachments found: this line starts with 附件 but is not "
            "a label such as 附件一, 附件1 or 附件一 标题: '附件一所列的材料如下。'",
        ),
        ("", "packet.txt: the packet is empty"),
        (
            "标题\n\n正文。\n\n附件一\n\n正文第一段。\n",
            "packet.txt:7: [title] 附件一 has no title line after its label",
        ),
        (
            "标题\n\n正文。\n\n附件一\n\n标题一\n\n正文。\n\n附件三\n\n标题三\n\n正文。\n",
            "packet.txt:11: [label] 附件三 follows 附件一: attachments should be numbered in order",
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


def test_a_folder_ingest_did_not_write_is_refused_with_or_without_force(tmp_path: Path) -> None:
    source = tmp_path / "packet.txt"
    source.write_text(packet(1), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    for force in ([], ["--force"]):
        result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(out), *force])
        assert result.exit_code == 2
        assert "is not empty and was not written by coursekit ingest" in result.stderr
        assert "Traceback" not in result.output
        assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
        assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(tmp_path / "new")])
    assert result.exit_code == 0
    assert yaml.safe_load((tmp_path / "new" / "course.yaml").read_text(encoding="utf-8"))[
        "modules"
    ] == ["overview", "a1"]


# --- issue 11: ingest is faithful, reads common layouts, and never destroys a trainer's files ---

NOTICE = (
    "某区委组织部\n\n关于开展学习的工作提示\n\n"
    "支部学习采取个人自学方式进行，时间不作统一安排。"
    "学习内容主要包括上级指示精神、本地工作要求以及防控知识等方面。\n\n"
)


def ingest_text(tmp_path: Path, text: str, *args: str, out: str = "out") -> Result:
    source = tmp_path / "packet.txt"
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(tmp_path / out), *args])
    assert "Traceback" not in result.output
    return result


def ingested(tmp_path: Path, text: str, *args: str) -> Course:
    result = ingest_text(tmp_path, text, *args)
    assert result.exit_code == 0, result.output
    return load_course(tmp_path / "out")


def texts(module: Module) -> list[str]:
    return [p.text for p in module.paragraphs]


def test_a_paragraph_starting_with_laiyuan_is_text_not_a_source_line(tmp_path: Path) -> None:
    a1 = ingested(
        tmp_path,
        NOTICE + "附件一\n\n坚持人民至上\n\n来源于人民、植根于人民，是党的力量所在。\n\n第二段。\n",
    ).module("a1")
    assert a1.meta.source is None
    assert texts(a1) == ["来源于人民、植根于人民，是党的力量所在。", "第二段。"]


def test_a_publication_time_on_its_own_line_sets_the_date(tmp_path: Path) -> None:
    a1 = ingested(
        tmp_path, NOTICE + "附件一\n\n标题一\n\n来源：新华网\n\n发布时间：2021年3月28日\n\n正文。\n"
    ).module("a1")
    assert (a1.meta.source, str(a1.meta.published)) == ("新华网", "2021-03-28")
    assert [s.heading for s in a1.sections] == [None]
    assert texts(a1) == ["正文。"]


@pytest.mark.parametrize(
    "stamp",
    [
        "2021-04-01 10:32:15",
        "2021-04-01",
        "2021/4/1",
        "2021/4/1 10:32",
        "2021年4月1日",
        "2021年4月1日 10:32",
        "2021.4.1",
        "二〇二一年四月一日",
    ],
)
def test_dates_with_and_without_a_time_are_read(tmp_path: Path, stamp: str) -> None:
    text = NOTICE + f"附件一\n\n标题一\n\n来源：新华网 发布时间：{stamp}\n\n正文。\n"
    assert str(ingested(tmp_path, text).module("a1").meta.published) == "2021-04-01"


HASHTAG = NOTICE + "附件一\n\n标题一\n\n#武汉加油#全市党员干部冲锋在前。\n\n第二段。\n"


def test_a_hashtag_paragraph_is_never_lost_silently(tmp_path: Path) -> None:
    # A heading is #s and a space, as in CommonMark: `#武汉加油#…` is a paragraph.
    result = ingest_text(tmp_path, HASHTAG)
    assert result.exit_code == 0, result.output
    _, sections = front_and_text(tmp_path / "out" / "modules" / "a1.md")
    assert sections[0][1][:1] == ["#武汉加油#全市党员干部冲锋在前。"]
    assert "not in the course" not in result.stderr


def test_ingest_says_what_the_course_it_wrote_does_not_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coursekit.ingest

    body = coursekit.ingest._body
    monkeypatch.setattr(coursekit.ingest, "_body", lambda part: body(part).replace("二段", "段"))
    result = ingest_text(tmp_path, NOTICE + "附件一\n\n标题一\n\n第一段。\n\n第二段。\n")
    assert result.exit_code == 0, result.output
    assert "warning: not in the course: line 13: the packet reads …" in result.stderr
    report = (tmp_path / "out" / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert "- line 13: the packet reads …" in report.split("## Round trip")[1]


def test_a_paragraph_starting_with_a_hashtag_keeps_it(tmp_path: Path) -> None:
    a1 = ingested(tmp_path, HASHTAG).module("a1")
    assert texts(a1) == ["#武汉加油#全市党员干部冲锋在前。", "第二段。"]


def test_the_study_format_is_read_where_it_is_certain(tmp_path: Path) -> None:
    notice = (
        "某区委组织部\n\n关于开展学习的工作提示\n\n"
        "支部学习采取集中学习与个人自学相结合的方式进行，党员可结合学习强国、微信群等在线开展"
        "学习交流，时间由各支部自行安排。学习内容主要包括上级指示精神、本地工作要求等方面。\n\n"
    )
    fmt = ingested(tmp_path, notice + "附件一\n\n标题一\n\n正文。\n").meta.study_format
    assert (fmt.mode, fmt.online, fmt.schedule) == (
        "集中学习与个人自学相结合",
        ["学习强国", "微信群"],
        "时间由各支部自行安排",
    )
    assert fmt.evidence.quote == (
        "支部学习采取集中学习与个人自学相结合的方式进行，党员可结合学习强国、微信群等在线开展"
        "学习交流，时间由各支部自行安排"
    )


def test_an_uncertain_study_format_is_flagged_and_left_neutral(tmp_path: Path) -> None:
    notice = (
        "关于开展学习的工作提示\n\n"
        "支部学习以多种方式灵活开展，党员可通过网络交流心得。请各支部抓好落实。\n\n"
    )
    result = ingest_text(tmp_path, notice + "附件一\n\n标题一\n\n正文。\n")
    assert result.exit_code == 0, result.output
    fmt = load_course(tmp_path / "out").meta.study_format
    assert (fmt.mode, fmt.online, fmt.schedule) == ("见通知原文", [], "见通知原文")
    assert fmt.evidence.quote == "支部学习以多种方式灵活开展，党员可通过网络交流心得"
    assert "review the study format in course.yaml" in result.stderr
    report = (tmp_path / "out" / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert "**Study format: not certain, review it.**" in report


def test_one_paragraph_per_line_with_no_blank_lines(tmp_path: Path) -> None:
    text = (
        "某区委组织部\n关于开展学习的工作提示\n"
        "支部学习采取个人自学方式进行，时间不作统一安排。\n请各支部抓好落实。\n"
        "某区委组织部\n2021年4月1日\n"
        "附件一\n第一份材料\n来源：新华网 发布时间：2021年3月28日\n第一段。\n第二段。\n"
        "附件二\n第二份材料\n第一段。\n"
    )
    course = ingested(tmp_path, text)
    assert [m.id for m in course.modules] == ["overview", "a1", "a2"]
    assert texts(course.module("overview"))[1] == "请各支部抓好落实。"
    assert texts(course.module("a1")) == ["第一段。", "第二段。"]
    assert course.module("a1").meta.source == "新华网"


@pytest.mark.parametrize(
    ("line", "label"), [("附件一 第一份材料", "附件一"), ("附件1：第一份材料", "附件1")]
)
def test_a_label_and_its_title_on_one_line(tmp_path: Path, line: str, label: str) -> None:
    a1 = ingested(tmp_path, NOTICE + f"{line}\n\n正文。\n").module("a1")
    assert (a1.label, a1.title, texts(a1)) == (label, "第一份材料", ["正文。"])


def test_an_attachment_ending_in_a_list_is_read(tmp_path: Path) -> None:
    text = (
        NOTICE
        + "附件一\n\n标题一\n\n正文第一段。\n\n一、坚定信心\n\n二、同舟共济\n\n三、科学防治\n"
    )
    a1 = ingested(tmp_path, text).module("a1")
    assert texts(a1) == ["正文第一段。", "一、坚定信心", "二、同舟共济", "三、科学防治"]
    assert [s.heading for s in a1.sections] == [None]


def test_contact_lines_and_an_issuer_over_two_lines_are_kept(tmp_path: Path) -> None:
    text = (
        NOTICE
        + "某区委组织部\n\n2021年4月1日\n\n联系人：张三\n\n联系电话：027-12345678\n\n"
        + "附件一\n\n标题一\n\n正文。\n\n中共某区委\n\n组织部\n\n2021年3月30日\n"
    )
    course = ingested(tmp_path, text)
    assert texts(course.notice)[-2:] == ["联系人：张三", "联系电话：027-12345678"]
    a1 = course.module("a1")
    assert (a1.meta.issuer, str(a1.meta.published), texts(a1)) == (
        "中共某区委 组织部",
        "2021-03-30",
        ["正文。"],
    )
    report = (tmp_path / "out" / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert "- line 21, a1, at the end: `中共某区委` → issuer (the signature)" in report
    assert "- line 23, a1, at the end: `组织部` → issuer (the signature)" in report


def test_attachment_one_hundred_follows_ninety_nine(tmp_path: Path) -> None:
    text = NOTICE + "附件九十九\n\n标题甲\n\n正文。\n\n附件一百\n\n标题乙\n\n正文。\n"
    course = ingested(tmp_path, text)
    assert [(m.id, m.label) for m in course.modules[1:]] == [
        ("a99", "附件九十九"),
        ("a100", "附件一百"),
    ]


def test_each_packet_gets_its_own_ascii_id_and_the_trainer_is_told(tmp_path: Path) -> None:
    ids = []
    for month in ("4", "5"):
        notice = NOTICE + f"某区委组织部\n\n2021年{month}月1日\n\n"
        result = ingest_text(tmp_path, notice + "附件一\n\n标题一\n\n正文。\n", out=month)
        assert result.exit_code == 0, result.output
        course_id = load_course(tmp_path / month).id
        assert re.fullmatch(rf"packet-2021-0{month}-01-[0-9a-f]{{6}}", course_id)
        assert f"check the course id {course_id}" in result.output
        report = (tmp_path / month / "INGEST-REPORT.md").read_text(encoding="utf-8")
        assert f"**Course id** `{course_id}`" in report
        ids.append(course_id)
    assert ids[0] != ids[1]


def test_an_ingested_folder_has_normal_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        ingested(tmp_path, NOTICE + "附件一\n\n标题一\n\n正文。\n")
    finally:
        os.umask(umask)
    for path in (tmp_path / "out", tmp_path / "out" / "modules"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o755, path
    assert stat.S_IMODE((tmp_path / "out" / "course.yaml").stat().st_mode) == 0o644


def test_the_packets_folder_is_never_the_output(tmp_path: Path) -> None:
    packets = tmp_path / "packets"
    packets.mkdir()
    (packets / "p.txt").write_text(NOTICE + "附件一\n\n标题一\n\n正文。\n", encoding="utf-8")
    for out in (packets, tmp_path):
        args = ["ingest", str(packets / "p.txt"), "--out", str(out), "--force"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert "the output folder overlaps an input" in result.stderr
        assert sorted(p.name for p in packets.iterdir()) == ["p.txt"]


def trainer_edits(out: Path) -> None:
    """What a trainer does after ingest: an id, a category, questions, glossary, notes."""
    course = out / "course.yaml"
    course.write_text(
        re.sub(r"(?m)^id: .*$", "id: district-2021-04", course.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    a1 = out / "modules" / "a1.md"
    a1.write_text(
        a1.read_text(encoding="utf-8").replace("category: c1", "category: c3"), encoding="utf-8"
    )
    (out / "modules" / "a1.yaml").write_text(
        "checkpoints:\n  - id: a1-q\n    type: truefalse\n    prompt: 会议在28日召开吗？\n"
        "    answer: true\n    explanation: 见原文。\n"
        "    evidence: {module: a1, paragraph: 1, quote: 会议在28日召开}\n",
        encoding="utf-8",
    )
    (out / "glossary.yaml").write_text(
        "terms:\n  - term: 防控知识\n    definition: 疫情防控的知识。\n", encoding="utf-8"
    )
    (out / "HAND-EDITS.md").write_text("# Hand edits\n", encoding="utf-8")


def test_reingest_needs_force_and_then_merges_keeping_the_trainers_work(tmp_path: Path) -> None:
    first = packet(2)
    assert ingest_text(tmp_path, first).exit_code == 0
    out = tmp_path / "out"
    trainer_edits(out)
    theirs = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in [out / "modules" / "a1.yaml", out / "glossary.yaml", out / "HAND-EDITS.md"]
    }
    fixed = first.replace("第2份材料的第二段。", "第2份材料的第二段，已更正。")
    result = ingest_text(tmp_path, fixed)
    assert result.exit_code == 2
    assert "use --force to merge this packet into it" in result.stderr
    result = ingest_text(tmp_path, fixed, "--force")
    assert result.exit_code == 0, result.output
    for rel, data in theirs.items():
        assert (out / rel).read_bytes() == data, rel
    course = load_course(out)
    assert course.id == "district-2021-04"
    assert course.module("a1").meta.category == "c3"
    assert texts(course.module("a2"))[-1] == "第2份材料的第二段，已更正。"
    assert [q.id for q in course.module("a1").checkpoints] == ["a1-q"]


def test_a_merge_names_every_evidence_quote_that_no_longer_stands(tmp_path: Path) -> None:
    first = packet(2)
    assert ingest_text(tmp_path, first).exit_code == 0
    out = tmp_path / "out"
    trainer_edits(out)
    changed = first.replace("会议在 28 日召开", "会议在 29 日召开")
    result = ingest_text(tmp_path, changed, "--force")
    assert result.exit_code == 0, result.output
    where = f"{out}/modules/a1.yaml:7: [checkpoints[0].evidence.quote]"
    assert (
        f"warning: {where} quote no longer stands in 附件一 ¶1: '会议在28日召开'" in result.stderr
    )
    report = (out / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert f"- {where} quote no longer stands in 附件一 ¶1" in report
    _, sections = front_and_text(out / "modules" / "a1.md")
    assert sections[0][1][0] == "第1份材料的第一段，会议在29日召开。"
    assert "the merged course does not validate yet" in result.stderr


def test_a_merge_drops_a_module_the_packet_lost_but_never_the_trainers_files(
    tmp_path: Path,
) -> None:
    assert ingest_text(tmp_path, packet(3)).exit_code == 0
    out = tmp_path / "out"
    trainer_edits(out)
    (out / "modules" / "a3.yaml").write_text("reflections: []\n", encoding="utf-8")
    a2 = out / "modules" / "a2.md"
    front = a2.read_text(encoding="utf-8")
    a2.write_text(front.replace("category: c", "issuer: 某报社\ncategory: c", 1), encoding="utf-8")
    # the packet now has two attachments, and a2's title changed while the trainer kept theirs
    result = ingest_text(
        tmp_path, packet(2).replace("第2份 材料的标题", "第2份材料的新标题"), "--force"
    )
    assert result.exit_code == 0, result.output
    assert not (out / "modules" / "a3.md").exists()
    assert (out / "modules" / "a3.yaml").read_text(encoding="utf-8") == "reflections: []\n"
    assert "modules/a3.md: removed, the packet no longer has `a3`." in result.output
    front_a2, _ = front_and_text(a2)
    assert (front_a2["title"], front_a2["issuer"]) == ("第2份材料的新标题", "某报社")
    assert yaml.safe_load((out / "course.yaml").read_text(encoding="utf-8"))["modules"] == [
        "overview",
        "a1",
        "a2",
    ]


def test_an_edited_module_the_packet_lost_is_kept_across_merges(tmp_path: Path) -> None:
    assert ingest_text(tmp_path, packet(3)).exit_code == 0
    a3 = tmp_path / "out" / "modules" / "a3.md"
    a3.write_text(a3.read_text(encoding="utf-8") + "\n训练者补充的一段。\n", encoding="utf-8")
    edited = a3.read_bytes()
    for _ in range(2):
        result = ingest_text(tmp_path, packet(2), "--force")
        assert result.exit_code == 0, result.output
        assert "the file was edited, so it is kept" in result.output
        assert a3.read_bytes() == edited


def test_when_both_changed_a_field_the_report_says_which_was_kept(tmp_path: Path) -> None:
    first = packet(1)
    assert ingest_text(tmp_path, first).exit_code == 0
    out = tmp_path / "out"
    course = out / "course.yaml"
    text = course.read_text(encoding="utf-8")
    course.write_text(
        text.replace("title: 关于开展学习的工作提示", "title: 我的标题"), encoding="utf-8"
    )
    course.write_text(
        course.read_text(encoding="utf-8").replace("  mode: 个人自学", "  mode: 集中学习"),
        encoding="utf-8",
    )
    changed = first.replace("关于开展学习的 工作提示", "关于开展学习的 新工作提示").replace(
        "采取个人自学方式", "采取线上自学方式"
    )
    result = ingest_text(tmp_path, changed, "--force")
    assert result.exit_code == 0, result.output
    merged = yaml.safe_load(course.read_text(encoding="utf-8"))
    assert merged["title"] == "关于开展学习的新工作提示"  # the packet's field
    assert merged["study_format"]["mode"] == "集中学习"  # the trainer's field
    report = (out / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert (
        '- course.yaml: `title` from the packet, "关于开展学习的新工作提示"; yours was "我的标题"'
        in report
    )
    assert "- course.yaml: `study_format` kept as you set it; the packet now gives" in report
