"""The cohort report's questions, asked of a store in SQL: counts come back, not rows.

A store of a whole organisation holds half a million rows; the report needs a
few thousand numbers. Every count here is made by the database, grouped by
learner and module or by checkpoint, and only those groups reach pandas.

Grading is the course key's, never the store's own ``correct`` column, which
whoever wrote the row chose. The distinct answers given to each checkpoint of
the course (a few thousand, however large the cohort) are graded once in
Python by :func:`coursekit.grading.grade` into a temporary table, ``ck_key``
(checkpoint, answer, its module now, right or wrong), and every count joins on
it. A checkpoint counts in the module the course puts it in now; work on
modules, checkpoints and reflections the course no longer has is listed, not
counted.

Record files, already in memory, are counted in Python into the same
:class:`CohortCounts` (:func:`coursekit.report.build_report`); one function
makes the report's tables from either, and a test checks that a cohort's store
and its exported records give every learner the same numbers.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coursekit.answers import Answer
from coursekit.grading import grade
from coursekit.model import Course
from coursekit.store.schema import AnswerJSON, Stamp, attempts, learners, reads, reflections
from coursekit.store.sql import SQLStore

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BLANK", "COLUMNS", "CohortCounts", "cohort_counts", "nonblank"]

#: What a reflection that says nothing is made of (CJK space included): SQL's trim and
#: Python's ``str.strip(BLANK)`` agree on it.
BLANK = " \t\n\r\f\v\u3000\u00a0"


#: The columns of each of :class:`CohortCounts`' frames, whoever counts them: the store's
#: SQL here, the report over record files, the service's JSON (``store/hub_cohort.py``).
COLUMNS: dict[str, list[str]] = {
    "people": ["learner", "name", "branch"],
    "active": ["learner", "work"],
    "completion": [
        "learner",
        "module",
        "read",
        "answered",
        "correct",
        "first_correct",
        "reflections",
    ],
    "checkpoints": ["checkpoint", "learners", "first_correct"],
    "wrong": ["checkpoint", "answer", "learners", "first_at"],
    "reflections": ["reflection", "chars"],
    "excerpts": ["reflection", "learner", "text"],
    "retired": ["learner", "module", "kind", "item"],
}


@dataclass
class CohortCounts:
    """What the store says of one course, counted; the report's tables are made from it."""

    people: pd.DataFrame  # learner, name, branch: everyone the store knows (the roster)
    active: pd.DataFrame  # learner, work: who did anything in this course, and how much
    completion: pd.DataFrame  # learner, module, read, answered, correct, first_correct, reflections
    checkpoints: pd.DataFrame  # checkpoint, learners, first_correct (learners right at first try)
    wrong: pd.DataFrame  # checkpoint, answer (decoded), learners, first_at
    reflections: pd.DataFrame  # reflection, chars (one row per response)
    excerpts: pd.DataFrame  # reflection, learner, text: the first five per prompt, by learner
    retired: pd.DataFrame  # learner, module, kind, item


def _within(column: sa.ColumnElement[str], branches: Collection[str] | None) -> list[Any]:
    """No condition for the whole cohort; else: the learner is a member of one of ``branches``."""
    if branches is None:
        return []
    members = sa.select(learners.c.id).where(learners.c.branch.in_(sorted(branches)))
    return [column.in_(members.scalar_subquery())]


def nonblank(column: sa.ColumnElement[str], backend: str) -> sa.ColumnElement[bool]:
    """The text in ``column`` holds more than :data:`BLANK`: a reflection that says something."""
    strip = sa.func.btrim if backend == "postgresql" else sa.func.trim
    return strip(column, sa.literal(BLANK)) != ""


def _key_table(backend: str) -> sa.Table:
    """The graded answers, each numbered: a temporary table on this connection only."""
    answer: Any = AnswerJSON if backend == "postgresql" else sa.Text
    return sa.Table(
        "ck_key",
        sa.MetaData(),
        sa.Column("answer_no", sa.Integer),
        sa.Column("checkpoint_id", sa.Text),
        sa.Column("answer", answer),
        sa.Column("module", sa.Text),
        sa.Column("correct", sa.Boolean),
        sa.Index("ck_key_by_answer", "checkpoint_id", "answer"),
        prefixes=["TEMPORARY"],
    )


def _given_table() -> sa.Table:
    """Each learner's distinct answers to each checkpoint, graded, with when first given.

    One pass over the attempts fills it; every later count reads this smaller
    table, and groups by an answer's number rather than its text.
    """
    return sa.Table(
        "ck_given",
        sa.MetaData(),
        sa.Column("learner", sa.Text),
        sa.Column("checkpoint_id", sa.Text),
        sa.Column("module", sa.Text),
        sa.Column("answer_no", sa.Integer),
        sa.Column("correct", sa.Boolean),
        sa.Column("first_at", Stamp),
        sa.Column("first_id", sa.BigInteger),
        prefixes=["TEMPORARY"],
    )


def _items_table() -> sa.Table:
    """Per learner and checkpoint: answered right at all, and at the first try."""
    return sa.Table(
        "ck_items",
        sa.MetaData(),
        sa.Column("learner", sa.Text),
        sa.Column("checkpoint_id", sa.Text),
        sa.Column("module", sa.Text),
        sa.Column("right_ever", sa.Integer),
        sa.Column("right_first", sa.Integer),
        prefixes=["TEMPORARY"],
    )


def _prompt_table() -> sa.Table:
    return sa.Table(
        "ck_prompts",
        sa.MetaData(),
        sa.Column("reflection_id", sa.Text),
        sa.Column("module", sa.Text),
        prefixes=["TEMPORARY"],
    )


def cohort_counts(
    store: SQLStore, course: Course, branches: Collection[str] | None = None
) -> CohortCounts:
    """Count the cohort's work in ``course`` from ``store`` (see the module's docstring).

    The cohort is everyone with work in the course; with ``branches``, only the
    members the roster puts in those branches (what a branch secretary may
    see), and every count, per checkpoint and per answer too, is of them alone.
    """
    with store.connection() as c:
        key, prompts = _key_table(store.backend), _prompt_table()
        temporary = (key, prompts, _given_table(), _items_table())
        for table in temporary:
            table.drop(c, checkfirst=True)
            table.create(c)
        try:
            answers = _grade_answers(c, store, course, key)
            listed = [
                {"reflection_id": r.id, "module": m.id}
                for m in course.modules
                for r in m.reflections
            ]
            if listed:
                c.execute(prompts.insert(), listed)
            return _count(c, store, course, temporary, answers, branches)
        finally:
            for table in temporary:
                table.drop(c, checkfirst=True)


def _grade_answers(
    c: sa.Connection, store: SQLStore, course: Course, key: sa.Table
) -> dict[int, Answer]:
    """Grade every distinct answer to the course's checkpoints once, into ``ck_key``.

    Returns each answer by its number in the table.
    """
    questions = {q.id: (module_id, q) for module_id, q in course.all_checkpoints()}
    if not questions:
        return {}
    given = c.execute(
        sa.select(attempts.c.checkpoint_id, attempts.c.answer)
        .where(
            attempts.c.course_id == course.id,
            attempts.c.checkpoint_id.in_(list(questions)),
        )
        .distinct()
    ).all()
    rows = []
    answers: dict[int, Answer] = {}
    for number, (checkpoint_id, stored) in enumerate(given):
        module_id, question = questions[checkpoint_id]
        answer = answers[number] = store.decode(stored, f"{checkpoint_id}")
        rows.append(
            {
                "answer_no": number,
                "checkpoint_id": checkpoint_id,
                "answer": stored if store.backend != "postgresql" else answer,
                "module": module_id,
                "correct": grade(question, answer),
            }
        )
    if rows:
        c.execute(key.insert(), rows)
    return answers


def _frame(c: sa.Connection, query: sa.Executable, columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(c.execute(query).all(), columns=columns)
    return frame


def _count(
    c: sa.Connection,
    store: SQLStore,
    course: Course,
    temporary: tuple[sa.Table, sa.Table, sa.Table, sa.Table],
    answers: dict[int, Answer],
    branches: Collection[str] | None,
) -> CohortCounts:
    import pandas as pd

    key, prompts, given, items = temporary
    cid = course.id
    modules = [m.id for m in course.modules]
    a, k, g = attempts.c, key.c, given.c
    # One pass over the attempts: each learner's distinct answers, graded by the key.
    c.execute(
        given.insert().from_select(
            [g.learner, g.checkpoint_id, g.module, g.answer_no, g.correct, g.first_at, g.first_id],
            sa.select(
                a.learner,
                a.checkpoint_id,
                k.module,
                k.answer_no,
                k.correct,
                sa.func.min(a.at),
                sa.func.min(a.id),
            )
            .join(key, sa.and_(k.checkpoint_id == a.checkpoint_id, k.answer == a.answer))
            .where(a.course_id == cid, *_within(a.learner, branches))
            .group_by(a.learner, a.checkpoint_id, k.module, k.answer_no, k.correct),
        )
    )
    # Per learner and checkpoint: right at all, and right with the answer given first.
    first = sa.func.row_number().over(
        partition_by=(g.learner, g.checkpoint_id), order_by=(g.first_at, g.first_id)
    )
    ranked = sa.select(
        g.learner,
        g.checkpoint_id,
        g.module,
        sa.case((g.correct, 1), else_=0).label("ok"),
        first.label("n"),
    ).subquery()
    i = items.c
    c.execute(
        items.insert().from_select(
            [i.learner, i.checkpoint_id, i.module, i.right_ever, i.right_first],
            sa.select(
                ranked.c.learner,
                ranked.c.checkpoint_id,
                ranked.c.module,
                sa.func.max(ranked.c.ok),
                sa.func.max(sa.case((ranked.c.n == 1, ranked.c.ok), else_=0)),
            ).group_by(ranked.c.learner, ranked.c.checkpoint_id, ranked.c.module),
        )
    )
    answered = _frame(
        c,
        sa.select(
            i.learner,
            i.module,
            sa.func.count(),
            sa.func.sum(i.right_ever),
            sa.func.sum(i.right_first),
        ).group_by(i.learner, i.module),
        ["learner", "module", "answered", "correct", "first_correct"],
    )
    checkpoints = _frame(
        c,
        sa.select(i.checkpoint_id, sa.func.count(), sa.func.sum(i.right_first)).group_by(
            i.checkpoint_id
        ),
        COLUMNS["checkpoints"],
    )
    # A wrong answer counts once per learner: ck_given holds each learner's answer once.
    wrong_rows = c.execute(
        sa.select(g.checkpoint_id, g.answer_no, sa.func.count(), sa.func.min(g.first_at))
        .where(sa.not_(g.correct))
        .group_by(g.checkpoint_id, g.answer_no)
    ).all()
    wrong = pd.DataFrame(
        [(cp, answers[number], n, at) for cp, number, n, at in wrong_rows],
        columns=COLUMNS["wrong"],
    )
    read = _frame(
        c,
        sa.select(reads.c.learner, reads.c.module).where(
            reads.c.course_id == cid,
            reads.c.module.in_(modules),
            *_within(reads.c.learner, branches),
        ),
        ["learner", "module"],
    )
    r, p = reflections.c, prompts.c
    written = sa.and_(
        r.course_id == cid, nonblank(r.text, store.backend), *_within(r.learner, branches)
    )
    wrote = _frame(
        c,
        sa.select(r.learner, p.module, sa.func.count())
        .join(prompts, p.reflection_id == r.reflection_id)
        .where(written)
        .group_by(r.learner, p.module),
        ["learner", "module", "reflections"],
    )
    lengths = _frame(
        c,
        sa.select(r.reflection_id, sa.func.length(r.text))
        .join(prompts, p.reflection_id == r.reflection_id)
        .where(written),
        COLUMNS["reflections"],
    )
    numbered = (
        sa.select(
            r.reflection_id,
            r.learner,
            r.text,
            sa.func.row_number().over(partition_by=r.reflection_id, order_by=r.learner).label("n"),
        )
        .join(prompts, p.reflection_id == r.reflection_id)
        .where(written)
        .subquery()
    )
    excerpts = _frame(
        c,
        sa.select(numbered.c.reflection_id, numbered.c.learner, numbered.c.text)
        .where(numbered.c.n <= 5)
        .order_by(numbered.c.reflection_id, numbered.c.n),
        COLUMNS["excerpts"],
    )
    active = _active(c, store.backend, cid, branches)
    people = _frame(
        c,
        sa.select(learners.c.id, learners.c.name, learners.c.branch).where(
            *_within(learners.c.id, branches)
        ),
        COLUMNS["people"],
    )
    retired = _retired(c, course, branches)
    completion = _completion(active, modules, answered, read, wrote)
    return CohortCounts(people, active, completion, checkpoints, wrong, lengths, excerpts, retired)


def _active(
    c: sa.Connection, backend: str, cid: str, branches: Collection[str] | None
) -> pd.DataFrame:
    """Who has anything in the course, and their work: attempts, reads and written reflections.

    Retired items count too: this is the work a record holds, whatever the course is now.
    """
    import pandas as pd

    written = sa.case((nonblank(reflections.c.text, backend), 1), else_=0)
    union = sa.union_all(
        sa.select(attempts.c.learner, sa.func.count().label("n"))
        .where(attempts.c.course_id == cid, *_within(attempts.c.learner, branches))
        .group_by(attempts.c.learner),
        sa.select(reads.c.learner, sa.func.count().label("n"))
        .where(reads.c.course_id == cid, *_within(reads.c.learner, branches))
        .group_by(reads.c.learner),
        sa.select(reflections.c.learner, sa.func.sum(written).label("n"))
        .where(reflections.c.course_id == cid, *_within(reflections.c.learner, branches))
        .group_by(reflections.c.learner),
    ).subquery()
    frame: pd.DataFrame = pd.DataFrame(
        c.execute(
            sa.select(union.c.learner, sa.func.sum(union.c.n))
            .group_by(union.c.learner)
            .order_by(union.c.learner)
        ).all(),
        columns=COLUMNS["active"],
    )
    frame["work"] = frame["work"].astype(int)
    return frame


def _completion(
    active: pd.DataFrame,
    modules: list[str],
    answered: pd.DataFrame,
    read: pd.DataFrame,
    wrote: pd.DataFrame,
) -> pd.DataFrame:
    """One row per active learner and module of the course, in study order."""
    import pandas as pd

    grid = pd.MultiIndex.from_product([active["learner"], modules], names=["learner", "module"])
    frame = pd.DataFrame(index=grid).reset_index()
    frame = frame.merge(read.assign(read=True), on=["learner", "module"], how="left")
    frame = frame.merge(answered, on=["learner", "module"], how="left")
    frame = frame.merge(wrote, on=["learner", "module"], how="left")
    frame["read"] = frame["read"].notna() & frame["read"].astype(bool)
    for column in ("answered", "correct", "first_correct", "reflections"):
        frame[column] = frame[column].fillna(0).astype(int)
    ordered: pd.DataFrame = frame[COLUMNS["completion"]]
    return ordered


def _retired(c: sa.Connection, course: Course, branches: Collection[str] | None) -> pd.DataFrame:
    """Work on modules, checkpoints and reflections the course no longer has."""
    import pandas as pd

    cid = course.id
    modules = [m.id for m in course.modules]
    checkpoints = [q.id for _, q in course.all_checkpoints()]
    prompt_ids = [r.id for m in course.modules for r in m.reflections]
    gone = sa.union(
        *(
            sa.select(table.c.learner, table.c.module).where(
                table.c.course_id == cid,
                table.c.module.not_in(modules),
                *_within(table.c.learner, branches),
            )
            for table in (attempts, reads, reflections)
        )
    )
    rows: list[tuple[str, str, str, str]] = [
        (learner, module, "module", module) for learner, module in c.execute(gone)
    ]
    rows += [
        (learner, module, "checkpoint", item)
        for learner, module, item, _ in c.execute(
            sa.select(
                attempts.c.learner,
                attempts.c.module,
                attempts.c.checkpoint_id,
                sa.func.min(attempts.c.id),
            )
            .where(
                attempts.c.course_id == cid,
                attempts.c.checkpoint_id.not_in(checkpoints),
                *_within(attempts.c.learner, branches),
            )
            .group_by(attempts.c.learner, attempts.c.module, attempts.c.checkpoint_id)
            .order_by(sa.func.min(attempts.c.id))
        )
    ]
    rows += [
        (learner, module, "reflection", item)
        for learner, module, item in c.execute(
            sa.select(reflections.c.learner, reflections.c.module, reflections.c.reflection_id)
            .where(
                reflections.c.course_id == cid,
                reflections.c.reflection_id.not_in(prompt_ids),
                *_within(reflections.c.learner, branches),
            )
            .order_by(reflections.c.reflection_id)
        )
    ]
    order = {m: i for i, m in enumerate(modules)}
    kinds = {"module": 0, "checkpoint": 1, "reflection": 2}
    rows.sort(key=lambda r: (r[0], order.get(r[1], len(order)), r[1], kinds[r[2]]))
    retired: pd.DataFrame = pd.DataFrame(rows, columns=COLUMNS["retired"])
    return retired
