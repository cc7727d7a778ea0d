"""The learner store on both backends: rows, learners and rosters, export/import, two writers.

Every test that takes ``db`` or ``store_url`` runs twice: on a SQLite file and
on a database of a real PostgreSQL (``tests/postgres.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from coursekit.errors import StoreError
from coursekit.store import (
    Learner,
    LearnerDump,
    RestoreCounts,
    RosterCounts,
    RosterEntry,
    SavedReflection,
    SQLiteStore,
    SQLStore,
    default_path,
    migrations,
    open_store,
)


@pytest.fixture
def db(store_url: str) -> Iterator[SQLStore]:
    """A new store on each backend (SQLite file, PostgreSQL database), closed after the test."""
    opened = open_store(store_url)
    yield opened
    opened.close()


def table_names(db: SQLStore) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_a_new_store_has_every_table_at_the_newest_revision(db: SQLStore) -> None:
    assert {"learners", "reads", "attempts", "reflections", "alembic_version"} <= table_names(db)
    with db.connection() as c:
        assert migrations.current_revision(c) == migrations.HEAD
        assert not migrations.needs_upgrade(c)


def test_reopening_a_store_applies_no_migration_twice(store_url: str) -> None:
    open_store(store_url).close()
    db = open_store(store_url)
    with db.engine.begin() as c:
        assert migrations.upgrade(c) == []
    db.close()


def test_the_default_store_lives_under_coursekit_home(store_path: Path) -> None:
    assert default_path() == store_path
    db = open_store()
    assert isinstance(db, SQLiteStore)
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


def test_coursekit_store_names_the_store_when_no_store_is_given(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSEKIT_STORE", f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    db = open_store()
    db.add_learner("张三")
    db.close()
    assert (tmp_path / "shared.sqlite3").is_file()
    assert not store_path.exists()


def test_an_unsupported_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="'mysql' scheme is not supported"):
        open_store("mysql://server/db")


def test_a_database_server_that_is_not_there_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://coursekit:s3cret@127.0.0.1:9/learners")
    assert caught.value.kind == "server"
    assert "s3cret" not in str(caught.value)
    assert "postgresql+psycopg://coursekit:***@127.0.0.1:9/learners" in str(caught.value)
    assert "连不上学习记录库所在的数据库服务器" in str(caught.value)


def test_a_store_that_cannot_be_opened_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(StoreError, match=r"Cannot open the learner store: .*taken, where the"):
        SQLiteStore(tmp_path / "taken")


def test_exactly_one_source_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SQLiteStore(tmp_path / "x", memory=True)


def test_the_last_named_learner_is_remembered(db: SQLStore) -> None:
    assert db.last_learner() is None
    db.add_learner("张三")
    db.add_learner("李四")
    assert db.last_learner() == "李四"
    db.add_learner("张三")
    assert db.last_learner() == "张三"
    assert db.learners() == sorted(["张三", "李四"])
    with pytest.raises(ValueError):
        db.add_learner("  ")


ANSWERS = ["党中央", ["戴口罩", "勤洗手"], False, "分散个人自学", ["b", "a", "c"], {"x": None}]


def test_attempts_keep_every_answer_shape_in_order(db: SQLStore) -> None:
    for i, answer in enumerate(ANSWERS):
        db.add_attempt(
            "张三", "demo", "a1", f"q{i}", answer, i % 2 == 0, at=f"2020-02-0{i + 1}T00:00:00+00:00"
        )
    db.add_attempt("李四", "demo", "a1", "q0", "x", False)
    got = db.attempts("张三", "demo")
    assert [a.answer for a in got] == ANSWERS
    assert [a.correct for a in got] == [True, False, True, False, True, False]
    assert [a.checkpoint_id for a in db.attempts("张三", checkpoint_id="q3")] == ["q3"]
    with db.connection() as c:
        stored = c.execute(sa.text("SELECT answer FROM attempts WHERE checkpoint_id = 'q1'"))
        raw = stored.scalar_one()
    # canonical JSON text on SQLite; jsonb, handed back decoded, on PostgreSQL
    assert raw == ('["戴口罩","勤洗手"]' if db.backend == "sqlite" else ["戴口罩", "勤洗手"])


def test_a_reflection_keeps_its_latest_text(db: SQLStore) -> None:
    db.save_reflection("张三", "demo", "a1", "r1", "初稿")
    saved = db.save_reflection("张三", "demo", "a1", "r1", "定稿")
    assert db.reflection("张三", "demo", "r1") == saved
    assert [r.text for r in db.reflections("张三")] == ["定稿"]
    assert db.reflection("李四", "demo", "r1") is None


def test_a_module_counts_as_read_from_the_first_time(db: SQLStore) -> None:
    first = db.mark_read("张三", "demo", "a1", at="2020-02-05T01:00:00+00:00")
    again = db.mark_read("张三", "demo", "a1", at="2020-02-06T01:00:00+00:00")
    assert first == again == "2020-02-05T01:00:00+00:00"
    assert db.read_at("张三", "demo", "a1") == first
    assert db.read_at("张三", "demo", "a2") is None


def fill(db: SQLStore) -> None:
    db.add_learner("张三")
    db.mark_read("张三", "demo", "a1", at="2020-02-05T01:00:00+00:00")
    db.add_attempt("张三", "demo", "a1", "q1", "国务院", False, at="2020-02-05T01:01:00+00:00")
    db.add_attempt("张三", "demo", "a1", "q1", "党中央", True, at="2020-02-05T01:02:00+00:00")
    db.add_attempt("张三", "other", "x", "q9", True, True, at="2020-02-05T01:03:00+00:00")
    db.save_reflection("张三", "demo", "a1", "r1", "体会", at="2020-02-05T01:04:00+00:00")
    db.add_attempt("李四", "demo", "a1", "q1", "党中央", True)


def test_dump_lists_one_learner_in_a_stable_order(db: SQLStore) -> None:
    fill(db)
    dump = db.dump("张三")
    assert [a.course_id for a in dump.attempts] == ["demo", "demo", "other"]
    assert [a.answer for a in dump.attempts][:2] == ["国务院", "党中央"]
    assert {a.learner for a in dump.attempts} == {"张三"}
    assert len(db.dump("张三", "demo").attempts) == 2
    assert json.loads(json.dumps(dump.to_dict(), ensure_ascii=False)) == dump.to_dict()
    assert LearnerDump.from_dict(dump.to_dict()) == dump


def test_restore_rebuilds_a_learner_and_is_idempotent(db: SQLStore) -> None:
    fill(db)
    dump = db.dump("张三")
    fresh = open_store(":memory:")  # another backend: a round trip across
    assert fresh.restore(dump) == RestoreCounts(reads=1, attempts=3, reflections=1)
    assert fresh.dump("张三") == dump
    assert fresh.restore(dump) == RestoreCounts()
    assert fresh.dump("张三") == dump
    assert fresh.learners() == ["张三"]
    fresh.close()


def test_restore_never_replaces_a_newer_reflection(db: SQLStore) -> None:
    fill(db)
    old = db.dump("张三")
    db.save_reflection("张三", "demo", "a1", "r1", "新的体会", at="2020-03-01T00:00:00+00:00")
    db.restore(old)
    saved = db.reflection("张三", "demo", "r1")
    assert saved is not None and saved.text == "新的体会"


WRITER = textwrap.dedent(
    """
    import sys
    from coursekit.store import open_store
    db = open_store(sys.argv[1])
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


def test_two_processes_writing_at_once_lose_nothing(store_url: str) -> None:
    open_store(store_url).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, store_url, name],
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
    db = open_store(store_url)
    if isinstance(db, SQLiteStore):
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


def test_identical_attempts_survive_a_restore(db: SQLStore) -> None:
    for _ in range(2):
        db.add_attempt(
            "张三", "demo", "a1", "q1", ["甲", "乙"], False, at="2020-01-01T00:00:00+00:00"
        )
    fresh = SQLiteStore(memory=True)
    assert fresh.restore(db.dump("张三")).attempts == 2
    assert fresh.restore(db.dump("张三")).attempts == 0
    assert fresh.dump("张三") == db.dump("张三")
    fresh.close()


def test_restore_keeps_the_order_of_attempts_made_in_the_same_instant(store_url: str) -> None:
    at = "2020-02-05T08:00:00.000000+00:00"
    source = open_store(":memory:")
    for answer in ["", "", False, ""]:
        source.add_attempt("甲", "c", "m", "q", answer, False, at=at)
    dump = source.dump("甲", "c")
    target = open_store(store_url)
    target.restore(LearnerDump("甲", (), dump.attempts[:1], ()))  # one of them is there already
    target.restore(dump)
    assert [a.answer for a in target.attempts("甲")] == ["", "", False, ""]
    target.restore(dump)  # again: nothing added
    assert len(target.attempts("甲")) == 4
    source.close()
    target.close()


# --- learner ids, names and branches ------------------------------------------------------


def test_two_members_with_one_name_in_two_branches_are_two_learners(db: SQLStore) -> None:
    counts = db.import_roster(
        [
            RosterEntry("wh-0101", "王伟", "第一支部"),
            RosterEntry("wh-0207", "王伟", "第二支部"),
            RosterEntry("wh-0208", "李娜", "第二支部"),
        ]
    )
    assert counts == RosterCounts(added=3)
    db.add_attempt("wh-0101", "demo", "a1", "q1", "党中央", True)
    db.add_attempt("wh-0207", "demo", "a1", "q1", "国务院", False)
    assert [a.answer for a in db.attempts("wh-0101")] == ["党中央"]
    assert [a.answer for a in db.attempts("wh-0207")] == ["国务院"]
    assert [(m.id, m.name, m.branch) for m in db.roster("第二支部")] == [
        ("wh-0207", "王伟", "第二支部"),
        ("wh-0208", "李娜", "第二支部"),
    ]
    never = db.learner("wh-0208")
    assert never is not None and never.first_seen is None and never.last_seen is None
    assert db.last_learner() is None  # a roster names members; nobody has studied yet


def test_a_roster_updates_names_and_branches_and_keeps_everyone_else(db: SQLStore) -> None:
    db.add_learner("张三")  # studied before any roster, keyed by the name typed
    db.add_attempt("张三", "demo", "a1", "q1", "党中央", True)
    db.import_roster([RosterEntry("wh-1", "赵六", "第一支部")])
    counts = db.import_roster(
        [RosterEntry("wh-1", "赵六", "第三支部"), RosterEntry("wh-2", "钱七", None)]
    )
    assert counts == RosterCounts(added=1, updated=1, unchanged=0)
    assert db.import_roster([RosterEntry("wh-2", "钱七", None)]) == RosterCounts(unchanged=1)
    # by branch, members without one last, then by id
    assert [(m.id, m.branch) for m in db.roster()] == [
        ("wh-1", "第三支部"),
        ("wh-2", None),
        ("张三", None),
    ]
    assert len(db.attempts("张三")) == 1


def test_studying_keeps_the_name_on_the_roster(db: SQLStore) -> None:
    db.import_roster([RosterEntry("wh-1", "赵六", "第一支部")])
    db.add_learner("wh-1")
    member = db.learner("wh-1")
    assert member is not None
    assert (member.name, member.branch) == ("赵六", "第一支部")
    assert member.first_seen is not None and member.first_seen == member.last_seen
    assert db.last_learner() == "wh-1"


def test_postgresql_keeps_times_as_timestamptz_and_answers_as_jsonb(postgres_url: str) -> None:
    db = open_store(postgres_url)
    with db.connection() as c:
        types = dict(
            c.execute(
                sa.text(
                    "SELECT table_name || '.' || column_name, data_type FROM"
                    " information_schema.columns WHERE table_schema = 'public'"
                )
            ).all()
        )
        indexes = set(
            c.execute(sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
    assert types["attempts.answer"] == "jsonb"
    assert types["attempts.at"] == "timestamp with time zone"
    assert types["reads.done_at"] == "timestamp with time zone"
    assert types["learners.last_seen"] == "timestamp with time zone"
    assert types["attempts.correct"] == "boolean"
    assert types["attempts.id"] == "bigint"
    assert {"attempts_by_checkpoint", "learners_by_branch", "reflections_by_course"} <= indexes
    db.close()


def test_a_time_with_an_offset_is_the_same_instant_on_both_backends(db: SQLStore) -> None:
    db.add_attempt("张三", "demo", "a1", "q1", "x", False, at="2020-02-05T16:00:00+08:00")
    (stored,) = db.attempts("张三")
    from coursekit.answers import parse_time

    assert parse_time(stored.at) == parse_time("2020-02-05T08:00:00+00:00")


def test_a_restored_learner_is_the_one_a_new_kernel_remembers(db: SQLStore) -> None:
    """A record imported into a fresh store (a new Binder session) names its learner."""
    db.restore(LearnerDump("张三", name="张三", branch="第一支部"))
    assert db.last_learner() == "张三"
    member = db.learner("张三")
    assert member is not None and member.branch == "第一支部"
    db.import_roster([RosterEntry("李四", "李四", "第二支部")])
    db.restore(LearnerDump("李四", name="改了名", branch="别的支部"))  # the roster's word stands
    member = db.learner("李四")
    assert member is not None and (member.name, member.branch) == ("李四", "第二支部")


def test_a_bulk_load_keeps_every_row_and_learner(db: SQLStore) -> None:
    source = open_store(":memory:")
    fill(source)
    dumps = [source.dump("张三"), source.dump("李四")]
    source.close()
    db.load(dumps, [Learner("张三", "张三", "第一支部"), Learner("李四", "李四", None)])
    assert [db.dump("张三"), db.dump("李四")] == dumps
    member = db.learner("张三")
    assert member is not None and member.branch == "第一支部"


def test_restoring_into_the_same_store_twice_counts_nothing_the_second_time(db: SQLStore) -> None:
    """On PostgreSQL an upsert that changes nothing reports a row count of -1, not 0."""
    source = open_store(":memory:")
    fill(source)
    dump = source.dump("张三")
    source.close()
    assert db.restore(dump) == RestoreCounts(reads=1, attempts=3, reflections=1)
    assert db.restore(dump) == RestoreCounts()
    earlier = SavedReflection("张三", "demo", "a1", "r1", "更早的体会", "2020-01-01T00:00:00+00:00")
    older = LearnerDump("张三", reflections=(earlier,))
    assert db.restore(older) == RestoreCounts()  # an older text never replaces a newer one
    assert [r.text for r in db.reflections("张三")] == ["体会"]
