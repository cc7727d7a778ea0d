"""Grading and progress: what a learner's answers are worth, without any widgets.

Answers are plain JSON values, the same in the widgets, the store and the
learner record:

========== =========================================================
type       answer
========== =========================================================
single     the chosen option (``str``)
multiple   the ticked options, in option order (``list[str]``)
truefalse  ``true`` or ``false``
fill       the text typed (``str``); compared after :func:`~coursekit.text.fold`
order      the items in the order the learner put them (``list[str]``)
match      item → chosen option (``dict[str, str | None]``)
========== =========================================================

``None`` (or an empty value) means "not answered" and is never graded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coursekit.answers import Answer
from coursekit.messages import msg
from coursekit.model import (
    Checkpoint,
    Course,
    FillBlank,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.text import fold

if TYPE_CHECKING:
    from coursekit.store import LearnerStore

__all__ = [
    "ModuleStatus",
    "answer_text",
    "course_status",
    "grade",
    "is_answered",
    "module_status",
    "start_order",
]


def is_answered(question: Checkpoint, answer: Answer) -> bool:
    """Whether ``answer`` is complete enough to grade (every match item chosen, etc.)."""
    if answer is None:
        return False
    if isinstance(question, TrueFalse):
        return isinstance(answer, bool)
    if isinstance(question, Matching):
        return isinstance(answer, dict) and all(
            answer.get(pair.item) is not None for pair in question.answer
        )
    if isinstance(answer, str):
        return bool(answer.strip())
    return bool(answer)


def grade(question: Checkpoint, answer: Answer) -> bool:
    """Whether ``answer`` is right; an unanswered question is never right."""
    if not is_answered(question, answer):
        return False
    if isinstance(question, SingleChoice):
        return answer == question.answer
    if isinstance(question, MultipleChoice):
        return isinstance(answer, list) and set(answer) == set(question.answer)
    if isinstance(question, TrueFalse):
        return answer is question.answer
    if isinstance(question, FillBlank):
        return isinstance(answer, str) and fold(answer) in {fold(v) for v in question.answer}
    if isinstance(question, Ordering):
        return answer == list(question.answer)
    return isinstance(answer, dict) and all(
        answer.get(pair.item) == pair.answer for pair in question.answer
    )


def answer_text(question: Checkpoint, lang: str = "zh") -> str:
    """The right answer in words, as the self-check, the reveal and the answer key show it."""
    sep = msg(lang, "format.sep")
    if isinstance(question, SingleChoice):
        return question.answer
    if isinstance(question, MultipleChoice):
        return sep.join(o for o in question.options if o in question.answer)
    if isinstance(question, TrueFalse):
        return msg(lang, "checkpoint.true" if question.answer else "checkpoint.false")
    if isinstance(question, FillBlank):
        first, *others = question.answer
        if others:
            return f"{first} " + msg(lang, "checkpoint.fill_also", variants=sep.join(others))
        return first
    if isinstance(question, Ordering):
        return " → ".join(question.answer)
    return msg(lang, "format.pair_sep").join(f"{p.item} → {p.answer}" for p in question.answer)


@dataclass(frozen=True)
class ModuleStatus:
    """How far one learner has got with one module."""

    module: str
    read_at: str | None
    checkpoints: int
    answered: int
    correct: int
    reflections: int
    written: int

    @property
    def steps(self) -> int:
        """Things to do in the module: reading, each checkpoint, each reflection."""
        return 1 + self.checkpoints + self.reflections

    @property
    def done(self) -> int:
        """Steps done: reading, checkpoints answered right, reflections written."""
        return int(self.read_at is not None) + self.correct + self.written


def module_status(
    course: Course, module_id: str, store: LearnerStore, learner: str
) -> ModuleStatus:
    """One learner's progress in one module, from the store."""
    questions = course.checkpoints_for(module_id)
    ids = {q.id for q in questions}
    attempts = [a for a in store.attempts(learner, course.id, module_id) if a.checkpoint_id in ids]
    reflection_ids = {r.id for r in course.module(module_id).reflections}
    written = {
        r.reflection_id
        for r in store.reflections(learner, course.id, module_id)
        if r.reflection_id in reflection_ids and r.text.strip()
    }
    return ModuleStatus(
        module=module_id,
        read_at=store.read_at(learner, course.id, module_id),
        checkpoints=len(questions),
        answered=len({a.checkpoint_id for a in attempts}),
        correct=len({a.checkpoint_id for a in attempts if a.correct}),
        reflections=len(reflection_ids),
        written=len(written),
    )


def course_status(course: Course, store: LearnerStore, learner: str) -> list[ModuleStatus]:
    """One learner's progress in every module, in study order."""
    return [module_status(course, m.id, store, learner) for m in course.modules]


def start_order(question: Ordering) -> list[str]:
    """The order an ordering question's items are first shown in: shuffled, never the answer.

    The shuffle is seeded by the question id, so a handout, a worksheet and a
    restarted kernel all show the same starting order.
    """
    items = list(question.answer)
    random.Random(question.id).shuffle(items)
    if items == list(question.answer):
        items = items[1:] + items[:1]
    return items
