"""Progress for one module and for the whole course, refreshed whenever something is saved."""

from __future__ import annotations

import ipywidgets as w

from coursekit.errors import StoreError
from coursekit.grading import ModuleStatus, course_status, module_status
from coursekit.html import live
from coursekit.html.fragments import Variant
from coursekit.messages import msg
from coursekit.model import Course
from coursekit.store import LearnerStore
from coursekit.widgets._common import StaticRenderings, live_classes
from coursekit.widgets._saving import unreadable_text
from coursekit.widgets._session import Context, LearnerSession, make_context

__all__ = ["CourseProgress", "ModuleProgress", "module_progress_html"]


def _line(status: ModuleStatus, lang: str) -> str:
    read = msg(lang, "progress.read" if status.read_at else "progress.unread")
    return msg(
        lang,
        "progress.line",
        read=read,
        answered=status.answered,
        total=status.checkpoints,
        correct=status.correct,
        written=status.written,
        reflections=status.reflections,
    )


def _waiting(ctx: Context) -> str:
    """A note on work the store has not taken yet, which the counts leave out."""
    n = ctx.session.saving.waiting_for(ctx.store)
    return msg(ctx.lang, "store.waiting", n=n) if n else ""


class ModuleProgress(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Read or not, checkpoints answered and right, reflections written, and a bar of steps done.

    A step is the reading, a checkpoint answered right, or a reflection written.
    """

    def __init__(
        self,
        module_id: str,
        *,
        course: Course | None = None,
        store: LearnerStore | None = None,
        learner: str | LearnerSession | None = None,
        lang: str = "zh",
    ) -> None:
        self.ctx = make_context(course, store, learner, lang)
        self.module_id = module_id
        self.ctx.course.module(module_id)  # a KeyError now rather than on the first refresh
        self.bar = w.IntProgress(
            value=0,
            min=0,
            max=1,
            description=msg(self.ctx.lang, "progress.module"),
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.line = w.Label("")
        super().__init__([self.bar, self.line])
        live_classes(self, "ck-live-progress")
        self.ctx.session.observe(lambda _: self.refresh(), names="revision")
        self.ctx.on_learner(self.refresh)

    def refresh(self) -> None:
        if not self.ctx.learner:
            self.bar.value = 0
            self.line.value = msg(self.ctx.lang, "learner.needed")
            return
        try:
            status = module_status(
                self.ctx.course, self.module_id, self.ctx.store, self.ctx.learner
            )
        except StoreError as exc:
            self.line.value = unreadable_text(self.ctx.lang, exc)
            return
        self.status = status
        self.bar.max = status.steps
        self.bar.value = status.done
        self.line.value = _line(status, self.ctx.lang) + _waiting(self.ctx)

    def static_html(self, variant: Variant) -> str:
        return module_progress_html(self.ctx.course, self.module_id, self.ctx.lang)


def module_progress_html(course: Course, module_id: str, lang: str) -> str:
    """A :class:`ModuleProgress`'s kernel-free rendering: what the module asks of a learner."""
    text = msg(
        lang,
        "progress.static",
        checkpoints=len(course.checkpoints_for(module_id)),
        reflections=len(course.module(module_id).reflections),
    )
    return str(live.para(text, "ck-progress"))


class CourseProgress(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """One row per module and an overall bar, for the learner named in the session."""

    def __init__(
        self,
        *,
        course: Course | None = None,
        store: LearnerStore | None = None,
        learner: str | LearnerSession | None = None,
        lang: str = "zh",
    ) -> None:
        self.ctx = make_context(course, store, learner, lang)
        self.bar = w.IntProgress(
            value=0,
            min=0,
            max=1,
            description=msg(self.ctx.lang, "progress.overall"),
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.table = w.HTML("")
        super().__init__([self.table, self.bar])
        live_classes(self, "ck-live-progress")
        self.ctx.session.observe(lambda _: self.refresh(), names="revision")
        self.ctx.on_learner(self.refresh)

    def refresh(self) -> None:
        lang = self.ctx.lang
        if not self.ctx.learner:
            self.table.value = str(live.para(msg(lang, "learner.needed")))
            self.bar.value = 0
            return
        try:
            statuses = course_status(self.ctx.course, self.ctx.store, self.ctx.learner)
        except StoreError as exc:
            self.table.value = str(live.para(unreadable_text(lang, exc)))
            return
        self.statuses = statuses
        headers = [
            msg(lang, key)
            for key in (
                "progress.col_module",
                "progress.col_read",
                "progress.col_checkpoints",
                "progress.col_reflections",
            )
        ]
        rows = []
        for s in statuses:
            module = self.ctx.course.module(s.module)
            read = msg(lang, "progress.read" if s.read_at else "progress.unread")
            rows.append(
                {
                    "label": module.label,
                    "title": module.title,
                    "read": read,
                    "correct": s.correct,
                    "checkpoints": s.checkpoints,
                    "written": s.written,
                    "reflections": s.reflections,
                }
            )
        caption = msg(lang, "progress.course") + _waiting(self.ctx)
        self.table.value = str(live.progress_table(caption, headers, rows))
        self.bar.max = sum(s.steps for s in statuses)
        self.bar.value = sum(s.done for s in statuses)

    def static_html(self, variant: Variant) -> str:
        text = msg(self.ctx.lang, "progress.static_course", modules=len(self.ctx.course.modules))
        return str(live.para(text, "ck-progress"))
