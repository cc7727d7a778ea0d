"""``coursekit publish``: execute the module notebooks and publish the site."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.cli._options import HELP, course_argument, report_errors
from coursekit.errors import BuildError
from coursekit.publish import publish


@click.command(context_settings=HELP)
@course_argument
@click.option(
    "--out",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the static site: new, empty, or a site publish wrote. Only the pages "
    "publish wrote are replaced; files you added (robots.txt, CNAME, ...) stay.",
)
@click.option(
    "--build-dir",
    default="build",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for executed notebooks (the cache).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes [default: CPUs].")
@click.option(
    "--force",
    is_flag=True,
    help="Execute and render every module again, and replace pages changed by hand "
    "(never files coursekit did not write).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--profile",
    is_flag=True,
    help="Also print where the time went: the publish's stages, and per module its "
    "kernel, execution, writing and rendering.",
)
@report_errors
def publish_command(
    course: Path | None,
    out: Path,
    build_dir: Path,
    jobs: int | None,
    force: bool,
    quiet: bool,
    profile: bool,
) -> None:
    """Execute the module notebooks and publish handouts, worksheets and trainer guides.

    Modules whose content has not changed are taken from the cache. Exits 1,
    naming the module and the cell, when a module fails; the other modules are
    still published and the failed one keeps its previous pages. Ctrl-C stops
    it cleanly: no worker, kernel or temporary folder stays, and the site is
    left as it was.
    """
    from coursekit.content import load_course

    loaded = load_course(course)
    for warning in loaded.warnings:  # e.g. a module too long for a phone: said before the work
        click.echo(f"warning: {warning}", err=True)
    summary = publish(loaded, out, build_dir=build_dir, jobs=jobs, force=force, progress=not quiet)
    for error in summary.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(summary.line())
    click.echo(summary.outcome())
    if profile:
        for line in summary.profile_lines():
            click.echo(line)
    kept = summary.kept_line()
    if kept:
        click.echo(kept)
    if summary.errors:
        n = len(summary.errors)
        raise BuildError(f"{n} module{'s' if n != 1 else ''} failed; see above.")
