"""The order a question's options and items are shown in: shuffled, the same every time.

A learner sees the options of a single-choice, multiple-choice or matching
question, the items of a matching question and the items of an ordering
question in an order drawn from the learner and the question id: stable across
reloads and kernels, different between learners. Printed pages (handouts,
worksheets, the trainer guide) have no learner; they use one fixed order per
question, so a worksheet and its answer key agree.

Answers are stored as option texts, never positions (see :mod:`coursekit.grading`),
so a different arrangement never changes what was answered. An author can turn
shuffling off for a question (``shuffle: false``) or for the course
(``policy.shuffle``), and can pin an option to its listed place (``pinned``).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from coursekit.model import Checkpoint, Matching, MultipleChoice, Ordering, SingleChoice

__all__ = ["LETTERS", "Arrangement", "arrange"]

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Arrangement:
    """How one question is shown: ``options`` and ``items`` in the order they appear.

    ``options`` is empty for questions without options; ``items`` holds an ordering
    question's items in their starting order and a matching question's items.
    """

    options: tuple[str, ...] = ()
    items: tuple[str, ...] = ()

    def letter(self, option: str) -> str:
        """The letter ``option`` is shown with: ``A`` for the first."""
        return LETTERS[self.options.index(option)]

    def item_letter(self, item: str) -> str:
        """The letter an ordering question's item is shown with in print."""
        return LETTERS[self.items.index(item)]

    def item_number(self, item: str) -> int:
        """The number a matching question's item is shown with: 1 for the first."""
        return self.items.index(item) + 1


def _rng(learner: str | None, question_id: str, what: str) -> random.Random:
    # sha256, not hash(): the order must be the same in every process and Python version.
    key = "\x1f".join(("" if learner is None else f"learner:{learner}", question_id, what))
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _shuffled(values: Sequence[str], rng: random.Random, pinned: Sequence[str] = ()) -> list[str]:
    """``values`` shuffled, except that each pinned value keeps its place."""
    free = [v for v in values if v not in pinned]
    rng.shuffle(free)
    moving = iter(free)
    return [v if v in pinned else next(moving) for v in values]


def shuffles(question: Checkpoint, course_default: bool = True) -> bool:
    """Whether ``question``'s options are shown shuffled: its own setting, else the course's."""
    if isinstance(question, (SingleChoice, MultipleChoice, Matching)):
        return course_default if question.shuffle is None else question.shuffle
    return False


def arrange(
    question: Checkpoint, learner: str | None = None, *, shuffle: bool = True
) -> Arrangement:
    """How ``question`` is shown to ``learner`` (``None``: on a printed page).

    ``shuffle`` is the course's policy; the question's own ``shuffle`` overrides it.
    An ordering question's items are always shuffled (never starting in the answer's
    order), since putting them in order is the question.
    """
    if isinstance(question, Ordering):
        answer = list(question.answer)
        items = _shuffled(answer, _rng(learner, question.id, "items"))
        if items == answer:  # a learner must never start from the answer
            items = items[1:] + items[:1]
        return Arrangement(items=tuple(items))
    if not isinstance(question, (SingleChoice, MultipleChoice, Matching)):
        return Arrangement()
    options = list(question.options)
    items = [p.item for p in question.answer] if isinstance(question, Matching) else []
    if shuffles(question, shuffle):
        options = _shuffled(options, _rng(learner, question.id, "options"), question.pinned)
        items = _shuffled(items, _rng(learner, question.id, "items"))
    return Arrangement(options=tuple(options), items=tuple(items))
