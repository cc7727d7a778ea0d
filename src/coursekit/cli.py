"""The ``coursekit`` command line.

Commands are imported only when they run, so that ``coursekit --help`` stays
fast: nbconvert and pandas take seconds to import on a small machine. Library
errors become exit codes here and nowhere else: 2 for bad input, 1 for a
failed build, never a traceback.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from coursekit._version import __version__
from coursekit.errors import CourseInvalid, CoursekitError

__all__ = ["course_argument", "course_option", "main", "report_errors", "store_option"]

F = TypeVar("F", bound=Callable[..., Any])

# name -> "module:attribute" of a click command; imported on first use.
COMMANDS = {
    "validate": "coursekit.cli:validate",
    "ingest": "coursekit.ingest:ingest_command",
    "schema": "coursekit.schema:schema_command",
    "build": "coursekit.build:build_command",
    "publish": "coursekit.publish:publish_command",
    "record": "coursekit.records:record_command",
    "report": "coursekit.report:report_command",
    "strip": "coursekit.strip:strip_command",
}
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """A group whose subcommands live in other modules and load on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, attr = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attr)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


def report_errors(func: F) -> F:
    """Turn coursekit errors into a message on stderr and the right exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CourseInvalid as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            n = len(exc.problems)
            click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", err=True)
            sys.exit(exc.exit_code)
        except CoursekitError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def course_option(func: F) -> F:
    """``--course``: a course folder, the bundled course by default."""
    return click.option(
        "--course",
        type=click.Path(file_okay=False, path_type=Path),
        help="The course folder (default: the bundled course).",
    )(func)


def store_option(func: F) -> F:
    """``--store``: the learner store, by default ``$COURSEKIT_HOME/learner.sqlite3``."""
    return click.option(
        "--store",
        help="Learner store path or sqlite:/// URL (default: $COURSEKIT_HOME/learner.sqlite3, "
        "else ~/.coursekit/learner.sqlite3).",
    )(func)


def course_argument(func: F) -> F:
    """The optional COURSE argument: a course folder, the bundled course by default."""
    return click.argument(
        "course",
        required=False,
        type=click.Path(file_okay=False, path_type=Path),
    )(func)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="coursekit")
def main() -> None:
    """Turn a study packet into a course: ingest, validate, build, publish, report."""


@click.command(context_settings=CONTEXT)
@course_argument
@report_errors
def validate(course: Path | None) -> None:
    """Check a course folder (the bundled course by default) and print its outline.

    Every problem is listed at once, each naming the file, the line and the
    field. Exits 2 when the course has problems.
    """
    from coursekit.content import load_course
    from coursekit.validate import outline

    loaded = load_course(course)
    click.echo(outline(loaded))
    click.echo("OK: the course is valid.")
