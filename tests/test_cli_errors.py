"""Issue 11, build item 5: every failure is a message.

The CLI is walked through each command with the bad paths people give it: a
missing path, a file where a folder belongs and the reverse, the current
folder as output, an output that is an input or lies inside one (or holds
one), and a folder that cannot be written. Each must end with exit code 2 and
one ``error:`` line naming the path, and never with a traceback. A few run as
real processes, with the privileges of an ordinary user.

A read-only folder is a real one. As an ordinary user, ``chmod 555`` makes it.
As root, the permission bits do not stop writes, so the in-process tests make
the folder immutable (``chattr +i``), and the subprocess tests run coursekit as
root without the capabilities that let root ignore permissions
(``setpriv --bounding-set -dac_override,...``). Where neither works the tests
skip and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from coursefactory import write_course
from coursekit.cli import main
from coursekit.content import load_course
from coursekit.records import export_record, record_json
from coursekit.store import SQLiteStore

COURSEKIT = shutil.which("coursekit", path=str(Path(sys.executable).parent)) or "coursekit"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# Without these, root is held to a folder's permission bits like anyone else.
DROP_ROOTS_POWERS = ["--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable"]


# --- a workspace with one of everything ---------------------------------------------------------


class Workspace:
    """A course, a records folder with one record, a store with one learner, a packet, junk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.course = write_course(root)
        loaded = load_course(self.course)
        self.records = root / "records"
        self.records.mkdir()
        store = SQLiteStore(memory=True)
        store.add_learner("张三")
        store.mark_read("张三", loaded.id, "a1", at="2020-02-05T08:00:00+00:00")
        self.record = self.records / "zhangsan.json"
        self.record.write_text(record_json(export_record(loaded, store, "张三")), "utf-8")
        store.close()
        self.store = root / "learner.sqlite3"
        disk = SQLiteStore(self.store)
        disk.add_learner("张三")
        disk.mark_read("张三", loaded.id, "a1", at="2020-02-05T08:00:00+00:00")
        disk.close()
        self.packets = root / "packets"
        self.packets.mkdir()
        self.packet = self.packets / "packet.txt"
        self.packet.write_text(_PACKET, "utf-8")
        self.file = root / "notes.txt"
        self.file.write_text("a trainer's notes", "utf-8")
        self.folder = root / "a-folder"
        self.folder.mkdir()
        self.missing = root / "no-such-thing"
        self.notebook = root / "mine.ipynb"
        self.notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4}', "utf-8")


_PACKET = "\n\n".join(
    [
        "某区委组织部",
        "关于开展学习的工作提示",
        "学习采取个人自学方式进行，时间不作统一安排。",
        "某区委组织部",
        "2020年2月4日",
        "附件一",
        "第一份材料的标题",
        "来源：新华网 发布时间：2020年1月1日",
        "第一份材料的第一段。",
        "第一份材料的第二段。",
    ]
)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path)


def _cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _assert_error(result: Result, *names: str | Path, code: int = 2) -> str:
    """Exit ``code``, no traceback, and an ``error:`` line on stderr that names ``names``."""
    shown = result.output
    assert result.exit_code == code, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in shown and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    wanted = [str(n) for n in names]
    matching = [line for line in errors if all(n in line for n in wanted)]
    assert matching, f"no error line naming {wanted}: {result.stderr!r}"
    return matching[0]


# --- every command x bad paths ------------------------------------------------------------------

Case = Callable[[Workspace], tuple[list[str | Path], list[str | Path]]]

CASES: dict[str, Case] = {
    # validate
    "validate: missing course": lambda w: (["validate", w.missing], [w.missing]),
    "validate: a file as course": lambda w: (["validate", w.file], [w.file.name]),
    # schema
    "schema: --out a file": lambda w: (["schema", "--out", w.file], [w.file.name]),
    "schema: --out under a file": lambda w: (
        ["schema", "--out", w.file / "schema"],
        [w.file / "schema"],
    ),
    # ingest
    "ingest: missing packet": lambda w: (
        ["ingest", w.missing, "--out", w.root / "c"],
        [w.missing],
    ),
    "ingest: a folder as packet": lambda w: (
        ["ingest", w.folder, "--out", w.root / "c"],
        [w.folder.name],
    ),
    "ingest: --out a file": lambda w: (["ingest", w.packet, "--out", w.file], [w.file.name]),
    # build
    "build: missing course": lambda w: (["build", w.missing, "--out", w.root / "nb"], [w.missing]),
    "build: --out a file": lambda w: (["build", w.course, "--out", w.file], [w.file.name]),
    "build: --out .": lambda w: (["build", w.course, "--out", "."], ["."]),
    "build: --out the course": lambda w: (["build", w.course, "--out", w.course], [w.course]),
    "build: --out inside the course": lambda w: (
        ["build", w.course, "--out", w.course / "modules"],
        [w.course / "modules"],
    ),
    "build: --out holds the course": lambda w: (["build", w.course, "--out", w.root], [w.root]),
    "build: --out under a file": lambda w: (
        ["build", w.course, "--out", w.file / "nb"],
        [w.file / "nb"],
    ),
    "build: --out someone's folder": lambda w: (
        ["build", w.course, "--out", w.packets],
        [w.packets],
    ),
    # publish (every check comes before a kernel starts)
    "publish: missing course": lambda w: (["publish", w.missing, "-q"], [w.missing]),
    "publish: --out a file": lambda w: (["publish", w.course, "--out", w.file], [w.file.name]),
    "publish: --out .": lambda w: (["publish", w.course, "--out", ".", "-q"], ["."]),
    "publish: --out the course": lambda w: (
        ["publish", w.course, "--out", w.course, "-q"],
        [w.course],
    ),
    "publish: --out inside the course": lambda w: (
        ["publish", w.course, "--out", w.course / "site", "-q"],
        [w.course / "site"],
    ),
    "publish: --out holds the course": lambda w: (
        ["publish", w.course, "--out", w.root, "-q"],
        [w.root],
    ),
    "publish: --out the build folder": lambda w: (
        ["publish", w.course, "--out", w.root / "build", "--build-dir", w.root / "build", "-q"],
        [w.root / "build"],
    ),
    "publish: --build-dir inside the course": lambda w: (
        ["publish", w.course, "--out", w.root / "site", "--build-dir", w.course / "b", "-q"],
        [w.course / "b"],
    ),
    "publish: --build-dir under a file": lambda w: (
        ["publish", w.course, "--out", w.root / "site", "--build-dir", w.file / "b", "-q"],
        [w.file / "b"],
    ),
    "publish: --out under a file": lambda w: (
        ["publish", w.course, "--out", w.file / "site", "-q"],
        [w.file / "site"],
    ),
    "publish: --out someone's folder": lambda w: (
        ["publish", w.course, "--out", w.packets, "--force", "-q"],
        [w.packets],
    ),
    # report
    "report: missing records": lambda w: (
        ["report", w.missing, "--course", w.course, "--out", w.root / "r"],
        [w.missing],
    ),
    "report: missing course": lambda w: (
        ["report", w.records, "--course", w.missing, "--out", w.root / "r"],
        [w.missing],
    ),
    "report: a file as course": lambda w: (
        ["report", w.records, "--course", w.file, "--out", w.root / "r"],
        [w.file.name],
    ),
    "report: --out .": lambda w: (["report", w.records, "--course", w.course, "--out", "."], ["."]),
    "report: --out a file": lambda w: (
        ["report", w.records, "--course", w.course, "--out", w.file],
        [w.file.name],
    ),
    "report: --out the records": lambda w: (
        ["report", w.records, "--course", w.course, "--out", w.records],
        [w.records],
    ),
    "report: --out the course": lambda w: (
        ["report", w.records, "--course", w.course, "--out", w.course],
        [w.course],
    ),
    "report: --out holds a record": lambda w: (
        ["report", w.record, "--course", w.course, "--out", w.records, "--force"],
        [w.records],
    ),
    "report: --out under a file": lambda w: (
        ["report", w.records, "--course", w.course, "--out", w.file / "r"],
        [w.file / "r"],
    ),
    "report: --out someone's folder": lambda w: (
        ["report", w.records, "--course", w.course, "--out", w.packets, "--force"],
        [w.packets],
    ),
    # record export
    "record export: missing course": lambda w: (
        ["record", "export", "--out", w.root / "r.json", "--course", w.missing, "--store", w.store],
        [w.missing],
    ),
    "record export: --out a folder": lambda w: (
        ["record", "export", "--out", w.folder, "--course", w.course, "--store", w.store],
        [w.folder.name],
    ),
    "record export: --out someone's file": lambda w: (
        ["record", "export", "--out", w.file, "--course", w.course, "--store", w.store],
        [w.file],
    ),
    "record export: --out the store": lambda w: (
        ["record", "export", "--out", w.store, "--course", w.course, "--store", w.store],
        [w.store],
    ),
    "record export: --out under a file": lambda w: (
        ["record", "export", "--out", w.file / "r.json", "--course", w.course, "--store", w.store],
        [w.file / "r.json"],
    ),
    "record export: --out an .html": lambda w: (
        ["record", "export", "--out", w.root / "r.html", "--course", w.course, "--store", w.store],
        [w.root / "r.html"],
    ),
    # record import
    "record import: missing file": lambda w: (
        ["record", "import", w.missing, "--course", w.course, "--store", w.store],
        [w.missing],
    ),
    "record import: a folder": lambda w: (
        ["record", "import", w.folder, "--course", w.course, "--store", w.store],
        [w.folder.name],
    ),
    "record import: missing course": lambda w: (
        ["record", "import", w.record, "--course", w.missing, "--store", w.store],
        [w.missing],
    ),
    "record import: not a record": lambda w: (
        ["record", "import", w.file, "--course", w.course, "--store", w.store],
        [w.file],
    ),
    # strip
    "strip: missing file": lambda w: (["strip", w.missing], [w.missing]),
    "strip: a folder": lambda w: (["strip", w.folder], [w.folder]),
    "strip: not a notebook": lambda w: (["strip", w.file], [w.file]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_bad_path_is_one_error_line_and_exit_2(ws: Workspace, case: str) -> None:
    before = _snapshot(ws.root)
    args, names = CASES[case](ws)
    _assert_error(_cli(*args), *names)
    after = _snapshot(ws.root)
    # Nothing anyone had was changed or removed (a refused command may leave no new file either,
    # apart from the store's and coursekit's home, which opening a store creates).
    assert {k: v for k, v in before.items() if k in after} == before
    assert {k for k in after if k not in before} <= {"home"}


def _snapshot(root: Path) -> dict[str, bytes | None]:
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("home", "learner.sqlite3")):
            continue
        found[rel] = path.read_bytes() if path.is_file() else None
    return found


# --- defects of issue 11: tracebacks and exit 0 ---------------------------------------------------


def test_report_on_a_missing_records_path_exits_2_naming_it(ws: Workspace) -> None:
    result = _cli("report", ws.records, ws.missing, "--course", ws.course, "--out", ws.root / "r")
    assert _assert_error(result, ws.missing) == f"error: {ws.missing}: no such file or folder"
    assert not (ws.root / "r").exists()  # checked before anything was read or written


def test_report_out_dot_is_a_message(ws: Workspace) -> None:
    result = _cli("report", ws.records, "--course", ws.course, "--out", ".")
    assert _assert_error(result) == "error: .: name a folder of its own for the output, not '.'"


def test_report_on_a_course_without_checkpoints(ws: Workspace) -> None:
    for name in ("modules/overview.yaml", "modules/a1.yaml", "exercises.yaml"):
        path = ws.course / name
        data = yaml.safe_load(path.read_text("utf-8"))
        data["checkpoints"] = []
        path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    result = _cli("report", ws.records, "--course", ws.course, "--out", ws.root / "r")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "1 records used, 0 skipped" in result.output
    assert "read every module: 0 of 1 learners" in result.output
    assert "hardest checkpoint" not in result.output


def test_an_unexpected_error_is_one_line_too(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("something coursekit did not expect")

    monkeypatch.setattr("coursekit.content.load_course", broken)
    result = _cli("validate", ws.course)
    line = _assert_error(result, "TypeError", "something coursekit did not expect", code=1)
    assert "a bug in coursekit" in line and "COURSEKIT_DEBUG=1" in line


# --- read-only folders ------------------------------------------------------------------------


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` really read-only for this process, or skip the test."""
    if not IS_ROOT:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("as root only an immutable folder is read-only, and chattr is missing")
    made = subprocess.run([chattr, "+i", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"as root only an immutable folder is read-only: {made.stderr.strip()}")
    try:
        probe = folder / "probe"
        with pytest.raises(OSError):
            probe.write_text("x")
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


@pytest.mark.parametrize("command", ["publish", "report", "build", "schema", "record export"])
def test_a_read_only_output_folder_fails_at_once(ws: Workspace, command: str) -> None:
    out = ws.root / "out"
    out.mkdir()
    args: list[str | Path] = {
        "publish": ["publish", ws.course, "--out", out, "--build-dir", ws.root / "b", "-q"],
        "report": ["report", ws.records, "--course", ws.course, "--out", out],
        "build": ["build", ws.course, "--out", out],
        "schema": ["schema", "--out", out],
        "record export": [
            *("record", "export", "--course", ws.course, "--store", ws.store),
            *("--out", out / "r.json"),
        ],
    }[command]
    with read_only(out):
        started = time.monotonic()
        result = _cli(*args)
        seconds = time.monotonic() - started
    line = _assert_error(result, out)
    assert "Permission denied" in line or "Operation not permitted" in line or "Read-only" in line
    assert list(out.iterdir()) == []
    assert seconds < 5, f"took {seconds:.1f} s: the check came after the work"
    assert not (ws.root / "b" / "demo").is_dir() or not list((ws.root / "b" / "demo").iterdir())


def test_a_read_only_build_folder_fails_before_any_kernel(ws: Workspace) -> None:
    build = ws.root / "build"
    build.mkdir()
    with read_only(build):
        started = time.monotonic()
        result = _cli("publish", ws.course, "--out", ws.root / "site", "--build-dir", build, "-q")
        seconds = time.monotonic() - started
    _assert_error(result, build / "demo")
    assert seconds < 5 and not (ws.root / "site").exists()


USED_NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {}, '
    '"outputs": [{"name": "stdout", "output_type": "stream", "text": ["王小明\\n"]}], '
    '"source": ["print(1)"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
)


def test_strip_checks_every_folder_before_it_rewrites_any_file(ws: Workspace) -> None:
    locked = ws.root / "locked"
    locked.mkdir()
    (locked / "a.ipynb").write_text(USED_NOTEBOOK, "utf-8")
    (ws.root / "b.ipynb").write_text(USED_NOTEBOOK, "utf-8")
    with read_only(locked):
        result = _cli("strip", ws.root / "b.ipynb", locked / "a.ipynb")
    _assert_error(result, locked / "a.ipynb", "cannot be rewritten")
    assert (locked / "a.ipynb").read_text("utf-8") == USED_NOTEBOOK
    assert (ws.root / "b.ipynb").read_text("utf-8") == USED_NOTEBOOK  # all or nothing


# --- as a real process, with an ordinary user's powers -------------------------------------------


def _run(
    *args: str | Path, cwd: Path, unprivileged: bool = False
) -> subprocess.CompletedProcess[str]:
    command = [COURSEKIT, *map(str, args)]
    if unprivileged and IS_ROOT:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot drop root's powers")
        command = [setpriv, *DROP_ROOTS_POWERS, *command]
    env = {**os.environ, "COURSEKIT_HOME": str(cwd / "home")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _assert_process_error(done: subprocess.CompletedProcess[str], *names: str | Path) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    matching = [line for line in lines if all(str(n) in line for n in names)]
    assert matching, done.stderr
    return matching[0]


def test_a_real_process_missing_records_and_out_dot(ws: Workspace) -> None:
    done = _run("report", ws.missing, "--course", ws.course, cwd=ws.root)
    _assert_process_error(done, ws.missing)
    done = _run("publish", ws.course, "--out", ".", "-q", cwd=ws.root)
    _assert_process_error(done, "name a folder of its own")


def test_a_real_process_publishing_into_a_read_only_folder_fails_in_the_first_second(
    ws: Workspace,
) -> None:
    site = ws.root / "site"
    site.mkdir()
    site.chmod(0o555)
    try:
        probe = _run("schema", "--out", site / "x", cwd=ws.root, unprivileged=True)
        if probe.returncode == 0:
            pytest.skip("this process can write into a 0555 folder: cannot test read-only here")
        started = time.monotonic()
        done = _run("publish", ws.course, "--out", site, "-q", cwd=ws.root, unprivileged=True)
        seconds = time.monotonic() - started
    finally:
        site.chmod(0o755)
    line = _assert_process_error(done, site)
    assert "cannot write here (Permission denied)" in line
    # The interpreter starts and imports in this time; no kernel was started.
    assert seconds < 5, f"{seconds:.1f} s"
    assert list(site.iterdir()) == []


def test_a_real_process_reading_an_unreadable_course(ws: Workspace) -> None:
    (ws.course / "course.yaml").chmod(0o000)
    try:
        done = _run("validate", ws.course, cwd=ws.root, unprivileged=True)
    finally:
        (ws.course / "course.yaml").chmod(0o644)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    assert "course.yaml" in done.stderr and "error: " in done.stderr
