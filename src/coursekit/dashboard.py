"""The trainer's live dashboard: the report's tables, refreshed from the records folder.

Learners send their exported records (in this packet's setting, through the
branch's WeChat group); the trainer uploads them with "上传学习记录" (or drops
them into the folder) and the tables are drawn again. The tables are the same
DataFrames ``coursekit report`` writes, shown with CSS bars, so nothing is
fetched from elsewhere.

Every count in the tables is of people, each learner once: who read a module,
who answered a checkpoint, who gave a wrong answer, who wrote a reflection
(the one table of items, each learner's right answers per module, says so in
its headers). Checkpoints somebody answered come first, the hardest first;
the ones nobody answered yet are folded away under them.

:class:`TrainerView` shows a module's trainer notes, chosen from a list, so a
trainer never types ``audience="trainer"``.
"""

from __future__ import annotations

import html
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from coursekit.atomic import write_atomic
from coursekit.errors import RecordInvalid
from coursekit.html import learner_label, live, shell
from coursekit.html.fragments import trainer_notes_html
from coursekit.intake import LIMITS, MAX_BYTES, without_bom
from coursekit.messages import msg
from coursekit.model import Course
from coursekit.records import parse_record
from coursekit.report import (
    Cohort,
    Report,
    build_report,
    load_cohort,
    report_from_counts,
    report_from_store,
)
from coursekit.shell import module_links

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

__all__ = ["Dashboard", "TrainerView", "report_tables", "save_upload"]

_KEYS = (
    "learner",
    "share",
    "read",
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


def report_tables(course: Course, report: Report, lang: str = "zh") -> dict[str, Styler]:
    """The report's DataFrames, styled for a notebook: shares as bars, in study order.

    ``checkpoints`` holds the checkpoints somebody answered, hardest first;
    ``unanswered`` the rest, in study order. Every text is HTML-escaped once, in
    the frame itself (:func:`coursekit.cells.html_cells`), before any Styler sees
    it: a later ``.format()`` call resets a Styler's ``escape`` option, and a
    learner's ``<img onerror=…>`` must never depend on it.
    """
    from coursekit.cells import html_cells

    t = {k: msg(lang, f"dashboard.{k}") for k in _KEYS}
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
    if len(report.branches):
        tables["branches"] = _branches(report, lang)
    if report.learners:
        tables["completion"] = _completion(course, report, lang)
    answered, unanswered = _checkpoints(course, report, t)
    tables["checkpoints"] = (
        html_cells(answered)
        .style.bar(subset=[t["first"]], vmin=0, vmax=1, color="#d6a59d")
        .format({t["first"]: "{:.0%}"}, na_rep="—")
        .hide(axis="index")
    )
    tables["unanswered"] = html_cells(unanswered).style.hide(axis="index")
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


def _branches(report: Report, lang: str) -> Styler:
    """Branches ranked by participation, shares as bars (the report's branches table)."""
    from coursekit.cells import html_cells

    shares = {
        "participation": msg(lang, "report.col_participation"),
        "completion": msg(lang, "report.col_completion"),
        "first_correct": msg(lang, "report.col_first"),
    }
    columns = {
        "rank": msg(lang, "report.col_rank"),
        "branch": msg(lang, "report.col_branch"),
        "members": msg(lang, "report.col_members"),
        "participants": msg(lang, "report.col_participants"),
        **shares,
        "reflections": msg(lang, "report.col_reflections"),
    }
    frame = report.branches[list(columns)].rename(columns=columns)
    # html_cells escapes the headers too
    bars: list[Hashable] = [html.escape(h) for h in shares.values()]
    styled: Styler = (
        html_cells(frame)
        .style.bar(subset=bars, vmin=0, vmax=1, color="#9db4d6")
        .format(dict.fromkeys(bars, "{:.0%}"), na_rep="—")
        .hide(axis="index")
    )
    return styled


def _completion(course: Course, report: Report, lang: str) -> Styler:
    """Learner by module: checkpoints answered right, the learner a column of its own."""
    from coursekit.cells import html_cells

    modules = [m.id for m in course.modules]
    correct = report.completion.pivot(index="learner", columns="module", values="correct")
    headers = {
        m.id: msg(lang, "dashboard.col_correct", label=m.label, n=len(course.checkpoints_for(m.id)))
        for m in course.modules
    }
    frame = correct[modules].rename(columns=headers)
    frame.columns.name = None  # pandas would print "module" above the learners
    names = report.completion.drop_duplicates("learner").set_index("learner")["name"]
    frame.index = [learner_label(lang, str(i), names.get(i)) for i in frame.index]
    frame.index.name = "learner"
    frame = frame.reset_index().rename(columns={"learner": msg(lang, "dashboard.learner")})
    most = max(len(course.checkpoints_for(m)) for m in modules)
    # html_cells escapes the headers too
    counts: list[Hashable] = [html.escape(h) for h in headers.values()]
    return (
        html_cells(frame)
        .style.bar(subset=counts, vmin=0, vmax=max(1, most), color="#9db4d6")
        .hide(axis="index")
    )


def _checkpoints(
    course: Course, report: Report, t: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The checkpoints somebody answered (hardest first), and those nobody answered yet."""
    labels = {m.id: m.label for m in course.modules}
    table = report.checkpoints.assign(module=report.checkpoints["module"].map(labels))
    answered = table[table["learners"] > 0].sort_values(
        "first_correct", kind="stable", na_position="last"
    )[["module", "prompt", "learners", "first_correct", "common_wrong"]]
    answered = answered.rename(
        columns={
            "module": t["module"],
            "prompt": t["prompt"],
            "learners": t["learners"],
            "first_correct": t["first"],
            "common_wrong": t["wrong"],
        }
    )
    unanswered = table[table["learners"] == 0][["module", "prompt"]].rename(
        columns={"module": t["module"], "prompt": t["prompt"]}
    )
    return answered, unanswered


# --- uploads -------------------------------------------------------------------------------------

_NAME_KEEPS = frozenset("-_.()")


def _safe_name(name: str) -> str:
    """A file name for an uploaded file: its own base name, letters, digits and ``-_.()`` only."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c if c.isalnum() or c in _NAME_KEEPS else "_" for c in base).lstrip(".")
    stem, dot, suffix = kept.rpartition(".")
    if not dot:
        stem, suffix = kept, ""
    return f"{(stem or 'record')[:100]}.{suffix.lower()}" if suffix else (stem or "record")[:100]


def _free_path(folder: Path, name: str, data: bytes) -> tuple[Path, bool]:
    """Where to save ``data`` as ``name``; True if that file holds exactly these bytes already."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    for n in range(2, 1002):
        if not path.exists():
            return path, False
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return path, True
        path = folder / f"{stem}-{n}{suffix}"
    raise RecordInvalid(name, "too many files of this name in the records folder")


def save_upload(folder: Path, name: str, data: bytes, course: Course, lang: str = "zh") -> str:
    """Save one uploaded file into the records folder, after the checks a report makes.

    A ``.json`` file must be a learning record of this course (checked whole, at
    most :data:`~coursekit.intake.MAX_BYTES`); a ``.zip`` file is saved as it is,
    at most :attr:`~coursekit.intake.Limits.zip_bytes`, and each record in it is
    checked when the folder is read. Returns what happened, in words.
    """
    shown = _safe_name(name)
    suffix = Path(shown).suffix
    limit = MAX_BYTES if suffix == ".json" else LIMITS.zip_bytes
    if suffix not in (".json", ".zip"):
        return msg(lang, "dashboard.refused", file=name, reason=msg(lang, "dashboard.wrong_type"))
    if len(data) > limit:
        reason = msg(lang, "dashboard.too_large", size=f"{len(data):,}", limit=f"{limit:,}")
        return msg(lang, "dashboard.refused", file=name, reason=reason)
    learner = ""
    try:
        if suffix == ".json":
            learner = parse_record(without_bom(data), name, course).learner
        path, same = _free_path(folder, shown, data)
    except RecordInvalid as exc:
        return msg(lang, "dashboard.refused", file=name, reason=exc.reason)
    if same:
        return msg(lang, "dashboard.same", file=path.name)
    write_atomic(path, data)
    if suffix == ".zip":
        return msg(lang, "dashboard.saved_zip", file=path.name)
    return msg(lang, "dashboard.saved", file=path.name, learner=learner)


class Dashboard(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Upload and refresh buttons, a status line and the report's tables for ``folder``.

    With ``store`` (an organisation's learner store, a URL), the tables are the
    cohort in that store, with its roster's names and branches, and there is
    nothing to upload: refreshing asks the database again. With ``store="hub"``
    (or the service's ``http(s)://`` address) they are what the coursekit
    service lets this kernel's hub token see: every branch for a trainer, their
    own for a branch secretary.

    Its mimebundle's ``text/html`` holds the same tables, so an executed trainer
    notebook shows them without a kernel (the trainer's copy only: the trainer
    notebook is never published).
    """

    def __init__(
        self, course: Course, folder: str | Path, lang: str = "zh", store: str | None = None
    ) -> None:
        self.course, self.folder, self.lang, self.store = course, Path(folder), lang, store
        if store is None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.upload = w.FileUpload(
            accept=".json,.zip",
            multiple=True,
            description=msg(lang, "dashboard.upload"),
            tooltip=msg(lang, "dashboard.upload_tip"),
            layout=w.Layout(width="auto"),
        )
        self.refresh_button = w.Button(description=msg(lang, "dashboard.refresh"))
        self.uploaded = w.HTML("")
        self.status = w.HTML("")
        self.tables = w.HTML("")
        self.report: Report | None = None
        super().__init__(
            [
                w.HBox([self.upload, self.refresh_button], layout=w.Layout(flex_flow="row wrap")),
                self.uploaded,
                self.status,
                self.tables,
            ]
        )
        self.refresh_button.on_click(lambda _: self.refresh())
        self.upload.observe(lambda _: self._uploaded(), names="value")
        self.upload.layout.display = "none" if store is not None else None
        self.refresh()

    def take(self, files: list[tuple[str, bytes]]) -> list[str]:
        """Save uploaded files (name, bytes) into the folder, then redraw; what happened to each."""
        said = [
            save_upload(self.folder, name, data, self.course, self.lang) for name, data in files
        ]
        self.uploaded.value = str(live.lines(said))
        self.refresh()
        return said

    def _uploaded(self) -> None:
        files = [(str(item["name"]), bytes(item["content"])) for item in self.upload.value]
        if files:
            self.upload.value = ()
            self.take(files)

    def refresh(self) -> Report:
        """Read the folder (or the store) again and redraw the tables."""
        if self.store is not None:
            cohort, self.report, status = self._from_store(self.store)
        else:
            cohort = load_cohort([self.folder], self.course)
            self.report = build_report(self.course, cohort)
            status = msg(
                self.lang,
                "dashboard.status",
                folder=str(self.folder.resolve()),
                used=self.report.learners,
                skipped=len(cohort.skipped),
            )
        self.status.value = str(live.lines([status, msg(self.lang, "dashboard.counting")]))
        tables = report_tables(self.course, self.report, self.lang)
        unanswered = tables.pop("unanswered")
        n = int((self.report.checkpoints["learners"] == 0).sum())
        sections = []
        for key, table in tables.items():
            rendered = table.to_html()
            if key == "checkpoints" and n:
                title = msg(self.lang, "dashboard.unanswered_title", count=n)
                rendered += str(shell.unanswered(title, unanswered.to_html()))
            sections.append((msg(self.lang, f"dashboard.{key}_title"), rendered))
        self.tables.value = str(
            live.dashboard_tables(
                # cell text was escaped by report_tables, once: taken as it is
                sections,
                [
                    msg(self.lang, "dashboard.skipped", file=name, reason=reason)
                    for name, reason in cohort.skipped
                ],
            )
        )
        return self.report

    def _from_store(self, target: str) -> tuple[Cohort, Report, str]:
        from coursekit.store import open_store
        from coursekit.store.hub import is_hub_target

        if is_hub_target(target):
            return self._from_service(target)
        opened = open_store(target)
        try:
            report = report_from_store(self.course, opened)
        finally:
            opened.close()
        status = msg(self.lang, "dashboard.status_store", store=opened.where, used=report.learners)
        return Cohort(), report, status

    def _from_service(self, target: str) -> tuple[Cohort, Report, str]:
        """The cohort the coursekit service lets this kernel's hub token see."""
        from coursekit.store.hub_cohort import service_cohort

        seen = service_cohort(self.course, target)
        report = report_from_counts(self.course, seen.counts, seen.where)
        if seen.branches is None:
            scope = msg(self.lang, "dashboard.scope_all")
        else:
            scope = msg(self.lang, "dashboard.scope_branches", branches=", ".join(seen.branches))
        status = msg(self.lang, "dashboard.status_service", scope=scope, used=report.learners)
        return Cohort(), report, status

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/html"] = str(live.dashboard_bundle(self.status.value, self.tables.value))
        return data


class TrainerView(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A module chosen from a list, and its trainer notes: the trainer's view, by choice.

    The notes are an output of an ``Output`` widget, so that JupyterLab opens
    the link to the module's notebook beside this one.
    """

    def __init__(self, course: Course, lang: str = "zh") -> None:
        self.course, self.lang = course, lang
        self.links = {link.module_id: link for link in module_links(course)}
        self.pick = w.Dropdown(
            options=[
                (f"{link.label} {link.title}", link.module_id) for link in self.links.values()
            ],
            description=msg(lang, "trainer.view_pick"),
            layout=w.Layout(width="100%"),
        )
        self.notes = w.Output()
        self.html = ""
        super().__init__([self.pick, self.notes])
        self.pick.observe(lambda _: self.show(), names="value")
        self.show()

    def show(self) -> None:
        link = self.links[str(self.pick.value)]
        notes = trainer_notes_html(self.course.module(link.module_id), self.lang)
        self.html = str(
            shell.trainer_view(
                notes,
                msg(self.lang, "trainer.view_none"),
                link.href,
                msg(self.lang, "trainer.view_open", label=link.label, title=link.title),
            )
        )
        self.notes.outputs = (
            {"output_type": "display_data", "data": {"text/html": self.html}, "metadata": {}},
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The notes shown now as ``text/html`` too, for an executed notebook without a kernel."""
        data: dict[str, Any] = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/html"] = self.html
        return data
