"""Build stage: one template notebook + a module id → ``notebooks/NN-<module>.ipynb``.

Parameters are injected by papermill in prepare-only mode (papermill's
``injected-parameters`` cell after the cell tagged ``parameters``), so the
notebooks are exactly what papermill would execute. The output is
deterministic: fixed cell ids, fixed papermill paths, no outputs, sorted JSON.
A second template gives ``notebooks/trainer.ipynb``, a third the start page
``notebooks/00-start.ipynb`` (the Binder badge's target: the course, the
learner, every module with the learner's progress).

The live course's shell is written in at build time (see :mod:`coursekit.shell`):
each notebook's first markdown cell (the way back to the start page, the
course title, a welcome), a cell only JupyterLab shows (run the cells; coursekit's
Voilà template leaves out cells tagged ``lab-only``), and a module's last cell
(previous and next, with their titles). ``nb.metadata.title`` names the
browser tab in Voilà, and ``nb.metadata.coursekit.page`` hands the Voilà
template the page's ``lang`` and loading text.

The ``parameters`` cell of each notebook carries that notebook's own values
as defaults, so a notebook run again by papermill with only some parameters
(``-p course_path X``) still shows its own module. Parameter and setup cells
are collapsed (``"jupyter": {"source_hidden": true}``) for learners in JupyterLab.

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

The notebooks are committed, and a notebook saved after use holds learner
data (outputs, widget state). ``build`` owns a notebook only when it carries
``nb.metadata.coursekit`` and papermill's ``output_path`` names the file
itself: those it rewrites clean or removes. Anything else in the folder (a
user's own notebook, a copy such as ``02-a1-Copy1.ipynb``, a damaged file) is
left alone, and ``build`` says so. ``build --check`` fails on any notebook in
the folder that holds outputs, execution counts or widget state.

That marker in each notebook is build's manifest (see :mod:`coursekit.outputs`
for the rule every output folder follows). It travels with the file through
git (clone, pull, merge, branch switch), where a manifest beside the notebooks
would go stale, and it lets ``build`` write each notebook in place, atomically:
the folder is never moved, so a kernel running in it, a learner store or
records kept in it, and a user's files there are never touched. The folder
must be new, empty or hold a notebook ``build`` wrote; it may not be the
course folder nor lie inside it. A notebook of ``build``'s whose cells someone
edited (not just ran) is left alone unless ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.atomic import write_atomic
from coursekit.errors import BuildError
from coursekit.hashing import hash_files
from coursekit.messages import msg
from coursekit.model import Course
from coursekit.shell import (
    START_NOTEBOOK,
    lab_only,
    module_footer,
    module_intro,
    notebook_name,
    page_texts,
    start_intro,
    start_tab_title,
    tab_title,
)
from coursekit.strip import (
    Findings,
    NotANotebook,
    findings,
    loads_notebook,
    read_notebook,
    strip_notebook,
    strip_text,
)

__all__ = [
    "EDITED",
    "MODULE_TEMPLATE",
    "START_TEMPLATE",
    "TRAINER_TEMPLATE",
    "NotebookFile",
    "build_notebooks",
    "check_notebooks",
    "claim_notebook_folder",
    "content_hash",
    "default_notebook_dir",
    "module_notebook",
    "module_parameters",
    "not_ours",
    "notebook_files",
    "notebook_name",
    "stale_notebooks",
    "start_notebook",
    "trainer_notebook",
    "write_notebooks",
]

TEMPLATES = Path(__file__).parent / "templates"
MODULE_TEMPLATE = TEMPLATES / "module.ipynb"
TRAINER_TEMPLATE = TEMPLATES / "trainer.ipynb"
START_TEMPLATE = TEMPLATES / "start.ipynb"
KERNEL_NAME = "python3"
INJECTED_ID = "injected-parameters"
# Cells build writes for each notebook: they differ from notebook to notebook by design,
# so they are not compared when telling an edited notebook from a stale one.
FILLED = frozenset({"intro", "lab-only", "footer", "parameters", INJECTED_ID})
COLLAPSED = frozenset({"parameters", INJECTED_ID, "setup"})


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
        if cell.id == "parameters":
            cell.source = _own_defaults(cell.source, parameters)
        if cell.id in ("parameters", INJECTED_ID):
            # JupyterLab shows a folded cell's first line: a line the learner can read
            cell.source = _first_line(cell.source, _NOTES[cell.id], parameters.get("lang", "zh"))
        if cell.id in COLLAPSED:
            cell.metadata["jupyter"] = {"source_hidden": True}
        cell.metadata.pop("papermill", None)
        if not cell.metadata.get("tags"):
            cell.metadata.pop("tags", None)
    # papermill records the paths it read and wrote; keep them portable.
    nb.metadata.papermill["input_path"] = f"coursekit/templates/{template.name}"
    nb.metadata.papermill["output_path"] = output_name
    return nb


_ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_]\w*) = (?P<value>.*?)(?P<comment>  #.*)?$")


def _own_defaults(source: str, parameters: Mapping[str, Any]) -> str:
    """The ``parameters`` cell with this notebook's values as its defaults.

    papermill drops the injected cell of a notebook it runs again and injects
    only the parameters it is given: the rest come from these defaults.
    """
    from papermill.translators import PythonTranslator

    lines = []
    for line in source.splitlines():
        m = _ASSIGNMENT.match(line)
        if m and m["name"] in parameters:
            value = PythonTranslator.translate(parameters[m["name"]])
            line = f"{m['name']} = {value}{m['comment'] or ''}"
        lines.append(line)
    return "\n".join(lines)


_NOTES = {"parameters": "shell.parameters_note", INJECTED_ID: "shell.injected_note"}


def _first_line(source: str, key: str, lang: str) -> str:
    """``source`` with its first line, a comment, in the notebook's language."""
    first, _, rest = source.partition("\n")
    if not first.startswith("#"):
        return source
    return f"# {msg(lang, key)}\n{rest}"


def _fill(nb: Any, cells: Mapping[str, str]) -> None:
    """Write the shell's cells (``intro``, ``lab-only``, ``footer``) of one notebook."""
    for cell in nb.cells:
        if cell.id in cells:
            cell.source = cells[cell.id]


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
    cells = {
        "intro": module_intro(course, module_id),
        "lab-only": lab_only(course),
        "footer": module_footer(course, module_id),
    }
    title = tab_title(course, module_id)
    return _notebook(course, MODULE_TEMPLATE, params, name, module_id, cells, title)


def start_notebook(course: Course, out_dir: Path) -> str:
    """The text of ``notebooks/00-start.ipynb``: the course, the learner, every module."""
    params = {
        "learner": None,
        "lang": course.meta.lang,
        "course_path": _course_path(course, out_dir),
    }
    cells = {"intro": start_intro(course), "lab-only": lab_only(course)}
    title = start_tab_title(course)
    return _notebook(course, START_TEMPLATE, params, START_NOTEBOOK, None, cells, title)


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
    cells: Mapping[str, str] | None = None,
    title: str | None = None,
) -> str:
    """A prepared notebook's text, with coursekit's metadata under ``nb.metadata.coursekit``."""
    nb = _prepare(template, params, name)
    _fill(nb, cells or {})
    nb.metadata["coursekit"] = {
        "course": course.id,
        "module": module_id,
        "template": template.name,
        "content_hash": content_hash(course, module_id, params, template),
        "page": page_texts(course),
    }
    if title is not None:
        nb.metadata["title"] = title  # nbconvert's and so Voilà's <title>
    return _dumps(nb)


def expected_notebooks(course: Course, out_dir: Path) -> dict[str, str]:
    """File name → text of every notebook ``build`` writes into ``out_dir``."""
    files = {
        notebook_name(i, m.id): module_notebook(course, i, m.id, out_dir)
        for i, m in enumerate(course.modules, start=1)
    }
    files[START_NOTEBOOK] = start_notebook(course, out_dir)
    files["trainer.ipynb"] = trainer_notebook(course, out_dir)
    return files


@dataclass(frozen=True)
class NotebookFile:
    """A notebook ``build`` writes, or a file found in its folder, and what it holds."""

    name: str
    expected: str | None  # the text ``build`` writes; None: not one of the course's notebooks
    present: bool  # the file exists
    text: str | None = None  # its text, if it could be read
    owned: bool = False  # written by ``build``, so it may be rewritten or removed
    held: Findings = field(default_factory=Findings)  # outputs, execution counts, widget state
    foreign: str = ""  # why it is not ``build``'s: unreadable, a copy, no coursekit metadata
    edited: bool = False  # ``build``'s, but its cells were changed by hand since

    @property
    def stale(self) -> bool:
        """``build`` would write, change or remove it (given ``--force`` if it was edited)."""
        if not self.present:
            return self.expected is not None
        if not self.owned:
            return False
        if self.expected is None:
            return _is_module_notebook(self.name)
        return self.text != self.expected

    @property
    def blocked(self) -> bool:
        """A file that ``build`` did not write sits where a course notebook belongs."""
        return self.expected is not None and self.present and not self.owned


def _is_module_notebook(name: str) -> bool:
    return name[:2].isdigit() and name[2:3] == "-" and name.endswith(".ipynb")


def _foreign(nb: dict[str, Any], name: str) -> str:
    """Why ``build`` did not write this notebook, or "" if it did.

    ``build``'s notebooks carry coursekit's metadata and papermill's output path
    names the file itself; a copy JupyterLab makes (``02-a1-Copy1.ipynb``)
    keeps the metadata but not the name.
    """
    meta = nb.get("metadata", {})
    papermill = meta.get("papermill")
    written_as = papermill.get("output_path") if isinstance(papermill, dict) else None
    if not isinstance(meta.get("coursekit"), dict) or not isinstance(written_as, str):
        return "no coursekit metadata"
    if written_as != name:
        return f"a copy of {written_as}"
    return ""


def _content(nb: dict[str, Any]) -> list[tuple[Any, Any]]:
    """What a person writes in a notebook: each cell's type and source, parameters aside.

    Running a notebook changes none of it; editing one does. The cells ``build``
    fills in for each notebook (:data:`FILLED`: parameters, links, the welcome)
    are ``build``'s to change, and cell metadata (a collapsed heading) is not
    worth keeping a stale notebook for.
    """
    cells = strip_notebook(nb)["cells"]
    return [
        (c.get("cell_type"), c.get("source"))
        for c in cells
        if c.get("id") not in FILLED
        and INJECTED_ID not in (c.get("metadata") or {}).get("tags", [])
    ]


def _templates(files: Mapping[str, str]) -> dict[str, list[tuple[Any, Any]]]:
    """Template name -> the cells ``build`` writes from it now, parameters aside."""
    found: dict[str, list[tuple[Any, Any]]] = {}
    for text in files.values():
        nb = json.loads(text)
        found.setdefault(nb["metadata"]["coursekit"]["template"], _content(nb))
    return found


def _edited(nb: dict[str, Any], templates: Mapping[str, list[tuple[Any, Any]]]) -> bool:
    """Whether the cells of one of ``build``'s notebooks were changed since it was written."""
    template = nb.get("metadata", {}).get("coursekit", {}).get("template")
    written = templates.get(template) if isinstance(template, str) else None
    try:
        return written is not None and _content(nb) != written
    except NotANotebook:
        return False


def notebook_files(course: Course, out_dir: Path) -> list[NotebookFile]:
    """Every notebook ``build`` writes into ``out_dir``, and every other ``*.ipynb`` there."""
    files = expected_notebooks(course, out_dir)
    templates = _templates(files)
    found = {p.name for p in out_dir.glob("*.ipynb")} if out_dir.is_dir() else set()
    result = []
    for name in sorted({*files, *found}):
        if name not in found:
            result.append(NotebookFile(name, files[name], present=False))
            continue
        text = None
        try:
            text = read_notebook(out_dir / name)
            nb = loads_notebook(text)
        except NotANotebook as exc:
            result.append(NotebookFile(name, files.get(name), True, text, foreign=str(exc)))
            continue
        foreign = _foreign(nb, name)
        edited = not foreign and _edited(nb, templates)
        result.append(
            NotebookFile(
                name, files.get(name), True, text, not foreign, findings(nb), foreign, edited
            )
        )
    return result


# What JupyterLab and git leave in a notebook folder emptied by hand: it still counts as empty.
_LEFT_BEHIND = frozenset({".ipynb_checkpoints", ".gitkeep"})


def _holds_own_notebook(folder: Path) -> bool:
    """Whether ``folder`` holds a notebook ``build`` wrote: then it is ``build``'s folder."""
    if all(entry.name in _LEFT_BEHIND for entry in folder.iterdir()):
        return True
    for path in sorted(folder.glob("*.ipynb")):
        try:
            if not _foreign(loads_notebook(read_notebook(path)), path.name):
                return True
        except NotANotebook:
            continue
    return False


def claim_notebook_folder(course: Course, out_dir: Path) -> None:
    """Check, before any notebook is prepared, that ``build`` may write into ``out_dir``.

    The folder must be new, empty or hold a notebook ``build`` wrote, writable,
    and neither the course folder nor inside it (nor holding it). Raises
    :class:`~coursekit.outputs.OutputRefused` otherwise.
    """
    from coursekit.outputs import claim

    claim(out_dir, "build", inputs=[course.root], marked=_holds_own_notebook)


def write_notebooks(entries: list[NotebookFile], out_dir: Path, force: bool = False) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    changed: list[Path] = []
    for entry in entries:
        if not entry.stale or (entry.edited and not force):
            continue
        path = out_dir / entry.name
        if entry.expected is None:
            path.unlink()
        else:
            write_atomic(path, entry.expected)
        changed.append(path)
    return changed


def build_notebooks(course: Course, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write the module notebooks and the trainer notebook; returns the files changed.

    Notebooks of modules no longer in the course are removed. Files are only
    rewritten when their text changes, each one atomically, so a notebook
    saved after use is rewritten clean. A file ``build`` did not write is never
    overwritten or removed; one of its own whose cells were edited, only with
    ``force``.
    """
    claim_notebook_folder(course, out_dir)
    return write_notebooks(notebook_files(course, out_dir), out_dir, force)


def stale_notebooks(course: Course, out_dir: Path) -> list[str]:
    """Names of notebooks in ``out_dir`` that ``build`` would write, change or remove."""
    return [entry.name for entry in notebook_files(course, out_dir) if entry.stale]


def not_ours(entry: NotebookFile) -> str:
    return f"not written by coursekit: {entry.foreign}"


def check_notebooks(course: Course, out_dir: Path) -> list[str]:
    """One line per notebook in ``out_dir`` that is stale or holds what must not be committed.

    "outputs in cells 3, 5", "widget state" and the like; cells count from 1.
    """
    lines = []
    for entry in notebook_files(course, out_dir):
        where = out_dir / entry.name
        if entry.blocked:
            lines.append(
                f"{where}: {not_ours(entry)}, so `coursekit build` leaves it alone: "
                "move it away, then run `coursekit build`"
            )
        elif not entry.present:
            lines.append(f"{where}: missing")
        elif not entry.owned:
            if entry.held:
                lines.append(
                    f"{where}: {entry.held}; {not_ours(entry)}: run `coursekit strip {where}`"
                )
        elif entry.expected is None:
            if entry.stale:
                lines.append(f"{where}: its module is no longer in the course")
        elif entry.edited:
            held = f"{entry.held}; " if entry.held else ""
            lines.append(f"{where}: {held}{EDITED}")
        elif entry.held:
            # a used notebook: say whether it is also out of date once stripped
            out_of_date = entry.text is not None and strip_text(entry.text) != entry.expected
            lines.append(f"{where}: {entry.held}{'; stale' if out_of_date else ''}")
        elif entry.stale:
            lines.append(f"{where}: stale")
    return lines


EDITED = "its cells were changed after coursekit wrote it (by hand, or by another version)"


def default_notebook_dir(course: Course) -> Path:
    """``notebooks/`` beside the course folder (``courseware/``)."""
    root = course.root
    if root is None or root.name == "_courseware":  # the course packaged inside the wheel
        return Path.cwd() / "notebooks"
    return root.resolve().parent / "notebooks"
