"""The pages of learners' study: a learner's record page and the trainer's cohort report.

:mod:`coursekit.records` and :mod:`coursekit.report` hand over data (a record
dict, a :class:`~coursekit.report.Report` of DataFrames); this module picks
the rows the templates show, and ``record.html.j2`` and ``report.html.j2`` do
the rest, escaping every learner string once, on the way out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coursekit.answers import Answer, shown_time
from coursekit.cells import frame_rows
from coursekit.grading import grade
from coursekit.html.env import render
from coursekit.html.site import GENERATOR_META
from coursekit.messages import msg
from coursekit.model import Course

if TYPE_CHECKING:
    from markupsafe import Markup

    from coursekit.report import Report

__all__ = ["RECORD_PAGE_MARKS", "given_answer_text", "record_page", "report_page"]

# What only a page record_page wrote holds, in any language: the generator tag, the body class.
RECORD_PAGE_MARKS = (GENERATOR_META, '<body class="ck-page ck-record">')


def given_answer_text(answer: Answer, lang: str = "zh", kind: str | None = None) -> str:
    """A learner's answer in words, as the record page and the report show it.

    A list is an order (``A → B``) unless ``kind`` says it is a multiple choice, whose
    options are joined with ``；`` (they may contain ``、`` themselves).
    """
    if isinstance(answer, bool):
        return msg(lang, "answer.true" if answer else "answer.false")
    if isinstance(answer, list):
        if not answer:
            return msg(lang, "answer.none")
        sep = "format.pair_sep" if kind == "multiple" else "answer.order_sep"
        return msg(lang, sep).join(answer)
    if isinstance(answer, dict):
        return msg(lang, "format.pair_sep").join(
            msg(lang, "answer.pair", key=k, value=v or msg(lang, "format.none"))
            for k, v in answer.items()
        )
    return answer or msg(lang, "answer.none")


def _when(stamp: str | None, course: Course) -> dict[str, str] | None:
    """A stored time for a page: the machine's ISO time, and ``2月5日 14:37`` in the course's
    time zone (a record page is kept, so it always names the day)."""
    if not stamp:
        return None
    shown = shown_time(stamp, course.meta.timezone, course.meta.lang, dated=True)
    return {"iso": stamp, "shown": shown}


def record_page(course: Course, record: dict[str, Any]) -> str:
    """A self-contained page of ``record`` for the learner, in the course's language.

    Times are shown in the course's time zone; on a phone each answer is a card of
    labelled lines (the stylesheet's ``ck-stack``), not a table squeezed to four columns.
    """
    lang = course.meta.lang
    questions = {q.id: q for _, q in course.all_checkpoints()}
    prompts = {r.id: r.prompt for m in course.modules for r in m.reflections}
    labels = {
        m.id: msg(lang, "record.module", label=m.label, title=m.title) for m in course.modules
    }
    modules = []
    for module in record["modules"]:
        attempts = []
        for a in module["attempts"]:
            # Graded again from the course's key: the record's own flag is not evidence.
            q = questions.get(a["checkpoint"])
            verdict = "gone" if q is None else "ok" if grade(q, a["answer"]) else "no"
            attempts.append(
                {
                    "prompt": q.prompt if q else a["checkpoint"],
                    "answer": given_answer_text(a["answer"], lang, q.type if q else None),
                    "verdict": verdict,
                    "at": _when(a["at"], course),
                }
            )
        modules.append(
            {
                "label": labels.get(module["module"], module["module"]),
                "read_at": _when(module["read_at"], course),
                "attempts": attempts,
                "reflections": [
                    {"prompt": prompts.get(r["reflection"], r["reflection"]), "text": r["text"]}
                    for r in module["reflections"]
                ],
            }
        )
    last = _when(record["last_activity"], course)
    return str(
        render("record.html.j2", lang=lang, record=record, modules=modules, last_activity=last)
    )


def _bar(share: float, lang: str) -> Markup:
    return render("bar.html.j2", lang=lang, share=share)


def _learner_cells(lang: str, learner: str, name: Any, branch: str | None) -> list[str]:
    """How the report names a learner: the display name, with the id when it differs (two
    members called 王伟 are told apart), and the branch when the cohort has branches."""
    shown = str(name) if isinstance(name, str) and name else learner
    cell = shown if shown == learner else msg(lang, "report.name_and_id", name=shown, id=learner)
    return [cell] if branch is None else [cell, branch]


def report_page(course: Course, report: Report) -> str:
    """The report's ``index.html``: tables and CSS bars, nothing fetched from elsewhere."""
    lang = course.meta.lang
    labels = {m.id: m.label for m in course.modules}
    reading = [
        [r["label"], r["title"], r["read"], _bar(r["share"], lang)]
        for r in frame_rows(report.reading)
    ]
    completion: list[list[Any]] = []
    modules = [m.id for m in course.modules]
    with_branch = bool(len(report.branches))
    branches_of = (
        report.completion.drop_duplicates("learner").set_index("learner")["branch"]
        if with_branch
        else None
    )

    def branch_of(learner: Any) -> str | None:
        if branches_of is None:
            return None
        value = branches_of.get(learner)
        return msg(lang, "report.no_branch") if value is None or value != value else str(value)

    if report.learners:
        frame = report.completion
        correct = frame.pivot(index="learner", columns="module", values="correct")[modules]
        read = frame.pivot(index="learner", columns="module", values="read")[modules]
        done, undone = msg(lang, "report.cell_read"), msg(lang, "report.cell_unread")
        who = frame.drop_duplicates("learner").set_index("learner")
        completion = [
            [
                *_learner_cells(lang, str(learner), who.at[learner, "name"], branch_of(learner)),
                *(
                    msg(lang, "report.cell", read=done if r else undone, correct=c)
                    for r, c in zip(reads, rights, strict=True)
                ),
            ]
            for learner, reads, rights in zip(
                correct.index, read.to_numpy().tolist(), correct.to_numpy().tolist(), strict=True
            )
        ]
    checkpoints = [
        [
            labels[r["module"]],
            r["prompt"],
            r["learners"],
            _bar(r["first_correct"], lang),
            r["common_wrong"],
        ]
        for r in frame_rows(report.checkpoints)
    ]
    reflections = [{**r, "label": labels[r["module"]]} for r in frame_rows(report.reflections)]
    older = report.records[~report.records["current_version"]]
    branches = [
        [
            r["rank"],
            r["branch"],
            r["members"],
            r["participants"],
            _bar(r["participation"], lang),
            _bar(r["completion"], lang),
            _bar(r["first_correct"], lang),
            r["reflections"],
        ]
        for r in frame_rows(report.branches)
    ]
    return str(
        render(
            "report.html.j2",
            lang=lang,
            course=course,
            report=report,
            module_labels=[labels[m] for m in modules],
            reading=reading,
            completion=completion,
            checkpoints=checkpoints,
            reflections=reflections,
            branches=branches,
            with_branch=with_branch,
            older=[[r["learner"], r["file"], r["version"]] for r in frame_rows(older)],
            retired=[
                [r["learner"], r["module"], msg(lang, f"report.kind.{r['kind']}"), r["item"]]
                for r in frame_rows(report.retired)
            ],
            skipped=[[r["file"], r["reason"]] for r in frame_rows(report.skipped)],
        )
    )
