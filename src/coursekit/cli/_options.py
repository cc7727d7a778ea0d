"""What every command shares: its options, and how an error becomes a message and an exit code.

Library errors become exit codes here and nowhere else: 2 for bad input, 1 for a
failed build, never a traceback. Each becomes one ``error:`` line naming the
path or the file: a coursekit error, a path that is missing, of the wrong kind
or not readable or writable (``OSError``), and a path option click refuses.
Anything else is a bug, and says so in one line (``COURSEKIT_DEBUG=1`` shows
the traceback).
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from coursekit.errors import CourseInvalid, CoursekitError, Problem

__all__ = [
    "HELP",
    "course_argument",
    "course_option",
    "describe_os_error",
    "exit_with",
    "missing_paths",
    "out_folder_options",
    "report_errors",
    "store_option",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The context settings of every command: ``-h`` is ``--help``.
HELP: dict[str, Any] = {"help_option_names": ["-h", "--help"]}
# An OSError with one of these is about the path the user gave: bad input, exit 2.
# Others (a full disk, an I/O error) are a failed run, exit 1.
_INPUT_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.EEXIST,
        errno.ELOOP,
        errno.ENAMETOOLONG,
        errno.ENOTEMPTY,
    }
)


def exit_with(exc: Exception) -> NoReturn:
    """Say what went wrong in one line on stderr and exit with its code."""
    if isinstance(exc, CourseInvalid):
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        n = len(exc.problems)
        click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", err=True)
        sys.exit(exc.exit_code)
    if isinstance(exc, CoursekitError):
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if isinstance(exc, OSError):
        click.echo(f"error: {describe_os_error(exc)}", err=True)
        sys.exit(2 if exc.errno in _INPUT_ERRNOS else 1)
    if os.environ.get("COURSEKIT_DEBUG"):
        raise exc
    click.echo(
        f"error: unexpected {type(exc).__name__}: {exc} (a bug in coursekit; "
        "run again with COURSEKIT_DEBUG=1 to see where)",
        err=True,
    )
    sys.exit(1)


def describe_os_error(exc: OSError) -> str:
    """``PATH: Permission denied``: the path first, then why, in one line."""
    why = exc.strerror or str(exc)
    if exc.filename is None:
        return why
    where = os.fsdecode(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {os.fsdecode(exc.filename2)}"
    return f"{where}: {why}"


def missing_paths(paths: Iterable[Path]) -> list[Problem]:
    """An input path that names nothing is a mistake to report, not a file to skip."""
    return [
        Problem(str(path), "no such file or folder") for path in paths if not os.path.lexists(path)
    ]


def report_errors(func: F) -> F:
    """Turn coursekit errors into a message on stderr and the right exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (CoursekitError, OSError) as exc:
            exit_with(exc)

    return wrapper  # type: ignore[return-value]


def course_option(func: F) -> F:
    """``--course``: a course folder, the bundled course by default."""
    return click.option(
        "--course",
        type=click.Path(file_okay=False, path_type=Path),
        help="The course folder (default: the bundled course).",
    )(func)


def store_option(func: F) -> F:
    """``--store``: the learner store, by default ``$COURSEKIT_STORE`` or the embedded one."""
    return click.option(
        "--store",
        help="Learner store: a path, a sqlite:/// URL or a postgresql+psycopg:// URL "
        "(default: $COURSEKIT_STORE, else $COURSEKIT_HOME/learner.sqlite3, "
        "else ~/.coursekit/learner.sqlite3).",
    )(func)


def out_folder_options(name: str) -> Callable[[F], F]:
    """``--out`` (default ``./name``) and ``--force``, for a command that writes learner data
    (a report, a ledger) into a folder it owns (:mod:`coursekit.outputs`)."""

    def decorate(func: F) -> F:
        func = click.option(
            "--force",
            is_flag=True,
            help=f"Replace {name} files changed since they were written (never files "
            "coursekit did not write).",
        )(func)
        return click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path(name),
            show_default=True,
            help=f"The {name} folder: new, empty, or a {name} written before. Only the "
            f"{name}'s own files are replaced; it may not be a records path or the course, "
            "nor inside a published site.",
        )(func)

    return decorate


def course_argument(func: F) -> F:
    """The optional COURSE argument: a course folder, the bundled course by default."""
    return click.argument(
        "course",
        required=False,
        type=click.Path(file_okay=False, path_type=Path),
    )(func)
