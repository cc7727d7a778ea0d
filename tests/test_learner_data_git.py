"""Defect 9: learner data must not reach git.

A notebook saved after use holds outputs, execution counts and (with widget
state saving on) ``metadata.widgets`` with the learner's name, answers and
reflections; a used trainer notebook shows the cohort's names and answers.
The notebooks written here are shaped like the ones JupyterLab 4.6 with
ipywidgets 8.1 saved when a learner ran ``02-a1.ipynb``, answered and wrote a
reflection: the widget cell's display_data outputs, execution counts on every
code cell, the kernel's ``language_info``, and the widget-state metadata.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coursekit.cli import main

REPO = Path(__file__).resolve().parents[1]
NAME = "王小明"
REFLECTION = "我在小区微信群里转发消息前，先核对官方来源。王小明"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _display(model_id: str, plain: str, html: str = "") -> dict[str, Any]:
    data = {
        "application/vnd.jupyter.widget-view+json": {
            "model_id": model_id,
            "version_major": 2,
            "version_minor": 0,
        },
        "text/plain": [plain],
    }
    if html:
        data["text/html"] = [html]
    return {"data": data, "metadata": {}, "output_type": "display_data"}


def _model(name: str, value: str, **state: Any) -> dict[str, Any]:
    return {
        "model_module": "@jupyter-widgets/controls",
        "model_module_version": "2.0.0",
        "model_name": name,
        "state": {"value": value, **state},
    }


def used(clean: str) -> str:
    """The notebook ``clean`` as JupyterLab saves it after a learner (or trainer) used it."""
    nb = json.loads(clean)
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        cell["execution_count"] = count
        if cell["id"] == "widgets":
            cell["outputs"] = [
                _display(
                    "aa01", f"LearnerSession(children=(Text(value='{NAME}', description='姓名'),))"
                ),
                _display("aa02", "CheckpointSet(children=(HTML(value='<h3>检查题</h3>'),))"),
                _display("aa03", f"Reflection(children=(Textarea(value='{REFLECTION}'),))"),
            ]
        elif cell["id"] == "session-plan":
            cell["outputs"] = [
                {
                    "data": {"text/html": ["<h2>学习安排</h2>"]},
                    "metadata": {},
                    "output_type": "display_data",
                }
            ]
        elif cell["id"] == "dashboard":
            cell["outputs"] = [
                _display(
                    "bb01",
                    "Dashboard(children=(...))",
                    f"<table><tr><td>{NAME}</td><td>1月20日</td><td>{REFLECTION}</td></tr></table>",
                )
            ]
    nb["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": "3.11.7",
    }
    nb["metadata"]["widgets"] = {
        WIDGET_STATE: {
            "state": {
                "m1": _model("TextModel", "", description="姓名", placeholder="请输入你的姓名"),
                "m2": _model("LabelModel", f"学员：{NAME}。学习记录会自动保存。"),
                "m3": _model("TextareaModel", REFLECTION, description="我的体会"),
                "m4": _model("RadioButtonsModel", "", index=0, _options_labels=["1月20日"]),
            },
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """``courseware/`` and ``notebooks/`` side by side, as in the repository."""
    shutil.copytree(REPO / "courseware", tmp_path / "courseware")
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks", ignore=_only_notebooks)
    return tmp_path


def _only_notebooks(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".ipynb")]


def _build(root: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main, ["build", str(root / "courseware"), "--out", str(root / "notebooks"), *args]
    )


def test_defect9_build_check_fails_on_saved_widget_state(repo_copy: Path) -> None:
    nbs = repo_copy / "notebooks"
    assert _build(repo_copy, "--check").exit_code == 0  # the copy itself is clean and current
    module = nbs / "02-a1.ipynb"
    trainer = nbs / "trainer.ipynb"
    module.write_text(used(module.read_text(encoding="utf-8")), encoding="utf-8")
    trainer.write_text(used(trainer.read_text(encoding="utf-8")), encoding="utf-8")

    result = _build(repo_copy, "--check")
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert (
        f"{module}: outputs in cell 6; execution counts in cells 3, 4, 5, 6; widget state" in lines
    )
    assert (
        f"{trainer}: outputs in cells 4, 8; execution counts in cells 2, 3, 4, 6, 8; widget state"
        in lines
    )
    assert "2 notebook(s)" in result.stderr and "coursekit build" in result.stderr
    assert "03-a2.ipynb" not in result.output  # the unused ones are not named
    assert module.read_text(encoding="utf-8").count(NAME) > 0  # --check writes nothing


def test_defect9_build_rewrites_its_used_notebooks_clean_and_leaves_a_users_alone(
    repo_copy: Path,
) -> None:
    nbs = repo_copy / "notebooks"
    clean = (nbs / "02-a1.ipynb").read_bytes()
    (nbs / "02-a1.ipynb").write_text(used(clean.decode()), encoding="utf-8")
    # JupyterLab's "Duplicate" keeps coursekit's metadata; a user's own notebook has none
    copy_of = nbs / "02-a1-Copy1.ipynb"
    copy_of.write_text(used(clean.decode()), encoding="utf-8")
    mine = nbs / "mine.ipynb"
    mine_nb = json.loads(used(clean.decode()))
    del mine_nb["metadata"]["coursekit"], mine_nb["metadata"]["papermill"]
    mine.write_text(json.dumps(mine_nb, ensure_ascii=False), encoding="utf-8")
    kept = {p: p.read_bytes() for p in (copy_of, mine)}

    result = _build(repo_copy)
    assert result.exit_code == 0, result.output
    assert (nbs / "02-a1.ipynb").read_bytes() == clean
    assert f"{nbs / '02-a1.ipynb'}: rewritten clean (it held outputs in cell 6;" in result.output
    assert {p: p.read_bytes() for p in kept} == kept
    assert (
        f"{copy_of}: outputs in cell 6; execution counts in cells 3, 4, 5, 6; widget state; "
        "not written by coursekit: a copy of 02-a1.ipynb, so left alone: "
        f"run `coursekit strip {copy_of}` before you commit it"
    ) in result.output
    assert (
        f"{mine}: " in result.output and "not written by coursekit: no coursekit" in result.output
    )

    # a file of the user's where a course notebook belongs: neither overwritten nor removed
    own = nbs / "03-a2.ipynb"
    own.write_bytes(mine.read_bytes())
    result = _build(repo_copy)
    assert result.exit_code == 1
    assert own.read_bytes() == mine.read_bytes()
    assert f"{own}: not written by coursekit: no coursekit metadata; left alone" in result.stderr
    assert "not written: 03-a2.ipynb" in result.stderr
    (nbs / "99-gone.ipynb").write_bytes(mine.read_bytes())  # not in the course, not coursekit's
    result = _build(repo_copy, "--check")
    assert result.exit_code == 1 and (nbs / "99-gone.ipynb").is_file()
    assert f"{own}: not written by coursekit: no coursekit metadata, so" in result.stderr


def test_defect9_strip_makes_a_used_notebook_byte_identical_to_the_built_one(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    files = {}
    for name in ("02-a1.ipynb", "trainer.ipynb"):
        built = (REPO / "notebooks" / name).read_bytes()
        path = tmp_path / name
        path.write_text(used(built.decode()), encoding="utf-8")
        files[path] = built

    result = runner.invoke(main, ["strip", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / '02-a1.ipynb'}: stripped (outputs in cell 6; " in result.output
    for path, built in files.items():
        text = path.read_text(encoding="utf-8")
        assert NAME not in text and REFLECTION not in text
        assert "widgets" not in json.loads(text)["metadata"]
        assert path.read_bytes() == built
    assert "already clean" in runner.invoke(main, ["strip", *map(str, files)]).output

    # as a git clean filter: stdin to stdout
    built = (REPO / "notebooks" / "02-a1.ipynb").read_text(encoding="utf-8")
    result = runner.invoke(main, ["strip", "-"], input=used(built))
    assert result.exit_code == 0, result.output
    assert result.stdout == built

    # a bad file is named, and nothing is written at all
    good, bad = tmp_path / "02-a1.ipynb", tmp_path / "broken.ipynb"
    good.write_text(used(built), encoding="utf-8")
    bad.write_text('{"cells": [', encoding="utf-8")
    result = runner.invoke(main, ["strip", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: not valid JSON" in result.stderr
    assert NAME in good.read_text(encoding="utf-8")


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def _need_git_checkout() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository")


def test_defect9_git_clean_filter_stages_a_used_notebook_clean(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    repo = tmp_path / "clone"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(REPO / ".gitattributes", repo / ".gitattributes")
    # the documented filter calls .venv/bin/coursekit from the repository root
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "coursekit").symlink_to(Path(sys.executable).with_name("coursekit"))
    assert _git("init", "-q", cwd=repo).returncode == 0
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^git config filter\.coursekit-strip\.\S+ .+$", readme, re.M)
    assert len(commands) == 3, commands
    for command in commands:
        _, _, key, value = command.split(" ", 3)
        assert _git("config", key, value.strip('"'), cwd=repo).returncode == 0

    built = (REPO / "notebooks" / "02-a1.ipynb").read_text(encoding="utf-8")
    notebook = repo / "notebooks" / "02-a1.ipynb"
    notebook.write_text(used(built), encoding="utf-8")
    added = _git("add", "notebooks/02-a1.ipynb", cwd=repo)
    assert added.returncode == 0, added.stderr
    staged = _git("show", ":notebooks/02-a1.ipynb", cwd=repo).stdout
    assert staged == built and NAME not in staged
    assert NAME in notebook.read_text(encoding="utf-8")  # the working copy keeps its outputs

    # a notebook the filter cannot read is not staged at all
    broken = repo / "notebooks" / "03-a2.ipynb"
    broken.write_text('{"cells": [{"outputs": ["' + NAME, encoding="utf-8")
    assert _git("add", "notebooks/03-a2.ipynb", cwd=repo).returncode != 0
    assert _git("ls-files", cwd=repo).stdout.split() == ["notebooks/02-a1.ipynb"]


def test_defect9_learner_stores_records_and_reports_are_ignored() -> None:
    _need_git_checkout()
    ignored = [
        "learner.sqlite3",
        "learner.sqlite3-wal",
        "learner.sqlite3-shm",
        ".coursekit/learner.sqlite3",
        "notebooks/.coursekit/learner.sqlite3",
        ".ipython/profile_default/history.sqlite",
        "notebooks/records/x.json",
        "records/x.zip",
        "coursekit-record-wuhan-2020-02-theme-day-王小明-2020-02-10.json",
        "report/index.html",
        "notebooks/report/index.html",
        "build/02-a1.ipynb",  # executed by papermill, against a throwaway store
        "site/index.html",
        "notebooks/.ipynb_checkpoints/02-a1-checkpoint.ipynb",
    ]
    kept = ["notebooks/02-a1.ipynb", "notebooks/trainer.ipynb", "src/coursekit/report.py"]
    # --no-index: a path is judged by the ignore rules alone; no personal excludes file
    done = subprocess.run(
        ["git", "-c", f"core.excludesFile={os.devnull}", "check-ignore", "--no-index", "-z",
         "--stdin"],
        input="\0".join([*ignored, *kept]), cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert sorted(p for p in done.stdout.split("\0") if p) == sorted(ignored)


def _tracked_notebooks() -> list[Path]:
    if shutil.which("git") is not None and (REPO / ".git").exists():
        listed = _git("ls-files", "-z", "--", "*.ipynb", cwd=REPO).stdout.split("\0")
        return [REPO / p for p in listed if p and not p.startswith("tests/")]
    return sorted(REPO.glob("notebooks/*.ipynb")) + sorted(
        REPO.glob("src/coursekit/templates/*.ipynb")
    )


def test_defect9_tracked_notebooks_hold_no_learner_data() -> None:
    from coursekit.strip import findings, strip_text

    notebooks = _tracked_notebooks()
    assert REPO / "notebooks" / "trainer.ipynb" in notebooks
    assert len([p for p in notebooks if p.parent.name == "notebooks"]) >= 11
    for path in notebooks:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        held = findings(nb)
        assert not held, f"{path.relative_to(REPO)} holds {held}: run `coursekit build`"
        assert strip_text(text) == text, f"{path.relative_to(REPO)}: run `coursekit strip`"
        parameters = nb["metadata"].get("papermill", {}).get("parameters", {})
        assert parameters.get("learner") is None, f"{path.relative_to(REPO)} names a learner"
        sources = "".join("".join(c["source"]) for c in nb["cells"])
        assert not re.search(r"^learner = (?!None\b)", sources, re.M), path
        assert NAME not in text
    if (REPO / ".git").exists() and shutil.which("git") is not None:
        attrs = _git("check-attr", "filter", "--", *map(str, notebooks), cwd=REPO).stdout
        assert attrs.count(": filter: coursekit-strip") == len(notebooks), attrs


def test_defect9_binder_turns_widget_state_saving_off(tmp_path: Path) -> None:
    """repo2docker runs binder/postBuild; JupyterLab reads <app dir>/settings/overrides.json."""
    from jupyter_core.paths import jupyter_path
    from jupyterlab_server.settings_utils import _get_overrides

    script = REPO / "binder" / "postBuild"
    assert os.access(script, os.X_OK), "repo2docker runs binder/postBuild only if executable"
    env = {
        **os.environ,
        "JUPYTERLAB_DIR": str(tmp_path / "lab"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        [str(script)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    overrides, error = _get_overrides(str(tmp_path / "lab" / "settings"))
    assert error == ""
    plugin = "@jupyter-widgets/jupyterlab-manager:plugin"
    assert overrides[plugin]["saveState"] is False
    # the setting exists under that name in the widget manager that Binder installs
    schemas = [
        Path(d) / "@jupyter-widgets/jupyterlab-manager/schemas/@jupyter-widgets"
        / "jupyterlab-manager/plugin.json"
        for d in jupyter_path("labextensions")
    ]  # fmt: skip
    schema = next(json.loads(p.read_text(encoding="utf-8")) for p in schemas if p.is_file())
    assert schema["properties"]["saveState"]["type"] == "boolean"
