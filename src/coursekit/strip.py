"""``coursekit strip``: take learner data out of notebooks before git sees them.

A module notebook saved after use holds what its widgets showed: outputs,
execution counts and, when JupyterLab's ``saveState`` is on, the whole widget
state (``metadata.widgets``) with the learner's name, answers and reflections.
The trainer notebook's outputs hold the cohort's names and wrong answers.
:func:`strip_notebook` removes all of that, and the execution noise beside it
(timings, the kernel's ``language_info`` details, output view flags), so that
a stripped notebook is byte-identical to the one ``coursekit build`` wrote.

The notebook is handled as plain JSON and written the way nbformat writes it
(sorted keys, indent 1, UTF-8, one line per list item), without importing
nbformat: as a git clean filter, this runs on every ``git add`` of a notebook.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from coursekit import bounded
from coursekit.atomic import write_atomic
from coursekit.errors import CourseInvalid, CoursekitError, Problem

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "Findings",
    "NotANotebook",
    "dumps_notebook",
    "findings",
    "loads_notebook",
    "read_notebook",
    "strip_files",
    "strip_notebook",
    "strip_stream",
    "strip_text",
]

# A notebook with plots can be large; anything bigger is not a notebook to strip.
MAX_NOTEBOOK_BYTES = 200 * 1024 * 1024
# Cell metadata that only records a run or the view of its outputs (JupyterLab's recordTiming,
# the classic ExecuteTime extension, papermill's per-cell timings).
_RUN_METADATA = ("execution", "ExecuteTime", "papermill", "collapsed", "scrolled")


class NotANotebook(CoursekitError):
    """The text is not a notebook :func:`strip_notebook` can handle; the message says why."""

    exit_code = 2


@dataclass(frozen=True)
class Findings:
    """What a notebook holds that must not be committed; cells are counted from 1."""

    outputs: tuple[int, ...] = ()
    execution_counts: tuple[int, ...] = ()
    widget_state: bool = False

    def __bool__(self) -> bool:
        return bool(self.outputs or self.execution_counts or self.widget_state)

    def __str__(self) -> str:
        parts = []
        if self.outputs:
            parts.append(f"outputs in {_cells(self.outputs)}")
        if self.execution_counts:
            parts.append(f"execution counts in {_cells(self.execution_counts)}")
        if self.widget_state:
            parts.append("widget state")
        return "; ".join(parts) or "nothing"


def _cells(numbers: tuple[int, ...]) -> str:
    word = "cell" if len(numbers) == 1 else "cells"
    return f"{word} {', '.join(map(str, numbers))}"


def _cells_of(nb: dict[str, Any]) -> list[dict[str, Any]]:
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise NotANotebook("no list of cells")
    return cells


def _check_format(nb: Any) -> dict[str, Any]:
    if not isinstance(nb, dict):
        raise NotANotebook("not a JSON object")
    if nb.get("nbformat") != 4:
        raise NotANotebook(f"not an nbformat 4 notebook (nbformat is {nb.get('nbformat')!r})")
    if not isinstance(nb.get("metadata", {}), dict):
        raise NotANotebook("metadata is not an object")
    _cells_of(nb)
    return nb


def findings(nb: dict[str, Any]) -> Findings:
    """The outputs, execution counts and widget state in a notebook (parsed JSON)."""
    cells = _cells_of(nb)
    return Findings(
        outputs=tuple(i for i, c in enumerate(cells, start=1) if c.get("outputs")),
        execution_counts=tuple(
            i for i, c in enumerate(cells, start=1) if c.get("execution_count") is not None
        ),
        widget_state="widgets" in nb.get("metadata", {}),
    )


def strip_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``nb`` without outputs, execution counts, widget state and run metadata."""
    out = copy.deepcopy(_check_format(nb))
    meta = out.setdefault("metadata", {})
    for key in ("widgets", "signature", "orig_nbformat", "orig_nbformat_minor"):
        meta.pop(key, None)
    info = meta.get("language_info")
    if isinstance(info, dict) and "name" in info:
        meta["language_info"] = {"name": info["name"]}  # the rest says which kernel ran last
    for cell in _cells_of(out):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell_meta = cell.get("metadata")
        if isinstance(cell_meta, dict):
            for key in (*_RUN_METADATA, "trusted"):
                cell_meta.pop(key, None)
            view = cell_meta.get("jupyter")
            if isinstance(view, dict):
                view.pop("outputs_hidden", None)
                if not view:
                    del cell_meta["jupyter"]
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
    return out


def dumps_notebook(nb: dict[str, Any]) -> str:
    """The file text nbformat (and so JupyterLab) writes for ``nb``, newline at the end."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def loads_notebook(text: str) -> dict[str, Any]:
    """Parse a notebook's text; :class:`NotANotebook` says why it is not one."""
    try:
        return _check_format(json.loads(text))
    except RecursionError:
        raise NotANotebook("nested too deeply") from None
    except ValueError as exc:
        raise NotANotebook(f"not valid JSON ({exc})") from None


def strip_text(text: str) -> str:
    """A notebook's text, stripped."""
    return dumps_notebook(strip_notebook(loads_notebook(text)))


def read_notebook(path: Path) -> str:
    """The text of a regular file of at most :data:`MAX_NOTEBOOK_BYTES`; ``NotANotebook`` else."""
    try:
        return _decode(bounded.read_regular(path, MAX_NOTEBOOK_BYTES))
    except bounded.Unreadable as exc:
        if exc.why in ("missing", "os"):
            raise NotANotebook(f"cannot be read: {exc.detail}") from None
        if exc.why in ("too-large", "grew"):
            raise NotANotebook(_too_large()) from None
        raise NotANotebook("not a regular file") from None


def _too_large() -> str:
    return f"larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB"


def _decode(data: bytes) -> str:
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotANotebook(_too_large())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotANotebook("not UTF-8 text") from None


def _unwritable(paths: Iterable[Path]) -> list[Problem]:
    """A problem for each file whose folder cannot take the stripped copy (read-only, full)."""
    from coursekit.outputs import OutputRefused, check_writable

    problems: list[Problem] = []
    folders: dict[Path, str | None] = {}
    for path in paths:
        folder = path.resolve().parent
        if folder not in folders:
            try:
                check_writable(folder)
                folders[folder] = None
            except OutputRefused as exc:
                folders[folder] = str(exc)
        if folders[folder] is not None:
            problems.append(Problem(str(path), f"cannot be rewritten: {folders[folder]}"))
    return problems


def strip_stream(stream: BinaryIO) -> bytes:
    """A notebook read from ``stream`` (git's clean filter on stdin), stripped, as bytes.

    Bytes, whatever the locale git runs the filter in. An empty file stays empty:
    git may clean one that was just created.
    """
    try:
        text = _decode(stream.read(MAX_NOTEBOOK_BYTES + 1))
        out = strip_text(text) if text.strip() else text
    except NotANotebook as exc:
        raise CourseInvalid([Problem("<stdin>", str(exc))]) from None
    return out.encode("utf-8")


def strip_files(paths: Iterable[Path]) -> list[tuple[Path, Findings | None]]:
    """Strip notebooks in place; each path with what it held, or ``None`` if it was clean.

    All or nothing: every bad file, and every file whose folder cannot be written,
    is named in one :class:`~coursekit.errors.CourseInvalid` before any file is written.
    """
    problems: list[Problem] = []
    stripped: dict[Path, tuple[str, str]] = {}
    for path in paths:
        try:
            text = read_notebook(path)
            stripped[path] = (text, strip_text(text))
        except NotANotebook as exc:
            problems.append(Problem(str(path), str(exc)))
    problems += _unwritable(path for path, (before, after) in stripped.items() if before != after)
    if problems:
        raise CourseInvalid(problems)
    done: list[tuple[Path, Findings | None]] = []
    for path, (before, after) in stripped.items():
        if before == after:
            done.append((path, None))
            continue
        held = findings(loads_notebook(before))
        # resolved, so that a symlinked notebook keeps its link
        write_atomic(path.resolve(), after, keep_mode=True)
        done.append((path, held))
    return done
