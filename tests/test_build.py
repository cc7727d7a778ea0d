"""coursekit build: parameterized module notebooks, deterministic and up to date (no kernel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursefactory import write_course
from coursekit.build import (
    build_notebooks,
    module_parameters,
    notebook_files,
    notebook_name,
    stale_notebooks,
)
from coursekit.cli import main
from coursekit.content import bundled_course_path, load_course
from coursekit.errors import BuildError
from coursekit.model import Course

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


def test_committed_notebooks_are_current(course: Course) -> None:
    assert bundled_course_path() == REPO / "courseware"
    stale = stale_notebooks(course, REPO / "notebooks")
    assert stale == [], f"notebooks/ is stale, run `coursekit build`: {stale}"


def test_build_is_byte_identical_on_rerun(course: Course, tmp_path: Path) -> None:
    out = tmp_path / "notebooks"
    first = build_notebooks(course, out)
    snapshot = {p.name: p.read_bytes() for p in out.iterdir()}
    assert build_notebooks(course, out) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == snapshot
    assert len(first) == len(course.modules) + 2
    expected = [notebook_name(i, m.id) for i, m in enumerate(course.modules, start=1)]
    assert sorted(snapshot) == sorted(["00-start.ipynb", *expected, "trainer.ipynb"])
    assert expected[0] == "01-overview.ipynb"


def test_module_notebook_is_parameterized_by_papermill(course: Course, tmp_path: Path) -> None:
    build_notebooks(course, tmp_path)
    nb = json.loads((tmp_path / "03-a2.ipynb").read_text(encoding="utf-8"))
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    i = tags.index(["parameters"])
    assert tags[i + 1] == ["injected-parameters"]
    injected = "".join(nb["cells"][i + 1]["source"])
    assert 'module = "a2"' in injected
    assert 'course_path = "../courseware"' not in injected  # tmp_path is elsewhere
    assert "course_path = " in injected
    assert all(not c.get("outputs") for c in nb["cells"])
    assert all(c.get("execution_count") is None for c in nb["cells"] if c["cell_type"] == "code")
    meta = nb["metadata"]["coursekit"]
    assert meta["course"] == course.id and meta["module"] == "a2"
    assert len(meta["content_hash"]) == 64
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["metadata"]["papermill"]["parameters"]["module"] == "a2"


def test_repo_notebooks_find_the_course_beside_them() -> None:
    nb = json.loads((REPO / "notebooks" / "02-a1.ipynb").read_text(encoding="utf-8"))
    injected = next(
        c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
    )
    assert 'course_path = "../courseware"' in "".join(injected["source"])


def test_content_hash_follows_module_text(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    out = tmp_path / "nb"
    build_notebooks(load_course(root), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    md = root / "modules" / "a1.md"
    md.write_text(md.read_text(encoding="utf-8") + "\n补充一段文字。\n", encoding="utf-8")
    course = load_course(root)
    assert stale_notebooks(course, out) == ["02-a1.ipynb"]
    build_notebooks(course, out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after["01-overview.ipynb"] == before["01-overview.ipynb"]
    assert after["02-a1.ipynb"] != before["02-a1.ipynb"]


def test_trainer_notebook_shows_the_session_plan(course: Course, tmp_path: Path) -> None:
    build_notebooks(course, tmp_path)
    nb = json.loads((tmp_path / "trainer.ipynb").read_text(encoding="utf-8"))
    source = "".join("".join(c["source"]) for c in nb["cells"])
    assert "session_plan_html" in source
    from coursekit.html.site import session_plan_html

    plan = session_plan_html(course)
    assert course.meta.study_format.mode in plan
    assert all(c.name in plan for c in course.meta.categories)
    assert all(r.summary in plan for r in course.meta.requirements)


def test_parameters_are_checked() -> None:
    with pytest.raises(BuildError, match="audience"):
        module_parameters("a1", course_path=None, audience="boss")
    with pytest.raises(BuildError, match="ASCII"):
        module_parameters("附件一", course_path=None)


def test_build_command_and_check(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    out = tmp_path / "nb"
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 notebooks, 4 written" in result.output
    assert "did not write" not in result.output  # a notebook new in this build is build's own
    assert runner.invoke(main, ["build", str(root), "--out", str(out), "--check"]).exit_code == 0
    (out / "02-a1.ipynb").write_text("{}", encoding="utf-8")
    result = runner.invoke(main, ["build", str(root), "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert "02-a1.ipynb" in result.output and "coursekit build" in result.output


# --- issue 11: build owns only its notebooks, and only where it may write ---------------------


def test_build_with_the_default_out_keeps_a_users_notebook(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(root)]).exit_code == 0
    notebooks = tmp_path / "notebooks"  # beside the course folder
    mine = notebooks / "07-my-notes.ipynb"
    mine.write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "utf-8"
    )
    kept = mine.read_bytes()
    (root / "modules" / "a1.md").write_text(
        (root / "modules" / "a1.md").read_text("utf-8") + "\n补充一段。\n", "utf-8"
    )
    result = runner.invoke(main, ["build", str(root)])
    assert result.exit_code == 0, result.output
    assert mine.read_bytes() == kept
    assert "kept 1 notebooks coursekit did not write: 07-my-notes.ipynb" in result.output


def test_build_refuses_a_folder_it_did_not_write_and_the_course(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    theirs = tmp_path / "Documents"
    theirs.mkdir()
    (theirs / "thesis.txt").write_text("do not touch", "utf-8")
    for out in (theirs, root, root / "modules", tmp_path):
        result = CliRunner().invoke(main, ["build", str(root), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert f"error: {out}: " in result.stderr
    assert sorted(p.name for p in theirs.iterdir()) == ["thesis.txt"]
    assert not list(root.rglob("*.ipynb"))


def test_a_notebook_edited_by_hand_is_replaced_only_with_force(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    out = tmp_path / "nb"
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(root), "--out", str(out)]).exit_code == 0
    trainer = out / "trainer.ipynb"
    nb = json.loads(trainer.read_text("utf-8"))
    nb["cells"].append(
        {"cell_type": "markdown", "id": "mine", "metadata": {}, "source": ["本支部的讨论安排"]}
    )
    trainer.write_text(json.dumps(nb, ensure_ascii=False), "utf-8")
    edited = trainer.read_bytes()
    # the course changes: the notebooks are stale, and the trainer's edit is still there
    (root / "course.yaml").write_text(
        (root / "course.yaml").read_text("utf-8").replace("二月主题党日学习资料", "三月学习资料"),
        "utf-8",
    )
    check = runner.invoke(main, ["build", str(root), "--out", str(out), "--check"])
    assert check.exit_code == 1
    assert f"{trainer}: its cells were changed after coursekit wrote it (by hand" in check.stderr
    result = runner.invoke(main, ["build", str(root), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{trainer}: its cells were changed after coursekit wrote it" in result.stderr
    assert "another version); left alone" in result.stderr
    assert "coursekit build --force" in result.stderr
    assert trainer.read_bytes() == edited
    result = runner.invoke(main, ["build", str(root), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert "本支部的讨论安排" not in trainer.read_text("utf-8")
    assert runner.invoke(main, ["build", str(root), "--out", str(out), "--check"]).exit_code == 0


def test_a_used_notebook_is_not_an_edited_one(tmp_path: Path) -> None:
    """Running a notebook adds outputs; that is learner data to remove, not an edit to keep."""
    root = write_course(tmp_path)
    out = tmp_path / "nb"
    build_notebooks(load_course(root), out)
    path = out / "02-a1.ipynb"
    nb = json.loads(path.read_text("utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["王小明\n"]}]
        cell["metadata"]["collapsed"] = False
        cell["source"] = "".join(cell["source"])  # as a string, not a list of lines
    path.write_text(json.dumps(nb, ensure_ascii=False), "utf-8")
    result = CliRunner().invoke(main, ["build", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{path}: rewritten clean" in result.output
    assert "王小明" not in path.read_text("utf-8")


def test_build_writes_into_a_notebook_folder_emptied_by_hand(tmp_path: Path) -> None:
    root = write_course(tmp_path)
    out = tmp_path / "nb"
    (out / ".ipynb_checkpoints").mkdir(parents=True)
    (out / ".ipynb_checkpoints" / "02-a1-checkpoint.ipynb").write_text("{}", "utf-8")
    result = CliRunner().invoke(main, ["build", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / ".ipynb_checkpoints" / "02-a1-checkpoint.ipynb").read_text("utf-8") == "{}"


# --- issue 14: the course shell written into the notebooks -----------------------------------


def _cells(path: Path) -> dict[str, dict[str, object]]:
    nb = json.loads(path.read_text("utf-8"))
    return {c["id"]: c for c in nb["cells"]}


def _source(cell: dict[str, object]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else str(source)


def test_each_module_view_links_back_to_the_start_and_on_to_its_neighbours(
    course: Course, tmp_path: Path
) -> None:
    build_notebooks(course, tmp_path)
    a2 = _cells(tmp_path / "03-a2.ipynb")
    intro, footer = _source(a2["intro"]), _source(a2["footer"])
    assert intro.startswith("[← 课程目录](00-start.ipynb) · 第 3 篇，共 10 篇")
    assert f"# {course.meta.title}" in intro
    assert "运行" not in intro  # the JupyterLab-only instruction is a cell of its own
    a1, a3 = course.module("a1"), course.module("a3")
    assert f"上一篇：[附件一 {a1.title}](02-a1.ipynb)" in footer
    assert f"下一篇：[附件三 {a3.title}](04-a3.ipynb)" in footer
    assert "[返回课程目录](00-start.ipynb)" in footer
    first, last = _cells(tmp_path / "01-overview.ipynb"), _cells(tmp_path / "10-k1.ipynb")
    assert "上一篇" not in _source(first["footer"])
    assert "下一篇" not in _source(last["footer"]) and "最后一篇" in _source(last["footer"])
    # the JupyterLab-only instruction is tagged for Voilà's template and the handouts
    assert a2["lab-only"]["metadata"] == {"tags": ["notebook-only", "lab-only"]}
    assert "运行所有单元格" in _source(a2["lab-only"])
    for cell in ("intro", "footer"):
        assert a2[cell]["metadata"] == {"tags": ["notebook-only"]}  # not in the handouts


def test_the_tab_title_and_the_page_language_are_in_the_notebook(
    course: Course, tmp_path: Path
) -> None:
    build_notebooks(course, tmp_path)
    meta = json.loads((tmp_path / "03-a2.ipynb").read_text("utf-8"))["metadata"]
    assert meta["title"] == f"附件二 · {course.module('a2').title}"
    assert meta["coursekit"]["page"] == {"lang": "zh-CN", "loading": "正在打开学习内容，请稍候……"}
    start = json.loads((tmp_path / "00-start.ipynb").read_text("utf-8"))["metadata"]
    assert start["title"] == f"从这里开始 · {course.meta.title}"


def test_parameter_cells_are_collapsed_and_carry_their_own_module(
    course: Course, tmp_path: Path
) -> None:
    build_notebooks(course, tmp_path)
    cells = _cells(tmp_path / "03-a2.ipynb")
    for name in ("parameters", "injected-parameters", "setup"):
        assert cells[name]["metadata"]["jupyter"] == {"source_hidden": True}, name
    assert "jupyter" not in cells["widgets"]["metadata"]
    defaults = _source(cells["parameters"])
    assert 'module = "a2"  # ASCII module id from course.yaml' in defaults
    assert "course_path = " in defaults and 'audience = "learner"' in defaults
    assert 'module = "overview"' not in defaults


def test_the_start_notebook_lists_the_course_and_shows_the_learner(
    course: Course, tmp_path: Path
) -> None:
    build_notebooks(course, tmp_path)
    cells = _cells(tmp_path / "00-start.ipynb")
    intro = _source(cells["intro"])
    assert intro.startswith(f"# {course.meta.title}\n")
    assert "共 10 篇学习材料，请从“通知”开始" in intro
    assert "show_start(" in _source(cells["widgets"])
    meta = json.loads((tmp_path / "00-start.ipynb").read_text("utf-8"))["metadata"]["coursekit"]
    assert meta["template"] == "start.ipynb" and meta["module"] is None


def test_a_title_with_markdown_in_it_stays_text(tmp_path: Path) -> None:
    from coursekit.shell import markdown_text

    assert markdown_text("附件[一](x) *要* <b>") == "附件\\[一\\](x) \\*要\\* \\<b\\>"
    assert markdown_text("# 标题") == "\\# 标题" and markdown_text("2020. 年") == "2020\\. 年"
    assert markdown_text("- 项\n  二") == "\\- 项 二" and markdown_text("下一篇： ") == "下一篇： "
    root = write_course(tmp_path)
    course = load_course(root)
    out = tmp_path / "nb"
    build_notebooks(course, out)
    # a course change renames a neighbour: the notebooks are stale, not edited by hand
    md = root / "modules" / "a1.md"
    md.write_text(md.read_text("utf-8").replace("title: 疫情防控要求", "title: 新的要求"), "utf-8")
    changed = load_course(root)
    assert "新的要求" in stale_footer(changed, out)
    entries = notebook_files(changed, out)
    assert {e.name for e in entries if e.stale} == {"01-overview.ipynb", "02-a1.ipynb"}
    assert not any(e.edited for e in entries)


def stale_footer(course: Course, out: Path) -> str:
    from coursekit.build import expected_notebooks

    nb = json.loads(expected_notebooks(course, out)["01-overview.ipynb"])
    return "".join(next(c for c in nb["cells"] if c["id"] == "footer")["source"])
