"""Times in the course's time zone: a Binder kernel runs in UTC, the learners in Wuhan do not."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from bs4 import BeautifulSoup

from coursefactory import write_course
from coursekit import load_course
from coursekit.answers import shown_time
from coursekit.errors import CourseInvalid
from coursekit.model import Course
from coursekit.store import SQLiteStore
from coursekit.widgets import CheckpointSet, Reader, Reflection

STAMP = "2020-02-05T06:37:00.000000+00:00"  # 14:37 in Wuhan


def test_a_stored_time_is_shown_as_shanghai_time_in_every_widget(
    course: Course, store: SQLiteStore
) -> None:
    assert course.meta.timezone == "Asia/Shanghai"  # the default of a zh course
    store.save_reflection("张三", course.id, "a1", "r-a1-duty", "体会", at=STAMP)
    store.mark_read("张三", course.id, "a1", at=STAMP)
    store.add_attempt("张三", course.id, "a1", "q-fill", "集中学习", False, at=STAMP)
    prompt = course.module("a1").reflections[0]
    reflection = Reflection(prompt, "a1", course=course, store=store, learner="张三")
    assert reflection.status.value == "已于 2月5日 14:37 保存。"
    reader = Reader("a1", course=course, store=store, learner="张三")
    assert reader.status.value == "已于 2月5日 14:37 读完本篇。"
    qs = CheckpointSet("a1", course=course, store=store, learner="张三")
    fill = qs.checkpoints[3]
    lines = [p.get_text() for p in BeautifulSoup(fill.feedback.value, "html.parser").select("p")]
    assert lines[-1] == "上次作答：2月5日 14:37"


def test_a_save_today_names_the_hour_in_the_course_time_zone_not_the_kernels(
    course: Course, store: SQLiteStore
) -> None:
    prompt = course.module("a1").reflections[0]
    reflection = Reflection(prompt, "a1", course=course, store=store, learner="张三")
    reflection.text.value = "现在写的体会。"
    reflection.save()
    saved = store.reflection("张三", course.id, prompt.id)
    assert saved is not None
    stamp = dt.datetime.fromisoformat(saved.updated_at)
    here = stamp.astimezone(ZoneInfo("Asia/Shanghai"))
    if here.date() == dt.datetime.now(ZoneInfo("Asia/Shanghai")).date():  # not just past midnight
        assert reflection.status.value == f"已于 {here:%H:%M} 保存。"
    assert stamp.utcoffset() == dt.timedelta(0)  # stored in UTC all the same
    assert reflection.status.value != f"已于 {stamp:%H:%M} 保存。"  # eight hours apart


def test_another_time_zone_and_an_english_course(tmp_path: Path, store: SQLiteStore) -> None:
    course = load_course(write_course(tmp_path / "en", lang="en"))
    assert course.meta.timezone == "UTC"  # the default of a course that is not zh
    store.mark_read("Ann", course.id, "a1", at=STAMP)
    assert Reader("a1", course=course, store=store, learner="Ann", lang="en").status.value == (
        "Read at 2020-02-05 06:37."
    )
    berlin = dataclasses.replace(
        course, meta=course.meta.model_copy(update={"timezone": "Europe/Berlin"})
    )
    reader = Reader("a1", course=berlin, store=store, learner="Ann", lang="en")
    assert reader.status.value == "Read at 2020-02-05 07:37."


@pytest.mark.parametrize(
    ("stamp", "dated", "wanted"),
    [
        (STAMP, False, "2月5日 14:37"),
        ("2020-02-05T20:00:00+00:00", False, "2月6日 04:00"),  # the next day in Wuhan
        ("2020-02-05T06:37:00", False, "2月5日 14:37"),  # no offset: stored UTC
        ("2020-02-05T14:37:00+08:00", False, "2月5日 14:37"),
        ("2020-02-05T06:37:00+00:00", True, "2月5日 14:37"),
        ("not a time", False, "not a time"),  # a record's text is shown as it is
    ],
)
def test_shown_time(stamp: str, dated: bool, wanted: str) -> None:
    assert shown_time(stamp, "Asia/Shanghai", "zh", dated=dated) == wanted


def test_today_is_the_hour_alone_unless_the_page_is_kept() -> None:
    today = dt.date(2020, 2, 5)
    assert shown_time(STAMP, "Asia/Shanghai", "zh", today=today) == "14:37"
    assert shown_time(STAMP, "Asia/Shanghai", "zh", today=today, dated=True) == "2月5日 14:37"
    assert shown_time(STAMP, "UTC", "en", today=dt.date(2020, 2, 6)) == "2020-02-05 06:37"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "localtime", ""])
def test_a_time_zone_must_be_a_real_iana_name(tmp_path: Path, zone: str) -> None:
    root = write_course(tmp_path)
    data = yaml.safe_load((root / "course.yaml").read_text("utf-8"))
    data["timezone"] = zone
    (root / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(CourseInvalid) as caught:
        load_course(root)
    assert re.search(r"timezone", str(caught.value))


def test_a_named_time_zone_is_kept(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    data = yaml.safe_load((root / "course.yaml").read_text("utf-8"))
    data["timezone"] = "Asia/Urumqi"
    (root / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert load_course(root).meta.timezone == "Asia/Urumqi"
