"""Issue 11, done-when: no coursekit command deletes a file it did not write.

Every command that writes a folder (publish, report, build, ingest) is run
against a folder a user seeded with files of their own, a subfolder and an
empty folder:

1. seeded before the first run: the folder is refused, with and without
   ``--force``, and nothing in it changes;
2. written by the command, then seeded (one file inside a subfolder the command
   writes too), then run again after an edit of its input, and again with
   ``--force``: the user's files come through byte-identical, the command's own
   files are there, and the command says what it kept.

``record export`` writes two files rather than a folder: a user's file at either
name is refused and kept. The publish runs share one publish of the two-module
factory course: its copies take their executed notebooks from the cache.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coursefactory import write_course
from coursekit.cli import main
from coursekit.content import load_course
from coursekit.outputs import MANIFEST, sha256
from coursekit.records import export_record, record_json
from coursekit.store import SQLiteStore

USER_FILES = {
    "robots.txt": b"User-agent: *\nDisallow: /drafts/\n",
    "CNAME": b"study.example.org\n",
    "downloads/packet-2020-02.pdf": b"%PDF-1.4 the packet as issued\n",
    "downloads/notes/branch.md": "# 支部的说明\n".encode(),
}
USER_EMPTY_FOLDER = "drafts"
MY_NOTEBOOK = (
    json.dumps(
        {
            "cells": [{"cell_type": "markdown", "id": "n1", "metadata": {}, "source": ["笔记"]}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        ensure_ascii=False,
    ).encode()
    + b"\n"
)


def _seed(folder: Path, inside: str | None = None) -> dict[str, bytes]:
    """Put the user's files into ``folder`` (one also into the command's subfolder ``inside``)."""
    files = dict(USER_FILES)
    if inside is not None:
        files[f"{inside}/my-own.txt"] = "培训者自己的文件\n".encode()
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    (folder / USER_EMPTY_FOLDER).mkdir(exist_ok=True)
    return files


def _assert_kept(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        assert (folder / rel).read_bytes() == data, rel
    assert (folder / USER_EMPTY_FOLDER).is_dir()


def _everything(folder: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@dataclass
class Command:
    """How to run one command into ``out``, and what it writes there."""

    out: Path
    run: Callable[..., Result]  # run(*extra args) -> result
    edit: Callable[[], None]  # change the input, so that the next run writes something new
    own: list[str]  # files the command writes, relative to ``out``
    inside: str | None  # a subfolder the command writes into, where the user puts a file too


def _runner(*args: str | Path) -> Callable[..., Result]:
    return lambda *extra: CliRunner().invoke(main, [*map(str, args), *extra])


def _append(path: Path, text: str) -> Callable[[], None]:
    return lambda: path.write_text(path.read_text("utf-8") + f"\n{text}\n", encoding="utf-8")


def _record(course: Path, learner: str) -> str:
    loaded = load_course(course)
    store = SQLiteStore(memory=True)
    store.add_learner(learner)
    store.mark_read(learner, loaded.id, "a1", at="2020-02-05T08:00:00+00:00")
    text = record_json(export_record(loaded, store, learner))
    store.close()
    return text


# --- publish shares one real publish --------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The factory course published once: ``course/``, ``site/`` and ``build/`` in one folder."""
    root = tmp_path_factory.mktemp("published")
    course = write_course(root)
    result = CliRunner().invoke(
        main,
        [
            *("publish", str(course), "--out", str(root / "site")),
            *("--build-dir", str(root / "build"), "-q", "-j", "2"),
        ],
    )
    assert result.exit_code == 0, result.output
    return root


def _copy_of(published: Path, tmp_path: Path) -> Path:
    for name in ("course", "site", "build"):
        shutil.copytree(published / name, tmp_path / name, symlinks=True)
    return tmp_path


PAGES = [f"{v}/{m}.html" for v in ("handout", "worksheet", "trainer") for m in ("overview", "a1")]
INDEXES = ["index.html", "trainer/index.html"]  # the learners' index and the trainers'


def _publish(tmp_path: Path) -> Command:
    course, site = tmp_path / "course", tmp_path / "site"
    return Command(
        site,
        _runner("publish", course, "--out", site, "--build-dir", tmp_path / "build", "-q"),
        _append(course / "modules" / "a1.md", "发布之后又补充的一段文字。"),
        [*INDEXES, *PAGES],
        "handout",
    )


def _report(tmp_path: Path) -> Command:
    course = write_course(tmp_path)
    records = tmp_path / "records"
    records.mkdir()
    (records / "zhangsan.json").write_text(_record(course, "张三"), "utf-8")
    tables = (
        "completion",
        "checkpoints",
        "reading",
        "reflections",
        "branches",
        "records",
        "retired",
    )
    return Command(
        tmp_path / "report",
        _runner("report", records, "--course", course, "--out", tmp_path / "report"),
        lambda: (records / "lisi.json").write_text(_record(course, "李四"), "utf-8"),
        [".gitignore", "index.html", "skipped.csv", *(f"{t}.csv" for t in tables)],
        None,
    )


def _build(tmp_path: Path) -> Command:
    course = write_course(tmp_path)
    # The default --out: notebooks/ beside the course folder, as in the repository.
    return Command(
        tmp_path / "notebooks",
        _runner("build", course),
        _append(course / "modules" / "a1.md", "补充的一段文字。"),
        ["01-overview.ipynb", "02-a1.ipynb", "trainer.ipynb"],
        None,
    )


PACKET = "\n\n".join(
    [
        "某区委组织部",
        "关于开展学习的工作提示",
        "学习采取个人自学方式进行，时间不作统一安排。",
        "某区委组织部",
        "2020年2月4日",
        "附件一",
        "第一份材料的标题",
        "来源：新华网 发布时间：2020年1月1日",
        "第一份材料的第一段，会议在28日召开。",
        "第一份材料的第二段。",
    ]
)


def _ingest(tmp_path: Path) -> Command:
    packet = tmp_path / "packets" / "packet.txt"
    packet.parent.mkdir()
    packet.write_text(PACKET + "\n", encoding="utf-8")
    return Command(
        tmp_path / "course",
        _runner("ingest", packet, "--out", tmp_path / "course"),
        _append(packet, "第一份材料的第三段。"),
        ["course.yaml", "modules/overview.md", "modules/a1.md", "INGEST-REPORT.md"],
        "modules",
    )


COMMANDS: dict[str, Callable[[Path], Command]] = {
    "publish": _publish,
    "report": _report,
    "build": _build,
    "ingest": _ingest,
}


def _command(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Command:
    if name == "publish":
        _copy_of(request.getfixturevalue("published"), tmp_path)
    return COMMANDS[name](tmp_path)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_folder_a_user_filled_is_refused_with_and_without_force(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    command = _command(name, tmp_path, request)
    if name == "publish":
        shutil.rmtree(command.out)
    command.out.mkdir()
    files = _seed(command.out)
    before = _everything(command.out)
    for extra in ([], ["--force"]):
        result = command.run(*extra)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert f"error: {command.out}" in result.stderr
        assert "not written by coursekit" in result.stderr
        assert _everything(command.out) == before
    _assert_kept(command.out, files)


@pytest.mark.parametrize(
    "name",
    [
        *(n for n in sorted(COMMANDS) if n != "publish"),
        pytest.param("publish", marks=pytest.mark.kernel),
    ],
)
def test_a_users_files_survive_every_run_with_and_without_force(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    command = _command(name, tmp_path, request)
    if name != "publish":
        _ok(command.run())
    files = _seed(command.out, command.inside)
    if name == "build":  # build looks at notebooks only: one of the user's own is there too
        files["07-my-notes.ipynb"] = MY_NOTEBOOK
        (command.out / "07-my-notes.ipynb").write_bytes(MY_NOTEBOOK)
    for extra in ([], ["--force"]):
        command.edit()
        result = command.run(*extra)
        if name == "ingest" and not extra:
            # ingest merges a packet into a course only when told to: refused, nothing changed
            assert result.exit_code == 2 and "use --force" in result.stderr, result.output
            _assert_kept(command.out, files)
            continue
        _ok(result)
        _assert_kept(command.out, files)
        for rel in command.own:
            assert (command.out / rel).is_file(), (rel, extra)
        said = "07-my-notes.ipynb" if name == "build" else "CNAME"
        assert said in result.output, result.output  # it says what it left
        owned = json.loads((command.out / MANIFEST).read_text("utf-8")) if name != "build" else {}
        assert not set(files) & set(owned.get("files", {})), "a user's file in the manifest"


@pytest.mark.kernel
def test_republish_after_an_edit_keeps_what_the_publisher_added(
    published: Path, tmp_path: Path
) -> None:
    """The defect as reported: robots.txt, CNAME and downloads/ went with a republish."""
    root = _copy_of(published, tmp_path)
    site = root / "site"
    files = _seed(site, "handout")
    _append(root / "course" / "modules" / "a1.md", "发布之后又补充的一段文字。")()
    result = _ok(
        CliRunner().invoke(
            main,
            [
                *("publish", str(root / "course"), "--out", str(site)),
                *("--build-dir", str(root / "build"), "-q"),
            ],
        )
    )
    assert "1 executed, 1 from cache" in result.output
    assert "发布之后又补充的一段文字" in (site / "handout" / "a1.html").read_text("utf-8")
    _assert_kept(site, files)
    [kept] = [line for line in result.output.splitlines() if line.startswith("Kept ")]
    assert kept.startswith(f"Kept what coursekit did not write in {site}: ")
    assert kept.endswith(" and 1 more.") and "CNAME" in kept and "robots.txt" in kept


# --- record export writes two files ------------------------------------------------------------


@pytest.mark.parametrize("which", ["json", "html"])
def test_record_export_keeps_a_users_file_at_either_name(tmp_path: Path, which: str) -> None:
    course = write_course(tmp_path)
    store = tmp_path / "learner.sqlite3"
    disk = SQLiteStore(store)
    disk.add_learner("张三")
    disk.close()
    out = tmp_path / "exports" / "zhangsan.json"
    out.parent.mkdir()
    theirs = out if which == "json" else out.with_suffix(".html")
    theirs.write_bytes(b'{"my": "own data"}' if which == "json" else b"<p>my own page</p>")
    args = ["record", "export", "--out", str(out), "--course", str(course), "--store", str(store)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"error: {theirs}: exists and is not a coursekit learner" in result.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == [theirs.name]
    assert theirs.read_bytes() in (b'{"my": "own data"}', b"<p>my own page</p>")
    theirs.unlink()
    _ok(CliRunner().invoke(main, args))
    _ok(CliRunner().invoke(main, args))  # its own record and page it may replace
    assert sorted(p.name for p in out.parent.iterdir()) == ["zhangsan.html", "zhangsan.json"]


# --- a site published before sites had a manifest --------------------------------------------


def _as_published_by_the_old_code(root: Path, *, keep_list: bool = True) -> Path:
    """Turn ``root/site`` into a site as publish left it before: no manifest in it; its pages
    listed in ``build/demo/site.json`` (with one page the course no longer has)."""
    site = root / "site"
    manifest = json.loads((site / MANIFEST).read_text("utf-8"))
    (site / MANIFEST).unlink()
    (site / "handout" / "retired.html").write_bytes(b"<p>a module the course dropped</p>")
    manifest["files"]["handout/retired.html"] = sha256(b"<p>a module the course dropped</p>")
    manifest["pages"]["handout/retired.html"] = "an old key"
    pages = {
        rel: {"key": manifest["pages"][rel], "sha256": digest}
        for rel, digest in manifest["files"].items()
    }
    if keep_list:
        listed = {"out": str(site.resolve()), "course": "demo", "pages": pages}
        (root / "build" / "demo" / "site.json").write_text(json.dumps(listed), "utf-8")
    return site


@pytest.mark.kernel  # it renders from the cache: worker processes, no kernel
def test_a_site_of_the_old_publish_is_taken_over_once(published: Path, tmp_path: Path) -> None:
    root = _copy_of(published, tmp_path)
    site = _as_published_by_the_old_code(root)
    files = _seed(site, "handout")
    files["extra/page.html"] = b"<p>the publisher's own page</p>"
    (site / "extra").mkdir()
    (site / "extra" / "page.html").write_bytes(files["extra/page.html"])
    before = {rel: (site / rel).read_bytes() for rel in [*INDEXES, *PAGES]}
    command = _runner("publish", root / "course", "--out", site, "--build-dir", root / "build")
    result = _ok(command("-q"))
    _assert_kept(site, files)
    assert not (site / "handout" / "retired.html").exists()  # listed as publish's: removed
    assert {rel: (site / rel).read_bytes() for rel in before} == before
    assert json.loads((site / MANIFEST).read_text("utf-8"))["files"].keys() == set(before)
    assert not (root / "build" / "demo" / "site.json").exists()
    assert "0 executed, 2 from cache" in result.output
    # From now on it is an ordinary site of publish's.
    assert "(already up to date)" in _ok(command("-q")).output


def test_a_site_of_the_old_publish_without_its_page_list_is_refused(
    published: Path, tmp_path: Path
) -> None:
    root = _copy_of(published, tmp_path)
    site = _as_published_by_the_old_code(root, keep_list=False)
    (site / "robots.txt").write_bytes(USER_FILES["robots.txt"])
    before = _everything(site)
    for extra in ([], ["--force"]):
        result = _runner("publish", root / "course", "--out", site, "--build-dir", root / "build")(
            "-q", *extra
        )
        assert result.exit_code == 2, result.output
        assert (
            f"error: {site.resolve()}: published by an older coursekit, which kept the list of "
            f"its pages in {root.resolve() / 'build' / 'demo' / 'site.json'}; that list is "
            "missing or names another folder, so nothing says which files here are coursekit's."
        ) in result.stderr
        assert _everything(site) == before


# --- report: never the course nor the records; never into git ----------------------------------


def _course_and_records(tmp_path: Path) -> tuple[Path, Path]:
    course = write_course(tmp_path)
    records = tmp_path / "records"
    records.mkdir()
    (records / "zhangsan.json").write_text(_record(course, "张三"), "utf-8")
    return course, records


@pytest.mark.parametrize("target", ["course", "records", "course/modules", "."])
def test_report_never_writes_over_the_course_or_the_records(tmp_path: Path, target: str) -> None:
    """The defect as reported: ``report rec --out c --course c`` removed course.yaml, modules/."""
    course, records = _course_and_records(tmp_path)
    before = _everything(tmp_path)
    out = tmp_path / target
    for extra in ([], ["--force"]):
        result = CliRunner().invoke(
            main,
            ["report", str(records), "--course", str(course), "--out", str(out), *extra],
        )
        assert result.exit_code == 2, result.output
        assert f"error: {out.resolve()}: the output folder" in result.stderr
        assert "Traceback" not in result.output
        assert _everything(tmp_path) == before


def test_a_report_inside_a_git_checkout_is_never_committed(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    course, records = _course_and_records(tmp_path)
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True, env=env)
    result = CliRunner().invoke(
        main, ["report", str(records), "--course", str(course), "--out", str(tmp_path / "cohort")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cohort" / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"
    status = subprocess.run(
        [git, "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert "cohort" not in status and "records/zhangsan.json" in status
    added = subprocess.run(
        [git, "-C", str(tmp_path), "add", "."], capture_output=True, text=True, env=env
    )
    assert added.returncode == 0, added.stderr
    staged = subprocess.run(
        [git, "-C", str(tmp_path), "diff", "--cached", "--name-only"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    assert staged and not [name for name in staged if name.startswith("cohort/")]
