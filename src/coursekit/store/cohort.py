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

The same queries serve the report over record files: the records are loaded
into a store in memory first (:func:`coursekit.report.build_report`), so a
learner's numbers are the same whichever way the trainer got them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coursekit.grading import grade
from coursekit.model import Course
from coursekit.store.schema import AnswerJSON, attempts, learners, reads, reflections
from coursekit.store.sql import SQLStore

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CohortCounts", "cohort_counts"]

# What Python's str.strip() removes from a reflection that says nothing, CJK space included.
_BLANK = " \t\n\r\f\v\u3000\u00a0"


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


def _nonblank(column: sa.ColumnElement[str], backend: str) -> sa.ColumnElement[bool]:
    strip = sa.func.btrim if backend == "postgresql" else sa.func.trim
    return strip(column, sa.literal(_BLANK)) != ""


def _key_table(backend: str) -> sa.Table:
    """The graded answers: a temporary table on this connection only."""
    answer: Any = AnswerJSON if backend == "postgresql" else sa.Text
    return sa.Table(
        "ck_key",
        sa.MetaData(),
        sa.Column("checkpoint_id", sa.Text),
        sa.Column("answer", answer),
        sa.Column("module", sa.Text),
        sa.Column("correct", sa.Boolean),
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


def cohort_counts(store: SQLStore, course: Course, cohort: list[str] | None = None) -> CohortCounts:
    """Count the cohort's work in ``course`` from ``store`` (see the module's docstring).

    The cohort is everyone with work in the course, or the learners ``cohort``
    names (the records a trainer was sent, an empty one included).
    """
    with store.connection() as c:
        key, prompts = _key_table(store.backend), _prompt_table()
        for table in (key, prompts):
            table.drop(c, checkfirst=True)
            table.create(c)
        try:
            _grade_answers(c, store, course, key)
            listed = [
                {"reflection_id": r.id, "module": m.id}
                for m in course.modules
                for r in m.reflections
            ]
            if listed:
                c.execute(prompts.insert(), listed)
            return _count(c, store, course, key, prompts, cohort)
        finally:
            for table in (key, prompts):
                table.drop(c, checkfirst=True)


def _grade_answers(c: sa.Connection, store: SQLStore, course: Course, key: sa.Table) -> None:
    """Grade every distinct answer to the course's checkpoints once, into ``ck_key``."""
    questions = {q.id: (module_id, q) for module_id, q in course.all_checkpoints()}
    if not questions:
        return
    given = c.execute(
        sa.select(attempts.c.checkpoint_id, attempts.c.answer)
        .where(
            attempts.c.course_id == course.id,
            attempts.c.checkpoint_id.in_(list(questions)),
        )
        .distinct()
    ).all()
    rows = []
    for checkpoint_id, stored in given:
        module_id, question = questions[checkpoint_id]
        answer = store.decode(stored, f"{checkpoint_id}")
        rows.append(
            {
                "checkpoint_id": checkpoint_id,
                "answer": stored if store.backend != "postgresql" else answer,
                "module": module_id,
                "correct": grade(question, answer),
            }
        )
    if rows:
        c.execute(key.insert(), rows)


def _frame(c: sa.Connection, query: sa.Executable, columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(c.execute(query).all(), columns=columns)
    return frame


def _count(
    c: sa.Connection,
    store: SQLStore,
    course: Course,
    key: sa.Table,
    prompts: sa.Table,
    cohort: list[str] | None,
) -> CohortCounts:
    import pandas as pd

    cid = course.id
    modules = [m.id for m in course.modules]
    a, k = attempts.c, key.c
    # Each learner's attempts at each checkpoint, in the order given, graded by the key.
    ranked = (
        sa.select(
            a.learner,
            a.checkpoint_id,
            k.module,
            k.correct,
            sa.func.row_number()
            .over(partition_by=(a.learner, a.checkpoint_id), order_by=(a.at, a.id))
            .label("n"),
        )
        .join(key, sa.and_(k.checkpoint_id == a.checkpoint_id, k.answer == a.answer))
        .where(a.course_id == cid)
        .cte("ranked")
    )
    right = sa.case((ranked.c.correct, 1), else_=0)
    first_right = sa.case((sa.and_(ranked.c.n == 1, ranked.c.correct), 1), else_=0)
    per_item = (
        sa.select(
            ranked.c.learner,
            ranked.c.checkpoint_id,
            ranked.c.module,
            sa.func.max(right).label("right"),
            sa.func.max(first_right).label("first_right"),
        )
        .group_by(ranked.c.learner, ranked.c.checkpoint_id, ranked.c.module)
        .cte("per_item")
    )
    answered = _frame(
        c,
        sa.select(
            per_item.c.learner,
            per_item.c.module,
            sa.func.count().label("answered"),
            sa.func.sum(per_item.c.right).label("correct"),
            sa.func.sum(per_item.c.first_right).label("first_correct"),
        ).group_by(per_item.c.learner, per_item.c.module),
        ["learner", "module", "answered", "correct", "first_correct"],
    )
    checkpoints = _frame(
        c,
        sa.select(
            per_item.c.checkpoint_id,
            sa.func.count().label("learners"),
            sa.func.sum(per_item.c.first_right).label("first_correct"),
        ).group_by(per_item.c.checkpoint_id),
        ["checkpoint", "learners", "first_correct"],
    )
    wrong_rows = c.execute(
        sa.select(
            a.checkpoint_id,
            a.answer,
            sa.func.count(sa.distinct(a.learner)),
            sa.func.min(a.at),
        )
        .join(key, sa.and_(k.checkpoint_id == a.checkpoint_id, k.answer == a.answer))
        .where(a.course_id == cid, sa.not_(k.correct))
        .group_by(a.checkpoint_id, a.answer)
    ).all()
    wrong = pd.DataFrame(
        [(cp, store.decode(answer, cp), n, at) for cp, answer, n, at in wrong_rows],
        columns=["checkpoint", "answer", "learners", "first_at"],
    )
    read = _frame(
        c,
        sa.select(reads.c.learner, reads.c.module).where(
            reads.c.course_id == cid, reads.c.module.in_(modules)
        ),
        ["learner", "module"],
    )
    r, p = reflections.c, prompts.c
    written = sa.and_(r.course_id == cid, _nonblank(r.text, store.backend))
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
        ["reflection", "chars"],
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
        ["reflection", "learner", "text"],
    )
    active = _active(c, store.backend, cid)
    if cohort is not None:
        listed = pd.DataFrame({"learner": pd.Series(sorted(cohort), dtype=object)})
        active = listed.merge(active, on="learner", how="left").fillna({"work": 0})
        active["work"] = active["work"].astype(int)
    people = _frame(
        c,
        sa.select(learners.c.id, learners.c.name, learners.c.branch),
        ["learner", "name", "branch"],
    )
    retired = _retired(c, course, key, prompts)
    completion = _completion(active, modules, answered, read, wrote)
    return CohortCounts(people, active, completion, checkpoints, wrong, lengths, excerpts, retired)


def _active(c: sa.Connection, backend: str, cid: str) -> pd.DataFrame:
    """Who has anything in the course, and their work: attempts, reads and written reflections.

    Retired items count too: this is the work a record holds, whatever the course is now.
    """
    import pandas as pd

    written = sa.case((_nonblank(reflections.c.text, backend), 1), else_=0)
    union = sa.union_all(
        sa.select(attempts.c.learner, sa.func.count().label("n"))
        .where(attempts.c.course_id == cid)
        .group_by(attempts.c.learner),
        sa.select(reads.c.learner, sa.func.count().label("n"))
        .where(reads.c.course_id == cid)
        .group_by(reads.c.learner),
        sa.select(reflections.c.learner, sa.func.sum(written).label("n"))
        .where(reflections.c.course_id == cid)
        .group_by(reflections.c.learner),
    ).subquery()
    frame: pd.DataFrame = pd.DataFrame(
        c.execute(
            sa.select(union.c.learner, sa.func.sum(union.c.n))
            .group_by(union.c.learner)
            .order_by(union.c.learner)
        ).all(),
        columns=["learner", "work"],
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
    columns = ["learner", "module", "read", "answered", "correct", "first_correct", "reflections"]
    ordered: pd.DataFrame = frame[columns]
    return ordered


def _retired(c: sa.Connection, course: Course, key: sa.Table, prompts: sa.Table) -> pd.DataFrame:
    """Work on modules, checkpoints and reflections the course no longer has."""
    import pandas as pd

    cid = course.id
    modules = [m.id for m in course.modules]
    checkpoints = [q.id for _, q in course.all_checkpoints()]
    prompt_ids = [r.id for m in course.modules for r in m.reflections]
    touched = sa.union(
        sa.select(attempts.c.learner, attempts.c.module).where(attempts.c.course_id == cid),
        sa.select(reads.c.learner, reads.c.module).where(reads.c.course_id == cid),
        sa.select(reflections.c.learner, reflections.c.module).where(
            reflections.c.course_id == cid
        ),
    ).subquery()
    rows: list[tuple[str, str, str, str]] = [
        (learner, module, "module", module)
        for learner, module in c.execute(
            sa.select(touched.c.learner, touched.c.module).where(touched.c.module.not_in(modules))
        )
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
            .where(attempts.c.course_id == cid, attempts.c.checkpoint_id.not_in(checkpoints))
            .group_by(attempts.c.learner, attempts.c.module, attempts.c.checkpoint_id)
            .order_by(sa.func.min(attempts.c.id))
        )
    ]
    rows += [
        (learner, module, "reflection", item)
        for learner, module, item in c.execute(
            sa.select(reflections.c.learner, reflections.c.module, reflections.c.reflection_id)
            .where(reflections.c.course_id == cid, reflections.c.reflection_id.not_in(prompt_ids))
            .order_by(reflections.c.reflection_id)
        )
    ]
    order = {m: i for i, m in enumerate(modules)}
    kinds = {"module": 0, "checkpoint": 1, "reflection": 2}
    rows.sort(key=lambda r: (r[0], order.get(r[1], len(order)), r[1], kinds[r[2]]))
    retired: pd.DataFrame = pd.DataFrame(rows, columns=["learner", "module", "kind", "item"])
    return retired
