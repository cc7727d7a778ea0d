"""``coursekit validate``: check a course folder and print its outline."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.cli._options import HELP, course_argument, report_errors


@click.command(context_settings=HELP)
@course_argument
@report_errors
def validate_command(course: Path | None) -> None:
    """Check a course folder (the bundled course by default) and print its outline.

    Every problem is listed at once, each naming the file, the line and the
    field. Exits 2 when the course has problems. The question-bank lint (answer
    positions, true/false balance, near-duplicates, answer leaks, untested
    paragraphs, glossary grounding) prints warnings, or errors when the course's
    policy says so.
    """
    from coursekit.content import load_course
    from coursekit.validate import outline

    loaded = load_course(course, lint=True)
    click.echo(outline(loaded))
    click.echo("OK: the course is valid.")
