"""``coursekit build``: write the module notebooks and the trainer notebook."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.build import (
    EDITED,
    NotebookFile,
    check_notebooks,
    claim_notebook_folder,
    default_notebook_dir,
    not_ours,
    notebook_files,
    write_notebooks,
)
from coursekit.cli._options import HELP, course_argument, report_errors
from coursekit.errors import BuildError
from coursekit.model import Course


@click.command(context_settings=HELP)
@course_argument
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the notebooks (default: notebooks/ beside the course folder).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if any notebook is stale or holds outputs or widget state.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Also rewrite coursekit's notebooks whose cells were edited by hand (never files "
    "coursekit did not write).",
)
@report_errors
def build_command(course: Path | None, out: Path | None, check: bool, force: bool) -> None:
    """Write one notebook per module (NN-<module>.ipynb) and trainer.ipynb.

    Parameters are injected with papermill (prepare only); notebooks have no
    outputs and a re-run gives byte-identical files. A notebook saved after
    use is rewritten clean: its outputs and widget state hold learner data.
    Notebooks that coursekit did not write are left alone, and so are its own
    whose cells were edited, unless --force.
    """
    from coursekit.content import load_course

    loaded = load_course(course)
    out_dir = out if out is not None else default_notebook_dir(loaded)
    if check:
        _check(loaded, out_dir)
        return
    claim_notebook_folder(loaded, out_dir)  # before any notebook is prepared
    entries = notebook_files(loaded, out_dir)
    changed = {path.name for path in write_notebooks(entries, out_dir, force)}
    blocked, edited = _tell(entries, changed, out_dir)
    _refuse_left(blocked, edited)


def _check(course: Course, out_dir: Path) -> None:
    """``--check``: one line per notebook to fix, and a failed build if there is any."""
    lines = check_notebooks(course, out_dir)
    for line in lines:
        click.echo(line, err=True)
    if lines:
        raise BuildError(
            f"{len(lines)} notebook(s) in {out_dir} are stale or hold outputs or widget "
            "state, which can hold learners' names and answers: run `coursekit build` "
            "(it rewrites coursekit's notebooks clean), or `coursekit strip FILE`"
        )
    click.echo(f"{out_dir}: up to date, no outputs.")


def _tell(
    entries: list[NotebookFile], changed: set[str], out_dir: Path
) -> tuple[list[str], list[str]]:
    """Say what was written and what was left alone; returns the blocked and edited names."""
    blocked, edited, kept = [], [], []
    for entry in entries:
        where = out_dir / entry.name
        if entry.name in changed and entry.held:
            click.echo(f"{where}: rewritten clean (it held {entry.held})")
        elif entry.blocked:
            blocked.append(entry.name)
            click.echo(f"{where}: {not_ours(entry)}; left alone", err=True)
        elif entry.edited and entry.stale and entry.name not in changed:
            edited.append(entry.name)
            click.echo(f"{where}: {EDITED}; left alone", err=True)
        elif not entry.owned and entry.present:  # a notebook new in this build is not kept
            kept.append(entry.name)
            if entry.held:
                click.echo(
                    f"{where}: {entry.held}; {not_ours(entry)}, so left alone: "
                    f"run `coursekit strip {where}` before you commit it"
                )
    # every module's notebook and the trainer's
    total = sum(1 for entry in entries if entry.expected is not None)
    click.echo(f"{out_dir}: {total} notebooks, {len(changed)} written or removed.")
    if kept:
        click.echo(f"kept {len(kept)} notebooks coursekit did not write: {', '.join(kept)}")
    return blocked, edited


def _refuse_left(blocked: list[str], edited: list[str]) -> None:
    """A failed build when a notebook could not be written: in the way, or edited by hand."""
    problems = []
    if blocked:
        problems.append(
            f"not written: {', '.join(blocked)}; a file coursekit did not write is in the "
            "way. Move it away and run `coursekit build` again"
        )
    if edited:
        problems.append(
            f"not replaced: {', '.join(edited)}, edited by hand. Keep your version under "
            "another name, or run `coursekit build --force` to replace it"
        )
    if problems:
        raise BuildError("; ".join(problems))
