"""The learner session, progress widgets, show_module, restarts and hostile content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from coursekit.model import Course
from coursekit.store import SQLiteStore, open_store
from coursekit.widgets import (
    CheckpointSet,
    CourseProgress,
    LearnerSession,
    ModuleProgress,
    Reader,
    Reflection,
    show_module,
)


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What show_module passes to IPython's display, in order."""
    out: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: out.append(obj))
    return out


def test_a_learner_is_named_once_and_remembered(store: SQLiteStore) -> None:
    session = LearnerSession(store)
    assert session.learner == "" and session.status.value == "请先填写姓名，学习记录会按姓名保存。"
    session.start.click()
    assert session.status.value == "姓名不能为空。"
    session.name.value = " 张三 "
    assert session.learner == "张三"
    assert session.status.value == "学员：张三。学习记录会自动保存。"
    later = LearnerSession(store)  # the next page on this machine asks, never takes the name
    assert later.learner == "" and later.question.value == "继续学习：张三？"
    later.continue_button.click()
    assert later.learner == "张三" and store.learners() == ["张三"]
    assert "张三" not in later._repr_mimebundle_()["text/html"]


def test_module_progress_counts_reading_checkpoints_and_reflections(
    course: Course, store: SQLiteStore
) -> None:
    session = LearnerSession(store, "张三")
    progress = ModuleProgress("a1", course=course, store=store, learner=session)
    assert progress.line.value == "阅读：未读完；检查题：已答 0 / 6，答对 0；体会：已写 0 / 2"
    assert (progress.bar.value, progress.bar.max) == (0, 9)
    Reader("a1", course=course, store=store, learner=session).done.click()
    qs = CheckpointSet("a1", course=course, store=store, learner=session)
    qs.checkpoints[0].input.radio.value = "党中央"  # type: ignore[attr-defined]
    qs.checkpoints[0].submit.click()
    qs.checkpoints[1].input.checks[0].value = True  # type: ignore[attr-defined]
    qs.checkpoints[1].submit.click()
    reflection = Reflection(
        course.module("a1").reflections[1], "a1", course=course, store=store, learner=session
    )
    reflection.text.value = "每天学习一小时。"
    reflection.save_button.click()
    assert progress.line.value == "阅读：已读完；检查题：已答 2 / 6，答对 1；体会：已写 1 / 2"
    assert progress.bar.value == 3
    static = progress._repr_mimebundle_()["text/html"]
    assert "本模块：阅读 1 篇，检查题 6 道，学习体会 2 则。" in static and "已读完" not in static


def test_course_progress_has_a_row_per_module(course: Course, store: SQLiteStore) -> None:
    session = LearnerSession(store, "张三")
    progress = CourseProgress(course=course, store=store, learner=session)
    Reader("overview", course=course, store=store, learner=session).done.click()
    rows = BeautifulSoup(progress.table.value, "html.parser").select("tbody tr")
    cells = [[c.get_text() for c in row.select("th, td")] for row in rows]
    assert cells == [
        ["通知 关于开展主题党日学习的通知", "已读完", "0 / 2", "0 / 0"],
        ["附件一 疫情防控要求", "未读完", "0 / 6", "0 / 2"],
    ]
    assert (progress.bar.value, progress.bar.max) == (1, 1 + 2 + 1 + 6 + 2)


def test_show_module_displays_the_widgets_in_order(
    course: Course, store_path: Path, shown: list[Any]
) -> None:
    view = show_module("a1", learner="张三", course=course)
    kinds = [type(x).__name__ for x in shown]
    assert kinds == [
        "LearnerSession",  # always first: the learner's name, the banner, the stylesheet
        "Reader",
        "CheckpointSet",
        "Reflection",
        "Reflection",
        "ModuleProgress",
        "RecordPanel",
    ]
    assert store_path.is_file()  # COURSEKIT_HOME's store, since none was given
    assert view.reader.ctx.session is view.checkpoints.ctx.session is view.session


def test_show_module_asks_for_a_name_first_when_nobody_is_remembered(
    course: Course, store: SQLiteStore, shown: list[Any]
) -> None:
    view = show_module("a1", course=course, store=store)
    assert shown[0] is view.session
    view.session.name.value = "王五"
    assert view.checkpoints.checkpoints[0].submit.disabled is False
    shown.clear()
    again = show_module("a1", course=course, store=store)
    assert shown[0] is again.session  # remembered now, and asked: "继续学习：王五？"
    assert again.session.question.value == "继续学习：王五？"
    assert again.checkpoints.checkpoints[0].submit.disabled is True


def test_show_module_for_a_trainer_adds_the_notes_and_the_notice_has_the_exercises(
    course: Course, store: SQLiteStore, shown: list[Any]
) -> None:
    view = show_module("overview", learner="张三", audience="trainer", course=course, store=store)
    assert [c.question.id for c in view.checkpoints.checkpoints] == ["q-notice-tf", "q-ex-match"]
    show_module("a1", learner="张三", audience="trainer", course=course, store=store)
    assert "辅导提示 · 附件一" in shown[-1].data
    with pytest.raises(ValueError, match="unknown audience"):
        show_module("a1", audience="everyone", course=course, store=store)
    with pytest.raises(ValueError, match="unknown language"):
        show_module("a1", lang="fr", course=course, store=store)


def test_a_restart_finds_answers_attempts_and_reflections(course: Course, tmp_path: Path) -> None:
    path = tmp_path / "learner.sqlite3"
    before = open_store(path)
    qs = CheckpointSet("a1", course=course, store=before, learner="张三")
    fill = qs.checkpoints[3]
    fill.input.text.value = "集中学习"  # type: ignore[attr-defined]
    fill.submit.click()
    fill.input.text.value = "分散个人自学"  # type: ignore[attr-defined]
    fill.submit.click()
    match = qs.checkpoints[5]
    match.input.dropdowns[0].value = "学习要求"  # type: ignore[attr-defined]
    match.input.dropdowns[1].value = "学习要求"  # type: ignore[attr-defined]
    match.submit.click()
    prompt = course.module("a1").reflections[0]
    reflection = Reflection(prompt, "a1", course=course, store=before, learner="张三")
    reflection.text.value = "重启以后也要在。"
    reflection.save()
    before.close()

    after = open_store(path)  # a new kernel: new store object, new widgets
    qs = CheckpointSet("a1", course=course, store=after, learner="张三")
    fill, match = qs.checkpoints[3], qs.checkpoints[5]
    assert fill.input.text.value == "分散个人自学"  # type: ignore[attr-defined]
    lines = [p.get_text() for p in BeautifulSoup(fill.feedback.value, "html.parser").select("p")]
    assert lines[0] == "✔ 回答正确。" and lines[-1].startswith("上次作答：")
    assert fill.count.value == "已作答 2 次。"
    assert [d.value for d in match.input.dropdowns] == ["学习要求", "学习要求"]  # type: ignore[attr-defined]
    assert not match.reveal.disabled  # q-match reveals after one attempt
    assert qs.score.value == "得分：答对 1 / 6 题（已作答 2 题）。"
    assert [(a.answer, a.correct) for a in after.attempts("张三", "demo", "a1", "q-fill")] == [
        ("集中学习", False),
        ("分散个人自学", True),
    ]
    again = Reflection(prompt, "a1", course=course, store=after, learner="张三")
    assert again.text.value == "重启以后也要在。"
    after.close()


def test_hostile_content_and_reflections_are_escaped_in_every_widget(
    hostile_course: Course, store: SQLiteStore
) -> None:
    from test_static import assert_inert

    session = LearnerSession(store, '"><img src=x onerror=alert(5)>')
    reflection_prompt = hostile_course.module("a1").reflections[0]
    reflection = Reflection(
        reflection_prompt, "a1", course=hostile_course, store=store, learner=session
    )
    reflection.text.value = "<script>alert(6)</script>javascript:alert(7)"
    reflection.save()
    widgets = [
        Reader("a1", course=hostile_course, store=store, learner=session),
        CheckpointSet("a1", course=hostile_course, store=store, learner=session),
        reflection,
        ModuleProgress("a1", course=hostile_course, store=store, learner=session),
        CourseProgress(course=hostile_course, store=store, learner=session),
        session,
    ]
    for widget in widgets:
        for key, html in widget._repr_mimebundle_().items():
            if key.endswith("html"):
                assert_inert(html)
                assert "alert(5)" not in html and "alert(6)" not in html
    qs = widgets[1]
    qs.checkpoints[0].input.radio.value = '"><img src=x onerror=alert(2)>'
    qs.checkpoints[0].submit.click()
    for live in (
        qs.checkpoints[0].feedback.value,
        qs.checkpoints[0].prompt.value,
        widgets[0].body.value,
        widgets[0].children[0].value,
        reflection.prompt.value,
    ):
        assert_inert(live)


def test_importing_the_widgets_stays_light() -> None:
    code = (
        "import sys, coursekit.widgets; "
        "print(sorted(m for m in ('nbconvert', 'pandas', 'papermill') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("bundled", [False, True], ids=["test-course", "bundled-course"])
def test_a_publishing_kernel_displays_what_the_widgets_carry_and_makes_none(
    course: Course, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, bundled: bool
) -> None:
    """With COURSEKIT_RENDERINGS_ONLY=1 (set by publish for its kernels) show_module
    displays only the static renderings: the same, in the same order, as the widgets'
    mimebundles carry, for every module, audience and language."""
    from ipywidgets import Widget

    from coursekit.content import load_course
    from coursekit.html.variants import MIMETYPES

    course = load_course() if bundled else course
    displayed: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: displayed.append((obj, kw)))

    def static(obj: Any) -> dict[str, str]:
        bundle = obj._repr_mimebundle_() if isinstance(obj, Widget) else {"text/html": obj.data}
        return {m: str(bundle[m]) for m in MIMETYPES.values() if m in bundle}

    def no_widget(self: Widget) -> None:
        raise AssertionError(f"a publishing kernel made a {type(self).__name__}")

    for module in course.modules:
        for audience in ("learner", "trainer"):
            for lang in ("zh", "en"):
                displayed.clear()
                show_module(module.id, audience=audience, lang=lang, course=course, store=store)
                live = [static(obj) for obj, _ in displayed]
                live = [b for b in live if any(v.strip() for v in b.values())]
                displayed.clear()
                with monkeypatch.context() as publishing:
                    publishing.setenv("COURSEKIT_RENDERINGS_ONLY", "1")
                    publishing.setattr(Widget, "open", no_widget)
                    assert (
                        show_module(module.id, audience=audience, lang=lang, course=course) is None
                    )
                assert all(kw == {"raw": True} for _, kw in displayed)
                assert [obj for obj, _ in displayed] == live, (module.id, audience, lang)
    with monkeypatch.context() as publishing:
        publishing.setenv("COURSEKIT_RENDERINGS_ONLY", "1")
        with pytest.raises(ValueError, match="unknown audience"):
            show_module("a1", audience="everyone", course=course)
        with pytest.raises(ValueError, match="unknown language"):
            show_module("a1", lang="fr", course=course)
