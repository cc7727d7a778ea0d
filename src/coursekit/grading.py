"""Grading and progress: what a learner's answers are worth, without any widgets.

Answers are plain JSON values, the same in the widgets, the store and the
learner record:

========== =========================================================
type       answer
========== =========================================================
single     the chosen option (``str``)
multiple   the ticked options, in the order the author lists them (``list[str]``)
truefalse  ``true`` or ``false``
fill       the text typed (``str``); compared after :func:`~coursekit.text.fold`
order      the items in the order the learner put them (``list[str]``)
match      item → chosen option (``dict[str, str | None]``)
========== =========================================================

``None`` (or an empty value) means "not answered" and is never graded. Answers
hold option texts, never positions, so the per-learner shuffle of
:mod:`coursekit.shuffle` never changes what an answer means.
"""

from __future__ import annotations

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
    OptionFeedback,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.shuffle import Arrangement
from coursekit.text import fold

if TYPE_CHECKING:
    from coursekit.store import LearnerStore

__all__ = [
    "Key",
    "ModuleStatus",
    "answer_key",
    "course_status",
    "grade",
    "is_answered",
    "module_status",
    "wrong_choices",
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


@dataclass(frozen=True)
class Key:
    """The right answer as a page or a widget states it.

    ``summary`` gives options by the letter they are shown with (``B、D``), never by
    joining option texts, which may hold 、 themselves; ``lines`` spells out each
    keyed option (``B. 内防扩散、外防输出``), item or pair on a line of its own.
    """

    summary: str
    lines: tuple[str, ...] = ()


def answer_key(question: Checkpoint, arrangement: Arrangement, lang: str = "zh") -> Key:
    """The right answer of ``question`` as ``arrangement`` shows it."""
    sep = msg(lang, "format.sep")
    if isinstance(question, (SingleChoice, MultipleChoice)):
        keyed = {question.answer} if isinstance(question, SingleChoice) else set(question.answer)
        shown = [o for o in arrangement.options if o in keyed]
        return Key(
            sep.join(arrangement.letter(o) for o in shown),
            tuple(f"{arrangement.letter(o)}. {o}" for o in shown),
        )
    if isinstance(question, TrueFalse):
        return Key(msg(lang, "checkpoint.true" if question.answer else "checkpoint.false"))
    if isinstance(question, FillBlank):
        first, *others = question.answer
        if others:
            return Key(f"{first} " + msg(lang, "checkpoint.fill_also", variants=sep.join(others)))
        return Key(first)
    if isinstance(question, Ordering):
        return Key(
            " → ".join(arrangement.item_letter(item) for item in question.answer),
            tuple(f"{n}. {item}" for n, item in enumerate(question.answer, start=1)),
        )
    pairs = sorted(question.answer, key=lambda p: arrangement.item_number(p.item))
    return Key(
        sep.join(
            f"{arrangement.item_number(p.item)}–{arrangement.letter(p.answer)}" for p in pairs
        ),
        tuple(
            f"{arrangement.item_number(p.item)}. {p.item} → {arrangement.letter(p.answer)}. "
            f"{p.answer}"
            for p in pairs
        ),
    )


def wrong_choices(question: Checkpoint, answer: Answer) -> list[OptionFeedback]:
    """The author's feedback on the wrong options ``answer`` chose (or the wrong text it typed).

    A single choice names one option; a multiple choice each ticked option that is not
    keyed; a fill-in the feedback whose text folds to what was typed.
    """
    if isinstance(question, SingleChoice):
        return [f for f in question.feedback if f.option == answer != question.answer]
    if isinstance(question, MultipleChoice) and isinstance(answer, list):
        ticked = set(answer) - set(question.answer)
        return [f for f in question.feedback if f.option in ticked]
    if isinstance(question, FillBlank) and isinstance(answer, str) and not grade(question, answer):
        return [f for f in question.feedback if fold(f.option) == fold(answer)]
    return []


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
