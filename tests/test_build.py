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
    from coursekit.pages import session_plan_html

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
