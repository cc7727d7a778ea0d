"""The Reflection widget: live count, debounced autosave, explicit save, restore."""

from __future__ import annotations

import re
import threading
import time

from bs4 import BeautifulSoup

from coursekit.model import Course
from coursekit.store import SQLiteStore
from coursekit.widgets import LearnerSession, Reflection
from coursekit.widgets._reflection import Debouncer


def make(course: Course, store: SQLiteStore, **kwargs: object) -> Reflection:
    kwargs.setdefault("learner", "张三")
    prompt = course.module("a1").reflections[0]
    return Reflection(prompt, "a1", course=course, store=store, **kwargs)  # type: ignore[arg-type]


def wait_for(condition: object, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_prompt_guidance_and_a_labelled_text_area(course: Course, store: SQLiteStore) -> None:
    widget = make(course, store)
    shown = BeautifulSoup(widget.prompt.value, "html.parser").get_text(" ", strip=True)
    assert (
        shown == "学习体会 结合本职工作，谈谈你在疫情防控中能做些什么。 提示：写出一两件具体的事。"
    )
    assert widget.text.description == "我的体会"
    assert widget.status.value == "尚未保存。"


def test_the_count_shows_chinese_characters_and_latin_words(
    course: Course, store: SQLiteStore
) -> None:
    widget = make(course, store, autosave_seconds=60)
    widget.text.value = "坚守岗位，做好防控。"
    assert widget.count.value == "已写 8 字（建议至少 20 字）"
    widget.text.value = "坚守岗位 and wear a mask"
    assert widget.count.value == "已写 4 字、4 个英文词（建议至少 20 字）"
    widget.autosave.cancel()


def test_save_writes_the_text_and_names_the_time(course: Course, store: SQLiteStore) -> None:
    widget = make(course, store, autosave_seconds=60)
    widget.text.value = "我要做好本职工作。"
    assert widget.status.value == "有尚未保存的修改……"
    widget.save_button.click()
    assert not widget.autosave.pending
    saved = store.reflection("张三", "demo", "r-a1-duty")
    assert saved is not None and saved.text == "我要做好本职工作。" and saved.module == "a1"
    assert re.fullmatch(r"已于 \d\d:\d\d 保存。", widget.status.value)


class CountingStore(SQLiteStore):
    def __init__(self) -> None:
        super().__init__(memory=True)
        self.saves: list[str] = []
        self.saved = threading.Event()

    def save_reflection(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        result = super().save_reflection(*args, **kwargs)  # type: ignore[arg-type]
        self.saves.append(result.text)
        self.saved.set()
        return result


def test_typing_is_saved_once_after_a_pause(course: Course) -> None:
    store = CountingStore()
    widget = make(course, store, autosave_seconds=0.1)
    for text in ("我", "我要", "我要学习"):
        widget.text.value = text
    assert store.saves == []
    assert store.saved.wait(2)
    wait_for(lambda: widget.status.value.startswith("已于"))
    assert store.saves == ["我要学习"]
    assert re.fullmatch(r"已于 \d\d:\d\d 保存。", widget.status.value)
    store.close()


def test_the_debouncer_runs_once_and_flush_runs_now() -> None:
    calls: list[int] = []
    debouncer = Debouncer(30, lambda: calls.append(1))
    for _ in range(5):
        debouncer.poke()
    assert debouncer.pending and calls == []
    debouncer.flush()
    assert calls == [1] and not debouncer.pending
    debouncer.flush()
    assert calls == [1]


def test_text_comes_back_in_a_new_widget(course: Course, store: SQLiteStore) -> None:
    first = make(course, store, autosave_seconds=60)
    first.text.value = "坚持学习，做好防护。"
    first.save()
    again = make(course, store)
    assert again.text.value == "坚持学习，做好防护。"
    assert again.count.value == "已写 8 字（建议至少 20 字）"
    assert re.fullmatch(r"已于 \d\d:\d\d 保存。", again.status.value)
    assert not again.autosave.pending  # restoring is not typing


def test_switching_learner_switches_text(course: Course, store: SQLiteStore) -> None:
    session = LearnerSession(store, "张三")
    widget = make(course, store, learner=session, autosave_seconds=60)
    widget.text.value = "张三的体会"
    widget.save()
    session.name.value = "李四"
    assert widget.text.value == "" and widget.status.value == "尚未保存。"
    session.name.value = "张三"
    assert widget.text.value == "张三的体会"


def test_without_a_learner_the_area_waits(course: Course, store: SQLiteStore) -> None:
    widget = make(course, store, learner=LearnerSession(store))
    assert widget.text.disabled and widget.save_button.disabled
    assert widget.status.value == "请先在页面上方填写或确认姓名，再作答。"


def test_learner_text_never_reaches_the_static_html(course: Course, store: SQLiteStore) -> None:
    widget = make(course, store, autosave_seconds=60)
    widget.text.value = "我的秘密体会<script>alert(9)</script>"
    widget.save()
    bundle = widget._repr_mimebundle_()
    for key, html in bundle.items():
        if key.endswith("html"):
            assert "秘密" not in html and "张三" not in html
            assert BeautifulSoup(html, "html.parser").select(".ck-ruled .ck-rule")
