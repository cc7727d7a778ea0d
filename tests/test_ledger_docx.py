"""The ledger's Word documents as a branch secretary opens them (python-docx reads them back).

The activity record (主题党日活动记录): its form's labels and values, from the
course and the members' work; the blanks to sign. The compilation
(心得体会汇编): each reflection once, under its prompt and member, a contents
list Word can refresh. Both: hostile names and texts as plain text, the
fonts on the styles, a house template's styles, page and header used, and
check_template refusing what cannot be a template.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from coursekit.errors import CourseInvalid
from coursekit.ledger.data import Branch, Ledger, Member
from coursekit.ledger.documents import (
    TEMPLATE,
    activity_record,
    check_template,
    reflections_compilation,
)
from coursekit.messages import CATALOGUE
from ledgerdata import (
    CONTROL_NAME,
    HYPERLINK_NAME,
    LONG,
    RTL_NAME,
    bundled_course,
    hostile_ledger,
)

ROOT = Path(__file__).resolve().parents[1]
TITLE = "全市2月份疫情防控专题支部主题党日工作提示"
THEME = "全市2月份疫情防控专题支部主题党日"
SIGN_LABELS = ["主持人", "记录人", "支部书记签字", "日期"]


def opened(data: bytes) -> Any:
    return Document(io.BytesIO(data))


def form(document: Any) -> dict[str, str]:
    """The record's form: label -> the value cell's text (its paragraphs joined by newlines)."""
    assert len(document.tables) == 1
    rows = {}
    for row in document.tables[0].rows:
        label, value = row.cells
        rows[label.text] = value.text
    return rows


def record(ledger: Ledger | None = None, index: int = 0, **kw: Any) -> Any:
    ledger = ledger or hostile_ledger()
    return opened(activity_record(ledger, ledger.branches[index], **kw))


def compilation(ledger: Ledger | None = None, index: int = 0, **kw: Any) -> Any:
    ledger = ledger or hostile_ledger()
    return opened(reflections_compilation(ledger, ledger.branches[index], **kw))


def with_meta(**changes: Any) -> Ledger:
    """The hostile ledger over the bundled course with ``course.yaml`` fields changed."""
    ledger = hostile_ledger()
    course = ledger.course
    meta = course.meta.model_copy(update=changes)
    return dataclasses.replace(ledger, course=dataclasses.replace(course, meta=meta))


# --- 主题党日活动记录 ------------------------------------------------------------------------


def test_the_record_is_titled_and_its_form_says_what_the_course_and_the_work_say() -> None:
    document = record()
    assert document.paragraphs[0].text == "主题党日活动记录"
    assert document.paragraphs[0].style.name == "Title"
    rows = form(document)
    assert list(rows)[:13] == [
        "党支部",
        "活动主题",
        "活动时间",
        "依据",
        "学习方式",
        "学习内容",
        "支部书记",
        "应参学人数",
        "实参学人数",
        "参学率",
        "读完全部模块",
        "提交心得体会",
        "未参学党员",
    ]
    assert rows["党支部"] == "第一支部"
    assert rows["活动主题"] == THEME
    # The notice's period is a whole month; the work's days are Shanghai's (UTC+8).
    assert rows["活动时间"] == "2020年2月\n学习记录日期：2020年2月3日至2020年2月5日"
    assert rows["依据"] == f"中共武汉市委组织部《{TITLE}》（2020年2月4日）"
    assert (
        rows["学习方式"] == "分散个人自学；结合学习强国、微信群在线开展学习交流；时间不作统一安排"
    )
    assert rows["支部书记"] == "张书记"
    # Five on the roster, three of them took part; the guest is named, not counted.
    assert rows["应参学人数"] == "5人"
    assert rows["实参学人数"] == "3人\n另有名册外人员参学1人：外来"
    assert rows["参学率"] == "60%"
    assert rows["读完全部模块"] == "1人"
    assert rows["提交心得体会"] == "4篇（3人提交）"


def test_the_content_lists_each_category_then_its_modules_in_course_order() -> None:
    lines = form(record())["学习内容"].split("\n")
    course = bundled_course()
    expected = []
    numbers = "一二三四"
    for number, category in zip(numbers, course.meta.categories, strict=True):
        expected.append(f"{number}、{category.name}")
        expected += [
            f"{m.label}《{m.title.replace('《', '〈').replace('》', '〉')}》"
            for m in course.modules
            if m.meta.category == category.id
        ]
    assert lines == expected
    assert lines[0] == "一、习近平总书记重要指示精神和党中央决策部署"
    assert "二、省委和市委工作要求" in lines
    assert lines[-2:] == [
        "四、疫情科学防控知识",
        "科学防控知识《新型冠状病毒感染的肺炎公众防护指南》",
    ]
    # a title holding 《》 is nested as 〈〉
    assert any(line.startswith("附件四《中共中央印发〈关于加强党的领导") for line in lines)
    # category names are bold, module lines are not
    cell = record().tables[0].rows[5].cells[1]
    assert [p.runs[0].bold for p in cell.paragraphs][:2] == [True, None]


def test_absent_members_are_named_as_plain_text() -> None:
    rows = form(record())
    # NUL and ESC cannot stand in XML; the right-to-left override would reorder the line.
    assert rows["未参学党员"] == "王\ufffd\ufffd[31m五、李\ufffd四"
    assert CONTROL_NAME not in rows["未参学党员"] and RTL_NAME not in rows["未参学党员"]


def test_the_sign_rows_are_there_empty_and_high_enough_to_sign() -> None:
    table = record().tables[0]
    last = table.rows[-4:]
    assert [r.cells[0].text for r in last] == SIGN_LABELS
    for row in last:
        assert row.cells[1].text == ""
        assert row.height is not None and row.height >= Cm(1.5)
    assert all(r.cells[0].paragraphs[0].runs[0].bold for r in last)


def test_the_footnote_names_the_source_and_the_day() -> None:
    document = record()
    note = document.paragraphs[-1]
    assert note.text.startswith("数据来源：records (3 files)。生成日期：")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    assert f"{today.year}年{today.month}月{today.day}日" in note.text
    assert note.runs[0].font.size == Pt(9)


def test_a_branch_without_a_roster_cannot_list_the_absent() -> None:
    rows = form(record(index=2))
    assert rows["党支部"] == "未填支部"
    assert rows["未参学党员"] == "未提供名册，无法列出"
    assert rows["支部书记"] == ""  # to be written in by hand
    assert rows["应参学人数"] == "1人"
    assert rows["参学率"] == "100%"
    assert rows["活动时间"] == "2020年2月\n学习记录日期：2020年2月10日"


def test_a_branch_that_did_nothing() -> None:
    rows = form(record(index=1))
    assert rows["党支部"] == "<script>alert(1)</script>"
    assert rows["活动时间"] == "2020年2月\n学习记录日期：无"
    assert rows["支部书记"] == ""  # a deputy (副书记) is not the secretary
    assert rows["实参学人数"] == "0人"
    assert rows["参学率"] == "0%"
    assert rows["提交心得体会"] == "0篇（0人提交）"
    assert rows["未参学党员"] == "甲、乙"


def test_the_study_format_and_period_come_from_the_course_not_from_the_bundled_wording() -> None:
    study = bundled_course().meta.study_format.model_copy(
        update={"mode": "集中学习", "online": [], "schedule": "每周五下午"}
    )
    activity = bundled_course().meta.activity
    assert activity is not None
    period = activity.model_copy(
        update={"start": dt.date(2020, 2, 3), "end": dt.date(2020, 3, 6), "theme": "春季主题党日"}
    )
    rows = form(record(with_meta(study_format=study, activity=period)))
    assert rows["学习方式"] == "集中学习；每周五下午"
    assert rows["活动主题"] == "春季主题党日"
    assert rows["活动时间"].split("\n")[0] == "2020年2月3日至2020年3月6日"
    three = study.model_copy(update={"online": ["学习强国", "钉钉", "微信群"]})
    assert form(record(with_meta(study_format=three)))["学习方式"] == (
        "集中学习；结合学习强国、钉钉、微信群在线开展学习交流；每周五下午"
    )


def test_the_days_of_the_work_are_days_even_over_a_whole_month() -> None:
    member = Member(
        learner="m",
        name="全月",
        on_roster=True,
        first_at="2020-01-31T16:00:00+00:00",  # 2月1日 00:00 in Shanghai
        last_at="2020-02-29T15:00:00+00:00",
    )
    ledger = dataclasses.replace(
        hostile_ledger(), branches=(Branch(name="全月支部", members=(member,), roster_known=True),)
    )
    assert form(record(ledger))["活动时间"] == (
        "2020年2月\n学习记录日期：2020年2月1日至2020年2月29日"
    )


def test_without_an_activity_the_theme_is_the_title_and_the_time_the_work() -> None:
    rows = form(record(with_meta(activity=None)))
    assert rows["活动主题"] == TITLE
    assert rows["活动时间"] == "2020年2月3日至2020年2月5日"


def test_the_page_is_a4_with_the_margins_of_official_documents() -> None:
    section = record().sections[0]
    page = [section.page_width, section.page_height]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(x.cm, 2) for x in page] == [21, 29.7]  # Word stores twips: 21 cm is 11906
    assert [round(x.cm, 2) for x in margins] == [3.7, 3.5, 2.8, 2.6]


# --- hostile text -------------------------------------------------------------------------------


def _xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml").decode("utf-8")


def test_hostile_names_and_texts_land_as_plain_runs() -> None:
    ledger = hostile_ledger()
    for data in (
        activity_record(ledger, ledger.branches[0]),
        reflections_compilation(ledger, ledger.branches[0]),
        activity_record(ledger, ledger.branches[1]),
    ):
        xml = _xml(data)
        # markup is escaped text, a formula is text; no field but the contents list's
        assert "<script>" not in xml and "<b>x" not in xml
        instructions = [t.text for t in opened(data).element.body.iter(qn("w:instrText")) if t.text]
        assert all(i.strip().startswith("TOC ") for i in instructions)
        assert "\u202e" not in xml and "\x1b" not in xml
    text = "\n".join(p.text for p in compilation().paragraphs)
    assert HYPERLINK_NAME in text
    assert "<b>x</b>" in text
    assert "赵\ufffd六" in text  # the lone surrogate
    assert LONG in text  # all 10,000 characters, in one paragraph


# --- 心得体会汇编 ------------------------------------------------------------------------------


def sections(
    document: Any,
) -> tuple[list[str], dict[str, list[tuple[str, str, list[str]]]], dict[str, list[str]]]:
    """(module headings, prompt -> [(member, date, lines)], prompt -> other paragraphs)."""
    modules: list[str] = []
    answers: dict[str, list[tuple[str, str, list[str]]]] = {}
    other: dict[str, list[str]] = {}
    prompt = None
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "Heading 1":
            modules.append(paragraph.text)
            prompt = None
        elif style == "Heading 2":
            prompt = paragraph.text
            assert prompt not in answers, f"prompt twice: {prompt}"
            answers[prompt], other[prompt] = [], []
        elif prompt is not None and paragraph.text:
            runs = paragraph.runs
            if runs[0].bold:
                date = "".join(r.text for r in runs[1:]).strip("\u3000 ")
                answers[prompt].append((runs[0].text, date, []))
            elif answers[prompt]:
                answers[prompt][-1][2].append(paragraph.text)
            else:
                other[prompt].append(paragraph.text)
    return modules, answers, other


def prompt_text(module: str, reflection: str) -> str:
    course = bundled_course()
    return next(r.prompt for r in course.module(module).reflections if r.id == reflection)


def test_the_compilation_puts_each_reflection_once_under_its_prompt_and_member() -> None:
    document = compilation()
    assert document.paragraphs[0].text == "心得体会汇编"
    assert document.paragraphs[0].style.name == "Title"
    assert document.paragraphs[1].text == "党支部：第一支部"
    assert document.paragraphs[2].text == f"主题：{THEME}"
    modules, answers, other = sections(document)
    course = bundled_course()
    assert modules == [f"{m.label}\u3000{m.title}" for m in course.modules if m.reflections]
    prompts = [r.prompt for m in course.modules for r in m.reflections]
    assert list(answers) == prompts
    # in the branch's order, the day as Shanghai saw it, a paragraph per line
    assert answers[prompt_text("a1", "a1-r-flag")] == [
        ("张书记", "2020年2月5日", ["挺身而出。", "第二段：带头值守。"]),
        (HYPERLINK_NAME, "2020年2月3日", ["<b>x</b>", "第二行"]),
    ]
    assert answers[prompt_text("a1", "a1-r-masses")] == [
        ("张书记", "2020年2月3日", ["我将组织楼栋党员分组值守。"])
    ]
    assert answers[prompt_text("k1", "k1-r-calm")] == [("赵\ufffd六", "2020年2月3日", [LONG])]
    # every other prompt says nobody answered it
    answered = {
        prompt_text("a1", "a1-r-flag"),
        prompt_text("a1", "a1-r-masses"),
        prompt_text("k1", "k1-r-calm"),
    }
    for prompt in prompts:
        if prompt not in answered:
            assert answers[prompt] == [] and other[prompt] == ["（暂无）"], prompt
        else:
            assert other[prompt] == []
    # four reflections in the branch, four in the document
    assert sum(len(a) for a in answers.values()) == 4
    body = [p.text for p in document.paragraphs]
    assert body.count("挺身而出。") == 1 and body.count("<b>x</b>") == 1


def test_reflection_paragraphs_are_indented_two_characters() -> None:
    document = compilation()
    paragraph = next(p for p in document.paragraphs if p.text == "挺身而出。")
    indent = paragraph._p.pPr.find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200"


def test_the_compilation_has_a_contents_field_already_filled_in() -> None:
    data = reflections_compilation(hostile_ledger(), hostile_ledger().branches[0])
    document = opened(data)
    instructions = [t.text for t in document.element.body.iter(qn("w:instrText"))]
    assert instructions == [' TOC \\o "1-2" \\h \\z \\u ']
    toc = [p for p in document.paragraphs if p.style.name.startswith("toc ")]
    course = bundled_course()
    expected = [
        text
        for m in course.modules
        if m.reflections
        for text in [f"{m.label}\u3000{m.title}", *(r.prompt for r in m.reflections)]
    ]
    assert [p.text for p in toc] == expected
    assert [p.style.name for p in toc][:2] == ["toc 1", "toc 2"]
    # the field begins in the first entry and ends in the last
    marks = [
        (i, m.get(qn("w:fldCharType")))
        for i, p in enumerate(toc)
        for m in p._p.iter(qn("w:fldChar"))
    ]
    assert marks == [(0, "begin"), (0, "separate"), (len(toc) - 1, "end")]
    # each entry links to a bookmark around its heading
    anchors = [h.get(qn("w:anchor")) for p in toc for h in p._p.iter(qn("w:hyperlink"))]
    marked = {
        b.get(qn("w:name")): "".join(t.text for t in b.getparent().iter(qn("w:t")))
        for b in document.element.body.iter(qn("w:bookmarkStart"))
    }
    assert [marked[a] for a in anchors] == expected
    # Word and WPS refresh the list (page numbers) on opening
    settings = document.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    assert "主题党日活动记录" not in "".join(p.text for p in document.paragraphs)


# --- fonts and templates -----------------------------------------------------------------------


def east_asian(style: Any) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        assert fonts.get(qn(theme)) is None, f"{style.name}: a theme font would win"
    return fonts.get(qn("w:eastAsia"))


@pytest.mark.parametrize("make", [record, compilation])
def test_fonts_are_set_on_the_styles(make: Any) -> None:
    styles = make().styles
    assert east_asian(styles["Normal"]) == "宋体"
    assert styles["Normal"].element.rPr.find(qn("w:rFonts")).get(qn("w:ascii")) == "Times New Roman"
    for name in ("Title", "Heading 1", "Heading 2"):
        assert east_asian(styles[name]) == "黑体", name
    assert east_asian(styles["Table Grid"]) == "宋体"


def test_runs_carry_no_fonts_of_their_own() -> None:
    for document in (record(), compilation()):
        body = document.element.body
        assert list(body.iter(qn("w:rFonts"))) == []


def _make_template_module() -> Any:
    path = ROOT / "src" / "coursekit" / "templates" / "ledger" / "make_template.py"
    spec = importlib.util.spec_from_file_location("make_template", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_template_is_what_make_template_makes() -> None:
    made = _make_template_module().template_bytes()
    assert made == _make_template_module().template_bytes()  # deterministic
    assert made == TEMPLATE.read_bytes(), "run src/coursekit/templates/ledger/make_template.py"
    check_template(TEMPLATE)


def house_template(path: Path, *, drop: str | None = None) -> Path:
    """A house template: Normal in 楷体 at 15 pt, a header, old body text, other margins."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(15)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "楷体")
    section = document.sections[0]
    section.header.paragraphs[0].text = "中共某某委员会 学习台账"
    section.top_margin = Cm(2.5)
    document.add_paragraph("模板里的旧正文")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "旧表格"
    if drop is not None:
        style = document.styles[drop]
        style.element.getparent().remove(style.element)
    document.save(path)
    return path


@pytest.mark.parametrize("make", [record, compilation])
def test_a_house_template_gives_its_styles_page_and_header(make: Any, tmp_path: Path) -> None:
    document = make(template=house_template(tmp_path / "house.docx"))
    normal = document.styles["Normal"]
    assert east_asian(normal) == "楷体"
    assert normal.font.size == Pt(15)
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "中共某某委员会 学习台账"
    assert round(section.top_margin.cm, 2) == 2.5
    text = "\n".join(p.text for p in document.paragraphs)
    assert "模板里的旧正文" not in text
    assert all("旧表格" not in t.cell(0, 0).text for t in document.tables)
    assert document.paragraphs[0].text in {"主题党日活动记录", "心得体会汇编"}
    assert document.core_properties.author == "coursekit"


def refusal(path: Path) -> str:
    with pytest.raises(CourseInvalid) as caught:
        check_template(path)
    [problem] = caught.value.problems
    assert problem.file == str(path)
    return problem.message


def test_check_template_refuses_a_template_without_heading_1(tmp_path: Path) -> None:
    path = house_template(tmp_path / "house.docx", drop="Heading 1")
    message = refusal(path)
    assert "paragraph style 'Heading 1'" in message
    assert "Heading 2" in message  # the styles needed are listed
    # the documents refuse it before any work
    ledger = hostile_ledger()
    with pytest.raises(CourseInvalid, match="Heading 1"):
        activity_record(ledger, ledger.branches[0], template=path)


def test_check_template_refuses_a_template_without_the_table_style(tmp_path: Path) -> None:
    assert "table style 'Table Grid'" in refusal(
        house_template(tmp_path / "h.docx", drop="Table Grid")
    )


def test_check_template_refuses_what_is_not_a_docx(tmp_path: Path) -> None:
    text = tmp_path / "notes.docx"
    text.write_text("这不是Word文档", encoding="utf-8")
    assert "not a readable zip file" in refusal(text)
    other_zip = tmp_path / "other.docx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a Word document (.docx)" in refusal(other_zip)
    assert "file not found" in refusal(tmp_path / "missing.docx")
    assert "not a regular file" in refusal(tmp_path)


def test_check_template_refuses_a_zip_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    block = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(200):
            member.write(block)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    message = refusal(bomb)
    assert "zip bomb" in message


def test_check_template_refuses_overlapping_entries(tmp_path: Path) -> None:
    """Fifield's zip bomb without recursion: two entries pointing into one piece of data."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"x" * 100)
        archive.writestr("word/document.xml", b"y" * 100)
    raw = bytearray(data.getvalue())
    # point the second central directory entry at the first local header
    directory = raw.rfind(b"PK\x01\x02")
    raw[directory + 42 : directory + 46] = (0).to_bytes(4, "little")
    bomb = tmp_path / "overlap.docx"
    bomb.write_bytes(bytes(raw))
    assert "overlap" in refusal(bomb)


def test_check_template_refuses_a_template_over_16_mib(tmp_path: Path) -> None:
    big = tmp_path / "big.docx"
    with big.open("wb") as file:
        file.truncate(16 * 1024 * 1024 + 1)
    assert "too large" in refusal(big)


# --- cost and words ------------------------------------------------------------------------------


def test_importing_the_module_does_not_import_python_docx() -> None:
    code = "import sys, coursekit.ledger.documents; print('docx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == "False"


def test_the_documents_words_are_one_block_after_the_report_in_both_languages() -> None:
    for lang, catalogue in CATALOGUE.items():
        keys = list(catalogue)
        ours = [i for i, k in enumerate(keys) if k.startswith("ledger.docx.")]
        assert ours, lang
        assert ours == list(range(ours[0], ours[-1] + 1)), f"{lang}: not one block"
        assert keys[ours[0] - 1].startswith("report."), lang
        assert not keys[ours[-1] + 1].startswith("report."), lang
    zh = [k for k in CATALOGUE["zh"] if k.startswith("ledger.docx.")]
    en = [k for k in CATALOGUE["en"] if k.startswith("ledger.docx.")]
    assert zh == en


def test_an_english_course_gets_english_words() -> None:
    ledger = with_meta(lang="en")
    rows = form(record(ledger))
    assert rows["Branch"] == "第一支部"
    assert rows["When"].startswith("2020-02\n")
    assert record(ledger).paragraphs[0].text == "Record of the theme day"
