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
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursekit.answers import Answer
from coursekit.cells import frame_rows
from coursekit.cohort_files import RecordSummary, checked_records, work_done
from coursekit.errors import MissingExtra
from coursekit.html import given_answer_text, report_page
from coursekit.messages import msg
from coursekit.model import Checkpoint, Course, Matching

if TYPE_CHECKING:
    import pandas as pd

    from coursekit.outputs import Committed, Output
    from coursekit.store import SQLStore
    from coursekit.store.cohort import CohortCounts

__all__ = [
    "Cohort",
    "Report",
    "build_report",
    "claim_report",
    "load_cohort",
    "need_openpyxl",
    "report_files",
    "report_from_counts",
    "report_from_store",
    "summary_lines",
    "work_done",
    "write_report",
]


@dataclass
class Cohort:
    """The records that passed every check, one per learner, and the files skipped.

    When a learner sent several records, the one with the most work in it is
    used (see :func:`work_done`), never the one that claims the latest date.
    Each record is held as its :class:`~coursekit.cohort_files.RecordSummary`:
    what the report and the ledger count, not the whole record.
    """

    records: list[tuple[str, RecordSummary]] = field(default_factory=list)
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


def load_cohort(
    paths: Iterable[Path],
    course: Course,
    *,
    now: dt.datetime | None = None,
    workers: int | None = None,
) -> Cohort:
    """Check every record; of several records of one learner keep the one with the most work.

    Times later than ``now`` (the current time by default) make a record invalid.
    Records are checked by ``workers`` processes (one per CPU by default, or
    ``COURSEKIT_REPORT_WORKERS``; see :func:`coursekit.cohort_files.checked_records`),
    and only the summary of the record kept so far for each learner is held.
    """
    with _no_cyclic_gc():
        return _load_cohort(paths, course, now or dt.datetime.now(dt.timezone.utc), workers)


def _load_cohort(
    paths: Iterable[Path], course: Course, now: dt.datetime, workers: int | None
) -> Cohort:
    cohort = Cohort()
    kept: dict[str, tuple[str, RecordSummary, int]] = {}
    for name, record, reason in checked_records(paths, course, now, workers):
        if record is None:
            cohort.skipped.append((name, reason or "unreadable"))
            continue
        work = record.work
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
    flags a record or a store carries are never read. Made from the
    :class:`~coursekit.store.cohort.CohortCounts` of a store or of record files,
    by one function.
    """

    # learner × module: name, branch, read, answered, correct, first_correct, reflections
    completion: pd.DataFrame
    checkpoints: pd.DataFrame  # per checkpoint: first-attempt share correct, commonest wrong
    reading: pd.DataFrame  # per module: learners who read it to the end
    reflections: pd.DataFrame  # per prompt: responses, median length, excerpts
    skipped: pd.DataFrame  # file, reason
    learners: int
    records: pd.DataFrame  # per learner: file, content version, whether it is the current one
    retired: pd.DataFrame  # learner, module, kind, item: work on items no longer in the course
    # per branch (支部): members, participants, participation, completion, first-try accuracy,
    # reflections, ranked by participation; empty when no learner has a branch
    branches: pd.DataFrame = field(default_factory=lambda: _empty_branches())


def build_report(course: Course, cohort: Cohort) -> Report:
    """The cohort's DataFrames (see :class:`Report`), from the records a trainer was sent."""
    import pandas as pd

    with _no_cyclic_gc():
        counts = _record_counts(course, cohort)
        records = pd.DataFrame(
            [
                (
                    record.learner,
                    source,
                    record.version,
                    record.version == course.version,
                    record.work,
                )
                for source, record in cohort.records
            ],
            columns=["learner", "file", "version", "current_version", "work"],
        )
        return _report(course, counts, records, cohort.skipped)


def _record_counts(course: Course, cohort: Cohort) -> CohortCounts:
    """What the records hold, counted as :func:`coursekit.store.cohort.cohort_counts` counts
    a store: graded from the key, each checkpoint in its module now, each learner once.

    The records' summaries are in memory already, each answer graded by the
    worker that checked it, so they are counted here in one pass rather than
    loaded into a database first.
    """
    import pandas as pd

    from coursekit.store.cohort import COLUMNS, CohortCounts

    questions = {q.id: (module_id, q) for module_id, q in course.all_checkpoints()}
    prompts = {r.id: m.id for m in course.modules for r in m.reflections}
    modules = [m.id for m in course.modules]
    completion: list[tuple[Any, ...]] = []
    per_checkpoint: dict[str, list[int]] = {q: [0, 0] for q in questions}  # learners, first
    wrong: dict[tuple[str, Hashable], list[Any]] = {}  # (checkpoint, answer) -> [answer, n, at]
    lengths: list[tuple[str, int]] = []
    excerpts: dict[str, list[tuple[str, str]]] = {r: [] for r in prompts}
    retired: list[tuple[str, str, str, str]] = []
    for _, record in cohort.records:
        learner = record.learner
        read = {module for module, _ in record.reads}
        for (given, answer), at in zip(record.wrong, record.wrong_at, strict=True):
            held_wrong = wrong.get(given)
            if held_wrong is None:
                wrong[given] = [answer, 1, at]
            else:
                held_wrong[1] += 1
                if at < held_wrong[2]:
                    held_wrong[2] = at
        answered = dict.fromkeys(modules, 0)
        correct = dict.fromkeys(modules, 0)
        first_right = dict.fromkeys(modules, 0)
        for checkpoint in record.answered:
            answered[questions[checkpoint][0]] += 1
            per_checkpoint[checkpoint][0] += 1
        for checkpoint in record.ever_right:
            correct[questions[checkpoint][0]] += 1
        for checkpoint in record.first_right:
            first_right[questions[checkpoint][0]] += 1
            per_checkpoint[checkpoint][1] += 1
        wrote = dict.fromkeys(modules, 0)
        for module_id, reflection, text, _ in record.written:
            wrote[module_id] += 1
            lengths.append((reflection, len(text)))
            excerpts[reflection].append((learner, text))
        completion += [
            (
                learner,
                module_id,
                module_id in read,
                answered[module_id],
                correct[module_id],
                first_right[module_id],
                wrote[module_id],
            )
            for module_id in modules
        ]
        retired += [(learner, *item) for item in record.retired]
    learners = [record.learner for _, record in cohort.records]
    people = pd.DataFrame(
        [(r.learner, r.name or r.learner, r.branch) for _, r in cohort.records],
        columns=COLUMNS["people"],
    )
    return CohortCounts(
        people=people,
        active=pd.DataFrame(
            {
                "learner": pd.Series(learners, dtype=object),
                "work": [r.work for _, r in cohort.records],
            }
        ),
        completion=pd.DataFrame(
            completion,
            columns=COLUMNS["completion"],
        ),
        checkpoints=pd.DataFrame(
            [(q, n, right) for q, (n, right) in per_checkpoint.items() if n],
            columns=COLUMNS["checkpoints"],
        ),
        wrong=pd.DataFrame(
            [(cp, answer, n, at) for (cp, _), (answer, n, at) in wrong.items()],
            columns=COLUMNS["wrong"],
        ),
        reflections=pd.DataFrame(lengths, columns=COLUMNS["reflections"]),
        excerpts=pd.DataFrame(
            [
                (reflection, learner, text)
                for reflection, texts in excerpts.items()
                for learner, text in sorted(texts, key=lambda lt: lt[0])[:5]
            ],
            columns=COLUMNS["excerpts"],
        ),
        retired=pd.DataFrame(retired, columns=COLUMNS["retired"]),
    )


def report_from_store(course: Course, store: SQLStore) -> Report:
    """The cohort's DataFrames straight from a store: everyone with work in ``course``.

    The store's roster gives names and branches, and each branch's members for
    its participation rate. ``records`` lists each learner once, from the store.
    """
    from coursekit.store.cohort import cohort_counts

    with _no_cyclic_gc():
        return report_from_counts(course, cohort_counts(store, course), store.where)


def report_from_counts(course: Course, counts: CohortCounts, where: str) -> Report:
    """The cohort's DataFrames from counts a store made (here, or by the coursekit service).

    ``where`` is where the counts come from (the store, the service's address):
    ``records`` names it as each learner's file.
    """
    import pandas as pd

    records = pd.DataFrame(
        {
            "learner": counts.active["learner"],
            "file": where,
            "version": course.version,
            "current_version": True,
            "work": counts.active["work"],
        }
    )
    return _report(course, counts, records, [])


def _report(
    course: Course,
    counts: CohortCounts,
    records: pd.DataFrame,
    skipped: list[tuple[str, str]],
) -> Report:
    import pandas as pd

    people = counts.people.drop_duplicates("learner").set_index("learner")
    completion = counts.completion.merge(people, left_on="learner", right_index=True, how="left")
    completion["name"] = completion["name"].fillna(completion["learner"])
    completion = completion[
        [
            "learner",
            "name",
            "branch",
            "module",
            "read",
            "answered",
            "correct",
            "first_correct",
            "reflections",
        ]
    ]
    n = len(counts.active)
    return Report(
        completion,
        _checkpoint_table(course, counts),
        _reading_table(course, completion, n),
        _reflection_table(course, counts),
        pd.DataFrame(skipped, columns=["file", "reason"]),
        n,
        records,
        counts.retired,
        _branch_table(course, completion, counts.people),
    )


def _checkpoint_table(course: Course, counts: CohortCounts) -> pd.DataFrame:
    """One row per checkpoint: how many answered, the share right at first try, common wrongs.

    A wrong answer counts once per learner, however often they tried it: every
    count in the report is of people (the dashboard labels its columns so).
    """
    import pandas as pd

    lang = course.meta.lang
    questions = {q.id: q for _, q in course.all_checkpoints()}
    answered = counts.checkpoints.set_index("checkpoint")
    wrong = counts.wrong.assign(
        text=[
            given_answer_text(_in_item_order(answer, questions[cp]), lang, questions[cp].type)
            for cp, answer in zip(counts.wrong["checkpoint"], counts.wrong["answer"], strict=True)
        ]
    )
    # Two stored answers that read the same (an order given twice) are one answer here.
    wrong = (
        wrong.groupby(["checkpoint", "text"], as_index=False)
        .agg(learners=("learners", "sum"), first_at=("first_at", "min"))
        .sort_values(["checkpoint", "learners", "first_at"], ascending=[True, False, True])
    )
    commonest = {
        cp: msg(lang, "format.pair_sep").join(
            msg(lang, "report.wrong_count", answer=text, count=int(count))
            for text, count in zip(group["text"][:3], group["learners"][:3], strict=True)
        )
        for cp, group in wrong.groupby("checkpoint", sort=False)
    }
    rows = []
    for module_id, q in course.all_checkpoints():
        learners = int(answered.at[q.id, "learners"]) if q.id in answered.index else 0
        right = int(answered.at[q.id, "first_correct"]) if learners else 0
        rows.append(
            (
                module_id,
                q.id,
                q.type,
                q.prompt,
                learners,
                right / learners if learners else float("nan"),
                commonest.get(q.id, ""),
            )
        )
    table: pd.DataFrame = pd.DataFrame(
        rows,
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


def _in_item_order(answer: Answer, question: Checkpoint) -> Answer:
    """A matching answer with its pairs in the question's order.

    Stores keep a matching answer as a JSON object, whose keys neither SQLite's
    canonical text nor PostgreSQL's jsonb keep in the order given.
    """
    if not isinstance(answer, dict) or not isinstance(question, Matching):
        return answer
    items = [pair.item for pair in question.answer]
    return {
        **{item: answer[item] for item in items if item in answer},
        **{k: v for k, v in answer.items() if k not in items},
    }


def _branch_table(course: Course, completion: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per branch (支部), ranked by participation: the share of members who studied.

    Members are the branch's people in the store (its roster), or, over record
    files, the learners who sent one. Completion is the share of members who
    read every module; first-try accuracy is over every first answer the
    branch's participants gave.
    """
    import pandas as pd

    if people["branch"].isna().all():
        return _empty_branches()
    none = msg(course.meta.lang, "report.no_branch")
    per_learner = completion.groupby("learner", sort=False).agg(
        branch=("branch", "first"),
        read_all=("read", "all"),
        answered=("answered", "sum"),
        first=("first_correct", "sum"),
        reflections=("reflections", "sum"),
    )
    per_learner["branch"] = per_learner["branch"].fillna(none)
    members = people.drop_duplicates("learner")["branch"].fillna(none).value_counts()
    grouped = per_learner.groupby("branch").agg(
        participants=("read_all", "size"),
        completed=("read_all", "sum"),
        answered=("answered", "sum"),
        first=("first", "sum"),
        reflections=("reflections", "sum"),
    )
    table = pd.DataFrame({"members": members}).join(grouped, how="outer").fillna(0)
    table.index.name = "branch"
    table["members"] = table[["members", "participants"]].max(axis=1)
    for column in ("members", "participants", "completed", "answered", "first", "reflections"):
        table[column] = table[column].astype(int)
    table["participation"] = table["participants"] / table["members"]
    table["completion"] = table["completed"] / table["members"]
    table["first_correct"] = table["first"] / table["answered"].where(table["answered"] > 0)
    table = table.reset_index().sort_values(
        ["participation", "completion", "branch"], ascending=[False, False, True]
    )
    table.insert(0, "rank", table["participation"].rank(method="min", ascending=False).astype(int))
    ranked: pd.DataFrame = table[_BRANCH_COLUMNS].reset_index(drop=True)
    return ranked


_BRANCH_COLUMNS = [
    "rank",
    "branch",
    "members",
    "participants",
    "participation",
    "completed",
    "completion",
    "first_correct",
    "reflections",
]


def _empty_branches() -> pd.DataFrame:
    import pandas as pd

    empty: pd.DataFrame = pd.DataFrame(columns=_BRANCH_COLUMNS)
    return empty


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


def _reflection_table(course: Course, counts: CohortCounts) -> pd.DataFrame:
    """One row per reflection prompt: responses, their median length, the first five."""
    import pandas as pd

    lengths = counts.reflections.groupby("reflection")["chars"]
    responses = lengths.size()
    medians = lengths.median()
    excerpts = counts.excerpts.groupby("reflection")["text"].agg(list)
    table: pd.DataFrame = pd.DataFrame(
        [
            (
                m.id,
                r.id,
                r.prompt,
                int(responses.get(r.id, 0)),
                int(medians[r.id]) if r.id in medians.index else 0,
                list(excerpts.get(r.id, [])),
            )
            for m in course.modules
            for r in m.reflections
        ],
        columns=["module", "reflection", "prompt", "responses", "median_chars", "excerpts"],
    )
    return table


# --- writing -------------------------------------------------------------------------------------

_TABLES = (
    "completion",
    "checkpoints",
    "reading",
    "reflections",
    "branches",
    "records",
    "retired",
    "skipped",
)
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

    output = claim(out, "report", inputs=[*records, course.root], force=force, private=True)
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
        "branches": report.branches,
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
        import openpyxl  # noqa: F401 - XLSX is written with it
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
    if len(report.branches):
        top, bottom = report.branches.iloc[0], report.branches.iloc[-1]
        lines.append(
            f"{len(report.branches)} branches; highest participation: "
            f"{terminal_text(top['branch'])} ({top['participation']:.0%}), "
            f"lowest: {terminal_text(bottom['branch'])} ({bottom['participation']:.0%})"
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
