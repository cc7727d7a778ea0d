"""Static HTML: what a handout, a worksheet and a trainer guide show with no kernel."""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

import coursekit
from coursefactory import write_course
from coursekit.content import load_course
from coursekit.html.fragments import (
    VARIANTS,
    answer_key_html,
    checkpoint_html,
    preface_html,
    reader_html,
    reflection_html,
    trainer_notes_html,
)
from coursekit.messages import CATALOGUE, msg
from coursekit.model import Course
from coursekit.text import count_cjk


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text(html: str) -> str:
    return soup(html).get_text(" ", strip=True)


def test_reader_numbers_every_paragraph_as_checkpoints_cite_it(course: Course) -> None:
    module = course.module("a1")
    doc = soup(reader_html(course, "a1"))
    paras = doc.select("p.ck-para")
    assert [p["id"] for p in paras] == [f"p-{p.number}" for p in module.paragraphs]
    first = paras[0]
    assert first.select_one("span.ck-pn").get_text() == "¶1"
    assert first.get_text() == "¶1 新冠肺炎疫情发生后，党中央高度重视。"
    assert first.select_one("strong").get_text() == "党中央"
    assert [h.get_text() for h in doc.select("h3.ck-heading")] == ["一、背景", "二、要求"]


def test_reader_header_card_states_reading_time_and_rate(course: Course) -> None:
    doc = soup(reader_html(course, course.module("a1")))
    card = doc.select_one("header.ck-card")
    assert card.select_one(".ck-label").get_text() == "附件一"
    assert card.select_one(".ck-title").get_text() == "疫情防控要求"
    facts = [li.get_text() for li in card.select(".ck-facts li")]
    assert facts == ["来源：新华网", "日期：2020年1月23日", "类别：政策文件"]
    chars = course.module("a1").char_count
    assert card.select_one(".ck-reading-time").get_text() == (
        f"约 1 分钟读完（共 {chars} 字，按每分钟 400 字计）"
    )


@pytest.fixture(scope="module")
def long_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The factory course with filler paragraphs that name 党中央 again."""
    return load_course(write_course(tmp_path_factory.mktemp("long"), long_paragraphs=3))


def test_reader_links_each_glossary_term_once_to_its_entry(long_course: Course) -> None:
    """A tap works on a phone where a hover does not, and a definition is printed once."""
    doc = soup(reader_html(long_course, "a1"))
    links = doc.select("a.ck-term")
    assert [a.get_text() for a in links] == ["党中央", "离汉通道"]  # the first occurrence each
    text = " ".join(s.get_text() for s in doc.select(".ck-section"))
    assert text.count("党中央") == 4  # ¶1 and three fillers: the later ones stay plain
    for a in links:
        entry = doc.find(id=a["href"].removeprefix("#"))
        assert entry is not None and entry.name == "dt"
        assert entry.select_one("dfn").get_text() == a.get_text()
    definitions = [dd.select_one(".ck-definition").get_text() for dd in doc.select("dd")]
    assert definitions[0].startswith("附件一写明，疫情发生后“党中央高度重视”。")
    assert doc.select("abbr[title]") == [] and "title=" not in str(doc.select_one(".ck-section"))
    assert soup(reader_html(long_course, "overview")).select(".ck-glossary") == []


def test_a_live_reader_page_marks_every_occurrence_with_its_definition(
    long_course: Course,
) -> None:
    """A page of the live reader has no glossary below it: the definition is the title."""
    from coursekit.html.fragments import reader_section_html, terms_in

    module = long_course.module("a1")
    doc = soup(reader_section_html("", module.paragraphs, terms_in(long_course, module)))
    marked = [(a.get_text(), a["title"]) for a in doc.select("abbr.ck-term")]
    assert ("党中央", "附件一写明，疫情发生后“党中央高度重视”。") in marked
    assert [t for t, _ in marked].count("党中央") > 1 and doc.select("a") == []


def checkpoint(course: Course, qid: str, variant: str = "handout", lang: str = "zh") -> Tag:
    question = next(q for q in course.checkpoints_for("a1") if q.id == qid)
    html = checkpoint_html(course, "a1", question, variant, lang, number=1)  # type: ignore[arg-type]
    section = soup(html).select_one("section.ck-checkpoint")
    assert section is not None
    return section


def _shown(q: Any) -> dict[str, str]:
    """The options a printed checkpoint shows: text → letter."""
    shown = {}
    for li in q.select("ol.ck-options li"):
        letter = li.select_one(".ck-letter").get_text().rstrip(".")
        shown[li.get_text(" ", strip=True).removeprefix(f"{letter}. ")] = letter
    return shown


def test_handout_hides_answer_explanation_and_evidence_in_a_self_check(course: Course) -> None:
    q = checkpoint(course, "q-single")
    assert q.select_one(".ck-qtitle").get_text() == "第 1 题 · 单选题"
    shown = _shown(q)
    assert sorted(shown) == sorted(["党中央", "市委组织部", "国务院"])
    assert sorted(shown.values()) == ["A", "B", "C"]
    check = q.select_one("details.ck-selfcheck")
    assert check.select_one("summary").get_text() == "自查答案"
    # the key names the letter the page shows the right option with, then spells it out
    letter = shown["党中央"]
    assert check.select_one(".ck-answer").get_text() == f"答案：{letter}"
    assert [li.get_text() for li in check.select(".ck-key-lines li")] == [f"{letter}. 党中央"]
    assert check.select_one(".ck-explanation").get_text() == "解析：第一段写明党中央高度重视。"
    # the explanation quotes the evidence already: the citation names the place only
    evidence = check.select_one(".ck-evidence")
    assert evidence.get_text() == "见附件一 ¶1"
    assert evidence.select_one("a")["href"] == "#p-1"


def test_the_feedback_on_a_wrong_option_is_in_the_self_check_and_the_trainer_guide(
    course: Course,
) -> None:
    why = "第一段说的是党中央，国务院在第二段。"
    for variant, where in (("handout", "details.ck-selfcheck"), ("trainer", ".ck-solution")):
        q = checkpoint(course, "q-single", variant)
        letter = _shown(q)["国务院"]
        assert q.select_one(f"{where} .ck-why-title").get_text() == "为什么不选其他答案"
        assert [li.get_text() for li in q.select(f"{where} .ck-why-list li")] == [
            f"{letter}. 国务院：{why}"
        ]
    assert why not in checkpoint(course, "q-single", "worksheet").get_text()


def test_printed_pages_show_one_fixed_order_and_the_key_agrees_in_every_variant(
    course: Course,
) -> None:
    """A worksheet handed out and the trainer's key read together: the same letters."""
    for module_id, question in course.all_checkpoints():
        pages = {v: soup(checkpoint_html(course, module_id, question, v)) for v in VARIANTS}
        orders = {v: list(_shown(page)) for v, page in pages.items()}
        assert orders["handout"] == orders["worksheet"] == orders["trainer"], question.id
    key = soup(answer_key_html(course, "a1"))
    sheet = soup(checkpoint_html(course, "a1", _question(course, "q-multiple"), "worksheet"))
    shown = _shown(sheet)
    right = ["戴口罩", "勤洗手", "常通风"]
    letters = sorted(shown[o] for o in right)
    entry = key.select_one("#ck-key-q-multiple")
    assert entry.select_one(".ck-answer").get_text() == "答案：" + "、".join(letters)
    assert sorted(li.get_text() for li in entry.select(".ck-key-lines li")) == sorted(
        f"{shown[o]}. {o}" for o in right
    )


def _question(course: Course, qid: str) -> Any:
    return next(q for _, q in course.all_checkpoints() if q.id == qid)


def test_worksheet_has_answer_lines_and_no_answer(course: Course) -> None:
    q = checkpoint(course, "q-single", "worksheet")
    assert q.select_one(".ck-lines") is not None
    assert q.select(".ck-selfcheck, .ck-solution, .ck-answer, .ck-explanation") == []
    assert "解析" not in q.get_text() and "见附件一" not in q.get_text()


def test_trainer_shows_the_solution_openly(course: Course) -> None:
    q = checkpoint(course, "q-multiple", "trainer")
    assert q.select("details") == []
    shown = _shown(q)
    letters = "、".join(sorted(shown[o] for o in ["戴口罩", "勤洗手", "常通风"]))
    assert q.select_one(".ck-solution .ck-answer").get_text() == f"答案：{letters}"
    # the explanation does not quote it: the citation does, after the link to its place
    evidence = q.select_one(".ck-evidence")
    assert evidence.get_text() == "见附件一 ¶5：“戴口罩、勤洗手、常通风”"
    assert evidence.select_one("a").get_text() == "附件一 ¶5"


def test_a_citation_links_its_paragraph_from_whichever_page_shows_it(course: Course) -> None:
    """On the cited module's own page the paragraph's anchor; from another module's page
    the sibling page of the same variant, which sits in the same folder."""
    question = _question(course, "q-single")
    for variant in ("handout", "worksheet", "trainer"):
        own = soup(checkpoint_html(course, "a1", question, variant))  # type: ignore[arg-type]
        other = soup(checkpoint_html(course, "overview", question, variant))  # type: ignore[arg-type]
        if variant == "worksheet":
            assert own.select(".ck-evidence") == []  # the worksheet cites in its key only
            continue
        assert [a["href"] for a in own.select(".ck-evidence a")] == ["#p-1"]
        assert [a["href"] for a in other.select(".ck-evidence a")] == ["a1.html#p-1"]
    key = soup(answer_key_html(course, "a1"))
    assert {a["href"] for a in key.select(".ck-evidence a")} <= {f"#p-{n}" for n in range(1, 9)}


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("q-truefalse", "答案：错误"),
        ("q-fill", "答案：分散个人自学 （也可写作：分散自学）"),
    ],
)
def test_every_question_type_states_its_answer(course: Course, qid: str, answer: str) -> None:
    assert checkpoint(course, qid).select_one(".ck-answer").get_text() == answer


def test_an_ordering_key_names_the_printed_letters_then_the_items_in_order(
    course: Course,
) -> None:
    q = checkpoint(course, "q-order")
    shown = {
        li.get_text(" ", strip=True)[3:]: li.select_one(".ck-letter").get_text().rstrip(".")
        for li in q.select("ol.ck-order li")
    }
    right = ["国务院常务会议部署防控工作", "武汉市关闭离汉通道", "市委组织部印发通知"]
    assert sorted(shown) == sorted(right) and list(shown) != right
    assert q.select_one(".ck-hint").get_text() == "按正确的顺序写出各项的字母。"
    assert q.select_one(".ck-answer").get_text() == "答案：" + " → ".join(shown[i] for i in right)
    assert [li.get_text() for li in q.select(".ck-key-lines li")] == [
        f"{n}. {item}" for n, item in enumerate(right, start=1)
    ]


def test_a_matching_key_pairs_item_numbers_with_option_letters(course: Course) -> None:
    q = checkpoint(course, "q-match")
    options = _shown_match_options(q)
    items = [li.get_text(" ", strip=True) for li in q.select(".ck-match-items li")]
    assert sorted(items) == sorted(
        ["1. 戴口罩 → ＿＿＿＿", "2. 分散个人自学 → ＿＿＿＿"]
    ) or sorted(items) == sorted(["1. 分散个人自学 → ＿＿＿＿", "2. 戴口罩 → ＿＿＿＿"])
    number = {i.split(" ")[1]: i.split(".")[0] for i in items}
    pairs = sorted(
        [(number["戴口罩"], options["防护措施"]), (number["分散个人自学"], options["学习要求"])]
    )
    assert q.select_one(".ck-answer").get_text() == "答案：" + "、".join(
        f"{n}–{L}" for n, L in pairs
    )


def _shown_match_options(q: Any) -> dict[str, str]:
    return {
        li.get_text(" ", strip=True)[3:]: li.select_one(".ck-letter").get_text().rstrip(".")
        for li in q.select("ol.ck-match-options li")
    }


def test_question_types_show_their_options(course: Course) -> None:
    assert [li.get_text() for li in checkpoint(course, "q-truefalse").select(".ck-options li")] == [
        "正确",
        "错误",
    ]
    fill = checkpoint(course, "q-fill")
    assert fill.select_one(".ck-prompt").get_text() == "通知要求党员＿＿＿＿。"
    match = checkpoint(course, "q-match")
    assert sorted(_shown_match_options(match)) == ["学习要求", "防护措施"]
    assert match.select_one(".ck-hint").get_text() == "在每一项后写出对应类别的字母。"


def test_english_renderings_use_the_english_catalogue(course: Course) -> None:
    q = checkpoint(course, "q-truefalse", "trainer", lang="en")
    assert q.select_one(".ck-qtitle").get_text() == "Question 1 · True or false"
    assert q.select_one(".ck-answer").get_text() == "Answer: False"
    assert q.select_one(".ck-evidence").get_text() == "See 附件一 ¶4: “要求党员分散个人自学”"
    assert q.select_one(".ck-evidence a").get_text() == "附件一 ¶4"


def test_unknown_variant_is_refused(course: Course) -> None:
    question = course.checkpoints_for("a1")[0]
    with pytest.raises(ValueError, match="unknown variant"):
        checkpoint_html(course, "a1", question, "poster")  # type: ignore[arg-type]


def test_the_answer_key_is_headed_for_the_trainer_and_leaves_out_the_feedback(
    course: Course,
) -> None:
    """It is printed on a page of its own after a worksheet: its heading tells the trainer
    where to stop printing for learners. The why-not feedback stays in the trainer guide."""
    key = soup(answer_key_html(course, "a1"))
    assert key.select_one("h2").get_text() == "参考答案 · 培训者用 · 发放时请勿附上 · 附件一"
    assert key.select(".ck-answer") and key.select(".ck-why-list, .ck-why-title") == []
    assert "第一段说的是党中央，国务院在第二段。" not in key.get_text()


def test_a_page_opens_with_what_its_reader_needs_first(course: Course) -> None:
    """The trainer guide opens with the trainer notes; a worksheet with where its answer key
    starts, for whoever prints it (on screen only); a handout with the article."""
    trainer = soup(preface_html(course, "a1", "trainer"))
    notes = trainer.select_one(".ck-trainer-notes")
    assert notes is not None and notes.select_one("h2").get_text() == "辅导提示 · 附件一"
    assert [h.get_text() for h in notes.select("h3")] == ["要点", "讨论题", "常见误读"]
    sheet = soup(preface_html(course, "a1", "worksheet"))
    note = sheet.select_one("p.ck-print-note")
    assert note is not None and "ck-noprint" in note["class"]
    assert "参考答案 · 培训者用 · 发放时请勿附上" in note.get_text()
    assert preface_html(course, "a1", "handout") == ""
    assert preface_html(course, "overview", "trainer") == ""  # no trainer notes


def test_answer_key_lists_the_notice_module_with_the_course_exercises(course: Course) -> None:
    doc = soup(answer_key_html(course, "overview"))
    items = doc.select("ol > li")
    assert [li["id"] for li in items] == ["ck-key-q-notice-tf", "ck-key-q-ex-match"]
    assert items[1].select_one(".ck-qtitle").get_text() == "第 2 题 · 匹配题"
    lines = [li.get_text() for li in items[1].select(".ck-key-lines li")]
    assert sorted(line.split(". ", 1)[1].split(" → ")[0] for line in lines) == ["通知", "附件一"]
    assert all(" → " in line for line in lines)


def test_reflection_has_prompt_guidance_minimum_and_ruled_area(course: Course) -> None:
    reflection = course.module("a1").reflections[0]
    renderings = {v: reflection_html(reflection, v) for v in VARIANTS}
    assert len(set(renderings.values())) == 1
    doc = soup(renderings["handout"])
    assert doc.select_one(".ck-prompt").get_text() == reflection.prompt
    assert doc.select_one(".ck-guidance").get_text() == "提示：写出一两件具体的事。"
    assert doc.select_one(".ck-min").get_text() == "建议至少写 20 字。"
    assert len(doc.select(".ck-ruled .ck-rule")) >= 4  # ruled lines, shown in print only
    assert doc.select_one("section.ck-reflection")["id"] == f"ck-r-{reflection.id}"


def test_trainer_notes(course: Course) -> None:
    doc = soup(trainer_notes_html(course.module("a1")))
    assert doc.select_one("h3").get_text() == "辅导提示 · 附件一"
    assert [h.get_text() for h in doc.select("h4")] == ["要点", "讨论题", "常见误读"]
    assert doc.select_one(".ck-minutes").get_text() == "建议用时：20 分钟"
    assert trainer_notes_html(course.module("overview")) == ""


def all_static(course: Course) -> list[str]:
    out = [reader_html(course, m) for m in course.modules]
    for module_id, q in course.all_checkpoints():
        out += [checkpoint_html(course, module_id, q, v) for v in VARIANTS]
    out += [answer_key_html(course, m.id) for m in course.modules]
    out += [reflection_html(r, v) for m in course.modules for r in m.reflections for v in VARIANTS]
    out += [trainer_notes_html(m) for m in course.modules]
    return out


# The only links a fragment has: to a paragraph, a glossary entry or a module's text, on
# this page or the same variant's page of another module.
LOCAL_LINK = re.compile(
    r"^(?:[a-z][a-z0-9-]*\.html)?#(?:p-[0-9]+|ck-g-[0-9]+|ck-m-[a-z][a-z0-9-]*)$"
)


def assert_inert(html: str) -> None:
    """No element, attribute or URL that could run anything; links only within the site."""
    doc = soup(html)
    assert doc.find_all(["script", "img", "iframe", "object", "embed", "style"]) == []
    for a in doc.find_all("a"):
        assert LOCAL_LINK.match(a.get("href", "")), a
    for tag in doc.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (tag.name, name)
            values = value if isinstance(value, list) else [value]
            assert not any(v.strip().lower().startswith("javascript:") for v in values)


def test_hostile_content_comes_out_escaped(hostile_course: Course) -> None:
    from coursefactory import HOSTILE

    pages = all_static(hostile_course)
    for html in pages:
        assert_inert(html)
    everything = " ".join(text(h) for h in pages)
    for hostile in HOSTILE:
        assert hostile in everything  # shown as text, not dropped
    reader = text(reader_html(hostile_course, "a1"))
    assert "疫情防控要求<script>alert(1)</script>" in reader


def test_static_html_needs_no_widgets() -> None:
    code = "import sys, coursekit.html.fragments; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_catalogues_have_the_same_keys_and_fields() -> None:
    assert CATALOGUE["zh"].keys() == CATALOGUE["en"].keys()

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f}

    for key, zh in CATALOGUE["zh"].items():
        assert fields(zh) <= fields(CATALOGUE["en"][key]) | {"year", "month", "day"}, key
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        msg("fr", "checkpoint.submit")


def string_literals(source: str) -> list[str]:
    """Every string constant in ``source`` except docstrings."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


# Modules whose Chinese literals are not UI text, each with the reason. Every other module
# (the presentation package, the widgets, the dashboard, report, records, publish, build,
# the command line ...) may hold no Chinese string: its UI text comes from messages.py.
VOCABULARY = {
    "packet.py": "parses the Chinese notice: numerals, 附件 labels, section and date patterns",
    "transcript.py": "parses a transcript of the packet: recognises its 附件 labels",
    "ingest.py": "turns a Chinese packet into course.yaml: its vocabulary and Chinese defaults",
    "roster.py": "finds a roster's columns by their Chinese headers: 编号, 姓名, 支部 and their kin",
    "ledger/data.py": "knows the roster roles (职务) that make a member the secretary: 书记 ...",
}
# Modules with a few Chinese literals of one known kind: (reason, the test a literal must pass).
NARROW: dict[str, tuple[str, Callable[[str], bool]]] = {
    "model.py": ("schema examples in a Field's description", lambda s: "e.g. " in s),
    "text.py": ("the CJK character ranges text is measured by", lambda s: s.startswith("\u3000-")),
    "ledger/documents.py": (
        "Chinese numerals for the content's categories, and the marks of a title inside 《》",
        lambda s: set(s) <= set("零一二三四五六七八九十《》〈〉"),
    ),
    "ledger/register.py": (
        "the Chinese fonts the register's cells name, as the Word template does",
        lambda s: s in {"宋体", "黑体"},
    ),
    "templates/ledger/make_template.py": (
        "the Chinese fonts the template's styles name",
        lambda s: s in {"宋体", "黑体"},
    ),
}


def chinese_literals(path: Path) -> list[str]:
    return [s for s in string_literals(path.read_text(encoding="utf-8")) if count_cjk(s)]


def test_no_ui_text_is_written_into_code_outside_the_catalogue() -> None:
    root = Path(coursekit.__file__).parent
    modules = {str(p.relative_to(root)): p for p in sorted(root.rglob("*.py"))}
    assert "html/fragments.py" in modules and "widgets/_checkpoint.py" in modules
    assert set(VOCABULARY) | set(NARROW) <= set(modules)
    for name, path in modules.items():
        if name == "messages.py":
            continue
        chinese = chinese_literals(path)
        if name in VOCABULARY:
            assert chinese, f"{name} holds no Chinese any more: take it off VOCABULARY"
            continue
        if name in NARROW:
            _, allowed = NARROW[name]
            assert chinese, f"{name} holds no Chinese any more: take it off NARROW"
            chinese = [s for s in chinese if not allowed(s)]
        assert chinese == [], name
    # and the templates: their words come through the ``t`` filter
    for template in sorted((root / "html" / "templates").rglob("*")):
        if template.is_file():
            han = count_cjk(template.read_text(encoding="utf-8"))
            assert han == 0, template


def test_the_guard_finds_ui_text(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('"""文档。"""\nx = msg(lang, "a")\ny = f"<p>{n} 道题</p>"\n', "utf-8")
    assert chinese_literals(source) == [" 道题</p>"]
