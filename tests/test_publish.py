"""coursekit publish: papermill execution, the cache, failures, and the atomic site swap.

Kernel-starting tests share one publish of the bundled course per session
(:func:`bundled_site`); the cache and failure tests use the two-module course
from ``coursefactory``.
"""

from __future__ import annotations

import atexit
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursefactory import write_course
from coursekit.cli import main
from coursekit.content import load_course
from coursekit.errors import ModuleExecutionError
from coursekit.outputs import MANIFEST
from coursekit.publish import PublishSummary, publish

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC_MIMETYPES = (
    "text/html",
    "application/vnd.coursekit.worksheet+html",
    "application/vnd.coursekit.trainer+html",
)


@dataclass(frozen=True)
class Published:
    root: Path  # a throwaway folder holding site/, build/ and home/
    site: Path
    build: Path
    home: Path  # COURSEKIT_HOME while publishing: must stay empty
    summary: PublishSummary


@cache
def bundled_site() -> Published:
    """Publish the bundled course once per test session (about 10 s on two cores)."""
    import os

    root = Path(tempfile.mkdtemp(prefix="coursekit-test-site-"))
    atexit.register(shutil.rmtree, root, True)
    home = root / "home"
    home.mkdir()
    saved = os.environ.get("COURSEKIT_HOME")
    os.environ["COURSEKIT_HOME"] = str(home)
    try:
        summary = publish(load_course(), root / "site", build_dir=root / "build", jobs=2)
    finally:
        if saved is None:
            os.environ.pop("COURSEKIT_HOME", None)
        else:
            os.environ["COURSEKIT_HOME"] = saved
    return Published(root, root / "site", root / "build", home, summary)


def _executed_notebooks(published: Published) -> list[Path]:
    course = load_course()
    return sorted((published.build / course.id).glob("[0-9][0-9]-*.ipynb"))


# --- the bundled course -------------------------------------------------------------------


@pytest.mark.kernel
def test_every_module_notebook_executes_without_errors() -> None:
    published = bundled_site()
    course = load_course()
    assert published.summary.errors == []
    assert published.summary.executed == [m.id for m in course.modules]
    notebooks = _executed_notebooks(published)
    assert [p.name.split("-", 1)[1] for p in notebooks] == [f"{m.id}.ipynb" for m in course.modules]
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
        assert not [o for o in outputs if o["output_type"] == "error"], path.name
        assert not [o for o in outputs if o.get("name") == "stderr"], path.name
        assert nb["metadata"]["coursekit"]["cache_key"]


@pytest.mark.kernel
def test_a_publish_displays_every_static_rendering_and_makes_no_widget() -> None:
    published = bundled_site()
    course = load_course()
    for path, module in zip(_executed_notebooks(published), course.modules, strict=True):
        nb = json.loads(path.read_text(encoding="utf-8"))
        outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
        assert not [o for o in outputs if WIDGET_VIEW in o.get("data", {})], path.name
        assert "widgets" not in nb["metadata"]
        # reader, checkpoints, one per reflection, progress, record
        assert len(outputs) == 4 + len(module.reflections), path.name
        for output in outputs:
            assert sorted(output["data"]) == sorted(STATIC_MIMETYPES), path.name
        handout = "".join("".join(o["data"]["text/html"]) for o in outputs)
        assert f'id="ck-m-{module.id}"' in handout  # the reader
        for question in course.checkpoints_for(module.id):
            assert f'id="ck-q-{question.id}"' in handout
        for reflection in module.reflections:
            assert f'id="ck-r-{reflection.id}"' in handout


@pytest.mark.kernel
def test_the_module_notebooks_widgets_carry_what_a_publish_displays(tmp_path: Path) -> None:
    """Each module's notebook, run as a learner runs it (widgets made), in a kernel:
    its widgets' static renderings are, output for output, what the publish displayed."""
    from coursekit.build import module_parameters
    from coursekit.execute import KernelSlot, execute_module

    published = bundled_site()
    course = load_course()
    slot = KernelSlot(cwd=tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSEKIT_HOME", str(home))
        patch.delenv("COURSEKIT_RENDERINGS_ONLY", raising=False)
        try:
            for path, module in zip(_executed_notebooks(published), course.modules, strict=True):
                params = module_parameters(module.id, course_path=str(course.root))
                live = execute_module(module.id, params, "-", course.id, tmp_path / path.name, slot)
                made = [o for c in live.cells for o in c.get("outputs", [])]
                assert not [o for o in made if o["output_type"] == "error"], module.id
                widgets = [o for o in made if WIDGET_VIEW in o.get("data", {})]
                # the learner session (it asks for a name: nobody is remembered) comes first
                assert len(widgets) == 5 + len(module.reflections), module.id
                nb = json.loads(path.read_text(encoding="utf-8"))
                shown = [o["data"] for c in nb["cells"] for o in c.get("outputs", [])]
                carried = [
                    {m: "".join(o["data"][m]) for m in STATIC_MIMETYPES}
                    for o in widgets
                    if any(o["data"][m] for m in STATIC_MIMETYPES)
                ]
                assert carried == [{m: "".join(d[m]) for m in STATIC_MIMETYPES} for d in shown]
        finally:
            slot.close()


@pytest.mark.kernel
def test_publishing_reads_and_writes_no_learner_store() -> None:
    published = bundled_site()
    assert list(published.home.iterdir()) == []
    files = [p for p in published.site.rglob("*") if p.is_file() and p.name != MANIFEST]
    assert {p.suffix for p in files} == {".html"}


@pytest.mark.kernel
def test_a_publish_with_nothing_changed_starts_no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    published = bundled_site()
    before = {p: p.read_bytes() for p in published.site.rglob("*.html")}

    def no_workers(*args: object, **kwargs: object) -> None:
        raise AssertionError("a no-op publish started worker processes")

    monkeypatch.setattr("coursekit.publish._run", no_workers)
    summary = publish(load_course(), published.site, build_dir=published.build)
    assert not summary.changed
    assert summary.executed == [] and len(summary.cached) == summary.modules
    assert "0 executed, 10 from cache" in summary.line()
    assert {p: p.read_bytes() for p in published.site.rglob("*.html")} == before


def test_the_pipeline_uses_this_environments_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    # "python" is replaced by the running interpreter (sys.executable) when launched.
    assert spec.argv[0] in ("python", sys.executable), spec.argv
    assert spec.language == "python"


# --- a small course: cache and failure ----------------------------------------------------------

BREAK_MODULE = """
def _break_show_module():
    # Closures, not globals: publishing clears the kernel's namespace between modules.
    import os

    import coursekit.widgets as widgets

    original = widgets.show_module

    def show_module(module_id, *args, **kwargs):
        if module_id == os.environ.get("COURSEKIT_TEST_BREAK"):
            raise RuntimeError(f"module {module_id} is broken on purpose")
        return original(module_id, *args, **kwargs)

    widgets.show_module = show_module


_break_show_module()
"""


def _edit(path: Path, extra: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{extra}\n", encoding="utf-8")


@pytest.mark.kernel
def test_editing_one_module_executes_exactly_that_module(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    site, build = tmp_path / "site", tmp_path / "build"
    first = publish(load_course(root), site, build_dir=build, jobs=2)
    assert first.errors == [] and sorted(first.executed) == ["a1", "overview"]
    overview_before = (site / "handout" / "overview.html").read_bytes()

    _edit(root / "modules" / "a1.md", "这是新加的一段用于测试缓存的文字。")
    second = publish(load_course(root), site, build_dir=build, jobs=2)
    assert second.errors == []
    assert second.executed == ["a1"] and second.cached == ["overview"]
    assert "这是新加的一段用于测试缓存的文字" in (site / "handout" / "a1.html").read_text("utf-8")
    assert (site / "handout" / "overview.html").read_bytes() == overview_before

    forced = publish(load_course(root), site, build_dir=build, jobs=2, force=True)
    assert sorted(forced.executed) == ["a1", "overview"] and forced.rendered == 6


@pytest.mark.kernel
def test_a_broken_module_keeps_its_previous_pages_and_the_rest_is_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_course(tmp_path)
    site, build = tmp_path / "site", tmp_path / "build"
    assert publish(load_course(root), site, build_dir=build, jobs=2).errors == []
    a1_before = {
        v: (site / v / "a1.html").read_bytes() for v in ("handout", "worksheet", "trainer")
    }

    # A real failure inside the kernel: an IPython startup file breaks show_module for a1.
    ipython_dir = tmp_path / "ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-break.py").write_text(BREAK_MODULE, encoding="utf-8")
    monkeypatch.setenv("IPYTHONDIR", str(ipython_dir))
    monkeypatch.setenv("COURSEKIT_TEST_BREAK", "a1")
    _edit(root / "modules" / "a1.md", "新的一段。")
    _edit(root / "modules" / "overview.md", "通知新增的一段说明文字。")

    result = CliRunner().invoke(
        main, ["publish", str(root), "--out", str(site), "--build-dir", str(build), "-q"]
    )
    assert result.exit_code == 1, result.output
    assert "module a1: cell 5 raised RuntimeError: module a1 is broken on purpose" in result.output
    assert "1 module failed" in result.output
    index = (site / "index.html").resolve()
    assert (
        f"Published 1 of 2 modules in {index}; a1 kept the pages of the previous publish."
        in result.output
    )
    assert "Open" not in result.output
    assert "Traceback" not in result.output
    # the rest is published ...
    assert "通知新增的一段说明文字" in (site / "handout" / "overview.html").read_text("utf-8")
    # ... and the broken module's previous pages stay as they were
    for variant, data in a1_before.items():
        assert (site / variant / "a1.html").read_bytes() == data
    assert not list(tmp_path.glob(".site.*")), "temporary site folders were left behind"
    assert (build / "demo" / "02-a1.failed.ipynb").is_file()


@pytest.mark.kernel
def test_module_execution_error_carries_where_it_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_course(tmp_path)
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-break.py").write_text(BREAK_MODULE, encoding="utf-8")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("COURSEKIT_TEST_BREAK", "overview")
    summary = publish(load_course(root), tmp_path / "site", build_dir=tmp_path / "build", jobs=1)
    assert summary.executed == ["a1"], summary.errors
    [error] = summary.errors
    assert isinstance(error, ModuleExecutionError)
    assert (error.module, error.cell_index, error.ename) == ("overview", 5, "RuntimeError")
    assert summary.failed == summary.unavailable == ["overview"]
    assert summary.outcome() == (
        f"Published 1 of 2 modules in {(tmp_path / 'site' / 'index.html').resolve()}; "
        "overview got a 'not published yet' page."
    )
    # First publish and the module failed: a placeholder page, marked in the index.
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "本篇暂未生成" in index
    assert (tmp_path / "site" / "handout" / "overview.html").is_file()
    assert 'href="handout/a1.html"' in index


def test_publish_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.txt").write_text("do not delete", encoding="utf-8")
    for force in ([], ["--force"]):
        result = CliRunner().invoke(main, ["publish", str(root), "--out", str(out), "-q", *force])
        assert result.exit_code == 2
        assert (
            f"error: {out}: is not empty and was not written by coursekit publish; choose a "
            "new or empty folder (nothing in it was changed)"
        ) in result.output
        assert (out / "thesis.txt").read_text(encoding="utf-8") == "do not delete"
        assert sorted(p.name for p in out.iterdir()) == ["thesis.txt"]


def _pages(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


@pytest.mark.kernel
def test_one_worker_or_the_default_cold_or_cached_publish_the_same_bytes(tmp_path: Path) -> None:
    """Workers, the cache and the order modules finish in change nothing in the pages."""
    cold_default = bundled_site()  # two workers, nothing cached
    course = load_course()
    cold_one = publish(course, tmp_path / "one", build_dir=tmp_path / "build-one", jobs=1)
    assert sorted(cold_one.executed) == sorted(m.id for m in course.modules)
    expected = _pages(cold_default.site)
    assert len(expected) == 3 * len(course.modules) + 2
    assert _pages(tmp_path / "one") == expected
    # cached: the executed notebooks of each run, rendered into a new site
    cached_one = publish(course, tmp_path / "one-cached", build_dir=tmp_path / "build-one", jobs=1)
    assert cached_one.executed == [] and len(cached_one.cached) == len(course.modules)
    assert _pages(tmp_path / "one-cached") == expected
    result = CliRunner().invoke(
        main,
        [
            "publish",
            "--out",
            str(tmp_path / "default-cached"),
            "--build-dir",
            str(cold_default.build),
            "-q",
            "--profile",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "0 executed, 10 from cache, 30 pages rendered" in result.output
    assert _pages(tmp_path / "default-cached") == expected
    # --profile: the stages, then a row per module with its read and render times
    profile = result.output.split("profile: ", 1)[1].splitlines()
    assert " 0 workers: " in profile[0] and "run " in profile[0]  # every notebook cached
    assert profile[1].split() == [
        "module", "worker", "kernel", "execute", "write", "read", "render", "total",
    ]  # fmt: skip
    rows = {line.split()[0]: line.split() for line in profile[2:]}
    assert set(rows) == {*(m.id for m in course.modules), "all"}
    assert rows["a1"][2:5] == ["-", "-", "-"]  # nothing executed: no kernel, no execution
