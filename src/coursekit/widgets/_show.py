"""``show_module`` and ``show_start``: everything a module notebook, or the start page, displays."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from coursekit.errors import StoreError
from coursekit.grading import ModuleStatus, course_status
from coursekit.html import shell
from coursekit.html.fragments import reader_html, reflection_html, trainer_notes_html
from coursekit.html.variants import MIMETYPES, VARIANTS, renderings_only
from coursekit.messages import check_lang, msg
from coursekit.model import Course
from coursekit.shell import module_links
from coursekit.store import LearnerStore, ReopeningStore
from coursekit.widgets._checkpoint import CheckpointSet, checkpoint_set_html
from coursekit.widgets._common import default_course, default_store
from coursekit.widgets._links import preheated, wait_for_page
from coursekit.widgets._progress import ModuleProgress, module_progress_html
from coursekit.widgets._reader import Reader
from coursekit.widgets._record import RecordPanel, record_html
from coursekit.widgets._reflection import Reflection
from coursekit.widgets._saving import unreadable_text
from coursekit.widgets._session import Context, LearnerSession, make_context

__all__ = [
    "AUDIENCES",
    "CourseContents",
    "ModuleView",
    "StartView",
    "module_renderings",
    "show_module",
    "show_start",
]

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
) -> ModuleView | None:
    """Display a module: Reader, CheckpointSet, each Reflection, ModuleProgress, RecordPanel.

    With ``learner=None`` the store's last learner is used; if there is none, a
    LearnerSession asking for a name is displayed first, and the other widgets
    wait for it. ``audience="trainer"`` adds the trainer notes at the end.

    In a kernel that ``coursekit publish`` runs
    (:func:`~coursekit.html.variants.renderings_only`) it displays the widgets'
    static renderings alone (:func:`module_renderings`), opens no store, and
    returns ``None``: the pages are made from those renderings, and nobody
    could use the widgets there.
    """
    from IPython.display import HTML, display

    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}: use one of {', '.join(AUDIENCES)}")
    if renderings_only():
        known = course if course is not None else default_course()
        for bundle in module_renderings(known, module_id, audience, check_lang(lang)):
            display(bundle, raw=True)  # type: ignore[no-untyped-call]  # IPython is untyped here
        return None
    _wait_for_request(store)
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
    # the session carries the stylesheet, the learner's name and the export banner:
    # it heads every page, named or not
    shown: list[Any] = [session, reader, checkpoints, *reflections, progress, record]
    if audience == "trainer":
        notes = trainer_notes_html(module, ctx.lang)
        if notes:
            shown.append(HTML(notes))  # type: ignore[no-untyped-call]  # IPython is untyped here
    for item in shown:
        display(item)  # type: ignore[no-untyped-call]
    return ModuleView(session, reader, checkpoints, reflections, progress, record, tuple(shown))


def module_renderings(
    course: Course, module_id: str, audience: str = "learner", lang: str = "zh"
) -> list[dict[str, str]]:
    """The static part of the mimebundles :func:`show_module` displays, in order, without widgets.

    Each is what the widget adds to its own mimebundle (``static_html`` for every
    variant, the same functions), or the trainer notes' ``text/html``; the
    learner session, whose renderings are empty, is left out, as the publisher
    leaves out empty outputs.
    """
    module = course.module(module_id)

    def each(render: Any) -> dict[str, str]:
        return {MIMETYPES[variant]: str(render(variant)) for variant in VARIANTS}

    def same(html: object) -> dict[str, str]:  # one rendering for every variant
        return dict.fromkeys(MIMETYPES.values(), str(html))

    def reflection(prompt: Any) -> dict[str, str]:
        return each(lambda variant: reflection_html(prompt, variant, lang))

    bundles = [
        same(reader_html(course, module, lang)),
        each(lambda variant: checkpoint_set_html(course, module_id, variant, lang)),
        *(reflection(prompt) for prompt in module.reflections),
        same(module_progress_html(course, module_id, lang)),
        each(lambda variant: record_html(variant, lang)),
    ]
    if audience == "trainer" and (notes := trainer_notes_html(module, lang)):
        bundles.append({"text/html": str(notes)})
    return bundles


def _wait_for_request(store: LearnerStore | None) -> None:
    """In a kernel Voilà pre-heated, do what needs no request, then wait for it.

    The query string and the learner the store remembers come with the request
    (a page may sit in the pool while a learner works elsewhere), so the widgets
    are made after it. The templates they render and the store's opening (its
    migration check) are the same for every request: they happen before.
    """
    if not preheated():
        return
    from coursekit.html.env import environment

    for name in _TEMPLATES:
        environment().get_template(name)
    opening = default_store() if store is None else store
    if isinstance(opening, ReopeningStore):
        with contextlib.suppress(StoreError):  # the widgets say why, once the page is asked for
            opening.opened()
    wait_for_page()


#: The templates a module page's widgets render (coursekit.html.live and .fragments).
_TEMPLATES = ("live.html.j2", "fragments.html.j2")


def _status(status: ModuleStatus, lang: str) -> str:
    if status.done == status.steps:
        return msg(lang, "shell.done")
    if not status.done and not status.answered:
        return msg(lang, "shell.not_started")
    read = msg(lang, "progress.read" if status.read_at else "progress.unread")
    return msg(
        lang,
        "shell.progress",
        read=read,
        correct=status.correct,
        checkpoints=status.checkpoints,
        written=status.written,
        reflections=status.reflections,
    )


class CourseContents(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Every module of the course, each a link to its view, with the learner's progress.

    The list is an output (``text/html``) of an ``Output`` widget rather than an
    ``HTML`` widget: JupyterLab opens links in outputs beside the notebook, in a
    new tab, where a link in an ``HTML`` widget would reload the whole page.
    It is drawn again whenever the learner changes or something is saved.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.list = w.Output()
        self.html = ""
        super().__init__([self.list])
        ctx.session.observe(lambda _: self.refresh(), names="revision")
        ctx.on_learner(self.refresh)

    def refresh(self) -> None:
        lang, course = self.ctx.lang, self.ctx.course
        statuses: dict[str, ModuleStatus] = {}
        overall = ""
        if self.ctx.learner:
            try:
                statuses = {
                    s.module: s for s in course_status(course, self.ctx.store, self.ctx.learner)
                }
            except StoreError as exc:
                overall = unreadable_text(lang, exc)
            else:
                done = sum(1 for s in statuses.values() if s.done == s.steps)
                overall = msg(lang, "shell.overall", done=done, total=len(course.modules))
        rows = [
            shell.ContentsRow(
                href=link.href,
                module_id=link.module_id,
                label=link.label,
                title=link.title,
                status=_status(statuses[link.module_id], lang)
                if link.module_id in statuses
                else "",
                done=link.module_id in statuses
                and statuses[link.module_id].done == statuses[link.module_id].steps,
            )
            for link in module_links(course)
        ]
        self.html = str(shell.contents(msg(lang, "shell.modules_title"), overall, rows))
        self.list.outputs = (
            {"output_type": "display_data", "data": {"text/html": self.html}, "metadata": {}},
        )


@dataclass(frozen=True)
class StartView:
    """The widgets :func:`show_start` displayed, in display order."""

    session: LearnerSession
    contents: CourseContents
    record: RecordPanel
    displayed: tuple[Any, ...]


def show_start(
    learner: str | None = None,
    lang: str = "zh",
    course: Course | None = None,
    store: LearnerStore | None = None,
) -> StartView:
    """Display the start page: who is learning, every module with progress, the record.

    The learner's name is always shown here (the session widget), whether it
    was remembered or typed; the record panel lets a learner in a new session
    import the record exported in an earlier one before opening any module.
    """
    from IPython.display import display

    _wait_for_request(store)
    ctx = make_context(course, store, learner, lang)
    contents = CourseContents(ctx)
    record = RecordPanel(course=ctx.course, store=ctx.store, learner=ctx.session, lang=ctx.lang)
    shown = (ctx.session, contents, record)
    for item in shown:
        display(item)  # type: ignore[no-untyped-call]
    return StartView(ctx.session, contents, record, shown)
