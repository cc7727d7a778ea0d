"""The learner's record: export it for the trainer, import it in a new session.

The export is two download buttons (see :mod:`coursekit.widgets._export`);
once made, the session's banner about unexported work goes until the next
change, and the buttons go too, since they no longer hold everything.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w

from coursekit.errors import RecordInvalid, StoreError
from coursekit.html import live
from coursekit.html.fragments import Variant
from coursekit.intake import without_bom
from coursekit.messages import msg
from coursekit.records import import_record, parse_record, retired_items
from coursekit.store import LearnerStore, RestoreCounts
from coursekit.widgets._common import StaticRenderings, live_classes
from coursekit.widgets._export import make_export
from coursekit.widgets._saving import unsaved_text
from coursekit.widgets._session import LearnerSession, make_context

__all__ = ["RecordPanel", "record_html"]


class RecordPanel(StaticRenderings, w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """ "导出学习记录" and "导入我的学习记录" for the current learner.

    The export includes work the store has not taken yet, so a learner whose
    store fails can still take everything away. An import the store refuses
    waits in memory and is stored with the session's next save.
    """

    def __init__(
        self,
        course: Any = None,
        store: LearnerStore | None = None,
        learner: str | LearnerSession | None = None,
        lang: str = "zh",
    ) -> None:
        self.ctx = make_context(course, store, learner, lang)
        lang = self.ctx.lang
        self.export_button = w.Button(
            description=msg(lang, "record.export"),
            tooltip=msg(lang, "record.export_tip"),
            icon="download",
            button_style="primary",
            layout=w.Layout(width="auto", flex="0 0 auto"),
        )
        self.upload = w.FileUpload(
            accept=".json",
            multiple=False,
            description=msg(lang, "record.import"),
            tooltip=msg(lang, "record.import_tip"),
            layout=w.Layout(width="auto", flex="0 0 auto"),
        )
        self.output = w.HTML("")
        self.status = w.HTML("", layout=w.Layout(min_height="1.5em"))
        self._saving = self.ctx.saving()
        super().__init__(
            [
                w.HTML(str(live.heading(msg(lang, "record.title")))),
                w.HBox([self.export_button, self.upload]).add_class("ck-row"),
                self.status,
                self.output,
            ]
        )
        live_classes(self, "ck-record-panel")
        self.export_button.on_click(lambda _: self.export())
        self.upload.observe(lambda _: self._uploaded(), names="value")
        self.ctx.session.observe(lambda _: self._outdated(), names="unexported")
        self.ctx.session.observe(lambda _: self._clear(), names="learner")

    def export(self) -> str | None:
        """Make the record of the current learner and show its download buttons."""
        lang, learner = self.ctx.lang, self.ctx.learner
        if not learner:
            self.status.value = escape(msg(lang, "record.no_learner"))
            return None
        session = self.ctx.session
        try:
            made = make_export(self.ctx.course, self.ctx.store, session.saving, learner, lang)
        except StoreError as exc:
            self.status.value = escape(msg(lang, "store.export_failed", reason=exc.reason(lang)))
            self.output.value = ""
            return None
        self.status.value = made.status
        self.output.value = made.links
        session.exported()
        return made.text

    def _outdated(self) -> None:
        if self.ctx.session.unexported:
            self.output.value = ""
            self.status.value = ""

    def _clear(self) -> None:
        """Another learner: the last one's download buttons and messages go."""
        self.output.value = ""
        self.status.value = ""

    def import_bytes(self, data: bytes, name: str) -> bool:
        """Check and restore a record file's bytes; the status says what happened.

        Returns whether the file was accepted: a record the store refuses for
        now is accepted too, and waits in memory to be stored.
        """
        lang = self.ctx.lang
        try:
            record = parse_record(without_bom(data), name, self.ctx.course)
        except RecordInvalid as exc:
            self.status.value = escape(msg(lang, "record.refused", file=name, reason=exc.reason))
            return False
        course = self.ctx.course

        def saved(counts: RestoreCounts, recovered: bool) -> None:
            said = msg(
                lang,
                "record.imported",
                learner=record.learner,
                reads=counts.reads,
                attempts=counts.attempts,
                reflections=counts.reflections,
            )
            retired = retired_items(record, course)
            if retired:
                said += " " + msg(lang, "record.retired", count=len(retired))
            self.status.value = escape(said)

        def refused(error: StoreError) -> None:
            problem = unsaved_text(lang, error)
            self.status.value = escape(
                msg(lang, "store.import_unsaved", file=name, problem=problem)
            )

        self._saving.save(lambda store: import_record(store, record, course), saved, refused)
        self.ctx.session.touch(changed=False)
        return True

    def _uploaded(self) -> None:
        for item in self.upload.value:
            self.import_bytes(bytes(item["content"]), str(item["name"]))
        self.upload.value = ()

    def static_html(self, variant: Variant) -> str:
        return record_html(variant, self.ctx.lang)


def record_html(variant: Variant, lang: str) -> str:
    """A :class:`RecordPanel`'s kernel-free rendering: on a handout, where a record comes from."""
    if variant != "handout":
        return ""
    return str(live.para(msg(lang, "record.static"), "ck-record"))
