"""The Reflection widget: write, see the length grow, and find the text again after a restart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import ipywidgets as w

from coursekit.answers import now
from coursekit.errors import StoreError
from coursekit.html import live
from coursekit.html.fragments import Variant, reflection_html
from coursekit.messages import msg
from coursekit.model import Course
from coursekit.model import Reflection as ReflectionPrompt
from coursekit.store import LearnerStore, SavedReflection
from coursekit.text import count_cjk, count_words
from coursekit.widgets._common import StaticRenderings, live_classes
from coursekit.widgets._saving import unreadable_text, unsaved_text
from coursekit.widgets._session import LearnerSession, make_context

__all__ = ["Debouncer", "Reflection"]


class Debouncer:
    """Run ``action`` once, ``delay`` seconds after the last :meth:`poke`.

    In a kernel the timer runs on the kernel's event loop (the same thread as
    the widgets); with no running loop (tests, scripts) it uses a timer thread.
    """

    def __init__(self, delay: float, action: Callable[[], None]) -> None:
        self.delay = delay
        self.action = action
        self._lock = threading.Lock()
        self._pending: asyncio.TimerHandle | threading.Timer | None = None

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def poke(self) -> None:
        with self._lock:
            self._cancel()
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                timer = threading.Timer(self.delay, self._fire)
                timer.daemon = True
                timer.start()
                self._pending = timer
            else:
                self._pending = loop.call_later(self.delay, self._fire)

    def flush(self) -> None:
        """Run a pending action now."""
        with self._lock:
            was_pending = self._pending is not None
            self._cancel()
        if was_pending:
            self.action()

    def cancel(self) -> None:
        with self._lock:
            self._cancel()

    def _cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _fire(self) -> None:
        with self._lock:
            self._pending = None
        self.action()


class Reflection(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A reflection prompt with a text area that saves itself.

    The text is saved ``autosave_seconds`` after the learner stops typing, and
    at once with "save". The count shows Chinese characters (and Latin words
    when there are any) against the suggested minimum. Text the store refuses
    stays in the box and in memory, the status says "未保存" and why, and the
    next save (by "save", autosave or another widget) stores it.
    """

    def __init__(
        self,
        reflection: ReflectionPrompt,
        module_id: str,
        *,
        course: Course | None = None,
        store: LearnerStore | None = None,
        learner: str | LearnerSession | None = None,
        lang: str = "zh",
        autosave_seconds: float = 1.5,
    ) -> None:
        self.ctx = make_context(course, store, learner, lang)
        self.reflection = reflection
        self.module_id = module_id
        self.saved_text: str | None = None
        self._restoring = False
        self._saving = self.ctx.saving()
        self.autosave = Debouncer(autosave_seconds, self.save)
        lang = self.ctx.lang

        head = live.reflection_head(
            msg(lang, "reflection.title"),
            reflection.prompt,
            msg(lang, "reflection.guidance", guidance=reflection.guidance),
        )
        self.prompt = w.HTML(str(head))
        self.text = w.Textarea(
            description=msg(lang, "reflection.answer"),
            placeholder=msg(lang, "reflection.placeholder"),
            rows=6,
            layout=w.Layout(width="100%"),
            style={"description_width": "initial"},
        )
        self.count = w.Label("")
        self.save_button = w.Button(
            description=msg(lang, "reflection.save"),
            tooltip=msg(lang, "reflection.save_tip"),
            icon="save",
            layout=w.Layout(width="auto", flex="0 0 auto"),
        )
        self.status = w.Label("")
        super().__init__(
            [
                self.prompt,
                self.text,
                self.count,
                w.HBox([self.save_button, self.status]).add_class("ck-row"),
            ]
        )
        live_classes(self, "ck-live-card", "ck-live-reflection")
        self.text.observe(lambda _: self._typed(), names="value")
        self.save_button.on_click(lambda _: self.save())
        self.ctx.on_learner(self._restore)

    def _typed(self) -> None:
        self._count()
        if self._restoring or not self.ctx.learner:
            return
        if self.text.value != self.saved_text:
            self.status.value = msg(self.ctx.lang, "reflection.unsaved")
            self.autosave.poke()

    def _count(self) -> None:
        text = self.text.value
        chars, words = count_cjk(text), count_words(text)
        key = "reflection.count_words" if words else "reflection.count"
        self.count.value = msg(
            self.ctx.lang, key, chars=chars, words=words, min=self.reflection.min_chars
        )

    def save(self) -> None:
        """Save the text now (a pending autosave is dropped); the status names the time."""
        self.autosave.cancel()
        if not self.ctx.learner:
            self.status.value = msg(self.ctx.lang, "learner.needed")
            return
        learner, course_id, text, at = self.ctx.learner, self.ctx.course.id, self.text.value, now()
        self._saving.save(
            lambda store: store.save_reflection(
                learner, course_id, self.module_id, self.reflection.id, text, at=at
            ),
            self._saved,
            self._refused,
        )
        self.ctx.session.touch()

    def _saved(self, saved: SavedReflection, recovered: bool) -> None:
        if saved.learner != self.ctx.learner:
            return  # stored after the learner changed: the box shows someone else's text
        self.saved_text = saved.text
        self.status.value = msg(
            self.ctx.lang, "reflection.saved_at", time=self.ctx.time(saved.updated_at)
        )

    def _refused(self, error: StoreError) -> None:
        self.status.value = unsaved_text(self.ctx.lang, error)

    def _restore(self) -> None:
        self.autosave.cancel()
        learner = self.ctx.learner
        problem = None
        try:
            saved = (
                self.ctx.store.reflection(learner, self.ctx.course.id, self.reflection.id)
                if learner
                else None
            )
        except StoreError as exc:
            saved, problem = None, unreadable_text(self.ctx.lang, exc)
        self._restoring = True
        try:
            self.text.value = saved.text if saved else ""
        finally:
            self._restoring = False
        self.saved_text = saved.text if saved else None
        self.text.disabled = self.save_button.disabled = not learner
        self._count()
        if not learner:
            self.status.value = msg(self.ctx.lang, "learner.needed")
        elif problem is not None:
            self.status.value = problem
        elif saved is None:
            self.status.value = msg(self.ctx.lang, "reflection.not_saved")
        else:
            self.status.value = msg(
                self.ctx.lang, "reflection.saved_at", time=self.ctx.time(saved.updated_at)
            )

    def static_html(self, variant: Variant) -> str:
        return reflection_html(self.reflection, variant, self.ctx.lang)
