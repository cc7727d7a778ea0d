"""The learner: named or confirmed at the top of every page, shared by a module's widgets.

On a shared branch PC the next person must never work on as the last one, so
a name remembered by the store is only offered ("继续学习：王建国？"), never
taken silently. Once named, the learner's name stays in view with "换人",
and a banner says when there is work that has not been exported since it
last changed, with a button that puts the download buttons right there.

Under JupyterHub (``COURSEKIT_STORE=hub``) the learner is the hub user: the
session shows their name from the coursekit service, offers no name box and
no "换人", and says when work is kept on this machine because the service
cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
from traitlets import Bool, Int, Unicode

from coursekit.answers import shown_time
from coursekit.errors import StoreError
from coursekit.html import live
from coursekit.html.fragments import Variant
from coursekit.messages import Lang, check_lang, msg
from coursekit.model import Course
from coursekit.store import LearnerStore, ReopeningStore
from coursekit.store.hub import HubStore, is_hub_target
from coursekit.widgets._common import (
    StaticRenderings,
    default_course,
    default_store,
    live_classes,
    stylesheet_widget,
)
from coursekit.widgets._export import Export, make_export
from coursekit.widgets._links import continues
from coursekit.widgets._saving import SaveQueue, SaveStatus, unreadable_text, unsaved_text

__all__ = ["Context", "LearnerSession", "as_session", "make_context"]


def _auto() -> w.Layout:
    """A layout as wide as the button's words: never "A…" on a phone."""
    return w.Layout(width="auto", flex="0 0 auto")


def _button(lang: str, key: str, tip: str, **fields: object) -> w.Button:
    return w.Button(description=msg(lang, key), tooltip=msg(lang, tip, **fields), layout=_auto())


class LearnerSession(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Who is learning, shown at the top of every page; the other widgets observe ``learner``.

    ``learner`` starts as the given name; with none, a name the store
    remembers is offered with "继续" and "换一个人", and the widgets wait
    until the learner answers. ``revision`` goes up whenever a widget saves
    something, so that progress widgets know to refresh; ``unexported`` is
    true while the learner has work that the last export did not carry.
    ``saving`` holds the writes of every widget of the session that the store
    has not taken yet. ``readers`` are the session's readers by module, so
    that a checkpoint can turn one to the paragraph it cites.
    """

    learner = Unicode("")
    revision = Int(0)
    unexported = Bool(False)

    def __init__(
        self,
        store: LearnerStore | None = None,
        learner: str | None = None,
        lang: str = "zh",
        course: Course | None = None,
    ) -> None:
        self.lang = check_lang(lang)
        self.store = store if store is not None else default_store()
        self._course = course
        self.saving = SaveQueue()
        self.readers: dict[str, Any] = {}
        self.remembered: str | None = None
        self.hub = hub_store(self.store)
        self._saving = SaveStatus(self.saving, self.store)
        self._quiet = False
        self.name = w.Text(
            description=msg(lang, "learner.name"),
            placeholder=msg(lang, "learner.placeholder"),
            continuous_update=False,  # the value changes on Enter or leaving the box
            layout=w.Layout(width="auto", flex="1 1 12em"),
            style={"description_width": "initial"},
        )
        self.start = w.Button(
            description=msg(lang, "learner.start"), button_style="primary", layout=_auto()
        )
        self.ask = w.HBox([self.name, self.start]).add_class("ck-row")
        self.question = w.Label("").add_class("ck-question")
        self.continue_button = w.Button(
            description=msg(lang, "learner.continue"), button_style="primary", layout=_auto()
        )
        self.other_button = w.Button(description=msg(lang, "learner.other"), layout=_auto())
        self.returning = w.HBox([self.question, self.continue_button, self.other_button])
        self.returning.add_class("ck-row")
        self.status = w.Label(msg(lang, "learner.ask")).add_class("ck-learner")
        self.switch_button = _button(lang, "learner.switch", "learner.switch_tip")
        self.bar = w.HBox([self.status, self.switch_button]).add_class("ck-row")
        self.kept_note = w.Label("").add_class("ck-kept")
        self.export_now = _button(lang, "record.export_now", "record.export_now_tip")
        self.export_now.icon = "download"
        self.banner = w.HBox([w.Label(msg(lang, "record.unexported")), self.export_now])
        self.banner.add_class("ck-row").add_class("ck-banner")
        self.downloads = w.HTML("")
        super().__init__(
            [
                stylesheet_widget(),
                self.returning,
                self.ask,
                self.bar,
                self.kept_note,
                self.banner,
                self.downloads,
            ]
        )
        live_classes(self, "ck-session")
        self.start.on_click(lambda _: self.confirm())
        self.continue_button.on_click(lambda _: self.continue_as_remembered())
        self.other_button.on_click(lambda _: self.someone_else())
        self.switch_button.on_click(lambda _: self.switch())
        self.export_now.on_click(lambda _: self.export())
        self.name.observe(lambda _: self._typed(), names="value")
        self.observe(lambda _: self._show(), names=["learner", "unexported"])
        if self.hub is not None:
            self._set_name(self.hub.user)
            self.confirm()
        elif learner is not None:
            self._set_name(learner)
            self.confirm()
        else:
            self._offer_remembered()
        self._show()

    @property
    def course(self) -> Course:
        """The course whose record the banner exports: the one given to the session or to
        its first widget, else the bundled one."""
        if self._course is None:
            self._course = default_course()
        return self._course

    def use_course(self, course: Course) -> None:
        """A widget's course, for a session made without one; a learner's work in it counts."""
        if self._course is None:
            self._course = course
            if self.learner and self._has_work(self.learner):
                self.unexported = True

    # -- naming ----------------------------------------------------------------------------

    def confirm(self) -> None:
        """Take the name typed; an empty name is refused with a message."""
        name = self.name.value.strip()
        if not name:
            self.status.value = msg(self.lang, "learner.empty")
            return
        self.remembered = None

        def saved(_: object, recovered: bool) -> None:
            if self.learner == name:
                self.status.value = self._hello(name)

        def refused(error: StoreError) -> None:
            self.status.value = msg(
                self.lang,
                "store.learner_unsaved",
                name=name,
                problem=unsaved_text(self.lang, error),
            )

        self.downloads.value = ""  # the last learner's download buttons are not this one's
        # The name is taken even when the store refuses it: the widgets keep the work in memory.
        stored = self._saving.save(lambda s: s.add_learner(name), saved, refused)
        self.unexported = self._has_work(name)
        self.learner = name
        if stored:
            self.status.value = self._hello(name)
        self._show_kept()
        self._show()

    def _hello(self, name: str) -> str:
        """ "学员：王建国。…", or under the hub the name the service knows with the account."""
        if self.hub is None:
            return msg(self.lang, "learner.hello", name=name)
        shown = str(self.hub.me().get("name") or name)
        return msg(self.lang, "learner.hub", name=shown, user=name)

    def continue_as_remembered(self) -> None:
        """ "继续": the remembered learner goes on."""
        if self.remembered:
            self._set_name(self.remembered)
            self.confirm()

    def someone_else(self) -> None:
        """ "换一个人": not the remembered learner; ask for a name."""
        self.remembered = None
        self._ask()

    def switch(self) -> None:
        """ "换人": the learner leaves; the widgets empty and wait for the next name.

        Not under the hub, where the learner is the account that started the server."""
        if self.hub is not None:
            return
        self.remembered = None
        self.unexported = False
        self.downloads.value = ""
        self.learner = ""
        self._ask()

    def _ask(self) -> None:
        self._set_name("")
        self.status.value = msg(self.lang, "learner.ask")
        self._show()

    def _offer_remembered(self) -> None:
        try:
            remembered = self.store.last_learner()
        except StoreError as exc:
            self.status.value = f"{unreadable_text(self.lang, exc)} {msg(self.lang, 'learner.ask')}"
            return
        if remembered and continues():  # clicked through from another course page
            self._set_name(remembered)
            self.confirm()
            return
        if remembered:
            self.remembered = remembered
            self.question.value = msg(self.lang, "learner.returning", name=remembered)
            self.continue_button.tooltip = msg(self.lang, "learner.continue_tip", name=remembered)
            self.other_button.tooltip = msg(self.lang, "learner.other_tip", name=remembered)
            self.status.value = ""

    def _set_name(self, name: str) -> None:
        self._quiet = True
        try:
            self.name.value = name
        finally:
            self._quiet = False

    def _typed(self) -> None:
        if not self._quiet:
            self.confirm()

    def _show(self) -> None:
        """Show the question, the name box or the name bar, and the banner, as things stand."""
        named = bool(self.learner)
        asking = not named and self.remembered is not None
        _visible(self.returning, asking)
        _visible(self.ask, not named and not asking)
        _visible(self.bar, not asking)
        _visible(self.switch_button, named and self.hub is None)
        _visible(self.banner, named and self.unexported)

    # -- saving and exporting --------------------------------------------------------------

    def touch(self, changed: bool = True) -> None:
        """Tell observers that something was saved; ``changed``: the learner's work changed
        (an import adds nothing that needs exporting again)."""
        if changed and self.learner:
            self.downloads.value = ""  # what they offer is out of date now
            self.unexported = True
        self._show_kept()
        self.revision += 1

    def _show_kept(self) -> None:
        """Say how much work waits on this machine for the service (nothing: say nothing)."""
        kept = getattr(self.store, "kept", None)
        n = int(kept()) if callable(kept) else 0
        self.kept_note.value = msg(self.lang, "store.kept", n=n) if n else ""
        _visible(self.kept_note, bool(n))

    def export(self) -> Export | None:
        """The banner's "立即导出": make the record and show its download buttons right here."""
        learner = self.learner
        if not learner:
            return None
        try:
            made = make_export(self.course, self.store, self.saving, learner, self.lang)
        except StoreError as exc:
            failed = msg(self.lang, "store.export_failed", reason=exc.reason(self.lang))
            self.downloads.value = str(live.para(failed, "ck-export-status"))
            return None
        self.downloads.value = made.html
        self.exported()
        return made

    def exported(self) -> None:
        """An export was made (here or in a RecordPanel): the banner goes until the next change."""
        self.unexported = False

    def _has_work(self, learner: str) -> bool:
        """Whether ``learner`` has work here: none of it is known to have been exported.

        The store keeps no note of exports, so work found when a learner is
        named counts as not exported; that errs on the side of one export too many.
        """
        if self.saving.waiting_for(self.store):
            return True
        if self._course is None:
            return False  # known once a widget names its course (use_course)
        try:
            dump = self.store.dump(learner, self.course.id)
        except StoreError:
            return False
        return bool(dump.reads or dump.attempts or dump.reflections)

    def static_html(self, variant: Variant) -> str:
        """Nothing: a handout has no learner to name, and the publisher drops empty outputs."""
        return ""


def hub_store(store: LearnerStore) -> HubStore | None:
    """The hub store behind ``store``, when the kernel saves through the coursekit service."""
    if isinstance(store, HubStore):
        return store
    if isinstance(store, ReopeningStore) and is_hub_target(store.target):
        try:
            opened = store.opened()
        except StoreError:
            return None  # not under a hub after all: the name box, and saving says why
        return opened if isinstance(opened, HubStore) else None
    return None


def _visible(widget: Any, shown: bool) -> None:
    widget.layout.display = None if shown else "none"


def as_session(
    learner: str | LearnerSession | None,
    store: LearnerStore | None,
    lang: str,
    course: Course | None = None,
) -> LearnerSession:
    """A session for ``learner``: the session itself, one for a name, or one that asks."""
    if isinstance(learner, LearnerSession):
        return learner
    return LearnerSession(store, learner, lang, course)


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

    def time(self, stamp: str) -> str:
        """A stored time as the learner reads it: ``14:37`` today, else ``2月5日 14:37``,
        in the course's time zone."""
        return shown_time(stamp, self.course.meta.timezone, self.lang)


def make_context(
    course: Course | None,
    store: LearnerStore | None,
    learner: str | LearnerSession | None,
    lang: str,
) -> Context:
    """Fill in the defaults: the bundled course, the default store, a session that asks."""
    checked = check_lang(lang)
    if isinstance(learner, LearnerSession):
        store = learner.store if store is None else store
    store = store if store is not None else default_store()
    course = course if course is not None else default_course()
    if isinstance(learner, LearnerSession):
        learner.use_course(course)
    return Context(
        course=course,
        store=store,
        session=as_session(learner, store, checked, course),
        lang=checked,
    )
