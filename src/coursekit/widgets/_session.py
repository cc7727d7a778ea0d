"""The learner: named once, remembered by the store, shared by a module's widgets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as w
from traitlets import Int, Unicode

from coursekit.errors import StoreError
from coursekit.html.fragments import Variant
from coursekit.messages import Lang, check_lang, msg
from coursekit.model import Course
from coursekit.store import LearnerStore
from coursekit.widgets._common import StaticRenderings, default_course, default_store
from coursekit.widgets._saving import SaveQueue, SaveStatus, unreadable_text, unsaved_text

__all__ = ["Context", "LearnerSession", "as_session", "make_context"]


class LearnerSession(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Asks for the learner's name once; the other widgets observe ``learner``.

    ``learner`` starts as the given name, else the store's last learner, else
    empty (and the widgets wait). ``revision`` goes up whenever a widget saves
    something, so that progress widgets know to refresh. ``saving`` holds the
    writes of every widget of the session that the store has not taken yet.
    """

    learner = Unicode("")
    revision = Int(0)

    def __init__(
        self, store: LearnerStore | None = None, learner: str | None = None, lang: str = "zh"
    ) -> None:
        self.lang = check_lang(lang)
        self.store = store if store is not None else default_store()
        self.saving = SaveQueue()
        self._saving = SaveStatus(self.saving, self.store)
        self.name = w.Text(
            description=msg(lang, "learner.name"),
            placeholder=msg(lang, "learner.placeholder"),
            continuous_update=False,  # the value changes on Enter or leaving the box
        )
        self.start = w.Button(description=msg(lang, "learner.start"))
        self.status = w.Label(msg(lang, "learner.ask"))
        super().__init__([w.HBox([self.name, self.start]), self.status])
        self.start.on_click(lambda _: self.confirm())
        if learner is not None:
            self.name.value = learner
            self.confirm()
        else:
            try:
                remembered = self.store.last_learner()
            except StoreError as exc:
                remembered = None
                self.status.value = f"{unreadable_text(lang, exc)} {msg(lang, 'learner.ask')}"
            if remembered:
                self.name.value = remembered
                self._greet(remembered)
        self.name.observe(lambda _: self.confirm(), names="value")

    def confirm(self) -> None:
        """Take the name typed; an empty name is refused with a message."""
        name = self.name.value.strip()
        if not name:
            self.status.value = msg(self.lang, "learner.empty")
            return

        def saved(_: object, recovered: bool) -> None:
            if self.learner == name:
                self.status.value = msg(self.lang, "learner.hello", name=name)

        def refused(error: StoreError) -> None:
            self.status.value = msg(
                self.lang,
                "store.learner_unsaved",
                name=name,
                problem=unsaved_text(self.lang, error),
            )

        # The name is taken even when the store refuses it: the widgets keep the work in memory.
        stored = self._saving.save(lambda s: s.add_learner(name), saved, refused)
        self.learner = name
        if stored:
            self._greet(name)

    def _greet(self, name: str) -> None:
        self.status.value = msg(self.lang, "learner.hello", name=name)
        self.learner = name

    def touch(self) -> None:
        """Tell observers that something was saved."""
        self.revision += 1

    def static_html(self, variant: Variant) -> str:
        """Nothing: a handout has no learner to name, and the publisher drops empty outputs."""
        return ""


def as_session(
    learner: str | LearnerSession | None, store: LearnerStore | None, lang: str
) -> LearnerSession:
    """A session for ``learner``: the session itself, one for a name, or the remembered one."""
    if isinstance(learner, LearnerSession):
        return learner
    return LearnerSession(store, learner, lang)


@dataclass(frozen=True)
class Context:
    """What a widget needs besides its content: the course, the store, the learner, the language."""

    course: Course
    store: LearnerStore
    session: LearnerSession
    lang: Lang

    @property
    def learner(self) -> str:
        """The learner's name, or ``""`` while nobody has been named."""
        return str(self.session.learner)

    def on_learner(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` now and whenever the learner changes."""
        self.session.observe(lambda _change: callback(), names="learner")
        callback()

    def saving(self) -> SaveStatus:
        """A widget's own view of the session's writes (see :class:`SaveStatus`)."""
        return SaveStatus(self.session.saving, self.store)


def make_context(
    course: Course | None,
    store: LearnerStore | None,
    learner: str | LearnerSession | None,
    lang: str,
) -> Context:
    """Fill in the defaults: the bundled course, the default store, the remembered learner."""
    checked = check_lang(lang)
    if isinstance(learner, LearnerSession):
        store = learner.store if store is None else store
    store = store if store is not None else default_store()
    return Context(
        course=course if course is not None else default_course(),
        store=store,
        session=as_session(learner, store, checked),
        lang=checked,
    )
