"""The trainer's live dashboard: the report's tables, refreshed from the records folder.

Learners send their exported records (in this packet's setting, through the
branch's WeChat group); the trainer drops them into one folder and presses
"刷新". The tables are the same DataFrames ``coursekit report`` writes, shown
with CSS bars, so nothing is fetched from elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from coursekit.html import live
from coursekit.messages import msg
from coursekit.model import Course
from coursekit.report import Report, build_report, load_cohort

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = ["Dashboard", "report_tables"]


def report_tables(course: Course, report: Report, lang: str = "zh") -> dict[str, Styler]:
    """The report's DataFrames, styled for a notebook: shares as bars, in study order.

    Every text is HTML-escaped once, in the frame itself (:func:`coursekit.cells.html_cells`),
    before any Styler sees it: a later ``.format()`` call resets a Styler's
    ``escape`` option, and a learner's ``<img onerror=…>`` must never depend on it.
    """
    from coursekit.cells import html_cells

    t = {
        k: msg(lang, f"dashboard.{k}")
        for k in (
            "learner",
            "share",
            "read",
            "correct",
            "prompt",
            "learners",
            "first",
            "wrong",
            "responses",
            "median",
            "module",
            "title",
            "excerpts",
        )
    }
    labels = {m.id: m.label for m in course.modules}
    reading = report.reading.assign(module=report.reading["module"].map(labels))
    reading = reading[["module", "title", "read", "share"]].rename(
        columns={"module": t["module"], "title": t["title"], "read": t["read"], "share": t["share"]}
    )
    tables: dict[str, Styler] = {
        "reading": html_cells(reading)
        .style.bar(subset=[t["share"]], vmin=0, vmax=1, color="#9db4d6")
        .format({t["share"]: "{:.0%}"})
        .hide(axis="index"),
    }
    if report.learners:
        correct = report.completion.pivot(index="learner", columns="module", values="correct")
        correct = correct[[m.id for m in course.modules]].rename(columns=labels)
        correct.index.name = t["learner"]
        most = max(len(course.checkpoints_for(m.id)) for m in course.modules)
        tables["completion"] = html_cells(correct).style.bar(
            vmin=0, vmax=max(1, most), color="#9db4d6"
        )
    checkpoints = report.checkpoints.sort_values("first_correct", na_position="last")
    checkpoints = checkpoints.assign(module=checkpoints["module"].map(labels))[
        ["module", "prompt", "learners", "first_correct", "common_wrong"]
    ].rename(
        columns={
            "module": t["module"],
            "prompt": t["prompt"],
            "learners": t["learners"],
            "first_correct": t["first"],
            "common_wrong": t["wrong"],
        }
    )
    tables["checkpoints"] = (
        html_cells(checkpoints)
        .style.bar(subset=[t["first"]], vmin=0, vmax=1, color="#d6a59d")
        .format({t["first"]: "{:.0%}"}, na_rep="—")
        .hide(axis="index")
    )
    reflections = report.reflections.assign(
        module=report.reflections["module"].map(labels),
        excerpts=report.reflections["excerpts"].map(lambda xs: " ｜ ".join(x[:80] for x in xs)),
    )[["module", "prompt", "responses", "median_chars", "excerpts"]].rename(
        columns={
            "module": t["module"],
            "prompt": t["prompt"],
            "responses": t["responses"],
            "median_chars": t["median"],
            "excerpts": t["excerpts"],
        }
    )
    tables["reflections"] = html_cells(reflections).style.hide(axis="index")
    return tables


class Dashboard(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A refresh button, a status line and the report's tables for the records in ``folder``.

    Its mimebundle's ``text/html`` holds the same tables, so an executed trainer
    notebook shows them without a kernel (the trainer's copy only: the trainer
    notebook is never published).
    """

    def __init__(self, course: Course, folder: str | Path, lang: str = "zh") -> None:
        self.course, self.folder, self.lang = course, Path(folder), lang
        self.folder.mkdir(parents=True, exist_ok=True)
        self.refresh_button = w.Button(description=msg(lang, "dashboard.refresh"), icon="refresh")
        self.status = w.HTML("")
        self.tables = w.HTML("")
        self.report: Report | None = None
        super().__init__([w.HBox([self.refresh_button, self.status]), self.tables])
        self.refresh_button.on_click(lambda _: self.refresh())
        self.refresh()

    def refresh(self) -> Report:
        """Read the folder again and redraw the tables."""
        cohort = load_cohort([self.folder], self.course)
        self.report = build_report(self.course, cohort)
        status = msg(
            self.lang,
            "dashboard.status",
            folder=str(self.folder.resolve()),
            used=self.report.learners,
            skipped=len(cohort.skipped),
        )
        self.status.value = str(live.lines([status]))  # escaped by the template, once
        tables = report_tables(self.course, self.report, self.lang)
        self.tables.value = str(
            live.dashboard_tables(
                # cell text was escaped by report_tables, once: taken as it is
                [
                    (msg(self.lang, f"dashboard.{key}_title"), table.to_html())
                    for key, table in tables.items()
                ],
                [
                    msg(self.lang, "dashboard.skipped", file=name, reason=reason)
                    for name, reason in cohort.skipped
                ],
            )
        )
        return self.report

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/html"] = str(live.dashboard_bundle(self.status.value, self.tables.value))
        return data
