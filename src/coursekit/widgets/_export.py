"""A learner's record leaving the kernel: two download buttons, the JSON and the readable page.

Binder deletes a session's files when it ends, so the record leaves the
kernel as ``data:`` URLs in ``<a download>`` links styled as buttons: they
work in JupyterLab and in Voilà alike, with no file served by the notebook
server. The export includes the work the store has not taken yet, so a
learner whose store fails can still take everything away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from coursekit.answers import local_time, now, shown_time
from coursekit.errors import StoreError
from coursekit.html import live, record_page
from coursekit.messages import msg
from coursekit.model import Course
from coursekit.records import export_record, record_json
from coursekit.store import LearnerStore, SQLiteStore
from coursekit.widgets._saving import SaveQueue

__all__ = ["Export", "make_export"]


@dataclass(frozen=True)
class Export:
    """An export made: the record's JSON, and the HTML that offers it for download."""

    text: str
    status: str
    links: str

    @property
    def html(self) -> str:
        """The status line, then the download buttons, for one HTML widget."""
        return str(live.para(Markup(self.status), "ck-export-status")) + self.links


def make_export(
    course: Course, store: LearnerStore, waiting: SaveQueue, learner: str, lang: str
) -> Export:
    """The record of ``learner`` with what still waits for the store; raises ``StoreError``."""
    record, note = _record(course, store, waiting, learner, lang)
    text = record_json(record)
    stamp = now()
    today = local_time(stamp, course.meta.timezone) or dt.datetime.now(dt.timezone.utc)
    stem = f"coursekit-record-{course.id}-{learner}-{today.date().isoformat()}"
    made = shown_time(stamp, course.meta.timezone, lang)
    status = live.lines([msg(lang, "record.ready", time=made), note])
    links = [
        (f"{stem}.json", live.data_url(text, "application/json"), msg(lang, "record.json")),
        (
            f"{stem}.html",
            live.data_url(record_page(course, record), "text/html"),
            msg(lang, "record.html"),
        ),
    ]
    return Export(text, str(status), str(live.downloads(links)))


def _record(
    course: Course, store: LearnerStore, waiting: SaveQueue, learner: str, lang: str
) -> tuple[dict[str, Any], str]:
    """The record to export, with the work still waiting for the store; a note on that."""
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
