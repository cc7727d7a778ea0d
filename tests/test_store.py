"""The learner store: migrations, location, rows, export/import and two writers at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coursekit.errors import StoreError
from coursekit.store import (
    LearnerDump,
    RestoreCounts,
    SQLiteStore,
    default_path,
    open_store,
)
from coursekit.store.migrations import MIGRATIONS_TABLE, Migrations
from coursekit.store.sqlite import MIGRATIONS


def tables(db: SQLiteStore) -> set[str]:
    rows = db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


def test_a_new_store_has_every_table_and_records_its_migrations(store: SQLiteStore) -> None:
    assert {"learners", "reads", "attempts", "reflections", MIGRATIONS_TABLE} <= tables(store)
    assert MIGRATIONS.applied(store.conn) == ["m001_initial"]


def test_reopening_a_store_applies_no_migration_twice(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SQLiteStore(path).close()
    db = SQLiteStore(path)
    assert MIGRATIONS.pending(db.conn) == []
    assert MIGRATIONS.apply(db.conn) == []
    db.close()


def test_a_failing_migration_leaves_nothing_behind() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations = Migrations()

    @migrations
    def m001_ok(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE a (x)")

    @migrations
    def m002_broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE b (x)")
        c.execute("THIS IS NOT SQL")

    with pytest.raises(sqlite3.OperationalError):
        migrations.apply(conn)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "a" in names and "b" not in names
    assert migrations.applied(conn) == ["m001_ok"]


def test_migration_names_are_unique() -> None:
    migrations = Migrations()

    def m001(c: sqlite3.Connection) -> None: ...

    migrations(m001)
    with pytest.raises(ValueError, match="already registered"):
        migrations(m001)


def test_the_default_store_lives_under_coursekit_home(store_path: Path) -> None:
    assert default_path() == store_path
    db = open_store()
    db.add_learner("张三")
    assert store_path.is_file()
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    db.close()


def test_without_coursekit_home_the_store_is_in_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COURSEKIT_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_path() == tmp_path / ".coursekit" / "learner.sqlite3"


def test_open_store_accepts_paths_and_sqlite_urls(tmp_path: Path) -> None:
    by_url = open_store(f"sqlite:///{tmp_path / 'u.sqlite3'}")
    by_url.add_learner("a")
    by_url.close()
    assert (tmp_path / "u.sqlite3").is_file()
    in_memory = open_store("sqlite://")
    assert in_memory.learners() == []
    in_memory.close()


def test_an_unsupported_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="'postgresql' scheme is not supported"):
        open_store("postgresql://server/db")


def test_a_store_that_cannot_be_opened_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(StoreError, match=r"Cannot open the learner store: .*taken, where the"):
        SQLiteStore(tmp_path / "taken")


def test_exactly_one_source_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SQLiteStore(tmp_path / "x", memory=True)


def test_the_last_named_learner_is_remembered(store: SQLiteStore) -> None:
    assert store.last_learner() is None
    store.add_learner("张三")
    store.add_learner("李四")
    assert store.last_learner() == "李四"
    store.add_learner("张三")
    assert store.last_learner() == "张三"
    assert store.learners() == sorted(["张三", "李四"])
    with pytest.raises(ValueError):
        store.add_learner("  ")


ANSWERS = ["党中央", ["戴口罩", "勤洗手"], False, "分散个人自学", ["b", "a", "c"], {"x": None}]


def test_attempts_keep_every_answer_shape_in_order(store: SQLiteStore) -> None:
    for i, answer in enumerate(ANSWERS):
        store.add_attempt(
            "张三", "demo", "a1", f"q{i}", answer, i % 2 == 0, at=f"2020-02-0{i + 1}T00:00:00+00:00"
        )
    store.add_attempt("李四", "demo", "a1", "q0", "x", False)
    got = store.attempts("张三", "demo")
    assert [a.answer for a in got] == ANSWERS
    assert [a.correct for a in got] == [True, False, True, False, True, False]
    assert [a.checkpoint_id for a in store.attempts("张三", checkpoint_id="q3")] == ["q3"]
    rows = store.conn.execute("SELECT answer FROM attempts WHERE checkpoint_id='q1'").fetchall()
    assert rows == [('["戴口罩","勤洗手"]',)]


def test_a_reflection_keeps_its_latest_text(store: SQLiteStore) -> None:
    store.save_reflection("张三", "demo", "a1", "r1", "初稿")
    saved = store.save_reflection("张三", "demo", "a1", "r1", "定稿")
    assert store.reflection("张三", "demo", "r1") == saved
    assert [r.text for r in store.reflections("张三")] == ["定稿"]
    assert store.reflection("李四", "demo", "r1") is None


def test_a_module_counts_as_read_from_the_first_time(store: SQLiteStore) -> None:
    first = store.mark_read("张三", "demo", "a1", at="2020-02-05T01:00:00+00:00")
    again = store.mark_read("张三", "demo", "a1", at="2020-02-06T01:00:00+00:00")
    assert first == again == "2020-02-05T01:00:00+00:00"
    assert store.read_at("张三", "demo", "a1") == first
    assert store.read_at("张三", "demo", "a2") is None


def fill(db: SQLiteStore) -> None:
    db.add_learner("张三")
    db.mark_read("张三", "demo", "a1", at="2020-02-05T01:00:00+00:00")
    db.add_attempt("张三", "demo", "a1", "q1", "国务院", False, at="2020-02-05T01:01:00+00:00")
    db.add_attempt("张三", "demo", "a1", "q1", "党中央", True, at="2020-02-05T01:02:00+00:00")
    db.add_attempt("张三", "other", "x", "q9", True, True, at="2020-02-05T01:03:00+00:00")
    db.save_reflection("张三", "demo", "a1", "r1", "体会", at="2020-02-05T01:04:00+00:00")
    db.add_attempt("李四", "demo", "a1", "q1", "党中央", True)


def test_dump_lists_one_learner_in_a_stable_order(store: SQLiteStore) -> None:
    fill(store)
    dump = store.dump("张三")
    assert [a.course_id for a in dump.attempts] == ["demo", "demo", "other"]
    assert [a.answer for a in dump.attempts][:2] == ["国务院", "党中央"]
    assert {a.learner for a in dump.attempts} == {"张三"}
    assert len(store.dump("张三", "demo").attempts) == 2
    assert json.loads(json.dumps(dump.to_dict(), ensure_ascii=False)) == dump.to_dict()
    assert LearnerDump.from_dict(dump.to_dict()) == dump


def test_restore_rebuilds_a_learner_and_is_idempotent(store: SQLiteStore) -> None:
    fill(store)
    dump = store.dump("张三")
    fresh = SQLiteStore(memory=True)
    assert fresh.restore(dump) == RestoreCounts(reads=1, attempts=3, reflections=1)
    assert fresh.dump("张三") == dump
    assert fresh.restore(dump) == RestoreCounts()
    assert fresh.dump("张三") == dump
    assert fresh.learners() == ["张三"]
    fresh.close()


def test_restore_never_replaces_a_newer_reflection(store: SQLiteStore) -> None:
    fill(store)
    old = store.dump("张三")
    store.save_reflection("张三", "demo", "a1", "r1", "新的体会", at="2020-03-01T00:00:00+00:00")
    store.restore(old)
    saved = store.reflection("张三", "demo", "r1")
    assert saved is not None and saved.text == "新的体会"


WRITER = textwrap.dedent(
    """
    import sys
    from coursekit.store import SQLiteStore
    db = SQLiteStore(sys.argv[1])
    name = sys.argv[2]
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(500):
        if i % 5 == 4:
            db.save_reflection("learner", "demo", "a1", f"{name}-{i}", f"{name} 体会 {i}")
        else:
            db.add_attempt("learner", "demo", "a1", "q1", {"writer": name, "i": i}, i % 2 == 0)
    db.close()
    """
)


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    SQLiteStore(path).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name],
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in ("p1", "p2")
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:  # start both writers together
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    db = SQLiteStore(path)
    assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    attempts = db.attempts("learner")
    assert len(attempts) == 800
    for name in ("p1", "p2"):
        mine = sorted(a.answer["i"] for a in attempts if a.answer["writer"] == name)
        assert mine == [i for i in range(500) if i % 5 != 4]
    reflections = db.reflections("learner")
    assert len(reflections) == 200
    assert {r.text for r in reflections} == {
        f"{n} 体会 {i}" for n in ("p1", "p2") for i in range(4, 500, 5)
    }
    db.close()


def test_identical_attempts_survive_a_restore(store: SQLiteStore) -> None:
    for _ in range(2):
        store.add_attempt(
            "张三", "demo", "a1", "q1", ["甲", "乙"], False, at="2020-01-01T00:00:00+00:00"
        )
    fresh = SQLiteStore(memory=True)
    assert fresh.restore(store.dump("张三")).attempts == 2
    assert fresh.restore(store.dump("张三")).attempts == 0
    assert fresh.dump("张三") == store.dump("张三")
    fresh.close()


def test_restore_keeps_the_order_of_attempts_made_in_the_same_instant() -> None:
    from coursekit.store import LearnerDump

    at = "2020-02-05T08:00:00.000000+00:00"
    source = SQLiteStore(memory=True)
    for answer in ["", "", False, ""]:
        source.add_attempt("甲", "c", "m", "q", answer, False, at=at)
    dump = source.dump("甲", "c")
    target = SQLiteStore(memory=True)
    target.restore(LearnerDump("甲", (), dump.attempts[:1], ()))  # one of them is there already
    target.restore(dump)
    assert [a.answer for a in target.attempts("甲")] == ["", "", False, ""]
    target.restore(dump)  # again: nothing added
    assert len(target.attempts("甲")) == 4
    source.close()
    target.close()
