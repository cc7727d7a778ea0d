"""``show_module``: everything a module notebook displays, in one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coursekit.html.fragments import trainer_notes_html
from coursekit.model import Course
from coursekit.store import LearnerStore
from coursekit.widgets._checkpoint import CheckpointSet
from coursekit.widgets._progress import ModuleProgress
from coursekit.widgets._reader import Reader
from coursekit.widgets._record import RecordPanel
from coursekit.widgets._reflection import Reflection
from coursekit.widgets._session import LearnerSession, make_context

__all__ = ["AUDIENCES", "ModuleView", "show_module"]

AUDIENCES = ("learner", "trainer")


@dataclass(frozen=True)
class ModuleView:
    """The widgets :func:`show_module` displayed, in display order."""

    session: LearnerSession
    reader: Reader
    checkpoints: CheckpointSet
    reflections: tuple[Reflection, ...]
    progress: ModuleProgress
    record: RecordPanel
    displayed: tuple[Any, ...]


def show_module(
    module_id: str,
    learner: str | None = None,
    audience: str = "learner",
    lang: str = "zh",
    course: Course | None = None,
    store: LearnerStore | None = None,
) -> ModuleView:
    """Display a module: Reader, CheckpointSet, each Reflection, ModuleProgress, RecordPanel.

    With ``learner=None`` the store's last learner is used; if there is none, a
    LearnerSession asking for a name is displayed first, and the other widgets
    wait for it. ``audience="trainer"`` adds the trainer notes at the end.
    """
    from IPython.display import HTML, display

    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}: use one of {', '.join(AUDIENCES)}")
    ctx = make_context(course, store, learner, lang)
    course, session = ctx.course, ctx.session
    module = course.module(module_id)
    shared: dict[str, Any] = {
        "course": course,
        "store": ctx.store,
        "learner": session,
        "lang": ctx.lang,
    }
    reader = Reader(module, **shared)
    checkpoints = CheckpointSet(module_id, **shared)
    reflections = tuple(Reflection(r, module_id, **shared) for r in module.reflections)
    progress = ModuleProgress(module_id, **shared)
    record = RecordPanel(**shared)
    shown: list[Any] = [session] if not session.learner else []
    shown += [reader, checkpoints, *reflections, progress, record]
    if audience == "trainer":
        notes = trainer_notes_html(module, ctx.lang)
        if notes:
            shown.append(HTML(notes))  # type: ignore[no-untyped-call]  # IPython is untyped here
    for item in shown:
        display(item)  # type: ignore[no-untyped-call]
    return ModuleView(session, reader, checkpoints, reflections, progress, record, tuple(shown))
