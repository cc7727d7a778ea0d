"""The bundled bank measures understanding: a learner who always picks the first option fails.

Options are shuffled per learner and question (coursekit.shuffle): stable across
kernels, different between learners; printed pages use one fixed order; answers
are stored as texts. These tests drive the real course and the real arrangement.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import pytest
from click.testing import CliRunner

from coursekit import load_course
from coursekit.cli import main
from coursekit.grading import grade
from coursekit.model import (
    Course,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.shuffle import arrange
from coursekit.store import SQLiteStore
from coursekit.widgets import Checkpoint, LearnerSession

LEARNERS = [f"learner-{n:04d}" for n in range(1_000)]


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


def _of(course: Course, kind: type) -> list:
    return [q for _, q in course.all_checkpoints() if isinstance(q, kind)]


def test_always_picking_the_first_option_scores_at_most_35_percent_of_single_choice(
    course: Course,
) -> None:
    singles = _of(course, SingleChoice)
    right = sum(grade(q, arrange(q, learner).options[0]) for learner in LEARNERS for q in singles)
    share = right / (len(LEARNERS) * len(singles))
    assert share <= 0.35, f"{share:.1%} of {len(singles)} single-choice items"


def test_ticking_the_first_k_options_scores_at_most_20_percent_of_multiple_choice(
    course: Course,
) -> None:
    multiples = _of(course, MultipleChoice)
    right = sum(
        grade(q, list(arrange(q, learner).options[: len(q.answer)]))
        for learner in LEARNERS
        for q in multiples
    )
    share = right / (len(LEARNERS) * len(multiples))
    assert share <= 0.20, f"{share:.1%} of {len(multiples)} multiple-choice items"


def test_always_answering_true_scores_at_most_60_percent_of_true_false(course: Course) -> None:
    items = _of(course, TrueFalse)
    share = sum(grade(q, True) for q in items) / len(items)
    assert share <= 0.60, f"{share:.1%} of {len(items)} true/false items"
    assert share >= 0.40, "and always answering 错 must not pass either"


def test_matching_in_the_listed_order_and_ordering_as_shown_score_little(course: Course) -> None:
    matches = _of(course, Matching)
    listed = sum(
        grade(q, dict(zip(arrange(q, learner).items, arrange(q, learner).options, strict=False)))
        for learner in LEARNERS
        for q in matches
    )
    assert listed / (len(LEARNERS) * len(matches)) <= 0.10
    orders = _of(course, Ordering)
    as_shown = sum(
        grade(q, list(arrange(q, learner).items)) for learner in LEARNERS for q in orders
    )
    assert as_shown == 0  # an ordering question never starts in the answer's order


def test_the_order_is_the_same_in_another_process_and_differs_between_learners(
    course: Course,
) -> None:
    questions = [q for q in _of(course, SingleChoice)[:5]]
    here = {q.id: list(arrange(q, "王建国").options) for q in questions}
    script = (
        "import json; from coursekit import load_course; from coursekit.shuffle import arrange\n"
        "c = load_course()\n"
        f"ids = {[q.id for q in questions]!r}\n"
        "qs = {q.id: q for _, q in c.all_checkpoints()}\n"
        "print(json.dumps({i: list(arrange(qs[i], '王建国').options) for i in ids}))"
    )
    # a new interpreter, with another hash seed: the order must not depend on hash()
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert json.loads(out.stdout) == here
    others = {q.id: list(arrange(q, "李秀英").options) for q in questions}
    assert others != here
    printed = {q.id: list(arrange(q).options) for q in questions}
    assert printed == {q.id: list(arrange(q).options) for q in questions}


def test_a_pinned_option_keeps_its_place_for_every_learner(course: Course) -> None:
    q = _of(course, SingleChoice)[0]
    pinned = q.model_copy(update={"pinned": [q.options[-1]]})
    assert {arrange(pinned, learner).options[-1] for learner in LEARNERS[:200]} == {q.options[-1]}
    assert len({arrange(pinned, learner).options for learner in LEARNERS[:200]}) > 1
    fixed = q.model_copy(update={"shuffle": False})
    assert {arrange(fixed, learner).options for learner in LEARNERS[:50]} == {tuple(q.options)}


def test_each_learner_sees_their_own_order_and_the_answer_is_stored_as_text(
    course: Course, store: SQLiteStore
) -> None:
    q = next(q for q in _of(course, MultipleChoice))
    module = next(m for m, x in course.all_checkpoints() if x.id == q.id)
    if True:
        session = LearnerSession(store)
        cp = Checkpoint(q, module, course=course, store=store, learner=session)
        orders = {}
        for name in ("王建国", "李秀英"):
            session.name.value = name
            session.start.click()
            orders[name] = list(cp.input.options)
            for option, check in zip(cp.input.options, cp.input.checks, strict=True):
                check.value = option in q.answer
            cp.submit.click()
        assert orders["王建国"] != orders["李秀英"]
        assert sorted(orders["王建国"]) == sorted(q.options)
        rows = store.attempts("王建国") + store.attempts("李秀英")
        assert [(r.learner, r.answer, r.correct) for r in rows] == [
            ("王建国", [o for o in q.options if o in q.answer], True),
            ("李秀英", [o for o in q.options if o in q.answer], True),
        ]
        # a reload (a new kernel) shows the same learner the same order
        again = Checkpoint(q, module, course=course, store=store, learner="李秀英")
        assert list(again.input.options) == orders["李秀英"]


def test_a_wrong_choice_brings_its_own_feedback(course: Course, store: SQLiteStore) -> None:
    q = next(q for q in _of(course, SingleChoice) if q.feedback)
    module = next(m for m, x in course.all_checkpoints() if x.id == q.id)
    wrong = q.feedback[0]
    if True:
        cp = Checkpoint(q, module, course=course, store=store, learner="王建国")
        cp.input.radio.value = wrong.option  # type: ignore[attr-defined]
        cp.submit.click()
        assert f"你的答案“{wrong.option}”：{wrong.explanation}" in cp.feedback.value


def test_the_bundled_course_validates_with_no_lint_warning() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.startswith("warning")] == []


def test_the_bank_keeps_six_checkpoints_per_module_and_every_glossary_term_is_grounded(
    course: Course,
) -> None:
    for module in course.modules:
        assert len(module.checkpoints) >= 6, module.id
    for term in course.glossary.terms:
        assert term.evidence, term.term
    kinds = Counter(q.type for _, q in course.all_checkpoints())
    assert kinds["order"] <= 4, "heading-order items were replaced by questions on the text"


PRIVATE = (
    "家人",
    "体温",
    "行程",
    "去向",
    "住址",
    "病情",
    "身体状况",
    "健康状况",
    "健康情况",
    "外出",
)
NOT_ASKED = ("不必", "不要", "不需要", "无需", "请勿", "不用")
ASKING = ("你", "请", "写出", "写下", "谈谈")


def test_no_reflection_asks_for_private_details(course: Course) -> None:
    """A reflection travels to the trainer in the record: it must not ask for health or
    movements. A clause that asks the learner may name them only to say they need not be
    written; a clause that restates the text (附件七¶5要求……了解……健康状况) asks nothing."""
    for module in course.modules:
        for r in module.reflections:
            for clause in re.split(r"[。；？！，]", r.prompt):
                asked = [w for w in PRIVATE if w in clause]
                if asked and any(a in clause for a in ASKING):
                    assert any(n in clause for n in NOT_ASKED), (r.id, asked, clause)
