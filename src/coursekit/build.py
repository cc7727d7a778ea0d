"""Build stage: one template notebook + a module id → ``notebooks/NN-<module>.ipynb``.

Parameters are injected by papermill in prepare-only mode (papermill's
``injected-parameters`` cell after the cell tagged ``parameters``), so the
notebooks are exactly what papermill would execute. The output is
deterministic: fixed cell ids, fixed papermill paths, no outputs, sorted JSON.
A second template gives ``notebooks/trainer.ipynb``.

The template's parameters (see ``templates/module.ipynb``):

``module``       ASCII module id
``learner``      the learner's name, ``None`` for "last learner, or ask"
``audience``     ``"learner"`` or ``"trainer"``
``lang``         ``"zh"`` or ``"en"``
``course_path``  the course folder; relative to the notebook when built
                 (``"../courseware"`` in this repository), absolute when
                 publishing, ``None`` for the bundled course

coursekit's own metadata goes under ``nb.metadata.coursekit``: course id,
module id, template name and ``content_hash``, the sha256 of the template,
the module's files, the course-level files and the parameters.

To add a cell to every module notebook (the learner-record export, say), add
it to ``templates/module.ipynb`` with a fixed ``id`` and run ``coursekit build``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from coursekit.cli import course_argument, report_errors
from coursekit.content import hash_files
from coursekit.errors import BuildError
from coursekit.model import Course

__all__ = [
    "MODULE_TEMPLATE",
    "TRAINER_TEMPLATE",
    "build_command",
    "build_notebooks",
    "content_hash",
    "module_notebook",
    "module_parameters",
    "notebook_name",
    "stale_notebooks",
    "trainer_notebook",
]

TEMPLATES = Path(__file__).parent / "templates"
MODULE_TEMPLATE = TEMPLATES / "module.ipynb"
TRAINER_TEMPLATE = TEMPLATES / "trainer.ipynb"
KERNEL_NAME = "python3"
INJECTED_ID = "injected-parameters"


def notebook_name(index: int, module_id: str) -> str:
    """``01-overview.ipynb``: the position in ``course.yaml`` (from 1), then the id."""
    return f"{index:02d}-{module_id}.ipynb"


def module_parameters(
    module_id: str,
    *,
    course_path: str | None,
    learner: str | None = None,
    audience: str = "learner",
    lang: str = "zh",
) -> dict[str, Any]:
    """The template's parameters, in the order the template declares them."""
    if audience not in ("learner", "trainer"):
        raise BuildError(f"audience should be 'learner' or 'trainer', not {audience!r}")
    if not module_id.isascii():
        raise BuildError(f"module id {module_id!r} is not ASCII")
    return {
        "module": module_id,
        "learner": learner,
        "audience": audience,
        "lang": lang,
        "course_path": course_path,
    }


def content_hash(
    course: Course, module_id: str | None, parameters: Mapping[str, Any], template: Path
) -> str:
    """sha256 of the template, the module's files, the course-level files and the parameters.

    ``course_path`` is left out: where a course lies is not what it says.
    """
    params = {k: v for k, v in parameters.items() if k != "course_path"}
    parts = [
        hash_files([template]),
        hash_files(course.module(module_id).files) if module_id is not None else "",
        hash_files(course.files),
        json.dumps(params, sort_keys=True),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _prepare(template: Path, parameters: Mapping[str, Any], output_name: str) -> Any:
    """papermill prepare-only injection, made deterministic."""
    import papermill

    nb = papermill.execute_notebook(
        str(template),
        None,
        parameters=dict(parameters),
        prepare_only=True,
        kernel_name=KERNEL_NAME,
        progress_bar=False,
    )
    for cell in nb.cells:
        if INJECTED_ID in cell.metadata.get("tags", []):
            cell.id = INJECTED_ID
        cell.metadata.pop("papermill", None)
        if not cell.metadata.get("tags"):
            cell.metadata.pop("tags", None)
    # papermill records the paths it read and wrote; keep them portable.
    nb.metadata.papermill["input_path"] = f"coursekit/templates/{template.name}"
    nb.metadata.papermill["output_path"] = output_name
    return nb


def _dumps(nb: Any) -> str:
    import nbformat

    text: str = nbformat.writes(nb)  # type: ignore[no-untyped-call]
    return text + "\n"


def _course_path(course: Course, out_dir: Path) -> str | None:
    if course.root is None:
        return None
    return Path(os.path.relpath(course.root.resolve(), out_dir.resolve())).as_posix()


def module_notebook(course: Course, index: int, module_id: str, out_dir: Path) -> str:
    """The text of ``notebooks/NN-<module>.ipynb`` for a module of ``course``."""
    name = notebook_name(index, module_id)
    params = module_parameters(
        module_id, course_path=_course_path(course, out_dir), lang=course.meta.lang
    )
    return _notebook(course, MODULE_TEMPLATE, params, name, module_id)


def trainer_notebook(course: Course, out_dir: Path) -> str:
    """The text of ``notebooks/trainer.ipynb``: the session plan from ``course.yaml``."""
    params = {"lang": course.meta.lang, "course_path": _course_path(course, out_dir)}
    return _notebook(course, TRAINER_TEMPLATE, params, "trainer.ipynb", None)


def _notebook(
    course: Course,
    template: Path,
    params: Mapping[str, Any],
    name: str,
    module_id: str | None,
) -> str:
    """A prepared notebook's text, with coursekit's metadata under ``nb.metadata.coursekit``."""
    nb = _prepare(template, params, name)
    nb.metadata["coursekit"] = {
        "course": course.id,
        "module": module_id,
        "template": template.name,
        "content_hash": content_hash(course, module_id, params, template),
    }
    return _dumps(nb)


def expected_notebooks(course: Course, out_dir: Path) -> dict[str, str]:
    """File name → text of every notebook ``build`` writes into ``out_dir``."""
    files = {
        notebook_name(i, m.id): module_notebook(course, i, m.id, out_dir)
        for i, m in enumerate(course.modules, start=1)
    }
    files["trainer.ipynb"] = trainer_notebook(course, out_dir)
    return files


def build_notebooks(course: Course, out_dir: Path) -> list[Path]:
    """Write the module notebooks and the trainer notebook; returns the files changed.

    Notebooks of modules no longer in the course are removed. Files are only
    rewritten when their text changes, each one atomically.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = expected_notebooks(course, out_dir)
    changed: list[Path] = []
    for name, text in files.items():
        path = out_dir / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        tmp = path.with_suffix(".ipynb.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        changed.append(path)
    for old in out_dir.glob("[0-9][0-9]-*.ipynb"):
        if old.name not in files:
            old.unlink()
            changed.append(old)
    return changed


def stale_notebooks(course: Course, out_dir: Path) -> list[str]:
    """Names of notebooks in ``out_dir`` that ``build`` would write, change or remove."""
    files = expected_notebooks(course, out_dir)
    stale = [
        name
        for name, text in files.items()
        if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != text
    ]
    stale += [p.name for p in out_dir.glob("[0-9][0-9]-*.ipynb") if p.name not in files]
    return sorted(stale)


def default_notebook_dir(course: Course) -> Path:
    """``notebooks/`` beside the course folder (``courseware/``)."""
    root = course.root
    if root is None or root.name == "_courseware":  # the course packaged inside the wheel
        return Path.cwd() / "notebooks"
    return root.resolve().parent / "notebooks"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@course_argument
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the notebooks (default: notebooks/ beside the course folder).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any notebook is stale.")
@report_errors
def build_command(course: Path | None, out: Path | None, check: bool) -> None:
    """Write one notebook per module (NN-<module>.ipynb) and trainer.ipynb.

    Parameters are injected with papermill (prepare only); notebooks have no
    outputs and a re-run gives byte-identical files.
    """
    from coursekit.content import load_course

    loaded = load_course(course)
    out_dir = out if out is not None else default_notebook_dir(loaded)
    if check:
        stale = stale_notebooks(loaded, out_dir)
        if stale:
            raise BuildError(
                f"{len(stale)} notebook(s) in {out_dir} are stale: {', '.join(stale)}; "
                "run `coursekit build`"
            )
        click.echo(f"{out_dir}: up to date.")
        return
    changed = build_notebooks(loaded, out_dir)
    total = len(loaded.modules) + 1
    click.echo(f"{out_dir}: {total} notebooks, {len(changed)} written or removed.")
