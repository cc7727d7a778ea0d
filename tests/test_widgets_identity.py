"""Who is learning, and whether the work has left the machine: the session bar, driven from Python.

On a shared branch PC a remembered learner is offered, never reused; the name
stays in view with "换人"; a banner says when work has not been exported since
it changed, and its button puts the download buttons right under it.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from bs4 import BeautifulSoup

from coursekit.html.live import live_stylesheet
from coursekit.model import Course
from coursekit.store import SQLiteStore
from coursekit.widgets import CheckpointSet, LearnerSession, RecordPanel, Reflection


def shown(widget: object) -> bool:
    """Whether a widget is displayed (its layout is not ``display: none``)."""
    return widget.layout.display != "none"  # type: ignore[attr-defined]


def downloads(html: str) -> dict[str, tuple[str, str]]:
    """file name → (label, decoded content) of each download button in ``html``."""
    out = {}
    for a in BeautifulSoup(html, "html.parser").select("a.ck-download"):
        payload = re.sub(r"^data:[^;]+;charset=utf-8;base64,", "", a["href"])
        out[a["download"]] = (a.get_text(), base64.b64decode(payload).decode("utf-8"))
    return out


def answer_first(qs: CheckpointSet, value: str = "党中央") -> None:
    qs.checkpoints[0].input.radio.value = value  # type: ignore[attr-defined]
    qs.checkpoints[0].submit.click()


def test_a_returning_learner_is_asked_and_nothing_is_shown_until_they_answer(
    course: Course, store: SQLiteStore
) -> None:
    store.add_learner("王建国")
    store.add_attempt("王建国", course.id, "a1", "q-single", "国务院", False)
    session = LearnerSession(store, course=course)
    qs = CheckpointSet("a1", course=course, store=store, learner=session)
    assert session.learner == ""
    assert session.question.value == "继续学习：王建国？"
    assert shown(session.returning) and not shown(session.ask) and not shown(session.bar)
    assert [session.continue_button.description, session.other_button.description] == [
        "继续",
        "换一个人",
    ]
    first = qs.checkpoints[0]
    assert first.submit.disabled and "国务院" not in first.feedback.value  # not his work yet

    session.continue_button.click()
    assert session.learner == "王建国"
    assert session.status.value == "学员：王建国。学习记录会自动保存。"
    assert shown(session.bar) and shown(session.switch_button) and not shown(session.returning)
    assert session.switch_button.description == "换人"
    assert "回答不正确" in first.feedback.value  # his last answer is back


def test_a_page_reached_by_a_course_link_goes_on_as_the_remembered_learner(
    course: Course, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Voilà hands the page's query to the kernel; coursekit's template adds ?continue=1 to a
    link inside the course, so a learner clicking 下一篇 is not asked again, but is named."""
    store.add_learner("王建国")
    monkeypatch.setenv("QUERY_STRING", "continue=1")
    session = LearnerSession(store, course=course)
    assert session.learner == "王建国"
    assert session.status.value == "学员：王建国。学习记录会自动保存。"
    assert shown(session.bar) and shown(session.switch_button) and not shown(session.returning)
    for query in ("", "continue=0", "p=4", "continue=1&continue=1"):
        monkeypatch.setenv("QUERY_STRING", query)
        fresh = LearnerSession(store, course=course)
        assert fresh.learner == "" and fresh.question.value == "继续学习：王建国？", query


def test_someone_else_types_their_own_name_and_gets_their_own_page(
    course: Course, store: SQLiteStore
) -> None:
    store.add_learner("王建国")
    store.save_reflection("王建国", course.id, "a1", "r-a1-duty", "王建国的体会")
    session = LearnerSession(store, course=course)
    prompt = course.module("a1").reflections[0]
    reflection = Reflection(prompt, "a1", course=course, store=store, learner=session)
    session.other_button.click()
    assert shown(session.ask) and not shown(session.returning)
    assert session.name.value == "" and session.learner == ""
    assert session.status.value == "请先填写姓名，学习记录会按姓名保存。"
    session.name.value = "李四"
    assert session.learner == "李四" and store.last_learner() == "李四"
    assert reflection.text.value == ""  # never 王建国's text
    assert shown(session.bar) and session.status.value.startswith("学员：李四。")


def test_switching_empties_every_widget_and_asks_the_next_name(
    course: Course, store: SQLiteStore
) -> None:
    session = LearnerSession(store, "王建国", course=course)
    qs = CheckpointSet("a1", course=course, store=store, learner=session)
    panel = RecordPanel(course=course, store=store, learner=session)
    answer_first(qs, "国务院")
    session.export()
    panel.export()
    assert session.downloads.value and panel.output.value

    session.switch_button.click()
    assert session.learner == ""
    assert shown(session.ask) and session.name.value == "" and not shown(session.switch_button)
    assert session.status.value == "请先填写姓名，学习记录会按姓名保存。"
    assert "国务院" not in qs.checkpoints[0].feedback.value and qs.checkpoints[0].submit.disabled
    assert session.downloads.value == "" and panel.output.value == ""  # his record is not offered
    assert not shown(session.banner)
    session.name.value = "赵六"
    assert session.learner == "赵六" and not shown(session.banner)  # 赵六 has no work yet


def test_the_banner_shows_after_a_change_and_its_export_is_download_buttons_right_there(
    course: Course, store: SQLiteStore
) -> None:
    session = LearnerSession(store, "张三", course=course)
    qs = CheckpointSet("a1", course=course, store=store, learner=session)
    assert not session.unexported and not shown(session.banner)  # nothing to export yet

    answer_first(qs)
    assert session.unexported and shown(session.banner)
    label, button = session.banner.children
    assert label.value == "有未导出的学习记录：导出并发给培训者，学习才算交上。"
    assert button is session.export_now and button.description == "立即导出"

    button.click()
    assert not session.unexported and not shown(session.banner)
    offered = downloads(session.downloads.value)
    assert len(offered) == 2
    json_name = next(name for name in offered if name.endswith(".json"))
    assert offered[json_name][0] == "下载学习记录（JSON，发给培训者）"
    record = json.loads(offered[json_name][1])
    assert [a["answer"] for m in record["modules"] for a in m["attempts"]] == ["党中央"]
    status = BeautifulSoup(session.downloads.value, "html.parser").get_text()
    assert re.match(r"学习记录已生成（\d\d:\d\d）。请下载并发送给培训者：", status)

    answer_first(qs, "国务院")  # a change after the export: the buttons are out of date
    assert session.unexported and shown(session.banner) and session.downloads.value == ""


def test_an_export_from_the_record_panel_clears_the_banner_and_a_change_its_buttons(
    course: Course, store: SQLiteStore
) -> None:
    session = LearnerSession(store, "张三", course=course)
    qs = CheckpointSet("a1", course=course, store=store, learner=session)
    panel = RecordPanel(course=course, store=store, learner=session)
    answer_first(qs)
    assert shown(session.banner)
    panel.export_button.click()
    assert not shown(session.banner)
    buttons = BeautifulSoup(panel.output.value, "html.parser").select("a.ck-download[download]")
    assert [a.get_text() for a in buttons] == [
        "下载学习记录（JSON，发给培训者）",
        "下载可阅读版（HTML，手机可打开）",
    ]
    answer_first(qs, "国务院")
    assert panel.output.value == "" and shown(session.banner)


def test_an_import_is_not_a_change_that_needs_exporting(course: Course, store: SQLiteStore) -> None:
    source = SQLiteStore(memory=True)
    source.add_attempt("李四", course.id, "a1", "q-single", "党中央", True)
    panel = RecordPanel(course=course, store=source, learner="李四")
    exported = panel.export()
    source.close()
    assert exported is not None
    session = LearnerSession(store, "张三", course=course)
    mine = RecordPanel(course=course, store=store, learner=session)
    assert mine.import_bytes(exported.encode("utf-8"), "lisi.json")
    assert not session.unexported and not shown(session.banner)


def test_work_found_when_a_learner_is_named_counts_as_not_exported(
    course: Course, store: SQLiteStore
) -> None:
    """The store keeps no note of exports: work already there may never have left."""
    store.add_learner("张三")
    store.add_attempt("张三", course.id, "a1", "q-single", "党中央", True)
    session = LearnerSession(store, course=course)
    assert not shown(session.banner)  # not before the learner is confirmed
    session.continue_button.click()
    assert session.unexported and shown(session.banner)


def test_the_session_brings_the_stylesheet_once_and_it_styles_coursekit_classes_only(
    course: Course, store: SQLiteStore
) -> None:
    session = LearnerSession(store, "张三", course=course)
    sheets = [c for c in session.children if "<style>" in getattr(c, "value", "")]
    assert len(sheets) == 1
    css = BeautifulSoup(sheets[0].value, "html.parser").style.get_text()
    assert css == str(live_stylesheet())
    assert "Noto Sans CJK SC" in css and "max-width:40em" in css
    assert "url(" not in css and "@import" not in css and "http" not in css  # no CDN
    flat = re.sub(r"@media[^{]*\{((?:[^{}]*\{[^}]*\})*)\s*\}", r"\1", css)
    selectors = [s for rule in re.findall(r"([^{}]+)\{[^}]*\}", flat) for s in rule.split(",")]
    assert len(selectors) > 50
    assert [s for s in selectors if ".ck-" not in s] == []  # nothing else in JupyterLab changes
    for widget in (session, *CheckpointSet("a1", course=course, learner=session).checkpoints):
        assert "ck-live" in widget._dom_classes


def test_a_session_made_without_a_course_learns_it_from_its_first_widget(
    course: Course, store: SQLiteStore
) -> None:
    store.add_attempt("张三", course.id, "a1", "q-single", "党中央", True)
    session = LearnerSession(store, "张三")  # as a notebook might make it
    assert not session.unexported  # which course's work? not known yet
    CheckpointSet("a1", course=course, store=store, learner=session)
    assert session.course is course and session.unexported and shown(session.banner)
