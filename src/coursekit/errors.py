"""Every error coursekit raises derives from :class:`CoursekitError`.

Input errors carry :class:`Problem` rows (file, line, field, message) so that
the command line can report all of them at once and exit 2; build errors name
the module and the cell, and the command line exits 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BuildError",
    "CheckingStopped",
    "CourseInvalid",
    "CoursekitError",
    "MissingExtra",
    "ModuleExecutionError",
    "Problem",
    "PublishStopped",
    "RecordInvalid",
    "ServiceRefused",
    "StoreError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, in words a trainer understands."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"


class CoursekitError(Exception):
    """Base class of every error coursekit raises."""

    exit_code = 1


class CourseInvalid(CoursekitError):
    """The course sources are not valid; ``problems`` lists every problem found."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RecordInvalid(CoursekitError):
    """A learner record file cannot be used (bad JSON, schema, course or checksum)."""

    exit_code = 2

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CheckingStopped(CoursekitError):
    """A worker process checking learners' records ended without an answer (killed, out of
    memory): the report stops and says so, rather than wait or leave records out."""


class StoreError(CoursekitError):
    """The learner store cannot be opened, read or written.

    ``kind`` names the fault (``"full"``, ``"readonly"``, ``"corrupt"``,
    ``"newer"``, ``"empty"``, ...), ``path`` the store and ``detail`` the
    underlying error's own words; the exception that caused it is chained as
    ``__cause__``. :meth:`reason` says why in words a learner understands,
    in the catalogue's languages; the message holds them all, Chinese first.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "other",
        path: str | None = None,
        detail: str | None = None,
        reasons: Mapping[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.path = path
        self.detail = detail
        self.reasons = dict(reasons or {})
        super().__init__(message)

    def reason(self, lang: str) -> str:
        """Why, in ``lang`` (the whole message if the error carries no reasons)."""
        return self.reasons.get(lang) or str(self)


class MissingExtra(CoursekitError):
    """An option needs a library that is not installed; the message says which extra brings it."""

    exit_code = 2


class BuildError(CoursekitError):
    """Building or publishing the course failed."""


class ModuleExecutionError(BuildError):
    """A module notebook raised while it was executed.

    Like papermill's ``PapermillExecutionError`` it carries where it failed:
    the module id, the cell index (0-based) and the exception name and value.
    """

    def __init__(self, module: str, cell_index: int, ename: str, evalue: str) -> None:
        self.module = module
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        super().__init__(f"module {module}: cell {cell_index} raised {ename}: {evalue}")

    def __reduce__(self) -> tuple[type[ModuleExecutionError], tuple[str, int, str, str]]:
        # A publish worker raises it and the publishing process reads it: it is pickled.
        return type(self), (self.module, self.cell_index, self.ename, self.evalue)


class PublishStopped(BuildError):
    """SIGINT or SIGTERM stopped the publish; nothing it started is left, the site is unchanged.

    ``exit_code`` is 128 + the signal number, as a shell reports a process killed by it.
    """

    def __init__(self, signum: int, out: Path) -> None:
        import signal

        self.signum = signum
        self.exit_code = 128 + signum
        how = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        super().__init__(f"publish stopped by {how}; {out} was left as it was")


class ServiceRefused(CoursekitError):
    """The coursekit service answered a request with a refusal (403, 404, 422, ...).

    ``status`` is the HTTP status and ``reason`` the service's own words, which
    the message carries in one line (a learner's token asking for the report
    is refused with why).
    """

    exit_code = 2

    def __init__(self, status: int, reason: str, url: str) -> None:
        self.status = status
        self.reason = reason
        self.url = url
        super().__init__(f"the coursekit service at {url} refused ({status}): {reason}")
