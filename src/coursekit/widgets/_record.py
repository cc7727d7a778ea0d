"""The learner's record: export it for the trainer, import it in a new session.

Binder deletes a session's files when it ends, so the record leaves the
kernel as a download link (a ``data:`` URL): it works in JupyterLab and in
Voilà alike, with no file served by the notebook server.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

import ipywidgets as w

from coursekit.answers import clock_time, now
from coursekit.errors import RecordInvalid, StoreError
from coursekit.html import live, record_page
from coursekit.html.fragments import Variant
from coursekit.intake import without_bom
from coursekit.messages import msg
from coursekit.records import (
    export_record,
    import_record,
    parse_record,
    record_json,
    retired_items,
)
from coursekit.store import LearnerStore, RestoreCounts, SQLiteStore
from coursekit.widgets._common import StaticRenderings
from coursekit.widgets._saving import unsaved_text
from coursekit.widgets._session import LearnerSession, make_context

__all__ = ["RecordPanel"]


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
        )
        self.upload = w.FileUpload(
            accept=".json",
            multiple=False,
            description=msg(lang, "record.import"),
            tooltip=msg(lang, "record.import_tip"),
        )
        self.output = w.HTML("")
        self.status = w.HTML("", layout=w.Layout(min_height="1.5em"))
        self._saving = self.ctx.saving()
        super().__init__(
            [
                w.HTML(str(live.heading(msg(lang, "record.title")))),
                w.HBox([self.export_button, self.upload]),
                self.status,
                self.output,
            ]
        )
        self.export_button.on_click(lambda _: self.export())
        self.upload.observe(lambda _: self._uploaded(), names="value")

    def export(self) -> str | None:
        """Make the record of the current learner and show its download links."""
        lang, learner = self.ctx.lang, self.ctx.learner
        if not learner:
            self.status.value = escape(msg(lang, "record.no_learner"))
            return None
        course = self.ctx.course
        try:
            record, note = self._record(learner)
        except StoreError as exc:
            self.status.value = escape(msg(lang, "store.export_failed", reason=exc.reason(lang)))
            self.output.value = ""
            return None
        text = record_json(record)
        stem = f"coursekit-record-{course.id}-{learner}-{dt.date.today().isoformat()}"
        self.status.value = str(
            live.lines([msg(lang, "record.ready", time=clock_time(now())), note or ""])
        )
        links = [
            (f"{stem}.json", live.data_url(text, "application/json"), msg(lang, "record.json")),
            (
                f"{stem}.html",
                live.data_url(record_page(course, record), "text/html"),
                msg(lang, "record.html"),
            ),
        ]
        self.output.value = str(live.downloads(links))
        return text

    def _record(self, learner: str) -> tuple[dict[str, Any], str]:
        """The record to export, with the work still waiting for the store; a note on that."""
        lang, course, store = self.ctx.lang, self.ctx.course, self.ctx.store
        waiting = self.ctx.session.saving
        if not waiting.waiting_for(store):
            return export_record(course, store, learner), ""
        merged = SQLiteStore(memory=True)
        try:
            try:
                merged.restore(store.dump(learner, course.id))
                problem = None
            except StoreError as exc:
                problem = exc
            n = waiting.replay(store, merged)
            if problem is None:
                note = msg(lang, "store.export_unsaved", n=n)
            else:
                note = msg(lang, "store.export_partial", reason=problem.reason(lang), n=n)
            return export_record(course, merged, learner), note
        finally:
            merged.close()

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
        self.ctx.session.touch()
        return True

    def _uploaded(self) -> None:
        for item in self.upload.value:
            self.import_bytes(bytes(item["content"]), str(item["name"]))
        self.upload.value = ()

    def static_html(self, variant: Variant) -> str:
        if variant != "handout":
            return ""
        return str(live.para(msg(self.ctx.lang, "record.static"), "ck-record"))
