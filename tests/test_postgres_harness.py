"""The throwaway PostgreSQL the store tests and the benchmark use (tests/postgres.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from postgres import (
    Cluster,
    ClusterError,
    find_binaries,
    need_postgres,
    postgres_server,
    postgres_url,
)

__all__ = ["postgres_server", "postgres_url"]

HARNESS = Path(__file__).with_name("postgres.py")
# The databases the postgres_url fixture has handed out in this run.
DATABASES_SEEN: set[str] = set()
PASSAGE = "为做好疫情防控期间党员教育工作，现将学习资料印发给你们。"


def start_or_skip(cluster: Cluster) -> None:
    """Start ``cluster``, or skip (fail under ``CI=true``) as the fixtures do."""
    try:
        cluster.start()
    except ClusterError as exc:
        need_postgres(str(exc))


def need_binaries() -> None:
    bin_dir, reason = find_binaries()
    if bin_dir is None:
        need_postgres(reason)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (init reaps the postmaster late here) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def settings(url: str, *names: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [conn.exec_driver_sql(f"SHOW {name}").scalar_one() for name in names]
    finally:
        engine.dispose()


def test_a_row_with_chinese_text_and_a_timestamptz_round_trips(postgres_url: str) -> None:
    saved_at = dt.datetime(2020, 2, 5, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    metadata = sa.MetaData()
    answers = sa.Table(
        "answers",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    engine = sa.create_engine(postgres_url)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(answers.insert().values(text=PASSAGE, saved_at=saved_at))
        with engine.connect() as conn:
            row = conn.execute(sa.select(answers.c.text, answers.c.saved_at)).one()
    finally:
        engine.dispose()
    assert row.text == PASSAGE
    assert row.saved_at == saved_at
    assert row.saved_at.utcoffset() is not None


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_gets_its_own_empty_database(postgres_url: str, run: str) -> None:
    # Each run leaves a table behind: a database handed out twice would show it to the other.
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            name = conn.exec_driver_sql("SELECT current_database()").scalar_one()
            assert sa.inspect(conn).get_table_names() == []
            conn.exec_driver_sql(f"CREATE TABLE left_by_{run} (id integer)")
    finally:
        engine.dispose()
    assert name not in DATABASES_SEEN
    DATABASES_SEEN.add(name)


def test_a_dropped_database_is_gone_even_with_a_connection_open(postgres_server: Cluster) -> None:
    name = f"t_dropped_{os.getpid()}"
    engine = sa.create_engine(postgres_server.create_database(name))
    conn = engine.connect()
    try:
        postgres_server.drop_database(name)
    finally:
        conn.invalidate()
        engine.dispose()
    with pytest.raises(sa.exc.OperationalError, match=name):
        settings(postgres_server.database_url(name), "server_version")


def test_the_session_server_listens_on_loopback_only_in_fast_mode(postgres_url: str) -> None:
    assert settings(postgres_url, "listen_addresses", "fsync") == ["127.0.0.1", "off"]


def test_a_stopped_cluster_leaves_no_server_and_no_directory() -> None:
    cluster = Cluster()
    start_or_skip(cluster)
    with cluster:
        pid = cluster.pid
        directory = cluster.directory
        assert pid is not None and alive(pid)
        assert directory is not None and directory.is_dir()
        # the benchmark's cluster: real writes, room for its 50 writers, loopback only
        assert settings(cluster.url, "fsync", "max_connections", "listen_addresses") == [
            "on",
            "200",
            "127.0.0.1",
        ]
    assert not alive(pid)
    assert not directory.exists()
    cluster.stop()  # a second stop is harmless
    assert cluster.directory is None


def test_the_ci_command_line_needs_no_packages(tmp_path: Path) -> None:
    need_binaries()
    state = tmp_path / "state.json"
    # -I -S: no site-packages, as under CI's bare python3
    python = [sys.executable, "-I", "-S", str(HARNESS)]
    started = subprocess.run(
        [*python, "start", "--fast", str(state)], capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    saved = json.loads(state.read_text())
    url = started.stdout.strip()
    try:
        assert url == saved["url"]
        assert alive(saved["pid"])  # the server outlived the command that started it
        assert settings(url, "fsync") == ["off"]
    finally:
        stopped = subprocess.run(
            [*python, "stop", str(state)], capture_output=True, text=True, timeout=60
        )
    assert stopped.returncode == 0, stopped.stderr
    assert not alive(saved["pid"])
    assert not Path(saved["directory"]).exists()
    assert not state.exists()
