"""The trainer's cohort report: who studied what, where the cohort went wrong, what members wrote.

:func:`load_cohort` reads record files, folders and zip files; every bad file
is skipped with its reason and the rest are used. :func:`build_report` turns
the records into pandas DataFrames; :func:`write_report` writes ``index.html``
(rendered by :func:`coursekit.html.report_page`: tables and CSS bars, in the course's
language, nothing from elsewhere) and CSV files.
Reports are for trainers only: nothing here goes into the published site, and
the report folder holds a ``.gitignore`` of ``*``, so that a report written
inside a git checkout is never committed.

The report folder is the command's own only as far as its manifest goes (see
:mod:`coursekit.outputs`): it must be new, empty or a report written before,
it is never a records path or the course (nor inside one, nor holding one),
and only the files the report wrote are replaced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import tempfile
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursekit.answers import Answer
from coursekit.cells import frame_rows
from coursekit.errors import MissingExtra, RecordInvalid
from coursekit.grading import grade
from coursekit.html import given_answer_text, report_page
from coursekit.intake import record_sources as _sources  # bounded reading of learners' files
from coursekit.messages import msg
from coursekit.model import Checkpoint, Course
from coursekit.records import (
    LearnerRecord,
    parse_record,
    retired_items,
)

if TYPE_CHECKING:
    import pandas as pd

    from coursekit.outputs import Committed, Output

__all__ = [
    "Cohort",
    "Report",
    "build_report",
    "claim_report",
    "load_cohort",
    "need_openpyxl",
    "report_files",
    "summary_lines",
    "write_report",
]


@dataclass
class Cohort:
    """The records that passed every check, one per learner, and the files skipped.

    When a learner sent several records, the one with the most work in it is
    used (see :func:`work_done`), never the one that claims the latest date.
    """

    records: list[tuple[str, LearnerRecord]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector: thousands of live records hold no cycles, and rescanning
    them on every burst of allocations would triple the time a large report takes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def work_done(record: LearnerRecord) -> int:
    """How much a record holds, counted the way ``restore`` merges it.

    Every attempt (restore keeps each one), every module read and every
    reflection with text. Dates are not counted: a learner's file can claim any.
    """
    return sum(
        len(m.attempts) + (m.read_at is not None) + sum(1 for r in m.reflections if r.text.strip())
        for m in record.modules
    )


def load_cohort(paths: Iterable[Path], course: Course, *, now: dt.datetime | None = None) -> Cohort:
    """Check every record; of several records of one learner keep the one with the most work.

    Times later than ``now`` (the current time by default) make a record invalid.
    """
    with _no_cyclic_gc():
        return _load_cohort(paths, course, now or dt.datetime.now(dt.timezone.utc))


def _load_cohort(paths: Iterable[Path], course: Course, now: dt.datetime) -> Cohort:
    cohort = Cohort()
    kept: dict[str, tuple[str, LearnerRecord, int]] = {}
    for name, data, reason in _sources(paths):
        if data is None:
            cohort.skipped.append((name, reason or "unreadable"))
            continue
        try:
            record = parse_record(data, name, course, now=now)
        except RecordInvalid as exc:
            cohort.skipped.append((name, exc.reason))
            continue
        work = work_done(record)
        held = kept.get(record.learner)
        if held is None:
            kept[record.learner] = (name, record, work)
            continue
        # The first one read wins a tie, so the choice does not depend on what a file claims.
        (loser, lost), (winner, won) = (
            ((name, work), (held[0], held[2]))
            if work <= held[2]
            else ((held[0], held[2]), (name, work))
        )
        if winner == name:
            kept[record.learner] = (name, record, work)
        cohort.skipped.append(
            (
                loser,
                f"another record of learner {record.learner!r}, with {lost} items of work "
                f"against {won} in {winner}, which is used",
            )
        )
    cohort.records = sorted(((n, r) for n, r, _ in kept.values()), key=lambda nr: nr[1].learner)
    return cohort


@dataclass
class Report:
    """The cohort as DataFrames, one per question a trainer asks.

    Every count is graded again from the course's answer key; the ``correct``
    flags a record carries are never read.
    """

    completion: pd.DataFrame  # learner × module: read, answered, correct, reflections
    checkpoints: pd.DataFrame  # per checkpoint: first-attempt share correct, commonest wrong
    reading: pd.DataFrame  # per module: learners who read it to the end
    reflections: pd.DataFrame  # per prompt: responses, median length, excerpts
    skipped: pd.DataFrame  # file, reason
    learners: int
    records: pd.DataFrame  # per learner: file, content version, whether it is the current one
    retired: pd.DataFrame  # learner, module, kind, item: work on items no longer in the course


class _Verdicts:
    """:func:`~coursekit.grading.grade`, remembered: a cohort gives the same answers often."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, Hashable], bool] = {}

    def __call__(self, question: Checkpoint, answer: Answer) -> bool:
        if isinstance(answer, list):
            token: Hashable = ("list", *answer)
        elif isinstance(answer, dict):
            token = ("dict", *sorted(answer.items(), key=lambda kv: kv[0]))
        else:
            token = answer
        key = (question.id, token)
        if key not in self.known:
            self.known[key] = grade(question, answer)
        return self.known[key]


def build_report(course: Course, cohort: Cohort) -> Report:
    """The cohort's DataFrames (see :class:`Report`)."""
    with _no_cyclic_gc():
        return _build_report(course, cohort)


@dataclass
class _Tally:
    """What the records say, counted record by record; the report's tables are made from it."""

    key: dict[str, tuple[str, Checkpoint]]  # checkpoint id -> its module now, and the question
    prompts: dict[str, str]  # reflection id -> its module
    first: dict[str, list[bool]]  # checkpoint id -> right at the first try, per learner
    wrong: dict[str, Counter[str]]  # checkpoint id -> wrong answer -> learners who gave it
    texts: dict[str, list[str]]  # reflection id -> what learners wrote
    completion: list[tuple[Any, ...]] = field(default_factory=list)
    records: list[tuple[Any, ...]] = field(default_factory=list)
    retired: list[tuple[str, str, str, str]] = field(default_factory=list)
    verdict: _Verdicts = field(default_factory=_Verdicts)

    @classmethod
    def of(cls, course: Course) -> _Tally:
        questions = course.all_checkpoints()
        prompts = {r.id: m.id for m in course.modules for r in m.reflections}
        return cls(
            key={q.id: (module_id, q) for module_id, q in questions},
            prompts=prompts,
            first={q.id: [] for _, q in questions},
            wrong={q.id: Counter() for _, q in questions},
            texts={r: [] for r in prompts},
        )


def _build_report(course: Course, cohort: Cohort) -> Report:
    import pandas as pd

    tally = _Tally.of(course)
    for source, record in cohort.records:
        _count(tally, course, source, record)
    completion = pd.DataFrame(
        tally.completion,
        columns=["learner", "module", "read", "answered", "correct", "reflections"],
    )
    n = len(cohort.records)
    skipped = pd.DataFrame(cohort.skipped, columns=["file", "reason"])
    records = pd.DataFrame(
        tally.records, columns=["learner", "file", "version", "current_version", "work"]
    )
    retired = pd.DataFrame(tally.retired, columns=["learner", "module", "kind", "item"])
    return Report(
        completion,
        _checkpoint_table(course, tally),
        _reading_table(course, completion, n),
        _reflection_table(course, tally),
        skipped,
        n,
        records,
        retired,
    )


def _count(tally: _Tally, course: Course, source: str, record: LearnerRecord) -> None:
    """Add one record: its row, its retired items, and each module's reading and answers."""
    modules = [m.id for m in course.modules]
    tally.records.append(
        (
            record.learner,
            source,
            record.course.version,
            record.course.version == course.version,
            work_done(record),
        )
    )
    tally.retired += [
        (record.learner, r.module, r.kind, r.item) for r in retired_items(record, course)
    ]
    read = {m.module for m in record.modules if m.read_at is not None}
    seen: dict[str, set[str]] = {m: set() for m in modules}
    right: dict[str, set[str]] = {m: set() for m in modules}
    written: Counter[str] = Counter()
    # A wrong answer counts once per learner, however often it was tried: every count in
    # the report is of people (the dashboard labels its columns so).
    wrong: dict[tuple[str, str], None] = {}  # in the order given, so ties keep a stable order
    for m in record.modules:
        for a in m.attempts:
            if a.checkpoint not in tally.key:
                continue
            # A checkpoint counts in the module the course puts it in now.
            module_id, question = tally.key[a.checkpoint]
            correct = tally.verdict(question, a.answer)
            if a.checkpoint not in seen[module_id]:
                tally.first[a.checkpoint].append(correct)
                seen[module_id].add(a.checkpoint)
            if correct:
                right[module_id].add(a.checkpoint)
            else:
                wrong[(a.checkpoint, given_answer_text(a.answer, course.meta.lang))] = None
        for r in m.reflections:
            if r.reflection in tally.prompts and r.text.strip():
                written[tally.prompts[r.reflection]] += 1
                tally.texts[r.reflection].append(r.text)
    for checkpoint, answer in wrong:
        tally.wrong[checkpoint][answer] += 1
    tally.completion += [
        (
            record.learner,
            module_id,
            module_id in read,
            len(seen[module_id]),
            len(right[module_id]),
            written[module_id],
        )
        for module_id in modules
    ]


def _checkpoint_table(course: Course, tally: _Tally) -> pd.DataFrame:
    """One row per checkpoint: how many answered, the share right at first try, common wrongs."""
    import pandas as pd

    lang = course.meta.lang
    first, wrong = tally.first, tally.wrong
    table: pd.DataFrame = pd.DataFrame(
        [
            (
                module_id,
                q.id,
                q.type,
                q.prompt,
                len(first[q.id]),
                (sum(first[q.id]) / len(first[q.id])) if first[q.id] else float("nan"),
                msg(lang, "format.pair_sep").join(
                    msg(lang, "report.wrong_count", answer=answer, count=count)
                    for answer, count in wrong[q.id].most_common(3)
                ),
            )
            for module_id, q in course.all_checkpoints()
        ],
        columns=[
            "module",
            "checkpoint",
            "type",
            "prompt",
            "learners",
            "first_correct",
            "common_wrong",
        ],
    )
    return table


def _reading_table(course: Course, completion: pd.DataFrame, n: int) -> pd.DataFrame:
    """One row per module: how many learners read it, and their share."""
    import pandas as pd

    read_counts = completion.groupby("module", sort=False)["read"].sum() if n else None
    reading: pd.DataFrame = pd.DataFrame(
        [
            (m.id, m.label, m.title, int(read_counts[m.id]) if read_counts is not None else 0)
            for m in course.modules
        ],
        columns=["module", "label", "title", "read"],
    )
    reading["share"] = reading["read"] / n if n else 0.0
    return reading


def _reflection_table(course: Course, tally: _Tally) -> pd.DataFrame:
    """One row per reflection prompt: responses, their median length, the first five."""
    import pandas as pd

    texts = tally.texts
    table: pd.DataFrame = pd.DataFrame(
        [
            (
                m.id,
                r.id,
                r.prompt,
                len(texts[r.id]),
                int(pd.Series([len(t) for t in texts[r.id]]).median()) if texts[r.id] else 0,
                texts[r.id][:5],
            )
            for m in course.modules
            for r in m.reflections
        ],
        columns=["module", "reflection", "prompt", "responses", "median_chars", "excerpts"],
    )
    return table


# --- writing -------------------------------------------------------------------------------------

_TABLES = ("completion", "checkpoints", "reading", "reflections", "records", "retired", "skipped")
# A report holds learners' names and answers: git ignores everything in its folder.
GITIGNORE = b"# Written by coursekit report: learner data never goes into git.\n*\n"


def report_files(xlsx: bool = False) -> list[str]:
    """The files :func:`write_report` writes, relative to the report folder."""
    return [
        ".gitignore",
        "index.html",
        *(f"{name}.csv" for name in _TABLES),
        *(["report.xlsx"] if xlsx else []),
    ]


def claim_report(
    out: Path,
    course: Course,
    records: Iterable[Path] = (),
    *,
    force: bool = False,
    xlsx: bool = False,
) -> Output:
    """Check, before any record is read, that the report may be written to ``out``.

    Raises :class:`~coursekit.outputs.OutputRefused` (see :mod:`coursekit.outputs`).
    """
    from coursekit.outputs import claim

    output = claim(out, "report", inputs=[*records, course.root], force=force)
    output.check(report_files(xlsx))
    return output


def write_report(
    course: Course,
    report: Report,
    out: Path,
    xlsx: bool = False,
    *,
    output: Output | None = None,
    force: bool = False,
) -> Committed:
    """Write index.html, the CSV files (and report.xlsx) and a .gitignore to ``out``.

    ``output`` is the folder as :func:`claim_report` claimed it; without it, it is
    claimed here. The new files are swapped in whole; what else is in the folder
    stays (see :mod:`coursekit.outputs`). Every text cell of the CSV and XLSX files
    goes through :mod:`coursekit.cells`, so a learner's ``=HYPERLINK(…)`` stays
    text in a spreadsheet.
    """
    from coursekit.cells import spreadsheet_cells, write_xlsx

    frames = {
        "completion": report.completion,
        "checkpoints": report.checkpoints,
        "reading": report.reading,
        "reflections": report.reflections.assign(
            excerpts=report.reflections["excerpts"].map(" ｜ ".join)
        ),
        "records": report.records,
        "retired": report.retired,
        "skipped": report.skipped,
    }
    if xlsx:
        need_openpyxl()
    if output is None:
        output = claim_report(out, course, force=force, xlsx=xlsx)
    files = {
        ".gitignore": GITIGNORE,
        "index.html": report_page(course, report).encode("utf-8"),
    }
    for name, frame in frames.items():
        # CRLF rows, as spreadsheets expect: then a field holding a lone CR is quoted too,
        # and cannot start a new row whose first cell is a formula. A BOM, for Excel.
        text = spreadsheet_cells(frame).to_csv(index=False, lineterminator="\r\n")
        files[f"{name}.csv"] = text.encode("utf-8-sig")
    if xlsx:
        with tempfile.TemporaryDirectory(prefix="coursekit-report-") as tmp:
            write_xlsx(frames, Path(tmp) / "report.xlsx")
            files["report.xlsx"] = (Path(tmp) / "report.xlsx").read_bytes()
    return output.commit(files)


def need_openpyxl() -> None:
    """Refuse ``--xlsx`` before any work when openpyxl, which writes the XLSX, is missing."""
    try:
        import openpyxl  # type: ignore[import-untyped]  # noqa: F401 - XLSX is written with it
    except ImportError:
        raise MissingExtra("--xlsx needs openpyxl: pip install 'coursekit[xlsx]'") from None


def summary_lines(course: Course, cohort: Cohort, report: Report) -> list[str]:
    """What the command prints after the first line: skipped files, versions, the hardest item."""
    from coursekit.cells import terminal_text

    lines = [
        f"  skipped {terminal_text(name)}: {terminal_text(why)}" for name, why in cohort.skipped
    ]
    older = report.records[~report.records["current_version"]]
    if len(older):
        versions = ", ".join(sorted(set(older["version"])))
        lines.append(
            f"{len(older)} records come from an older content version ({versions}); "
            f"graded against the current key ({course.version})"
        )
    if len(report.retired):
        lines.append(
            f"{len(report.retired)} items in the records are no longer in the course "
            "and were not counted (see retired.csv)"
        )
    if report.learners:
        done = report.completion.groupby("learner")["read"].all().sum()
        lines.append(f"read every module: {done} of {report.learners} learners")
        # A course without checkpoints gives an empty column of no numeric type.
        answered = report.checkpoints.dropna(subset=["first_correct"])
        if len(answered):
            hardest = answered.astype({"first_correct": float}).nsmallest(1, "first_correct")
            for row in frame_rows(hardest):
                lines.append(
                    f"hardest checkpoint: {row['checkpoint']} "
                    f"({row['first_correct']:.0%} right at first try)"
                )
    return lines
