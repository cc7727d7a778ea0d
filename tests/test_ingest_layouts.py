"""Ingest reads the packet layouts trainers meet, and loses no character of any of them.

Each layout is a small packet written here. For every one: ``coursekit
ingest`` exits 0, the course validates, and the round trip holds: every
character of the packet stands in the written course (labels, titles, headings,
paragraphs) or among the lines INGEST-REPORT.md lists as kept as metadata,
except where the report lists a repair.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursekit import load_course
from coursekit.cli import main
from coursekit.model import Course, Module
from coursekit.transcript import round_trip

ISSUER = "中共某区委组织部"
TITLE = "关于开展2021年4月份主题党日学习的 工作提示"
FORMAT = (
    "支部学习采取个人自学方式进行，党员可结合学习强国、微信群等在线开展学习交流，"
    "时间不作统一安排。学习内容主要包括上级指示精神、本地工作要求以及防控知识等方面。"
)
BODY = [FORMAT, "请各支部结合实际抓好组织实施。"]
SIGN = [ISSUER, "2021年4月1日"]
NOTICE = [ISSUER, TITLE, *BODY, *SIGN]
A1_TITLE = "习近平在会议上发表重要讲话"
A1_TEXT = ["会议在 28 日召开，强调要坚定信心。", "会议指出，要同舟共济。"]
A1 = ["附件一", A1_TITLE, "来源：新华网 发布时间：2021年3月28日", *A1_TEXT]
A2_HEAD = ["附件二", "关于进一步做好防控工作的 通知", "各区委组织部："]
A2_TEXT = ["一、加强宣传引导", "社区党组织要及时宣传防控知识。", "二、落实防控措施"]
A2 = [*A2_HEAD, *A2_TEXT, "党员要带头落实防控措施。", ISSUER, "2021年3月30日"]


def packet(*parts: list[str], sep: str = "\n\n") -> str:
    return sep.join(line for part in parts for line in part) + "\n"


def with_a1(*lines: str) -> str:
    return packet(NOTICE, list(lines), A2)


def texts(module: Module) -> list[str]:
    return [p.text for p in module.paragraphs]


def headings(module: Module) -> list[str]:
    return [s.heading for s in module.sections if s.heading]


def standard(course: Course) -> None:
    """What the plain layout gives; the variants below must give the same."""
    assert [m.id for m in course.modules] == ["overview", "a1", "a2"]
    assert (course.title, course.meta.issuer) == (
        "关于开展2021年4月份主题党日学习的工作提示",
        ISSUER,
    )
    assert str(course.meta.date) == "2021-04-01"
    assert course.meta.study_format.mode == "个人自学"
    assert texts(course.notice) == BODY
    a1, a2 = course.module("a1"), course.module("a2")
    assert (a1.label, a1.title, a1.meta.source) == ("附件一", A1_TITLE, "新华网")
    assert str(a1.meta.published) == "2021-03-28"
    assert texts(a1) == ["会议在28日召开，强调要坚定信心。", "会议指出，要同舟共济。"]
    assert (a2.title, a2.meta.issuer, str(a2.meta.published)) == (
        "关于进一步做好防控工作的通知",
        ISSUER,
        "2021-03-30",
    )
    assert headings(a2) == ["一、加强宣传引导", "二、落实防控措施"]


def a1_is(*expected: str, source: str | None = "新华网", published: str | None = "2021-03-28"):  # type: ignore[no-untyped-def]
    def check(course: Course) -> None:
        a1 = course.module("a1")
        assert texts(a1) == list(expected)
        assert a1.meta.source == source
        assert (str(a1.meta.published) if a1.meta.published else None) == published

    return check


def numbered(count: int, first: int = 1) -> str:
    digits = "一二三四五六七八九"

    def cn(n: int) -> str:
        if n == 100:
            return "一百"
        tens, ones = divmod(n, 10)
        return (
            (digits[tens - 1] if tens > 1 else "")
            + ("十" if tens else "")
            + (digits[ones - 1] if ones else "")
        )

    parts = [NOTICE]
    for n in range(first, first + count):
        parts.append([f"附件{cn(n)}", f"第{n}份材料", f"第{n}份材料的正文。"])
    return packet(*parts)


@dataclass(frozen=True)
class Layout:
    name: str
    text: str | bytes
    check: Callable[[Course], None]


SPLIT = "会议在28日召开，强调要坚定信心、同舟共济、科学防治、精准施策，坚决打赢阻击战，同时"
A1_WRAPPED = (
    "会议在28日召开，强调要坚定信心，会议指出，要同舟共济，各级党组织要把学习成效体现到工作中。"
)

LAYOUTS = [
    Layout("blank lines between paragraphs", packet(NOTICE, A1, A2), standard),
    Layout("one paragraph per line", packet(NOTICE, A1, A2, sep="\n"), standard),
    Layout("windows line endings", packet(NOTICE, A1, A2).replace("\n", "\r\n").encode(), standard),
    Layout("byte order mark", b"\xef\xbb\xbf" + packet(NOTICE, A1, A2).encode(), standard),
    Layout(
        "BOM, CRLF and one paragraph per line",
        b"\xef\xbb\xbf" + packet(NOTICE, A1, A2, sep="\r\n").encode(),
        standard,
    ),
    Layout(
        "label and title on one line",
        packet(NOTICE, [f"附件一 {A1_TITLE}", *A1[2:]], [f"附件二 {A2[1]}", *A2[2:]]),
        standard,
    ),
    Layout(
        "附件1： labels with the title",
        packet(NOTICE, [f"附件1：{A1_TITLE}", *A1[2:]], [f"附件2：{A2[1]}", *A2[2:]]),
        lambda c: [m.label for m in c.modules[1:]] == ["附件1", "附件2"] or pytest.fail("labels"),
    ),
    Layout("a colon after the label", packet(NOTICE, ["附件一：", *A1[1:]], A2), standard),
    Layout(
        "附件 1 with a space",
        packet(NOTICE, ["附件 1", *A1[1:]], ["附件 2", *A2[1:]]),
        lambda c: [m.id for m in c.modules] == ["overview", "a1", "a2"] or pytest.fail("ids"),
    ),
    Layout(
        "a date with a time",
        with_a1("附件一", A1_TITLE, "来源：新华网 发布时间：2021-03-28 10:32:15", *A1_TEXT),
        standard,
    ),
    Layout(
        "slashed date, and a signature in Chinese numerals",
        packet(
            [ISSUER, TITLE, *BODY, ISSUER, "二〇二一年四月一日"],
            ["附件一", A1_TITLE, "来源：新华网 发布时间：2021/3/28", *A1_TEXT],
            A2,
        ),
        standard,
    ),
    Layout(
        "source and date on separate lines",
        with_a1("附件一", A1_TITLE, "来源：新华网", "发布时间：2021年3月28日", *A1_TEXT),
        standard,
    ),
    Layout(
        "date first, then source",
        with_a1("附件一", A1_TITLE, "发布时间：2021年3月28日 09:30", "来源：新华网", *A1_TEXT),
        standard,
    ),
    Layout(
        "only a source",
        with_a1("附件一", A1_TITLE, "来源：新华网", *A1_TEXT),
        a1_is("会议在28日召开，强调要坚定信心。", "会议指出，要同舟共济。", published=None),
    ),
    Layout(
        "only a publication time",
        with_a1("附件一", A1_TITLE, "发布时间：2021年3月28日", *A1_TEXT),
        a1_is("会议在28日召开，强调要坚定信心。", "会议指出，要同舟共济。", source=None),
    ),
    Layout(
        "a bracketed date under the title",
        with_a1("附件一", A1_TITLE, "（2021年3月28日）", *A1_TEXT),
        a1_is("会议在28日召开，强调要坚定信心。", "会议指出，要同舟共济。", source=None),
    ),
    Layout(
        "a contact block after the notice's signature",
        packet([*NOTICE, "联系人：张三", "联系电话：027-12345678"], A1, A2),
        lambda c: (
            texts(c.notice) == [*BODY, "联系人：张三", "联系电话：027-12345678"]
            or pytest.fail("contact")
        ),
    ),
    Layout(
        "a contact line before an attachment's signature",
        packet(NOTICE, A1, [*A2[:-2], "联系人：李四 联系电话：027-87654321", *A2[-2:]]),
        lambda c: (
            (
                texts(c.module("a2"))[-1] == "联系人：李四 联系电话：027-87654321"
                and c.module("a2").meta.issuer == ISSUER
            )
            or pytest.fail("contact")
        ),
    ),
    Layout(
        "an issuer over two lines",
        packet(NOTICE, A1, [*A2[:-2], "中共某区委", "组织部", "2021年3月30日"]),
        lambda c: c.module("a2").meta.issuer == "中共某区委 组织部" or pytest.fail("issuer"),
    ),
    Layout(
        "an attachment ending in a list",
        packet(
            NOTICE, A1, [*A2_HEAD, "正文第一段。", "一、坚定信心", "二、同舟共济", "三、科学防治"]
        ),
        lambda c: (
            texts(c.module("a2"))[-3:] == ["一、坚定信心", "二、同舟共济", "三、科学防治"]
            or pytest.fail("list")
        ),
    ),
    Layout(
        "a guide section after the last attachment",
        packet(
            NOTICE,
            A1,
            A2,
            ["新型冠状病毒肺炎 公众防护指南", "中国疾病预防控制中心 编写", "出门在外注意什么？"],
        ),
        lambda c: (
            (c.module("k1").title, c.module("k1").meta.byline)
            == ("新型冠状病毒肺炎公众防护指南", "中国疾病预防控制中心编写")
            or pytest.fail("k1")
        ),
    ),
    Layout(
        "a paragraph starting with 来源于",
        with_a1("附件一", A1_TITLE, "来源于人民、植根于人民，是党的力量所在。", *A1_TEXT),
        a1_is(
            "来源于人民、植根于人民，是党的力量所在。",
            "会议在28日召开，强调要坚定信心。",
            "会议指出，要同舟共济。",
            source=None,
            published=None,
        ),
    ),
    Layout(
        "a paragraph starting with a #topic#",
        with_a1("附件一", A1_TITLE, "#武汉加油#全市党员干部冲锋在前。", *A1_TEXT),
        lambda c: (
            texts(c.module("a1"))[0] == "#武汉加油#全市党员干部冲锋在前。"
            or pytest.fail("the # paragraph")
        ),
    ),
    Layout(
        "a short heading inside the text",
        with_a1("附件一", A1_TITLE, A1_TEXT[0], "坚定信心 同舟共济", A1_TEXT[1]),
        lambda c: headings(c.module("a1")) == ["坚定信心同舟共济"] or pytest.fail("heading"),
    ),
    Layout(
        "附件九十九 then 附件一百",
        numbered(2, first=99),
        lambda c: [m.id for m in c.modules] == ["overview", "a99", "a100"] or pytest.fail("ids"),
    ),
    Layout(
        "twelve attachments",
        numbered(12),
        lambda c: (
            [m.label for m in c.modules][-3:] == ["附件十", "附件十一", "附件十二"]
            or pytest.fail("labels")
        ),
    ),
    Layout(
        "a notice with no issuer",
        packet([TITLE, *BODY], A1, A2),
        lambda c: (
            (c.meta.issuer, str(c.meta.date)) == ("（未注明）", "2021-03-30")
            or pytest.fail("issuer")
        ),
    ),
    Layout(
        "full-width spaces and indentation",
        packet(
            [ISSUER, TITLE.replace(" ", "\u3000"), *("\u3000\u3000" + b for b in BODY), *SIGN],
            [*A1[:3], *("\u3000\u3000" + t for t in A1_TEXT)],
            A2,
        ),
        standard,
    ),
    Layout(
        "a paragraph split at a page break, spaces in numbers",
        with_a1(*A1[:3], SPLIT.replace("28日", "28 日"), "要求各级党组织 2021 年底前完成。"),
        a1_is(SPLIT + "要求各级党组织2021年底前完成。"),
    ),
    Layout(
        "emphasis markers, one cut at a page break and one stray",
        with_a1(
            *A1[:3],
            "会议强调，**要坚定信心。**同时**要",
            "同舟共济。**",
            "会议指出，要科学防治**。",
        ),
        a1_is("会议强调，**要坚定信心。**同时**要同舟共济。**", "会议指出，要科学防治。"),
    ),
    Layout(
        "the notice lists its attachments",
        packet(
            [ISSUER, TITLE, *BODY, f"附件1：{A1_TITLE}", "附件2：关于进一步做好防控工作的通知"],
            ["附件1", *A1[1:]],
            ["附件2", *A2[1:]],
        ),
        lambda c: (
            texts(c.notice)[-2:] == [f"附件1：{A1_TITLE}", "附件2：关于进一步做好防控工作的通知"]
            or pytest.fail("list")
        ),
    ),
    Layout(
        "paragraphs wrapped at a fixed width",
        with_a1(*A1[:3], "\n".join(A1_WRAPPED[i : i + 18] for i in range(0, len(A1_WRAPPED), 18))),
        a1_is(A1_WRAPPED),
    ),
    Layout(
        "a title ending in a question mark",
        with_a1("附件一", "疫情期间如何做好个人防护？", *A1[2:]),
        lambda c: c.module("a1").title == "疫情期间如何做好个人防护？" or pytest.fail("title"),
    ),
    Layout(
        "a 时间： paragraph right after the title",
        with_a1("附件一", A1_TITLE, "时间：4月1日至4月30日。", *A1_TEXT),
        a1_is(
            "时间：4月1日至4月30日。",
            "会议在28日召开，强调要坚定信心。",
            "会议指出，要同舟共济。",
            source=None,
            published=None,
        ),
    ),
    Layout(
        "zero-width spaces",
        packet(NOTICE, [*A1[:3], "会议在28日\u200b召开，强调要坚定信心。", A1_TEXT[1]], A2),
        a1_is("会议在28日召开，强调要坚定信心。", "会议指出，要同舟共济。"),
    ),
    Layout(
        "the issuer and the date under the notice's title",
        packet([TITLE, ISSUER, "2021年4月1日", *BODY], A1, A2),
        lambda c: (
            (c.title, c.meta.issuer, str(c.meta.date))
            == ("关于开展2021年4月份主题党日学习的工作提示", ISSUER, "2021-04-01")
            or pytest.fail("head")
        ),
    ),
    Layout(
        "a numbered heading right under the notice's title",
        packet([ISSUER, TITLE, "一、学习方式", *BODY, *SIGN], A1, A2),
        lambda c: (
            (c.title, headings(c.notice), texts(c.notice))
            == ("关于开展2021年4月份主题党日学习的工作提示", ["一、学习方式"], BODY)
            or pytest.fail("heading")
        ),
    ),
    Layout(
        "an event time under an attachment's title",
        with_a1("附件一", A1_TITLE, "时间：2021年4月1日上午9时", *A1_TEXT),
        lambda c: (
            (c.module("a1").meta.published, texts(c.module("a1"))[-1])
            == (None, "会议指出，要同舟共济。")
            or pytest.fail("time")
        ),
    ),
    Layout(
        "a web dateline under the notice's title",
        packet([TITLE, "发布时间：2021-04-01 10:32:15 来源：某区委组织部", *BODY], A1, A2),
        lambda c: (
            (str(c.meta.date), c.notice.meta.source) == ("2021-04-01", "某区委组织部")
            or pytest.fail("dateline")
        ),
    ),
]


def packet_text(data: str | bytes) -> str:
    raw = data if isinstance(data, bytes) else data.encode()
    return raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def course_files(root: Path) -> dict[str, str]:
    paths = [root / "course.yaml", root / "INGEST-REPORT.md", *(root / "modules").glob("*.md")]
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in paths}


def ingest_layout(tmp_path: Path, layout: Layout) -> Path:
    source = tmp_path / "packet.txt"
    source.write_bytes(layout.text if isinstance(layout.text, bytes) else layout.text.encode())
    out = tmp_path / "course"
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return out


def test_there_are_at_least_twenty_layouts() -> None:
    assert len({layout.name for layout in LAYOUTS}) == len(LAYOUTS) >= 20


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.name for layout in LAYOUTS])
def test_each_layout_ingests_and_validates(tmp_path: Path, layout: Layout) -> None:
    out = ingest_layout(tmp_path, layout)
    layout.check(load_course(out))
    result = CliRunner().invoke(main, ["validate", str(out)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "layout",
    LAYOUTS,
    ids=[layout.name for layout in LAYOUTS],
)
def test_each_layout_round_trips(tmp_path: Path, layout: Layout) -> None:
    out = ingest_layout(tmp_path, layout)
    assert round_trip(packet_text(layout.text), course_files(out)) == []
    report = (out / "INGEST-REPORT.md").read_text(encoding="utf-8")
    assert "- Every character of the packet is in the course" in report


def test_the_round_trip_finds_a_lost_character(tmp_path: Path) -> None:
    out = ingest_layout(tmp_path, LAYOUTS[0])
    files = course_files(out)
    text = packet_text(LAYOUTS[0].text)
    files["modules/a1.md"] = files["modules/a1.md"].replace("同舟共济", "同舟济")
    assert round_trip(text, files) == [
        "line 21: the packet reads …定信心。会议指出，要同舟共济。附件二关于进一步做… "
        "but the course reads …定信心。会议指出，要同舟济。附件二关于进一步做好…"
    ]


def test_the_round_trip_needs_the_reports_lines_and_repairs(tmp_path: Path) -> None:
    layout = next(x for x in LAYOUTS if x.name.startswith("emphasis markers"))
    out = ingest_layout(tmp_path, layout)
    files = course_files(out)
    text = packet_text(layout.text)
    report = files["INGEST-REPORT.md"]
    without_source = re.sub(r"(?m)^- line \d+, a1, before the text: .*\n", "", report)
    assert round_trip(text, {**files, "INGEST-REPORT.md": without_source})
    without_repair = re.sub(r"(?m)^- a1, line \d+: removed an emphasis marker.*\n", "", report)
    assert without_repair != report
    assert round_trip(text, {**files, "INGEST-REPORT.md": without_repair})
