"""Issue 10, defect 7: store faults reach the learner in words, and nothing typed is lost.

The faults are real SQLite faults on real files: a full disk is ``PRAGMA
max_page_count`` (SQLITE_FULL, "database or disk is full"), a read-only store
is ``PRAGMA query_only`` or a ``mode=ro`` connection (SQLITE_READONLY), and
damaged stores are files truncated or overwritten with garbage.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from coursefactory import write_course
from coursekit.answers import now
from coursekit.cli import main
from coursekit.errors import StoreError
from coursekit.model import Course
from coursekit.records import export_record, record_json
from coursekit.store import LearnerDump, ReopeningStore, SQLiteStore
from coursekit.store.migrations import HEAD
from coursekit.widgets import (
    Checkpoint,
    LearnerSession,
    ModuleProgress,
    Reader,
    RecordPanel,
    Reflection,
    show_module,
)

LEARNER = "张三"
FULL = "磁盘空间已满，学习记录库无法再写入（database or disk is full）"
READ_ONLY = "学习记录库或它所在的文件夹是只读的，无法写入（attempt to write a readonly database）"
KEPT = "内容仍保留在本页，学习记录库恢复后会自动保存。"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A store in a real file, closed after the test."""
    store = SQLiteStore(tmp_path / "learner.sqlite3")
    yield store
    store.close()


def fill_disk(store: SQLiteStore) -> None:
    """The disk is full: the store may not grow by a single page (a real SQLITE_FULL)."""
    (pages,) = store.conn.execute("PRAGMA page_count").fetchone()
    store.conn.execute(f"PRAGMA max_page_count = {pages}")


def free_disk(store: SQLiteStore) -> None:
    store.conn.execute("PRAGMA max_page_count = 1073741823")


def lock(store: SQLiteStore, on: bool = True) -> None:
    """Make the store refuse writes with a real SQLITE_READONLY, or accept them again."""
    store.conn.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


def many_attempts(path: Path, n: int = 300) -> int:
    """A store with enough rows for several pages; returns its page size."""
    store = SQLiteStore(path)
    for i in range(n):
        store.add_attempt(LEARNER, "demo", "a1", f"q{i}", "答" * 60, i % 2 == 0)
    (page_size,) = store.conn.execute("PRAGMA page_size").fetchone()
    store.close()
    return int(page_size)


# --- the store -------------------------------------------------------------------------------

BIG = "很长的内容" * 2000  # needs new pages, so a full disk refuses it
WRITES: dict[str, Any] = {
    "add_learner": lambda s: s.add_learner(BIG),
    "mark_read": lambda s: s.mark_read(LEARNER, "demo", BIG),
    "add_attempt": lambda s: s.add_attempt(LEARNER, "demo", "a1", "q1", BIG, False),
    "save_reflection": lambda s: s.save_reflection(LEARNER, "demo", "a1", "r1", BIG),
    "restore": lambda s: s.restore(LearnerDump(learner=BIG)),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_defect7_disk_full_names_real_cause(db: SQLiteStore, write: str) -> None:
    db.add_attempt(LEARNER, "demo", "a1", "q0", "党中央", True)
    fill_disk(db)
    with pytest.raises(StoreError) as caught:
        WRITES[write](db)
    error = caught.value
    assert error.kind == "full"
    assert error.reason("zh") == FULL
    assert str(error).splitlines() == [
        f"无法写入学习记录库 {db.path}：{FULL}",
        f"Cannot write to the learner store {db.path}: the disk is full, so the learner store "
        "cannot take more (database or disk is full)",
    ]
    assert isinstance(error.__cause__, sqlite3.OperationalError)
    assert error.__cause__.sqlite_errorname == "SQLITE_FULL"
    assert not db.conn.in_transaction  # rolled back, and the rollback hid nothing
    free_disk(db)
    WRITES[write](db)  # the same store works once there is room again
    assert [a.answer for a in db.attempts(LEARNER, checkpoint_id="q0")] == ["党中央"]


def test_defect7_read_only_store_reads_and_refuses_writes_in_words(tmp_path: Path) -> None:
    path = tmp_path / "learner.sqlite3"
    made = SQLiteStore(path)
    made.add_learner(LEARNER)
    made.close()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    store = SQLiteStore(conn=conn)  # nothing to migrate, so opening only reads
    assert store.learners() == [LEARNER]
    with pytest.raises(StoreError) as caught:
        store.save_reflection(LEARNER, "demo", "a1", "r1", "体会")
    assert caught.value.kind == "readonly"
    assert caught.value.reason("zh") == READ_ONLY
    assert str(path) in str(caught.value)
    store.close()


def test_defect7_zero_byte_store_is_refused_and_says_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "learner.sqlite3"
    many_attempts(path, 5)
    path.write_bytes(b"")  # truncated: the learner's answers are gone
    with pytest.raises(StoreError) as caught:
        SQLiteStore(path)
    error = caught.value
    assert error.kind == "empty"
    assert error.reason("zh").startswith(
        f"学习记录库文件 {path} 是空的（0 字节），原有记录可能已经丢失。"
    )
    assert f"the learner store file {path} is empty (0 bytes)" in str(error)
    assert path.stat().st_size == 0  # refused, not quietly made into a new store
    path.rename(tmp_path / "moved-away.sqlite3")
    fresh = SQLiteStore(path)  # a path that does not exist still makes a new store
    assert fresh.learners() == [] and path.stat().st_size > 0
    fresh.close()


@pytest.mark.parametrize("page", [2, -2])
def test_defect7_garbage_inner_page_is_refused_on_opening(tmp_path: Path, page: int) -> None:
    path = tmp_path / "learner.sqlite3"
    page_size = many_attempts(path)
    pages = path.stat().st_size // page_size
    assert pages > 6
    with path.open("r+b") as f:
        f.seek(page_size * (page % pages))
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    with pytest.raises(StoreError) as caught:
        SQLiteStore(path)
    assert caught.value.kind == "corrupt"
    assert caught.value.reason("zh").startswith("学习记录库文件已损坏（")
    assert "Cannot open the learner store" in str(caught.value)


@pytest.mark.parametrize("make", [os.mkdir, os.mkfifo])
def test_defect7_a_folder_or_fifo_where_the_store_belongs_is_refused(
    tmp_path: Path, make: Any
) -> None:
    path = tmp_path / "learner.sqlite3"
    make(path)
    with pytest.raises(StoreError) as caught:
        SQLiteStore(path)  # a FIFO would block a reader: it is never opened
    assert caught.value.kind == "notfile"
    assert caught.value.reason("zh") == f"学习记录库的位置 {path} 不是一个普通文件"


def test_defect7_a_file_that_is_not_a_store_is_named_so(tmp_path: Path) -> None:
    path = tmp_path / "learner.sqlite3"
    path.write_bytes(b"not a database " * 500)
    with pytest.raises(StoreError) as caught:
        SQLiteStore(path)
    assert caught.value.kind == "notadb"
    assert caught.value.reason("en") == (
        "the file is not a learner store, or it is badly damaged (file is not a database)"
    )
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)


def test_defect7_damaged_answer_is_a_store_error_naming_the_row(db: SQLiteStore) -> None:
    db.add_attempt(LEARNER, "demo", "a1", "q1", ["戴口罩"], True)
    db.conn.execute("UPDATE attempts SET answer = '[\"戴口' WHERE checkpoint_id = 'q1'")
    with pytest.raises(StoreError) as caught:
        db.attempts(LEARNER)
    assert caught.value.kind == "corrupt"
    assert caught.value.reason("zh").startswith("学习记录库文件已损坏（attempt 1: ")
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)


def test_defect7_cli_names_a_newer_store_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "learner.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {int(HEAD) + 2}")
    conn.close()
    course = write_course(tmp_path / "course")
    result = CliRunner().invoke(
        main,
        ["record", "export", "--store", str(path), "--course", str(course), "--out", "x.json"],
    )
    assert result.exit_code == 1
    assert f"库版本 {int(HEAD) + 2}，本程序支持 {int(HEAD)}" in result.output
    assert f"store version {int(HEAD) + 2}, this program supports {int(HEAD)}" in result.output
    assert "Traceback" not in result.output


def open_at_once(path: Path, kernels: int) -> list[BaseException]:
    """Open a store at ``path`` from several threads at the same moment; what they raised."""
    errors: list[BaseException] = []
    opened: list[SQLiteStore] = []
    start = threading.Barrier(kernels)

    def open_it() -> None:
        start.wait()
        try:
            opened.append(SQLiteStore(path))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(kernels)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in opened:
        store.close()
    return errors


def test_two_kernels_making_one_new_store_at_once_both_open_it(tmp_path: Path) -> None:
    """A new store is linked into place whole, so no kernel meets it at 0 bytes."""
    for round_ in range(10):
        path = tmp_path / f"r{round_}" / "learner.sqlite3"
        assert open_at_once(path, 6) == []
        assert sorted(os.listdir(path.parent)) == ["learner.sqlite3"]


# --- the widgets -----------------------------------------------------------------------------


def feedback(cp: Checkpoint) -> list[str]:
    return [p.get_text() for p in BeautifulSoup(cp.feedback.value, "html.parser").select("p")]


def fill_question(course: Course) -> Any:
    return next(q for q in course.checkpoints_for("a1") if q.id == "q-fill")


def test_defect7_checkpoint_says_unsaved_keeps_the_answer_and_saves_it_later(
    course: Course, db: SQLiteStore
) -> None:
    session = LearnerSession(db, LEARNER)
    cp = Checkpoint(fill_question(course), "a1", course=course, store=db, learner=session)
    progress = ModuleProgress("a1", course=course, store=db, learner=session)
    typed = "集中学习" * 800  # a long answer needs new pages: the full disk refuses it
    fill_disk(db)
    cp.input.text.value = typed  # type: ignore[attr-defined]
    cp.submit.click()
    assert feedback(cp)[0] == "✘ 回答不正确，请再试一次。"  # the learner is still answered
    assert cp.lock.value == "作答 2 次后可查看答案（已作答 1 次）"
    assert cp.status.value == f"未保存：{FULL}。{KEPT}"
    assert cp.retry.layout.display is None  # "重新保存" is offered
    assert cp.retry.description == "重新保存"
    assert cp.input.text.value == typed  # type: ignore[attr-defined]
    assert db.attempts(LEARNER) == []
    assert progress.line.value.endswith("（另有 1 项尚未保存）")

    cp.retry.click()  # still full: still not saved, and still kept
    assert cp.status.value == f"未保存：{FULL}。{KEPT}"
    free_disk(db)
    cp.retry.click()
    [row] = db.attempts(LEARNER)
    assert (row.answer, row.correct, row.at) == (typed, False, cp.attempts[0].at)
    assert cp.status.value == "此前未保存的内容现已保存。"
    assert cp.retry.layout.display == "none"
    assert progress.line.value == "阅读：未读完；检查题：已答 1 / 6，答对 0；体会：已写 0 / 2"


def test_defect7_reflection_unsaved_text_is_kept_and_saved_by_the_next_save(
    course: Course, db: SQLiteStore
) -> None:
    prompt = course.module("a1").reflections[0]
    widget = Reflection(prompt, "a1", course=course, store=db, learner=LEARNER, autosave_seconds=60)
    lock(db)
    widget.text.value = "疫情面前，党员要站在前面。"
    widget.save_button.click()
    assert widget.status.value == f"未保存：{READ_ONLY}。{KEPT}"
    assert widget.text.value == "疫情面前，党员要站在前面。"
    assert db.reflection(LEARNER, "demo", prompt.id) is None
    lock(db, on=False)
    widget.save_button.click()
    saved = db.reflection(LEARNER, "demo", prompt.id)
    assert saved is not None and saved.text == "疫情面前，党员要站在前面。"
    assert re.fullmatch(r"已于 \d\d:\d\d 保存。", widget.status.value)
    widget.autosave.cancel()


def test_defect7_autosave_refused_then_any_later_save_of_the_session_stores_it(
    course: Course, db: SQLiteStore
) -> None:
    session = LearnerSession(db, LEARNER)
    prompt = course.module("a1").reflections[0]
    widget = Reflection(
        prompt, "a1", course=course, store=db, learner=session, autosave_seconds=0.05
    )
    reader = Reader("a1", course=course, store=db, learner=session)
    lock(db)
    widget.text.value = "停课不停学。"
    deadline = time.monotonic() + 5
    while widget.status.value != f"未保存：{READ_ONLY}。{KEPT}" and time.monotonic() < deadline:
        time.sleep(0.02)  # the autosave runs on a timer thread
    assert widget.status.value == f"未保存：{READ_ONLY}。{KEPT}"
    lock(db, on=False)
    reader.done.click()  # the next thing the learner saves, in another widget
    saved = db.reflection(LEARNER, "demo", prompt.id)
    assert saved is not None and saved.text == "停课不停学。"
    assert re.fullmatch(r"已于 \d\d:\d\d 保存。", widget.status.value)
    assert db.read_at(LEARNER, "demo", "a1") is not None


def test_defect7_reader_done_waits_and_keeps_the_time_of_the_first_click(
    course: Course, db: SQLiteStore
) -> None:
    reader = Reader("a1", course=course, store=db, learner=LEARNER)
    lock(db)
    before = now()
    reader.done.click()
    after = now()
    assert reader.status.value == f"未保存：{READ_ONLY}。{KEPT}"
    reader.done.click()  # clicking again while refused asks again, and adds nothing
    assert len(reader.ctx.session.saving) == 1
    lock(db, on=False)
    reader.done.click()
    done_at = db.read_at(LEARNER, "demo", "a1")
    assert done_at is not None and before <= done_at <= after
    assert re.fullmatch(r"已于 \d\d:\d\d 读完本篇。", reader.status.value)
    assert len(reader.ctx.session.saving) == 0


def test_defect7_a_name_the_store_refuses_still_lets_the_learner_work(
    course: Course, db: SQLiteStore
) -> None:
    lock(db)
    session = LearnerSession(db)
    session.name.value = LEARNER
    assert session.learner == LEARNER
    assert session.status.value == f"学员：{LEARNER}。未保存：{READ_ONLY}。{KEPT}"
    cp = Checkpoint(fill_question(course), "a1", course=course, store=db, learner=session)
    assert not cp.submit.disabled
    lock(db, on=False)
    cp.input.text.value = "分散个人自学"  # type: ignore[attr-defined]
    cp.submit.click()
    assert db.learners() == [LEARNER] and db.last_learner() == LEARNER
    assert [a.answer for a in db.attempts(LEARNER)] == ["分散个人自学"]
    assert session.status.value == f"学员：{LEARNER}。学习记录会自动保存。"


def test_defect7_an_import_the_store_refuses_waits_and_is_stored_later(
    course: Course, db: SQLiteStore
) -> None:
    source = SQLiteStore(memory=True)
    source.add_attempt("李四", course.id, "a1", "q-single", "党中央", True)
    data = record_json(export_record(course, source, "李四")).encode("utf-8")
    source.close()
    panel = RecordPanel(course=course, store=db, learner=LEARNER)
    lock(db)
    assert panel.import_bytes(data, "lisi.json")
    assert panel.status.value == (f"lisi.json 中的学习记录尚未导入。未保存：{READ_ONLY}。{KEPT}")
    lock(db, on=False)
    panel.ctx.session.saving.retry()
    assert [a.answer for a in db.attempts("李四")] == ["党中央"]
    assert panel.status.value.startswith("已导入 李四 的学习记录：")


def test_defect7_an_export_carries_the_work_the_store_refused(
    course: Course, db: SQLiteStore
) -> None:
    session = LearnerSession(db, LEARNER)
    db.add_attempt(LEARNER, course.id, "a1", "q-single", "国务院", False)
    cp = Checkpoint(fill_question(course), "a1", course=course, store=db, learner=session)
    panel = RecordPanel(course=course, store=db, learner=session)
    lock(db)
    cp.input.text.value = "分散个人自学"  # type: ignore[attr-defined]
    cp.submit.click()
    text = panel.export()
    assert text is not None
    answers = [a["answer"] for m in json.loads(text)["modules"] for a in m["attempts"]]
    assert sorted(answers) == ["分散个人自学", "国务院"]
    shown = BeautifulSoup(panel.status.value, "html.parser").get_text("\n").splitlines()
    assert shown[-1] == "其中 1 项尚未存入学习记录库，已一并导出。"


def test_defect7_an_unreadable_store_still_lets_the_learner_take_away_this_pages_work(
    course: Course, tmp_path: Path
) -> None:
    path = tmp_path / "learner.sqlite3"
    path.write_bytes(b"")
    store = ReopeningStore(path)
    session = LearnerSession(SQLiteStore(memory=True), LEARNER)  # the name is stored elsewhere
    panel = RecordPanel(course=course, store=store, learner=session)
    empty = f"学习记录库文件 {path} 是空的（0 字节），原有记录可能已经丢失。"
    assert panel.export() is None  # nothing read, nothing waiting: no record to give
    assert panel.status.value.startswith(f"无法导出学习记录：{empty}")
    assert panel.output.value == ""
    cp = Checkpoint(fill_question(course), "a1", course=course, store=store, learner=session)
    cp.input.text.value = "分散个人自学"  # type: ignore[attr-defined]
    cp.submit.click()
    text = panel.export()
    assert text is not None
    answers = [a["answer"] for m in json.loads(text)["modules"] for a in m["attempts"]]
    assert answers == ["分散个人自学"]
    shown = BeautifulSoup(panel.status.value, "html.parser").get_text("\n").splitlines()
    assert shown[-1].startswith(f"学习记录库无法读取（{empty}")
    assert shown[-1].endswith("导出的记录只含本页中尚未保存的 1 项。")
    session.store.close()


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    out: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: out.append(obj))
    return out


def test_defect7_module_page_shows_over_an_empty_store_file_and_saves_once_mended(
    course: Course, store_path: Path, shown: list[Any]
) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"")
    view = show_module("a1", learner=LEARNER, course=course)  # a message, not a crash
    assert isinstance(view.session.store, ReopeningStore)
    empty = f"学习记录库文件 {store_path} 是空的（0 字节），原有记录可能已经丢失。"
    assert view.reader.status.value.startswith(f"无法读取此前的学习记录：{empty}")
    assert view.progress.line.value.startswith(f"无法读取此前的学习记录：{empty}")
    cp = view.checkpoints.checkpoints[3]
    cp.input.text.value = "分散个人自学"  # type: ignore[attr-defined]
    cp.submit.click()
    assert feedback(cp)[0] == "✔ 回答正确。"
    assert cp.status.value.startswith(f"未保存：{empty}")
    assert store_path.stat().st_size == 0

    store_path.rename(store_path.with_name("damaged.sqlite3"))  # what the message asks for
    cp.retry.click()
    assert cp.status.value == "此前未保存的内容现已保存。"
    check = SQLiteStore(store_path)
    assert [a.answer for a in check.attempts(LEARNER)] == ["分散个人自学"]
    assert check.learners() == [LEARNER]  # the name, refused at first, is stored too
    check.close()
    view.session.store.close()


def test_defect7_module_page_over_a_newer_store_names_both_versions(
    course: Course, store_path: Path, shown: list[Any]
) -> None:
    SQLiteStore(store_path).close()
    conn = sqlite3.connect(store_path)
    conn.execute(f"PRAGMA user_version = {int(HEAD) + 1}")
    conn.close()
    view = show_module("a1", course=course)
    assert view.session.status.value.startswith(
        "无法读取此前的学习记录：这个学习记录库由较新版本的 coursekit 创建"
        f"（库版本 {int(HEAD) + 1}，本程序支持 {int(HEAD)}）"
    )
    assert shown[0] is view.session  # it still asks for a name


def test_defect7_english_status_texts(course: Course, db: SQLiteStore) -> None:
    cp = Checkpoint(
        fill_question(course), "a1", course=course, store=db, learner=LEARNER, lang="en"
    )
    fill_disk(db)
    cp.input.text.value = "x" * 6000  # type: ignore[attr-defined]
    cp.submit.click()
    assert cp.status.value == (
        "Not saved: the disk is full, so the learner store cannot take more (database or disk "
        "is full). Your work stays on this page and is saved once the learner store works again."
    )
    assert cp.retry.description == "Save again"
