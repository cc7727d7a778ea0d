"""An organisation's roster: learner ids, display names, branches (支部) and roles (职务).

A roster comes from the organisation's own spreadsheet, so its columns are found
by their headers, in Chinese or English and in any order; other columns are
ignored. Every line is checked before anything is stored, and every problem is
reported at once (:class:`~coursekit.errors.CourseInvalid`), naming the line as
the trainer's editor shows it: a CSV file's physical line, a sheet's row number.

Reading is bounded like a learner's record (:mod:`coursekit.intake`): a regular
file of at most 8 MiB, 100,000 members, 200 characters a field; an XLSX file is
refused before openpyxl opens it when its entries overlap or say they unpack to
more than 100 MiB (a zip bomb).
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeAlias

from coursekit import intake
from coursekit.errors import CourseInvalid, MissingExtra, Problem, RecordInvalid
from coursekit.store.rows import RosterEntry

__all__ = ["COLUMNS", "MAX_BYTES", "MAX_FIELD", "MAX_ROWS", "read_roster"]

MiB = 1024 * 1024
#: A roster file, CSV or XLSX: 100,000 members with a dozen columns fit easily.
MAX_BYTES = 8 * MiB
#: Members in one roster.
MAX_ROWS = 100_000
#: Characters in one id, name or branch.
MAX_FIELD = 200
# What an XLSX may unpack to: a full roster's sheet and strings take a fraction of it.
XLSX_UNPACKED = 100 * MiB

#: The headers each column may have (compared without case, surrounding spaces, or the
#: difference between a space, a hyphen and an underscore).
COLUMNS: dict[str, tuple[str, ...]] = {
    "learner id": ("learner_id", "id", "编号", "党员编号", "工号"),
    "name": ("name", "姓名"),
    "branch": ("branch", "支部", "所在支部"),
    "role": ("role", "职务", "党内职务", "position"),
}
_REQUIRED = ("learner id", "name")
# Direction marks and overrides reorder what a terminal or a page shows around them.
_DIRECTION = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Excel shows a long number as 1.23457E+17 and writes it to CSV that way: the digits are gone.
_ROUNDED = re.compile(r"[0-9](\.[0-9]+)?E\+[0-9]+", re.IGNORECASE)
# Excel keeps 15 significant digits of a number; a longer id typed as a number is rounded.
_EXACT_DIGITS = 10**15


# (line or row number, the cells on it) for each line of a roster file.
Rows: TypeAlias = "Generator[tuple[int, Sequence[object]], None, None]"


class _Unreadable(Exception):
    """The file cannot be read on from here; ``problem`` says why and where."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class _Column:
    index: int
    header: str  # as the file writes it, for messages


def read_roster(path: Path) -> list[RosterEntry]:
    """The members listed in the ``.csv`` or ``.xlsx`` file at ``path``, in the file's order.

    Raises :class:`CourseInvalid` with every problem found (exit 2): a file that
    cannot be read, a missing column, and each bad line. Ids and names come back
    trimmed and NFC-normalised; a branch left empty is ``None``.
    """
    shown = intake.shown(str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, shown)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path, shown)
    else:
        raise CourseInvalid(
            [Problem(shown, "a roster is a .csv or .xlsx file (save the sheet as one of them)")]
        )
    try:
        return _entries(rows, shown)
    finally:
        rows.close()  # a workbook left unread is closed now, not when it is collected


# --- lines into members ------------------------------------------------------------------------


def _entries(rows: Rows, shown: str) -> list[RosterEntry]:
    problems: list[Problem] = []
    entries: list[RosterEntry] = []
    try:
        header = next(((n, cells) for n, cells in rows if not _blank(cells)), None)
        if header is None:
            raise CourseInvalid([Problem(shown, "empty: no header line, and no members", 1)])
        columns = _columns(*header, shown)
        seen: dict[str, int] = {}
        members = 0
        for line, cells in rows:
            if _blank(cells):
                continue
            members += 1
            if members > MAX_ROWS:
                problems.append(
                    Problem(shown, f"more than {MAX_ROWS:,} members; split the roster", line)
                )
                break
            entry = _member(line, cells, columns, shown, seen, problems)
            if entry is not None:
                entries.append(entry)
        if members == 0:
            problems.append(Problem(shown, "no members below the header line", header[0]))
    except _Unreadable as exc:
        problems.append(exc.problem)
    if problems:
        raise CourseInvalid(problems)
    return entries


def _columns(line: int, cells: Sequence[object], shown: str) -> dict[str, _Column]:
    """Where each known column is; one problem for the missing or doubled ones."""
    found: dict[str, list[_Column]] = {}
    headers = [_text(c).strip() for c in cells]
    for index, header in enumerate(headers):
        key = re.sub(r"[\s\-_]+", "_", unicodedata.normalize("NFC", header).casefold())
        for role, names in COLUMNS.items():
            if key in names:
                found.setdefault(role, []).append(_Column(index, intake.shown(header)))
    wrong = []
    for role in _REQUIRED:
        if role not in found:
            wrong.append(f"no {role} column (headed {' or '.join(COLUMNS[role])})")
    for role, columns in found.items():
        if len(columns) > 1:
            both = " and ".join(f"'{c.header}' (column {c.index + 1})" for c in columns)
            wrong.append(f"two {role} columns: {both}; keep one")
    if wrong:
        present = ", ".join(f"'{intake.shown(h)}'" for h in headers if h) or "none"
        raise CourseInvalid(
            [Problem(shown, f"{'; '.join(wrong)}. The columns found: {present}", line)]
        )
    return {role: columns[0] for role, columns in found.items()}


def _member(
    line: int,
    cells: Sequence[object],
    columns: dict[str, _Column],
    shown: str,
    seen: dict[str, int],
    problems: list[Problem],
) -> RosterEntry | None:
    """The member on one line, or ``None`` after adding each of its problems to ``problems``."""
    before = len(problems)

    def raw(role: str) -> object:
        column = columns.get(role)
        if column is None or column.index >= len(cells):
            return None
        return cells[column.index]

    def wrong(role: str, message: str) -> None:
        problems.append(Problem(shown, message, line, columns[role].header))

    learner, name, branch, role = (
        unicodedata.normalize("NFC", _text(raw(column)).strip())
        for column in ("learner id", "name", "branch", "role")
    )
    number = raw("learner id")
    if isinstance(number, float) and abs(number) >= _EXACT_DIGITS:
        wrong("learner id", f"{number:.15g} is a number Excel has rounded; {_AS_TEXT}")
    elif not learner:
        wrong("learner id", "no learner id")
    elif len(learner) > MAX_FIELD:
        wrong("learner id", _too_long(learner))
    elif any(c.isspace() for c in learner):
        wrong("learner id", f"learner id '{intake.shown(learner)}' has a space inside")
    elif not learner.isprintable():
        wrong("learner id", f"learner id '{intake.shown(learner)}' holds a control character")
    elif _ROUNDED.fullmatch(learner):
        wrong("learner id", f"{learner} is a number Excel has rounded; {_AS_TEXT}")
    elif learner in seen:
        wrong("learner id", f"learner id '{learner}' is on line {seen[learner]} too")
    else:
        seen[learner] = line
    if not name:
        wrong("name", "no name")
    else:
        _check_text("name", name, wrong)
    if branch:
        _check_text("branch", branch, wrong)
    if role:
        _check_text("role", role, wrong)
    if len(problems) > before:
        return None
    return RosterEntry(learner, name, branch or None, role or None)


_AS_TEXT = "format the column as text and type the ids again"


def _check_text(role: str, value: str, wrong: Callable[[str, str], None]) -> None:
    if len(value) > MAX_FIELD:
        wrong(role, _too_long(value))
    elif any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _DIRECTION for c in value):
        wrong(role, f"{role} '{intake.shown(value)}' holds a control character")


def _too_long(value: str) -> str:
    return f"{len(value):,} characters (at most {MAX_FIELD}): '{intake.shown(value[:40])}'…"


def _blank(cells: Sequence[object]) -> bool:
    return all(_text(c).strip() == "" for c in cells)


def _text(value: object) -> str:
    """A cell as text: ``123`` for the 123.0 Excel makes of 000123, a date as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


# --- files into lines ------------------------------------------------------------------------


def _csv_rows(path: Path, shown: str) -> Rows:
    """(physical line where the record starts, its fields) for each record of a CSV file."""
    try:
        data = intake.read_regular(path, MAX_BYTES)
    except RecordInvalid as exc:
        raise CourseInvalid([Problem(shown, exc.reason)]) from None
    if data.startswith(b"PK\x03\x04"):
        raise CourseInvalid([Problem(shown, "an XLSX (zip) file named .csv; name it .xlsx")])
    data = intake.without_bom(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            # Excel on Chinese Windows saves "CSV (逗号分隔)" in GB18030 (GBK).
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise CourseInvalid(
                [Problem(shown, "neither UTF-8 nor GB18030 text; save it as “CSV UTF-8”")]
            ) from None
    return _records(text, shown)


def _records(text: str, shown: str) -> Rows:
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1  # a quoted field may run over several lines
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unreadable(Problem(shown, f"not valid CSV: {exc}", reader.line_num)) from None
        yield start, row


def _xlsx_rows(path: Path, shown: str) -> Rows:
    """(row number, cell values) for each row of the workbook's first sheet."""
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise MissingExtra(
            "reading an .xlsx roster needs openpyxl: pip install 'coursekit[xlsx]'"
        ) from None
    try:
        fd, size = intake.open_regular(path)
    except RecordInvalid as exc:
        raise CourseInvalid([Problem(shown, exc.reason)]) from None
    file = os.fdopen(fd, "rb")
    try:
        refused = (
            f"too large ({size:,} bytes; the limit is {MAX_BYTES:,})"
            if size > MAX_BYTES
            else intake.zip_refusal(fd, size, XLSX_UNPACKED)
        )
        if refused:
            raise CourseInvalid([Problem(shown, refused)])
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it drops; the roster needs neither.
            warnings.simplefilter("ignore")
            try:
                workbook = load_workbook(file, read_only=True, data_only=True)
            except Exception as exc:  # openpyxl, zipfile and XML parsers raise many kinds
                raise CourseInvalid(
                    [Problem(shown, f"not a readable XLSX workbook ({_why(exc)})")]
                ) from None
    except BaseException:
        file.close()
        raise
    return _sheet_rows(file, workbook, shown)


def _sheet_rows(file: io.BufferedReader, workbook: Any, shown: str) -> Rows:  # openpyxl: untyped
    line = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets = workbook.worksheets
            if not sheets:
                raise _Unreadable(Problem(shown, "the workbook has no worksheet"))
            sheet = sheets[0]
            # The sizes a sheet declares would pad every row to them: read the cells there are.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            while True:
                try:
                    values = next(rows, None)
                except Exception as exc:  # a damaged sheet: zipfile, XML and value errors
                    why = f"the sheet cannot be read from here on ({_why(exc)})"
                    raise _Unreadable(Problem(shown, why, line + 1)) from None
                if values is None:
                    return
                line += 1
                yield line, values
    finally:
        workbook.close()
        file.close()


def _why(exc: Exception) -> str:
    return intake.shown(f"{type(exc).__name__}: {exc}")[:300]
