"""Issue 10, defects 1 and 8: publishing from a warm cache, and publishes that are stopped or fail.

The warm-cache tests copy the build folder of the session's one publish of the
bundled course (``test_publish.bundled_site``) and render from it, which starts
no kernel. The signal tests run ``coursekit publish`` as a real process in a
session of its own, wait until its kernels run, send the signal, and then
watch every process that ever descended from it through ``/proc``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coursekit.cli import main
from coursekit.content import load_course
from coursekit.outputs import MANIFEST
from test_publish import bundled_site

COURSEKIT = shutil.which("coursekit", path=str(Path(sys.executable).parent)) or "coursekit"
# The signal tests watch processes through /proc and rely on PR_SET_PDEATHSIG.
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")
# The appendix cell gets a random id each time a page is rendered.
CELL_ID = re.compile(r'id="cell-id=[0-9a-f]+"')


def _warm_build(tmp_path: Path) -> Path:
    """A copy of a build folder whose notebooks are all current: publishing it executes nothing."""
    published = bundled_site()
    assert published.summary.errors == []
    build = tmp_path / "build"
    shutil.copytree(published.build, build)
    return build


def _old_site(tmp_path: Path) -> Path:
    """A copy of the bundled course's site, as a previous publish left it.

    Its manifest says the pages were rendered from other inputs (as after an
    upgrade of coursekit), so that a publish over it renders every page again.
    """
    site = tmp_path / "site"
    shutil.copytree(bundled_site().site, site)
    manifest = json.loads((site / MANIFEST).read_text("utf-8"))
    manifest["pages"] = {rel: "rendered by an older coursekit" for rel in manifest["pages"]}
    (site / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    return site


def _publish_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["publish", *map(str, args), "-q"])


def _pages(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*.html"))}


def _assert_the_whole_course_is_published(site: Path) -> None:
    """Every page is the real one: as published straight after executing, and no placeholder."""
    course = load_course()
    pages = _pages(site)
    expected = _pages(bundled_site().site)
    assert sorted(pages) == sorted(expected)
    for rel, data in expected.items():
        assert CELL_ID.sub("", pages[rel].decode()) == CELL_ID.sub("", data.decode()), rel
    index = pages["index.html"].decode()
    assert "本篇暂未生成" not in index
    for module in course.modules:
        assert f'id="ck-m-{module.id}"' in pages[f"handout/{module.id}.html"].decode()


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)
    return child.pid


# --- defect 1: a warm cache -------------------------------------------------------------------


@pytest.mark.kernel
def test_defect1_warm_cache_new_out(tmp_path: Path) -> None:
    build = _warm_build(tmp_path)
    site = tmp_path / "elsewhere"
    result = _publish_cli("--out", site, "--build-dir", build)
    assert result.exit_code == 0, result.output
    assert "0 executed, 10 from cache, 30 pages rendered" in result.output
    assert "error" not in result.output
    assert f"Open {site / 'index.html'} in a browser" in result.output
    _assert_the_whole_course_is_published(site)


@pytest.mark.kernel
def test_defect1_warm_cache_after_site_deleted(tmp_path: Path) -> None:
    build = _warm_build(tmp_path)
    site = tmp_path / "site"
    assert _publish_cli("--out", site, "--build-dir", build).exit_code == 0
    shutil.rmtree(site)
    result = _publish_cli("--out", site, "--build-dir", build)
    assert result.exit_code == 0, result.output
    assert "0 executed, 10 from cache, 30 pages rendered" in result.output
    assert "error" not in result.output
    _assert_the_whole_course_is_published(site)


def _full_disk(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """Writing into a temporary site fails with ENOSPC after ``after`` pages."""
    real = Path.write_bytes
    written = 0

    def write_bytes(self: Path, data: bytes) -> int:
        nonlocal written
        if ".site.tmp-" in str(self):
            written += 1
            if written > after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


@pytest.mark.kernel
def test_defect1_warm_cache_after_failed_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _warm_build(tmp_path)
    site = tmp_path / "site"
    with monkeypatch.context() as patch:
        _full_disk(patch, after=7)
        failed = _publish_cli("--out", site, "--build-dir", build)
    assert failed.exit_code == 1, failed.output
    result = _publish_cli("--out", site, "--build-dir", build)
    assert result.exit_code == 0, result.output
    assert "0 executed, 10 from cache, 30 pages rendered" in result.output
    _assert_the_whole_course_is_published(site)


@pytest.mark.kernel
def test_defect1_no_open_line_when_nothing_was_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _warm_build(tmp_path)
    site = _old_site(tmp_path)
    before = _pages(site)

    def broken(*args: object, **kwargs: object) -> str:
        raise TypeError("expected string or bytes-like object, got 'list'")

    # The workers are forked from this process: they render with this.
    monkeypatch.setattr("coursekit.render.render_module", broken)
    result = _publish_cli("--out", site, "--build-dir", build)
    assert result.exit_code == 1, result.output
    assert result.output.count("error: module ") == 10
    assert "10 failed, 0 pages rendered" in result.output
    assert f"Nothing was published: {site} was left as it was." in result.output
    assert "Open" not in result.output
    assert "Traceback" not in result.output
    assert _pages(site) == before
    assert _debris(tmp_path) == []


# --- defect 8: failed publishes ------------------------------------------------------------------


@pytest.mark.kernel
def test_defect8_full_disk_removes_the_temporary_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _warm_build(tmp_path)
    site = _old_site(tmp_path)
    before = _pages(site)
    _full_disk(monkeypatch, after=12)
    for _ in range(2):  # a retry adds nothing either
        result = _publish_cli("--out", site, "--build-dir", build)
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        [error] = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert re.fullmatch(
            rf"error: could not write the site: No space left on device: "
            rf"{re.escape(str(tmp_path))}/\.site\.tmp-{os.getpid()}/\w+/\w+\.html; "
            rf"{re.escape(str(site))} was left as it was",
            error,
        ), error
        assert "Traceback" not in result.output
        assert _debris(tmp_path) == []
        assert _pages(site) == before


@pytest.mark.kernel
def test_defect8_a_failed_swap_keeps_the_old_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = _warm_build(tmp_path)
    site = _old_site(tmp_path)
    before = _pages(site)
    real = Path.rename

    def rename(self: Path, target: str | Path) -> Path:
        if self.name.startswith(".site.tmp-"):
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    result = _publish_cli("--out", site, "--build-dir", build)
    assert result.exit_code == 1, result.output
    assert "error: could not write the site: Permission denied" in result.output
    assert "Traceback" not in result.output
    assert _pages(site) == before
    assert _debris(tmp_path) == []
    assert _debris(build / load_course().id) == []


@pytest.mark.kernel
def test_defect8_next_publish_removes_what_killed_publishes_left(tmp_path: Path) -> None:
    build = _warm_build(tmp_path)
    site = tmp_path / "site"
    assert _publish_cli("--out", site, "--build-dir", build).exit_code == 0
    work = build / load_course().id
    dead = _dead_pid()
    # Killed between the two renames of a swap: the site is in .site.old-PID ...
    site.rename(tmp_path / f".site.old-{dead}")
    (tmp_path / f".site.tmp-{dead}" / "handout").mkdir(parents=True)
    (tmp_path / f".site.tmp-{dead}" / "handout" / "a1.html").write_text("half", "utf-8")
    (work / f".site.json.tmp-{dead}").write_text("{", "utf-8")
    (work / f".02-a1.ipynb.tmp-{dead}").write_text("{", "utf-8")
    # ... while these belong to a publish still running, or to the user.
    alive = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / f".site.tmp-{alive.pid}").mkdir()
        (tmp_path / ".site.notes").mkdir()
        (tmp_path / "site.tmp-1").mkdir()
        result = _publish_cli("--out", site, "--build-dir", build)
    finally:
        alive.kill()
        alive.wait()
    assert result.exit_code == 0, result.output
    # The old site went back in place, and it is current: nothing to render.
    assert "(already up to date)" in result.output
    _assert_the_whole_course_is_published(site)
    assert _debris(tmp_path) == [f".site.tmp-{alive.pid}", "site.tmp-1"]
    assert (tmp_path / ".site.notes").is_dir()
    assert _debris(work) == []


def test_defect8_write_atomic_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursekit.atomic import write_atomic

    manifest = tmp_path / "site.json"
    manifest.write_text('{"old": true}', "utf-8")
    real = Path.write_bytes

    def half_then_full_disk(self: Path, data: bytes) -> int:
        real(self, data[:3])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", half_then_full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(manifest, '{"new": true, "pages": {}}')
    monkeypatch.undo()
    assert manifest.read_text("utf-8") == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.json"]


# --- defect 8: signals on a real publish ----------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _scan(root: int, seen: dict[tuple[int, str], str]) -> None:
    """Add every live descendant of ``root`` and every process of its session to ``seen``."""
    parents: dict[int, int] = {}
    sessions: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
            sessions[int(entry.name)] = int(fields[3])
    family = {root} | {pid for pid, sid in sessions.items() if sid == root}
    grew = True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in family} - family
        family |= more
        grew = bool(more)
    for pid in family - {root}:
        fields = _stat(pid)
        if fields is not None:
            # Read again each time: a kernel shows the worker's command line until it execs.
            seen[(pid, fields[19])] = _cmdline(pid) or seen.get((pid, fields[19]), "")


def _running(seen: dict[tuple[int, str], str]) -> dict[int, str]:
    """The processes of ``seen`` still running: same start time, and not a zombie."""
    alive = {}
    for (pid, started), cmd in seen.items():
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] not in "ZX":
            alive[pid] = cmd
    return alive


def _kernels(seen: dict[tuple[int, str], str]) -> int:
    return sum("ipykernel_launcher" in cmd for cmd in _running(seen).values())


def _publish_until_kernels_run(tmp_path: Path) -> tuple[subprocess.Popen[str], dict, Path]:
    """``coursekit publish -j 2`` of the bundled course over an old site; returns once 2 kernels run."""
    site = _old_site(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp_path / "home").mkdir()
    env = {**os.environ, "COURSEKIT_HOME": str(tmp_path / "home"), "TMPDIR": str(tmp)}
    build = tmp_path / "build"
    command = [COURSEKIT, "publish", "--out", site, "--build-dir", build, "-j", "2", "-q"]
    proc = subprocess.Popen(
        [str(arg) for arg in command],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal's process group and session of its own
    )
    seen: dict[tuple[int, str], str] = {}
    deadline = time.monotonic() + 90
    while _kernels(seen) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the kernels did not start"
        _scan(proc.pid, seen)
        time.sleep(0.05)
    return proc, seen, site


def _wait_until_nothing_runs(
    proc: subprocess.Popen[str], seen: dict, seconds: float
) -> tuple[float, dict[int, str]]:
    started = time.monotonic()
    while proc.poll() is None and time.monotonic() - started < seconds:
        _scan(proc.pid, seen)  # anything started while it stops counts too
        time.sleep(0.05)
    while _running(seen) and time.monotonic() - started < seconds:
        time.sleep(0.05)
    return time.monotonic() - started, _running(seen)


def _assert_nothing_left(tmp_path: Path, site_before: dict[str, bytes], site: Path) -> None:
    assert _pages(site) == site_before
    assert _debris(tmp_path) == []
    assert list((tmp_path / "tmp").iterdir()) == []  # worker folders, kernel connection files
    assert list((tmp_path / "home").iterdir()) == []
    work = tmp_path / "build" / load_course().id
    assert not list(work.glob("*.failed.ipynb")), "an interrupted run is not a failed module"
    assert _debris(work) == []


@pytest.mark.kernel
@linux_only
@pytest.mark.parametrize(
    ("signum", "to_group", "how"),
    [(signal.SIGINT, True, "Ctrl-C"), (signal.SIGTERM, False, "SIGTERM")],
    ids=["ctrl_c", "sigterm"],
)
def test_defect8_ctrl_c_and_sigterm_leave_nothing(
    tmp_path: Path, signum: int, to_group: bool, how: str
) -> None:
    proc, seen, site = _publish_until_kernels_run(tmp_path)
    before = _pages(bundled_site().site)
    assert len(_running(seen)) >= 4, _running(seen)  # two workers, two kernels
    if to_group:
        os.killpg(proc.pid, signum)  # what Ctrl-C in a terminal does
    else:
        os.kill(proc.pid, signum)
    seconds, left = _wait_until_nothing_runs(proc, seen, 30)
    assert left == {}, f"still running {seconds:.1f} s after {how}: {left}"
    out, err = proc.communicate(timeout=5)
    assert proc.returncode == 128 + signum, (out, err)
    assert err.splitlines() == [f"error: publish stopped by {how}; {site} was left as it was"]
    _assert_nothing_left(tmp_path, before, site)


@pytest.mark.kernel
@linux_only
def test_defect8_kill_9_workers_and_kernels_exit_on_their_own(tmp_path: Path) -> None:
    proc, seen, site = _publish_until_kernels_run(tmp_path)
    before = _pages(bundled_site().site)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)
    # Orphans are not reaped on every machine: a zombie has exited, and counts as gone.
    seconds, left = _wait_until_nothing_runs(proc, seen, 15)
    assert left == {}, f"still running {seconds:.1f} s after kill -9: {left}"
    _assert_nothing_left(tmp_path, before, site)


@pytest.mark.kernel
@linux_only
def test_defect8_a_killed_worker_leaves_nothing(tmp_path: Path) -> None:
    proc, seen, site = _publish_until_kernels_run(tmp_path)
    before = _pages(bundled_site().site)
    worker = next(pid for pid, cmd in _running(seen).items() if "coursekit publish" in cmd)
    os.kill(worker, signal.SIGKILL)  # as the out-of-memory killer would
    seconds, left = _wait_until_nothing_runs(proc, seen, 30)
    assert left == {}, f"still running {seconds:.1f} s after a worker was killed: {left}"
    out, err = proc.communicate(timeout=5)
    assert proc.returncode == 1, (out, err)
    assert "BrokenProcessPool" in err and "Traceback" not in err
    assert f"Nothing was published: {site} was left as it was." in out
    _assert_nothing_left(tmp_path, before, site)
