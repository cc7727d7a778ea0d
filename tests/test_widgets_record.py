"""The record panel: export as download links, import a file, refuse a bad one."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

from bs4 import BeautifulSoup

from coursekit.model import Course
from coursekit.store import SQLiteStore
from coursekit.widgets import RecordPanel


def links(panel: RecordPanel) -> dict[str, tuple[str, str]]:
    """download name → (label, decoded content) of each link the learner sees."""
    soup = BeautifulSoup(panel.output.value, "html.parser")
    out = {}
    for a in soup.find_all("a"):
        payload = re.sub(r"^data:[^;]+;charset=utf-8;base64,", "", a["href"])
        out[a["download"]] = (a.get_text(), base64.b64decode(payload).decode("utf-8"))
    return out


def test_export_offers_the_record_as_json_and_html(course: Course, store: SQLiteStore) -> None:
    q = course.module("a1").checkpoints[0]
    store.add_learner("张三")
    store.add_attempt("张三", course.id, "a1", q.id, "随便", False)
    panel = RecordPanel(course=course, store=store, learner="张三")
    panel.export_button.click()
    assert panel.status.value.startswith("学习记录已生成（")
    found = links(panel)
    names = sorted(found)
    assert names[0].startswith(f"coursekit-record-{course.id}-张三-") and names[0].endswith(".html")
    json_label, json_text = found[names[1]]
    assert json_label == "下载学习记录（JSON，发给培训者）"
    record = json.loads(json_text)
    assert record["learner"] == "张三"
    assert record["modules"][1]["attempts"][0]["answer"] == "随便"
    assert "<h1>学习记录：张三</h1>" in found[names[0]][1]


def test_export_asks_for_a_name_first(course: Course, store: SQLiteStore) -> None:
    panel = RecordPanel(course=course, store=store)
    panel.export_button.click()
    assert panel.status.value == "请先填写姓名，再导出学习记录。"
    assert panel.output.value == ""


def test_import_restores_a_record_into_a_new_store(course: Course, store: SQLiteStore) -> None:
    store.add_learner("李四")
    store.mark_read("李四", course.id, "a1")
    exported = RecordPanel(course=course, store=store, learner="李四").export()
    assert exported is not None
    fresh = SQLiteStore(memory=True)
    panel = RecordPanel(course=course, store=fresh, learner="李四")
    data = exported.encode("utf-8")
    panel.upload.value = (
        {
            "name": "mine.json",
            "type": "application/json",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2020, 2, 5, tzinfo=dt.timezone.utc),
        },
    )
    assert panel.status.value.startswith(
        "已导入 李四 的学习记录：新增阅读 1 项、作答 0 次、体会 0 则。"
    )
    assert fresh.read_at("李四", course.id, "a1") is not None
    assert panel.upload.value == ()
    fresh.close()


def test_a_bad_file_is_refused_with_its_reason(course: Course, store: SQLiteStore) -> None:
    panel = RecordPanel(course=course, store=store, learner="王五")
    assert not panel.import_bytes(b'{"schema": "coursekit.learner-record", "sch', "x.json")
    assert panel.status.value.startswith("无法导入 x.json：not valid JSON (truncated or damaged)")
    assert store.learners() == ["王五"]


def test_the_static_rendering_explains_and_holds_no_learner_data(
    course: Course, store: SQLiteStore
) -> None:
    panel = RecordPanel(course=course, store=store, learner="赵六")
    bundle = panel._repr_mimebundle_()
    assert "导出学习记录" in bundle["text/html"] and "赵六" not in bundle["text/html"]
    assert bundle["application/vnd.coursekit.worksheet+html"] == ""
