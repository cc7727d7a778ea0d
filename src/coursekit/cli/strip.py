"""``coursekit strip``: strip outputs and widget state from notebooks, or filter stdin for git."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coursekit.cli._options import HELP, report_errors
from coursekit.strip import strip_files, strip_stream


@click.command(context_settings=HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@report_errors
def strip_command(files: tuple[Path, ...]) -> None:
    """Strip outputs, execution counts and widget state from notebooks, in place.

    With FILE "-", read a notebook from stdin and write it stripped to stdout:
    use it as a git clean filter, so that a notebook is staged without the
    learner data it holds (see .gitattributes). Every bad file is named and
    nothing is written then.
    """
    if Path("-") in files:
        if len(files) > 1:
            raise click.UsageError("'-' (stdin to stdout) cannot be combined with files")
        sys.stdout.buffer.write(strip_stream(sys.stdin.buffer))
        return
    for path, held in strip_files(files):
        if held is None:
            click.echo(f"{path}: already clean")
        else:
            click.echo(f"{path}: stripped ({held})" if held else f"{path}: stripped (run metadata)")
