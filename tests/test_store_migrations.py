"""Stores made by earlier coursekit versions upgrade in place; newer stores are refused.

``legacy_store`` writes a store exactly as coursekit did before the store moved
to SQLAlchemy and Alembic (commit 31dc1e9, ``coursekit.store.sqlite``): the same
statements, the same migration list and ``user_version``, the same canonical
answer text. The frozen copy is the point: that code is gone from the package.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from coursekit.errors import StoreError
from coursekit.store import SQLiteStore, SQLStore, migrations, open_store
from coursekit.store.rows import Attempt, Read, SavedReflection
from test_store_faults import open_at_once

# --- the store as coursekit 31dc1e9 wrote it ---------------------------------------------------

LEGACY_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS _coursekit_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    "CREATE TABLE learners (name TEXT PRIMARY KEY, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)",
    "CREATE TABLE reads (learner TEXT NOT NULL, course_id TEXT NOT NULL, module TEXT NOT NULL,"
    " done_at TEXT NOT NULL, PRIMARY KEY (learner, course_id, module))",
    "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, learner TEXT NOT NULL,"
    " course_id TEXT NOT NULL, module TEXT NOT NULL, checkpoint_id TEXT NOT NULL,"
    " answer TEXT NOT NULL, correct INTEGER NOT NULL CHECK (correct IN (0, 1)),"
    " at TEXT NOT NULL)",
    "CREATE INDEX attempts_by_learner ON attempts (learner, course_id, module, checkpoint_id)",
    "CREATE TABLE reflections (learner TEXT NOT NULL, course_id TEXT NOT NULL,"
    " module TEXT NOT NULL, reflection_id TEXT NOT NULL, text TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, PRIMARY KEY (learner, course_id, reflection_id))",
]

LEARNERS = [
    ("张三", "2020-02-05T00:59:00+00:00", "2020-02-06T09:00:00+00:00"),
    ("李四", "2020-02-05T01:00:00+00:00", "2020-02-05T01:00:00+00:00"),
]
READS = [Read("张三", "demo", "a1", "2020-02-05T01:00:00+00:00")]
ATTEMPTS = [
    Attempt("张三", "demo", "a1", "q1", ["戴口罩", "勤洗手"], True, "2020-02-05T01:01:00+00:00"),
    Attempt("张三", "demo", "a1", "q2", {"1": "B", "2": None}, False, "2020-02-05T01:02:00+00:00"),
    Attempt("张三", "demo", "a1", "q2", {"1": "B", "2": None}, False, "2020-02-05T01:02:00+00:00"),
    Attempt("李四", "demo", "a2", "q3", False, False, "2020-02-05T01:03:00.250000+00:00"),
    Attempt("李四", "demo", "a2", "q4", None, False, "2020-02-05T01:03:30+00:00"),
]
REFLECTIONS = [
    SavedReflection(
        "李四", "demo", "a2", "r1", "体会 <b>加粗</b>\n=1+1", "2020-02-05T01:04:00+00:00"
    )
]


def legacy_store(path: Path) -> None:
    """A store file with every kind of row, as the first coursekit left it (WAL, user_version 1)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    for statement in LEGACY_SCHEMA:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO _coursekit_migrations (name, applied_at) VALUES ('m001_initial', ?)",
        ("2020-02-04T00:00:00+00:00",),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.executemany("INSERT INTO learners VALUES (?, ?, ?)", LEARNERS)
    conn.executemany(
        "INSERT INTO reads VALUES (?, ?, ?, ?)",
        [(r.learner, r.course_id, r.module, r.done_at) for r in READS],
    )
    conn.executemany(
        "INSERT INTO attempts (learner, course_id, module, checkpoint_id, answer, correct, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                a.learner,
                a.course_id,
                a.module,
                a.checkpoint_id,
                json.dumps(a.answer, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                int(a.correct),
                a.at,
            )
            for a in ATTEMPTS
        ],
    )
    conn.executemany(
        "INSERT INTO reflections VALUES (?, ?, ?, ?, ?, ?)",
        [
            (r.learner, r.course_id, r.module, r.reflection_id, r.text, r.updated_at)
            for r in REFLECTIONS
        ],
    )
    conn.execute("COMMIT")
    conn.close()


def test_a_store_made_by_the_first_coursekit_upgrades_with_every_row_kept(tmp_path: Path) -> None:
    path = tmp_path / "learner.sqlite3"
    legacy_store(path)
    db = SQLiteStore(path)
    assert db.attempts("张三") + db.attempts("李四") == ATTEMPTS
    assert db.reads("张三") == READS
    assert db.reflections("李四") == REFLECTIONS
    assert db.learners() == ["张三", "李四"]
    # each name typed became the learner's id and display name, with no branch
    first = db.learner("张三")
    assert first is not None
    assert (first.name, first.branch, first.first_seen, first.last_seen) == (
        "张三",
        None,
        "2020-02-05T00:59:00+00:00",
        "2020-02-06T09:00:00+00:00",
    )
    assert db.last_learner() == "张三"
    # and the store goes on: new attempts get new ids after the old ones
    db.add_attempt("张三", "demo", "a1", "q1", ["勤洗手"], False, at="2020-02-07T00:00:00+00:00")
    assert len(db.attempts("张三")) == 4
    db.close()
    check = sqlite3.connect(path)
    tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert migrations.LEGACY_TABLE not in tables
    assert check.execute("SELECT version_num FROM alembic_version").fetchall() == [
        (migrations.HEAD,)
    ]
    assert check.execute("PRAGMA user_version").fetchone() == (int(migrations.HEAD),)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.execute("SELECT max(id) FROM attempts").fetchone() == (len(ATTEMPTS) + 1,)
    check.close()


def test_the_first_coursekit_refuses_an_upgraded_store_rather_than_write_to_it(
    tmp_path: Path,
) -> None:
    """The old code checked its migration list and user_version; both now say "newer"."""
    path = tmp_path / "learner.sqlite3"
    legacy_store(path)
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    (user_version,) = conn.execute("PRAGMA user_version").fetchone()
    has_list = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = '_coursekit_migrations'"
    ).fetchone()
    conn.close()
    # the first coursekit: store_version = max(user_version, len(applied)) > 1 → refused
    assert has_list is None and user_version > 1


def test_six_kernels_opening_a_first_coursekit_store_at_once_upgrade_it_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "learner.sqlite3"
    legacy_store(path)
    assert open_at_once(path, 6) == []
    db = SQLiteStore(path)
    assert db.attempts("张三") + db.attempts("李四") == ATTEMPTS
    db.close()


def test_a_store_at_the_first_revision_upgrades_on_both_backends(store_url: str) -> None:
    """Revision 0001 made by Alembic (as on PostgreSQL, which never had the first store)."""
    engine = sa.create_engine(store_url)
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            sa.text(
                "INSERT INTO learners (name, first_seen, last_seen) VALUES"
                " ('王伟', '2020-02-05T00:00:00+00:00', '2020-02-05T00:00:00+00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO attempts (learner, course_id, module, checkpoint_id, answer,"
                " correct, at) VALUES ('王伟', 'demo', 'a1', 'q1', :answer, :yes,"
                " '2020-02-05T00:01:00+00:00')"
            ),
            {"answer": '["甲"]', "yes": True},
        )
    engine.dispose()
    db = open_store(store_url)
    assert [a.answer for a in db.attempts("王伟")] == [["甲"]]
    member = db.learner("王伟")
    assert member is not None and member.name == "王伟"
    with db.connection() as c:
        assert migrations.current_revision(c) == migrations.HEAD
    db.close()


# A revision after this code's newest: what a later coursekit would have written.
NEXT = f"{int(migrations.HEAD) + 1:04d}"


def newer(store_url: str) -> None:
    """Mark the store as a later coursekit would: Alembic at a revision this code lacks."""
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE alembic_version SET version_num = '{NEXT}'"))
        conn.execute(sa.text("CREATE TABLE attempt_durations (attempt BIGINT, seconds INTEGER)"))
    engine.dispose()


def test_a_store_from_a_newer_coursekit_is_refused_naming_both_versions(store_url: str) -> None:
    open_store(store_url).close()
    newer(store_url)
    with pytest.raises(StoreError) as caught:
        open_store(store_url)
    error = caught.value
    assert error.kind == "newer"
    assert error.reason("zh") == (
        f"这个学习记录库由较新版本的 coursekit 创建（库版本 {int(NEXT)}，本程序支持 "
        f"{int(migrations.HEAD)}），请升级 coursekit 后再使用"
    )
    assert f"(store version {int(NEXT)}, this program supports {int(migrations.HEAD)})" in str(
        error
    )
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:  # left as it was
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == NEXT
    engine.dispose()


def test_a_first_coursekit_store_with_a_migration_this_code_lacks_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "learner.sqlite3"
    legacy_store(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO _coursekit_migrations VALUES ('m002_attempt_duration', 'x')")
    conn.close()
    with pytest.raises(StoreError, match=f"库版本 2，本程序支持 {int(migrations.HEAD)}"):
        SQLiteStore(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM _coursekit_migrations").fetchone() == (2,)
    conn.close()


def test_schema_version_alone_marks_a_newer_store(tmp_path: Path) -> None:
    path = tmp_path / "learner.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (int(migrations.HEAD),)
    conn.execute(f"PRAGMA user_version = {int(NEXT)}")
    conn.close()
    with pytest.raises(StoreError, match=f"库版本 {int(NEXT)}，本程序支持 {int(migrations.HEAD)}"):
        SQLiteStore(path)


def test_the_revisions_on_disk_are_the_ones_the_code_knows() -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    script = ScriptDirectory.from_config(config)
    chain = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert tuple(chain) == migrations.REVISIONS
    assert script.get_current_head() == migrations.HEAD


OPENER = textwrap.dedent(
    """
    import sys
    from coursekit.store import open_store
    sys.stdin.readline()
    db = open_store(sys.argv[1])
    db.add_learner(sys.argv[2])
    db.close()
    """
)


def test_four_processes_opening_a_new_postgresql_store_at_once_make_it_once(
    postgres_url: str,
) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, postgres_url, f"学员{i}"],
            text=True,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(4)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    db: SQLStore = open_store(postgres_url)
    assert db.learners() == [f"学员{i}" for i in range(4)]
    db.close()


def test_an_upgrade_that_fails_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """The first store let a learner's name be NULL (SQLite allows it in a TEXT key); ids may not."""
    path = tmp_path / "learner.sqlite3"
    legacy_store(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO learners VALUES (NULL, 'x', 'x')")
    conn.close()
    with pytest.raises(StoreError) as caught:
        SQLiteStore(path)
    assert "NOT NULL constraint failed" in str(caught.value)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "alembic_version" not in tables and migrations.LEGACY_TABLE in tables
    assert conn.execute("SELECT name FROM learners ORDER BY rowid").fetchall() == [
        ("张三",),
        ("李四",),
        (None,),
    ]
    assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    conn.close()
