"""The presentation package is the only place that writes HTML, and it writes it in every language."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import coursekit

PACKAGE = Path(coursekit.__file__).parent
PRESENTATION = PACKAGE / "html"
# An HTML tag, not a regular expression's named group (?P<name>…).
TAG = re.compile(r"(?<!\?P)</?[a-zA-Z][a-zA-Z0-9-]*(?=[\s>/])")


def _literal_parts(node: ast.AST) -> list[str]:
    """The string constants inside an expression that builds a string."""
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def html_built_by_hand(source: str) -> list[int]:
    """Lines where an f-string, ``+``, ``%`` or ``str.format`` puts text together with an HTML tag."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        built = (
            isinstance(node, ast.JoinedStr)
            or (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)))
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("format", "join")
                and isinstance(node.func.value, ast.Constant)
            )
        )
        if built and any(TAG.search(part) for part in _literal_parts(node)):
            lines.append(node.lineno)
    return lines


def test_the_check_finds_html_built_by_hand() -> None:
    assert html_built_by_hand('x = f"<h3>{title}</h3>"') == [1]
    assert html_built_by_hand('x = "<p>" + text') == [1]
    assert html_built_by_hand('x = "<b>%s</b>" % text') == [1]
    assert html_built_by_hand('x = "<li>{}</li>".format(text)') == [1]
    assert html_built_by_hand('x = f"{a} < {b}"') == []
    assert html_built_by_hand('x = render("record.html.j2", lang=lang)') == []
    assert html_built_by_hand('x = rf"(?P<kind>tmp|old)-{pid}"') == []


def test_no_module_outside_the_presentation_package_builds_html_by_hand() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if PRESENTATION not in path.parents
        and (lines := html_built_by_hand(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_an_english_course_gets_english_pages(tmp_path: Path) -> None:
    from bs4 import BeautifulSoup

    from coursefactory import write_course
    from coursekit.content import load_course
    from coursekit.html import record_page, report_page
    from coursekit.html.site import index_html, nav_context, placeholder_html
    from coursekit.records import export_record
    from coursekit.report import build_report, load_cohort
    from coursekit.store import SQLiteStore

    course = load_course(write_course(tmp_path, lang="en"))
    assert course.meta.lang == "en"
    store = SQLiteStore(tmp_path / "store.db")
    store.add_learner("Ann")
    module, question = course.all_checkpoints()[0]
    store.mark_read("Ann", course.id, module, at="2020-02-05T08:00:00+00:00")
    store.add_attempt(
        "Ann", course.id, module, question.id, True, False, at="2020-02-05T08:01:00+00:00"
    )
    record = export_record(course, store, "Ann")
    store.close()

    page = BeautifulSoup(record_page(course, record), "html.parser")
    assert page.html["lang"] == "en"
    assert page.h1.get_text() == "Learning record: Ann"
    assert [th.get_text() for th in page.find_all("th")] == ["Question", "Answer", "Result", "Time"]
    assert "Checksum " in page.get_text() and "校验码" not in page.get_text()

    records = tmp_path / "records"
    records.mkdir()
    (records / "ann.json").write_text(json.dumps(record), encoding="utf-8")
    report = build_report(course, load_cohort([records], course))
    page = BeautifulSoup(report_page(course, report), "html.parser")
    assert page.html["lang"] == "en"
    assert page.h1.get_text() == "Learning report"
    assert "1 records used; 0 skipped." in page.get_text()
    assert "学习情况报告" not in page.get_text() and "读完人数" not in page.get_text()

    index = BeautifulSoup(index_html(course), "html.parser")
    assert index.html["lang"] == "en"
    assert [h2.get_text() for h2 in index.find_all("h2")][:4] == [
        "Start here",
        "Study order",
        "How to study",
        "Study content",
    ]
    assert "Issued by " in index.get_text() and "2020-02-05" in index.get_text()
    placeholder = BeautifulSoup(
        placeholder_html(nav_context(course, "a1"), "worksheet"), "html.parser"
    )
    assert placeholder.title.get_text().endswith("· Worksheet")
    assert placeholder.find("nav")["aria-label"] == "Pages"


def test_an_english_course_gets_an_english_dashboard_and_handout_fragments(
    tmp_path: Path,
) -> None:
    from bs4 import BeautifulSoup

    from coursefactory import write_course
    from coursekit.content import load_course
    from coursekit.dashboard import Dashboard
    from coursekit.html.fragments import checkpoint_html

    course = load_course(write_course(tmp_path, lang="en"))
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "broken.json").write_text("{", encoding="utf-8")
    board = Dashboard(course, tmp_path / "records", lang=course.meta.lang)
    text = BeautifulSoup(board._repr_mimebundle_()["text/html"], "html.parser").get_text(" ")
    assert "0 records used, 1 skipped." in text
    assert "Skipped " in text and "Reading" in text
    for chinese_ui in ("刷新", "学习记录文件夹", "跳过", "阅读完成情况", "读完人数"):
        assert chinese_ui not in text
    module, question = course.all_checkpoints()[0]
    handout = BeautifulSoup(
        checkpoint_html(course, module, question, "handout", "en"), "html.parser"
    )
    trainer = BeautifulSoup(
        checkpoint_html(course, module, question, "trainer", "en"), "html.parser"
    )
    assert handout.find("details").summary.get_text(strip=True) == "Check your answer"
    assert "Answer: True" in trainer.get_text(" ") and "Explanation:" in trainer.get_text(" ")
    assert "自查" not in handout.get_text() and "答案" not in trainer.get_text()


def test_the_site_s_own_pages_have_one_h1_and_learner_pages_no_trainer_link(
    tmp_path: Path,
) -> None:
    """The index, the trainers' index and a placeholder page; the session plan sits under the
    trainer notebook's own h1, so it has none."""
    from bs4 import BeautifulSoup

    from coursefactory import write_course
    from coursekit.content import load_course
    from coursekit.html.site import (
        VARIANTS,
        index_html,
        nav_context,
        placeholder_html,
        session_plan_html,
        trainer_index_html,
    )

    course = load_course(write_course(tmp_path))
    pages = {
        "index": index_html(course, ["a1"]),
        "trainer index": trainer_index_html(course, ["a1"]),
        **{v: placeholder_html(nav_context(course, "a1"), v) for v in VARIANTS},
    }
    for name, html in pages.items():
        soup = BeautifulSoup(html, "html.parser")
        assert len(soup.find_all("h1")) == 1, name
        hrefs = [a["href"] for a in soup.find_all("a")]
        if name in ("handout", "worksheet"):
            assert not any("trainer" in h for h in hrefs), (name, hrefs)
        if name == "trainer":
            assert "index.html" in hrefs and "../trainer/a1.html" not in hrefs
    index = BeautifulSoup(pages["index"], "html.parser")
    assert "本篇暂未生成" in index.find(id="m-a1").get_text()
    assert index.find(id="m-a1").find("a") is None
    plan = BeautifulSoup(session_plan_html(course), "html.parser")
    assert plan.find("h1") is None and plan.find("h2").get_text() == course.title
