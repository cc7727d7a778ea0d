"""Checkpoint and CheckpointSet: answer, get feedback in words, retry, reveal after N tries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as w

from coursekit.answers import now
from coursekit.errors import StoreError
from coursekit.grading import answer_key, grade, is_answered, wrong_choices
from coursekit.html import live
from coursekit.html.fragments import (
    Variant,
    checkpoint_html,
    evidence_lines,
    evidence_place,
    question_title,
)
from coursekit.messages import msg
from coursekit.model import Checkpoint as Question
from coursekit.model import Course, Evidence, Ordering
from coursekit.shuffle import Arrangement, arrange
from coursekit.store import Attempt, LearnerStore
from coursekit.widgets._common import StaticRenderings, live_classes
from coursekit.widgets._inputs import make_input
from coursekit.widgets._links import module_href
from coursekit.widgets._saving import unreadable_text, unsaved_text
from coursekit.widgets._session import LearnerSession, make_context

__all__ = ["Checkpoint", "CheckpointSet", "CheckpointSettings", "checkpoint_set_html"]


@dataclass(frozen=True)
class CheckpointSettings:
    """How checkpoints behave.

    ``reveal_after``: attempts before "show answer" is enabled, unless the
    question sets its own ``reveal_after``. ``explain_wrong``: show the
    explanation and the evidence quote after a wrong answer too; by default a
    wrong answer only names the paragraph to reread, so that the next try is
    the learner's own.
    """

    reveal_after: int = 2
    explain_wrong: bool = False

    def __post_init__(self) -> None:
        if self.reveal_after < 1:
            raise ValueError("reveal_after must be at least 1")


class Checkpoint(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """One question. Every submitted answer is saved with its time, right or wrong.

    Options and items are shown in the learner's own shuffled order
    (:func:`~coursekit.shuffle.arrange`), the same after every reload; a wrong
    answer brings the author's feedback on the option chosen. After a restart
    the last answer and its feedback come back from the store.
    ``module_id`` is the module the question is shown with (for course-level
    exercises, the notice module). When the store refuses an answer, the
    learner still gets the feedback; ``status`` says "未保存" and why, the
    answer waits in memory, and "save again" (or any later save) stores it.
    """

    def __init__(
        self,
        question: Question,
        module_id: str,
        *,
        course: Course | None = None,
        store: LearnerStore | None = None,
        learner: str | LearnerSession | None = None,
        lang: str = "zh",
        number: int | None = None,
        settings: CheckpointSettings = CheckpointSettings(),
    ) -> None:
        self.ctx = make_context(course, store, learner, lang)
        self.question = question
        self.module_id = module_id
        self.number = number
        self.settings = settings
        self.reveal_after = question.reveal_after or settings.reveal_after
        self.attempts: list[Attempt] = []
        self._listeners: list[Callable[[Checkpoint], None]] = []
        lang = self.ctx.lang

        self.prompt = w.HTML(
            str(live.checkpoint_prompt(question_title(question, lang, number), question.prompt))
        )
        self.arrangement = self._arrangement()
        self.input = make_input(question, self.arrangement, lang)
        self.input_holder = w.VBox([self.input.box])  # a new learner gets a new input here
        self.submit = w.Button(
            description=msg(lang, "checkpoint.submit"), button_style="primary", layout=_auto()
        )
        self.reveal = w.Button(
            description=msg(lang, "checkpoint.reveal"),
            tooltip=msg(lang, "checkpoint.reveal_tip", n=self.reveal_after),
            disabled=True,
            layout=_auto(),
        )
        self.lock = w.Label("").add_class("ck-lock")
        self.feedback = w.HTML("")
        self.cites = w.HBox(self._cite_buttons()).add_class("ck-row").add_class("ck-cites")
        self.cites.layout.display = "none"
        self.cited = w.HTML("")
        self.count = w.Label("")
        self.status = w.Label("")
        self.retry = w.Button(
            description=msg(lang, "store.retry"),
            tooltip=msg(lang, "store.retry_tip"),
            icon="refresh",
            layout=w.Layout(display="none", width="auto", flex="0 0 auto"),
        )
        self._saving = self.ctx.saving()
        super().__init__(
            [
                self.prompt,
                self.input_holder,
                w.HBox([self.submit, self.reveal, self.lock]).add_class("ck-row"),
                self.feedback,
                self.cites,
                self.cited,
                self.count,
                w.HBox([self.status, self.retry]).add_class("ck-row"),
            ]
        )
        live_classes(self, "ck-live-card", "ck-live-checkpoint")
        self.submit.on_click(lambda _: self.check())
        self.reveal.on_click(lambda _: self.show_answer())
        self.retry.on_click(lambda _: self.save_again())
        self.ctx.on_learner(self._restore)

    # -- what the learner does -----------------------------------------------------------

    def check(self) -> None:
        """Grade the current answer, save it as an attempt and say whether it was right."""
        lang = self.ctx.lang
        if not self.ctx.learner:
            self._say([msg(lang, "learner.needed")])
            return
        answer = self.input.get()
        if not is_answered(self.question, answer):
            self._say([msg(lang, "checkpoint.incomplete")])
            return
        attempt = Attempt(
            self.ctx.learner,
            self.ctx.course.id,
            self.module_id,
            self.question.id,
            answer,
            grade(self.question, answer),
            now(),
        )
        self.attempts.append(attempt)
        self._verdict(attempt)
        self._saving.save(
            lambda store: store.add_attempt(
                attempt.learner,
                attempt.course_id,
                attempt.module,
                attempt.checkpoint_id,
                attempt.answer,
                attempt.correct,
                at=attempt.at,
            ),
            self._saved,
            self._refused,
        )
        self.ctx.session.touch()
        for listener in self._listeners:
            listener(self)

    def save_again(self) -> None:
        """Try again to store the answers the store refused."""
        self._saving.retry()
        self.ctx.session.touch()

    def _saved(self, _: object, recovered: bool) -> None:
        self.retry.layout.display = "none"
        if recovered:
            self.status.value = msg(self.ctx.lang, "store.saved_again")

    def _refused(self, error: StoreError) -> None:
        self.status.value = unsaved_text(self.ctx.lang, error)
        self.retry.layout.display = None

    def show_answer(self) -> None:
        """Show the answer, explanation and evidence, once enough attempts were made."""
        if self.reveal.disabled:
            return
        lang = self.ctx.lang
        lines: tuple[str, ...] = ()
        if isinstance(self.question, Ordering):  # the items have moved: name them, not letters
            summary = " → ".join(self.question.answer)
        else:
            key = answer_key(self.question, self.arrangement, lang)
            summary, lines = key.summary, key.lines
        self._say(
            [msg(lang, "checkpoint.answer", answer=summary), *lines, *self._explanation()],
            kind="ck-revealed",
        )

    # -- state ----------------------------------------------------------------------------

    @property
    def answered(self) -> bool:
        return bool(self.attempts)

    @property
    def correct(self) -> bool:
        """Whether any attempt was right."""
        return any(a.correct for a in self.attempts)

    def on_attempt(self, callback: Callable[[Checkpoint], None]) -> None:
        """Call ``callback(self)`` after each saved attempt."""
        self._listeners.append(callback)

    def show_cited(self, evidence: Evidence) -> None:
        """Bring the paragraph ``evidence`` cites here, and turn the reader of its module to it."""
        course, lang = self.ctx.course, self.ctx.lang
        if evidence.paragraph is None:
            return
        try:
            paragraph = course.module(evidence.module).paragraph(evidence.paragraph)
        except KeyError:
            return
        place = evidence_place(course, evidence, lang)
        reader = self.ctx.session.readers.get(evidence.module)
        page = reader.show_paragraph(evidence.paragraph) if reader is not None else None
        href, link = None, ""
        if page is not None:
            place = msg(lang, "checkpoint.cited_here", place=place, page=page)
        elif evidence.module != self.module_id:
            href = module_href(course, evidence.module, evidence.paragraph)
            label = course.module(evidence.module).label
            link = msg(lang, "checkpoint.cited_open", label=label, paragraph=paragraph.number)
        self.cited.value = str(live.cited(place, paragraph, href, link))

    def _cited_evidence(self) -> list[Evidence]:
        """The paragraphs the question cites, each once, in the order it cites them."""
        seen: dict[tuple[str, int], Evidence] = {}
        for ev in self.question.evidence:
            if ev.paragraph is not None:
                seen.setdefault((ev.module, ev.paragraph), ev)
        return list(seen.values())

    def _cite_buttons(self) -> list[w.Button]:
        buttons = []
        for ev in self._cited_evidence():
            place = evidence_place(self.ctx.course, ev, self.ctx.lang)
            button = w.Button(
                description=msg(self.ctx.lang, "checkpoint.cite_live", place=place),
                tooltip=msg(self.ctx.lang, "checkpoint.cite_tip", place=place),
                icon="search",
                layout=_auto(),
            )
            button.add_class("ck-cite")
            button.on_click(lambda _, ev=ev: self.show_cited(ev))
            buttons.append(button)
        return buttons

    def _explanation(self) -> list[str]:
        return [
            msg(self.ctx.lang, "checkpoint.explanation", explanation=self.question.explanation),
            *evidence_lines(self.ctx.course, self.question, self.ctx.lang),
        ]

    def _arrangement(self) -> Arrangement:
        """This learner's order of the options and items (a printed page's with no learner)."""
        course = self.ctx.course
        return arrange(self.question, self.ctx.learner or None, shuffle=course.meta.policy.shuffle)

    def _rearrange(self) -> None:
        """Show the options in the current learner's order: a new learner, a new shuffle."""
        arrangement = self._arrangement()
        if arrangement == self.arrangement:
            return
        self.arrangement = arrangement
        self.input = make_input(self.question, arrangement, self.ctx.lang)
        self.input_holder.children = (self.input.box,)

    def _reread(self) -> list[str]:
        lang = self.ctx.lang
        places = [evidence_place(self.ctx.course, ev, lang) for ev in self.question.evidence]
        return [
            msg(
                self.ctx.lang,
                "checkpoint.reread",
                place=msg(self.ctx.lang, "format.sep").join(dict.fromkeys(places)),
            )
        ]

    def _verdict(self, attempt: Attempt, restored: bool = False) -> None:
        lang = self.ctx.lang
        if attempt.correct:
            lines = [msg(lang, "checkpoint.correct"), *self._explanation()]
        else:  # the author's word on the option chosen, then the explanation or where to reread
            why = [
                msg(lang, "checkpoint.your_choice", option=fb.option, why=fb.explanation)
                for fb in wrong_choices(self.question, attempt.answer)
            ]
            then = self._explanation() if self.settings.explain_wrong else self._reread()
            lines = [msg(lang, "checkpoint.incorrect"), *why, *then]
        if restored:
            lines.append(msg(lang, "checkpoint.last_attempt", time=self.ctx.time(attempt.at)))
        self._say(lines, kind="ck-right" if attempt.correct else "ck-wrong")

    def _say(self, lines: list[str], kind: str = "ck-note") -> None:
        mark = {"ck-right": "✔", "ck-wrong": "✘"}.get(kind, "")
        first, *rest = lines
        self.feedback.value = str(live.feedback(kind, mark, first, rest))
        self._state(kind)
        self._lock()

    def _state(self, kind: str) -> None:
        """The card's colour follows the verdict; the paragraphs to reread come with it."""
        for state in ("ck-state-right", "ck-state-wrong"):
            self.remove_class(state)
        if kind in ("ck-right", "ck-wrong"):
            self.add_class(kind.replace("ck-", "ck-state-"))
        shown = kind != "ck-note" and bool(self.cites.children)
        self.cites.layout.display = None if shown else "none"
        if not shown:
            self.cited.value = ""

    def _lock(self) -> None:
        """Enable "show answer" after enough attempts; until then, say why in words beside it
        (a tooltip never shows on a phone). The attempts are counted in one of the two."""
        n = len(self.attempts)
        self.reveal.disabled = n < self.reveal_after
        if self.reveal.disabled:
            self.lock.value = msg(
                self.ctx.lang, "checkpoint.reveal_locked", n=self.reveal_after, done=n
            )
            self.count.value = ""
        else:
            self.lock.value = ""
            self.count.value = msg(self.ctx.lang, "checkpoint.attempts", n=n)

    def _restore(self) -> None:
        self._rearrange()
        learner = self.ctx.learner
        if self._saving.waiting == 0:
            self.status.value = ""
        try:
            self.attempts = (
                self.ctx.store.attempts(
                    learner, self.ctx.course.id, self.module_id, self.question.id
                )
                if learner
                else []
            )
        except StoreError as exc:
            self.attempts = []
            self.status.value = unreadable_text(self.ctx.lang, exc)
        self.input.set_disabled(not learner)
        self.submit.disabled = not learner
        if self.attempts:
            self.input.set(self.attempts[-1].answer)
            self._verdict(self.attempts[-1], restored=True)
        else:
            self.feedback.value = ""
            self._state("ck-note")
            self._lock()
        if not learner:
            self._say([msg(self.ctx.lang, "learner.needed")])

    def static_html(self, variant: Variant) -> str:
        return checkpoint_html(
            self.ctx.course, self.module_id, self.question, variant, self.ctx.lang, self.number
        )


def _auto() -> w.Layout:
    """As wide as the button's words, never squeezed to "显示…" on a phone."""
    return w.Layout(width="auto", flex="0 0 auto")


class CheckpointSet(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A module's checkpoints, numbered, with a score summary that updates on every attempt.

    For the notice module the course-level exercises follow its own checkpoints.
    """

    def __init__(
        self,
        module_id: str,
        *,
        course: Course | None = None,
        store: LearnerStore | None = None,
        learner: str | LearnerSession | None = None,
        lang: str = "zh",
        settings: CheckpointSettings = CheckpointSettings(),
    ) -> None:
        self.ctx = make_context(course, store, learner, lang)
        self.module_id = module_id
        questions = self.ctx.course.checkpoints_for(module_id)
        self.checkpoints = [
            Checkpoint(
                q,
                module_id,
                course=self.ctx.course,
                store=self.ctx.store,
                learner=self.ctx.session,
                lang=self.ctx.lang,
                number=n,
                settings=settings,
            )
            for n, q in enumerate(questions, start=1)
        ]
        self.title = w.HTML(str(live.heading(msg(self.ctx.lang, "checkpoint.set_title"))))
        self.score = w.Label("")
        body = self.checkpoints or [w.Label(msg(self.ctx.lang, "checkpoint.none"))]
        super().__init__([self.title, *body, self.score])
        live_classes(self, "ck-live-set")
        for checkpoint in self.checkpoints:
            checkpoint.on_attempt(lambda _: self._update())
        self.ctx.on_learner(self._update)

    def summary(self) -> tuple[int, int, int]:
        """``(right, answered, total)`` for the current learner."""
        right = sum(c.correct for c in self.checkpoints)
        answered = sum(c.answered for c in self.checkpoints)
        return right, answered, len(self.checkpoints)

    def _update(self) -> None:
        if not self.checkpoints:
            return
        right, answered, total = self.summary()
        self.score.value = msg(
            self.ctx.lang, "checkpoint.score", correct=right, total=total, answered=answered
        )

    def static_html(self, variant: Variant) -> str:
        return checkpoint_set_html(self.ctx.course, self.module_id, variant, self.ctx.lang)


def checkpoint_set_html(course: Course, module_id: str, variant: Variant, lang: str) -> str:
    """A :class:`CheckpointSet`'s kernel-free rendering: every question, numbered."""
    parts = [
        checkpoint_html(course, module_id, question, variant, lang, number)
        for number, question in enumerate(course.checkpoints_for(module_id), start=1)
    ]
    return str(live.checkpoint_set(module_id, msg(lang, "checkpoint.set_title"), parts))
