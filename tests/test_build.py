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
    assert len(first) == len(course.modules) + 1
    expected = [notebook_name(i, m.id) for i, m in enumerate(course.modules, start=1)]
    assert sorted(snapshot) == sorted([*expected, "trainer.ipynb"])
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
    assert "3 notebooks, 3 written" in result.output
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
