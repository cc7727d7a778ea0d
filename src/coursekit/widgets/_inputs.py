"""One answer input per question type, each built from standard ipywidgets.

Every input has ``box`` (the widget to show), ``get()`` and ``set()`` (the
answer as JSON, see :mod:`coursekit.grading`) and ``disabled``. Every control
carries a visible label, so screen readers can name it. Options and items come
in the learner's :class:`~coursekit.shuffle.Arrangement`, options with the letter
the answer key names them by; the answer holds their texts.
"""

from __future__ import annotations

from typing import Any, Protocol

import ipywidgets as w

from coursekit.answers import Answer
from coursekit.messages import msg
from coursekit.model import (
    Checkpoint,
    FillBlank,
    Matching,
    MultipleChoice,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from coursekit.shuffle import Arrangement
from coursekit.text import plain

__all__ = [
    "AnswerInput",
    "ChoiceInput",
    "FillInput",
    "MatchInput",
    "MultipleInput",
    "OrderInput",
    "make_input",
]

_WIDE = {"description_width": "initial"}


class AnswerInput(Protocol):
    box: Any

    def get(self) -> Answer: ...

    def set(self, answer: Answer) -> None: ...

    def set_disabled(self, disabled: bool) -> None: ...


class ChoiceInput:
    """Single choice and true/false: radio buttons, none chosen at first."""

    def __init__(self, options: list[tuple[str, Any]], label: str) -> None:
        self.radio = w.RadioButtons(options=options, value=None, description=label, style=_WIDE)
        self.box = self.radio

    def get(self) -> Answer:
        value: Answer = self.radio.value
        return value

    def set(self, answer: Answer) -> None:
        if answer in [v for _, v in self.radio.options]:
            self.radio.value = answer

    def set_disabled(self, disabled: bool) -> None:
        self.radio.disabled = disabled


class MultipleInput:
    """Multiple choice: one labelled checkbox per option."""

    def __init__(self, question: MultipleChoice, arrangement: Arrangement, lang: str) -> None:
        self.options = list(arrangement.options)
        self.authored = list(question.options)
        self.checks = [
            w.Checkbox(value=False, description=_lettered(arrangement, o), indent=False)
            for o in self.options
        ]
        self.box = w.VBox([w.Label(msg(lang, "checkpoint.choose_many")), *self.checks])

    def get(self) -> Answer:
        """The ticked options in the author's order, whatever order they are shown in."""
        ticked = {o for o, c in zip(self.options, self.checks, strict=True) if c.value}
        return [o for o in self.authored if o in ticked]

    def set(self, answer: Answer) -> None:
        chosen = set(answer) if isinstance(answer, list) else set()
        for option, check in zip(self.options, self.checks, strict=True):
            check.value = option in chosen

    def set_disabled(self, disabled: bool) -> None:
        for check in self.checks:
            check.disabled = disabled


class FillInput:
    """Fill in the blank: one text box."""

    def __init__(self, lang: str) -> None:
        self.text = w.Text(
            description=msg(lang, "checkpoint.fill"),
            placeholder=msg(lang, "checkpoint.fill_placeholder"),
        )
        self.box = self.text

    def get(self) -> Answer:
        value: str = self.text.value
        return value

    def set(self, answer: Answer) -> None:
        if isinstance(answer, str):
            self.text.value = answer

    def set_disabled(self, disabled: bool) -> None:
        self.text.disabled = disabled


class OrderInput:
    """Ordering: the items, each with "up" and "down" buttons that name the item."""

    def __init__(self, question: Ordering, arrangement: Arrangement, lang: str) -> None:
        self.lang = lang
        self.items = list(arrangement.items)
        self.disabled = False
        self.rows: list[Any] = []
        self.list_box = w.VBox([])
        self.box = w.VBox([w.Label(msg(lang, "checkpoint.order_hint")), self.list_box])
        self._draw()

    def _draw(self) -> None:
        self.rows = []
        last = len(self.items) - 1
        for i, item in enumerate(self.items):
            up = w.Button(
                description=msg(self.lang, "checkpoint.up"),
                tooltip=msg(self.lang, "checkpoint.up_tip", item=plain(item)),
                disabled=self.disabled or i == 0,
                layout=w.Layout(width="auto"),
            )
            down = w.Button(
                description=msg(self.lang, "checkpoint.down"),
                tooltip=msg(self.lang, "checkpoint.down_tip", item=plain(item)),
                disabled=self.disabled or i == last,
                layout=w.Layout(width="auto"),
            )
            up.on_click(lambda _, i=i: self.move(i, -1))
            down.on_click(lambda _, i=i: self.move(i, +1))
            self.rows.append(w.HBox([w.Label(f"{i + 1}. {plain(item)}"), up, down]))
        self.list_box.children = self.rows

    def move(self, index: int, step: int) -> None:
        """Move item ``index`` one place up (``-1``) or down (``+1``)."""
        target = index + step
        if 0 <= target < len(self.items):
            self.items[index], self.items[target] = self.items[target], self.items[index]
            self._draw()

    def get(self) -> Answer:
        return list(self.items)

    def set(self, answer: Answer) -> None:
        if isinstance(answer, list) and sorted(answer) == sorted(self.items):
            self.items = list(answer)
            self._draw()

    def set_disabled(self, disabled: bool) -> None:
        self.disabled = disabled
        self._draw()


class MatchInput:
    """Matching: one dropdown per item, labelled with the item, nothing chosen at first."""

    def __init__(self, question: Matching, arrangement: Arrangement, lang: str) -> None:
        choices: list[tuple[str, str | None]] = [(msg(lang, "checkpoint.match_none"), None)]
        choices += [(_lettered(arrangement, o), o) for o in arrangement.options]
        self.items = list(arrangement.items)
        self.dropdowns = [
            w.Dropdown(options=choices, value=None, description=plain(item), style=_WIDE)
            for item in self.items
        ]
        self.box = w.VBox([w.Label(msg(lang, "checkpoint.match_hint")), *self.dropdowns])

    def get(self) -> Answer:
        return {item: d.value for item, d in zip(self.items, self.dropdowns, strict=True)}

    def set(self, answer: Answer) -> None:
        if not isinstance(answer, dict):
            return
        for item, dropdown in zip(self.items, self.dropdowns, strict=True):
            value = answer.get(item)
            if value is None or value in [v for _, v in dropdown.options]:
                dropdown.value = value

    def set_disabled(self, disabled: bool) -> None:
        for dropdown in self.dropdowns:
            dropdown.disabled = disabled


def _lettered(arrangement: Arrangement, option: str) -> str:
    return f"{arrangement.letter(option)}. {plain(option)}"


def make_input(question: Checkpoint, arrangement: Arrangement, lang: str) -> AnswerInput:
    """The input for ``question``'s type, its options and items as ``arrangement`` shows them."""
    if isinstance(question, SingleChoice):
        return ChoiceInput(
            [(_lettered(arrangement, o), o) for o in arrangement.options],
            msg(lang, "checkpoint.choose"),
        )
    if isinstance(question, TrueFalse):
        return ChoiceInput(
            [(msg(lang, "checkpoint.true"), True), (msg(lang, "checkpoint.false"), False)],
            msg(lang, "checkpoint.choose"),
        )
    if isinstance(question, MultipleChoice):
        return MultipleInput(question, arrangement, lang)
    if isinstance(question, FillBlank):
        return FillInput(lang)
    if isinstance(question, Ordering):
        return OrderInput(question, arrangement, lang)
    return MatchInput(question, arrangement, lang)
