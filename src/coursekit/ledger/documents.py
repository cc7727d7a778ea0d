"""The ledger's two Word documents, per branch: the activity record and the compilation.

* 主题党日活动记录 (:func:`activity_record`): a form of label and value rows,
  the theme, dates, basis, format and content from the course, participation
  from the members' work, and blank rows to fill in and sign by hand;
* 心得体会汇编 (:func:`reflections_compilation`): a contents list (a Word TOC
  field whose entries are already filled in, so that it shows before Word or
  WPS refresh it), then every reflection under its module and prompt.

Both are written into a template (:data:`TEMPLATE`, or an organisation's
house template, as pandoc's ``--reference-doc``; :mod:`coursekit.ledger.wordfile`
reads and checks it): its styles, page setup, headers and footers are kept and
its body is replaced. The text takes its fonts from the styles (Normal, Title,
Heading 1, Heading 2, Table Grid); runs carry only bold and the footnote's
size, so a house template's fonts win.

Learners' names and reflections are hostile. Each lands as the text of a run,
through :func:`~coursekit.ledger.wordfile.run_text`, never as markup or a field.

python-docx is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from coursekit.ledger.wordfile import (
    PARAGRAPH_STYLES,
    TABLE_STYLE,
    TEMPLATE,
    blank_document,
    check_template,
    contents_field,
    heading,
    indent_first_line,
    run_text,
    saved,
    update_fields_on_open,
)
from coursekit.messages import msg

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import _Cell

    from coursekit.ledger.data import Branch, Ledger, Member, Written

__all__ = [
    "PARAGRAPH_STYLES",
    "TABLE_STYLE",
    "TEMPLATE",
    "activity_record",
    "check_template",
    "reflections_compilation",
]

_LINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_DIGITS = "零一二三四五六七八九"


# --- words -----------------------------------------------------------------------------------


class _Words:
    """The catalogue's words and the course's dates, in the course's language."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.lang = ledger.course.meta.lang

    def __call__(self, key: str, /, **fields: object) -> str:
        return msg(self.lang, key, **fields)

    def day(self, day: dt.date) -> str:
        return self("format.date", year=day.year, month=day.month, day=day.day, iso=day.isoformat())

    def days(self, first: dt.date, last: dt.date, *, months: bool = True) -> str:
        """``2020年2月``, a whole month (unless not ``months``); ``2020年2月3日``, one day;
        else from one day to the other."""
        whole_month = (
            months
            and first.day == 1
            and (first.year, first.month) == (last.year, last.month)
            and last.day == calendar.monthrange(last.year, last.month)[1]
        )
        if whole_month:
            return self(
                "ledger.docx.month", year=first.year, month=first.month, iso=f"{first:%Y-%m}"
            )
        if first == last:
            return self.day(first)
        return self("ledger.docx.range", start=self.day(first), end=self.day(last))

    def joined(self, items: Sequence[str]) -> str:
        return self("format.sep").join(items)

    def count(self, number: int) -> str:
        return self("ledger.docx.people", count=number)

    def ordinal(self, number: int) -> str:
        """一, 二, … 九十九 in Chinese; the digits otherwise."""
        if self.lang != "zh" or not 0 < number < 100:
            return str(number)
        tens, ones = divmod(number, 10)
        head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
        return head + (_DIGITS[ones] if ones else "")

    def branch(self, branch: Branch) -> str:
        return self("report.no_branch") if branch.name is None else run_text(branch.name)

    def theme(self) -> str:
        course = self.ledger.course
        activity = course.meta.activity
        return run_text(activity.theme if activity is not None else course.title)

    def today(self) -> dt.date:
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(self.ledger.course.meta.timezone)).date()


def _titled(title: str) -> str:
    """A title to stand inside 《》: its own 《》 become 〈〉, as nested titles are marked."""
    return run_text(title).replace("《", "〈").replace("》", "〉")


def _name(member: Member) -> str:
    return run_text(member.name.strip() or member.learner)


# --- 主题党日活动记录 ------------------------------------------------------------------------

# A row of the form: its label, and the lines of its value as (text, bold).
_Row = tuple[str, list[tuple[str, bool]]]


def activity_record(ledger: Ledger, branch: Branch, template: Path | None = None) -> bytes:
    """The branch's activity record (主题党日活动记录), the bytes of a .docx file.

    A form of label and value rows: the branch, the theme, the period (and
    the days of the members' work), the notice it follows, how and what was
    studied, the secretary, the counts of members and of work, the members
    who took no part, and blank rows for the host, the recorder, the
    secretary's signature and the date.
    """
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
    from docx.shared import Cm, Pt

    words = _Words(ledger)
    document = blank_document(template)
    document.core_properties.title = words("ledger.docx.record_title")
    document.add_paragraph(words("ledger.docx.record_title"), style="Title")

    rows = _record_rows(words, branch)
    signing = [
        words("ledger.docx.host"),
        words("ledger.docx.recorder"),
        words("ledger.docx.signature"),
        words("ledger.docx.date"),
    ]
    table = document.add_table(rows=len(rows) + len(signing), cols=2)
    table.style = document.styles[TABLE_STYLE]
    table.autofit = False
    section = document.sections[-1]
    width = int(section.page_width or Cm(21)) - int(section.left_margin or 0)
    width -= int(section.right_margin or 0)
    label_width = min(Cm(3.6), width // 4)
    # LibreOffice lays a table out by its grid, Word by its cells: both are set.
    table.columns[0].width = label_width
    table.columns[1].width = width - label_width
    for row in table.rows:
        row.cells[0].width = label_width
        row.cells[1].width = width - label_width
    for index, (label, lines) in enumerate(rows):
        cells = table.rows[index].cells
        _label(cells[0], label)
        cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _lines(cells[1], lines)
    for offset, label in enumerate(signing):
        row = table.rows[len(rows) + offset]
        _label(row.cells[0], label)
        row.cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        row.height = Cm(1.6)  # room to write and to sign by hand
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST

    note = document.add_paragraph()
    note.paragraph_format.space_before = Pt(6)
    run = note.add_run(
        words(
            "ledger.docx.footnote",
            source=run_text(ledger.source),
            date=words.day(words.today()),
        )
    )
    run.font.size = Pt(9)
    return saved(document)


def _record_rows(words: _Words, branch: Branch) -> list[_Row]:
    ledger = words.ledger
    course = ledger.course
    meta = course.meta
    modules = [m.id for m in course.modules]
    expected = branch.roster_members
    present = [m for m in expected if m.took_part]
    off_roster = [m for m in branch.participants if branch.roster_known and not m.on_roster]
    writers = [m for m in branch.members if m.reflections]
    all_read = [m for m in expected if all(module in m.reads for module in modules)]

    span = branch.span()
    worked = None
    if span is not None:
        first, last = (ledger.local_date(stamp) for stamp in span)
        if first is not None and last is not None:
            worked = words.days(first, last, months=False)  # the days the work was done
    if meta.activity is not None:
        when = [
            (words.days(meta.activity.start, meta.activity.end), False),
            (words("ledger.docx.work_dates", dates=worked or words("ledger.docx.none")), False),
        ]
    else:
        when = [(worked or words("ledger.docx.none"), False)]

    study = meta.study_format
    how = [run_text(study.mode)]
    if study.online:
        how.append(
            words("ledger.docx.online", channels=words.joined([run_text(c) for c in study.online]))
        )
    how.append(run_text(study.schedule))

    content: list[tuple[str, bool]] = []
    for number, category in enumerate(meta.categories, 1):
        content.append(
            (
                words(
                    "ledger.docx.category",
                    number=words.ordinal(number),
                    name=run_text(category.name),
                ),
                True,
            )
        )
        content += [
            (words("ledger.docx.module", label=run_text(m.label), title=_titled(m.title)), False)
            for m in course.modules
            if m.meta.category == category.id
        ]

    rate = words("format.none")
    if expected:
        share = f"{100 * len(present) / len(expected):.1f}".removesuffix(".0")
        rate = words("ledger.docx.percent", share=share)
    participants = [(words.count(len(present)), False)]
    if off_roster:
        participants.append(
            (
                words(
                    "ledger.docx.off_roster",
                    count=len(off_roster),
                    names=words.joined([_name(m) for m in off_roster]),
                ),
                False,
            )
        )
    if not branch.roster_known:
        absent = words("ledger.docx.no_roster")
    elif branch.absent:
        absent = words.joined([_name(m) for m in branch.absent])
    else:
        absent = words("ledger.docx.none")
    written = sum(len(m.reflections) for m in branch.members)

    def one(text: str) -> list[tuple[str, bool]]:
        return [(text, False)]

    return [
        (words("ledger.docx.branch"), one(words.branch(branch))),
        (words("ledger.docx.theme"), one(words.theme())),
        (words("ledger.docx.time"), when),
        (
            words("ledger.docx.basis"),
            one(
                words(
                    "ledger.docx.basis_value",
                    issuer=run_text(meta.issuer),
                    title=_titled(meta.title),
                    date=words.day(meta.date),
                )
            ),
        ),
        (words("ledger.docx.format"), one(words("format.pair_sep").join(how))),
        (words("ledger.docx.content"), content),
        (
            words("ledger.docx.secretary"),
            one(words.joined([_name(m) for m in branch.secretaries])),
        ),
        (words("ledger.docx.expected"), one(words.count(len(expected)))),
        (words("ledger.docx.present"), participants),
        (words("ledger.docx.rate"), one(rate)),
        (words("ledger.docx.all_read"), one(words.count(len(all_read)))),
        (
            words("ledger.docx.wrote"),
            one(words("ledger.docx.written", count=written, writers=len(writers))),
        ),
        (words("ledger.docx.absent"), one(absent)),
    ]


def _label(cell: _Cell, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(text).bold = True


def _lines(cell: _Cell, lines: Sequence[tuple[str, bool]]) -> None:
    """One paragraph per line in ``cell`` (which holds one empty paragraph already)."""
    for index, (text, bold) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        run = paragraph.add_run(text)
        if bold:
            run.bold = True


# --- 心得体会汇编 ------------------------------------------------------------------------------


def reflections_compilation(ledger: Ledger, branch: Branch, template: Path | None = None) -> bytes:
    """The branch's compilation of reflections (心得体会汇编), the bytes of a .docx file.

    After the title and a contents list, each module with prompts is a
    Heading 1 (its label and title) and each of its prompts a Heading 2; under
    a prompt, every member's reflection on it, in the branch's order: the
    name in bold and the day it was saved, then the text, a paragraph per
    line. A prompt nobody answered says so.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    words = _Words(ledger)
    course = ledger.course
    document = blank_document(template)
    document.core_properties.title = words("ledger.docx.compilation_title")
    document.add_paragraph(words("ledger.docx.compilation_title"), style="Title")
    for line in (
        words("ledger.docx.subtitle_branch", branch=words.branch(branch)),
        words("ledger.docx.subtitle_theme", theme=words.theme()),
    ):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER

    headings: list[tuple[int, str]] = []
    for module in course.modules:
        if module.reflections:
            headings.append((1, _module_heading(words, module.label, module.title)))
            headings += [(2, run_text(r.prompt)) for r in module.reflections]
    contents = document.add_paragraph()
    contents.alignment = WD_ALIGN_PARAGRAPH.CENTER
    contents.paragraph_format.space_before = contents.paragraph_format.space_after = None
    contents.add_run(words("ledger.docx.contents")).bold = True
    anchors = contents_field(document, headings)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    order = iter(anchors)
    for module in course.modules:
        if not module.reflections:
            continue
        heading(document, _module_heading(words, module.label, module.title), 1, next(order))
        for prompt in module.reflections:
            heading(document, run_text(prompt.prompt), 2, next(order))
            answers = [
                (member, written)
                for member in branch.members
                for written in member.reflections
                if written.module == module.id and written.reflection == prompt.id
            ]
            if not answers:
                document.add_paragraph(words("ledger.docx.nobody"))
            for member, written in answers:
                _reflection(document, words, member, written)
    update_fields_on_open(document)
    return saved(document)


def _module_heading(words: _Words, label: str, title: str) -> str:
    return words("ledger.docx.module_heading", label=run_text(label), title=run_text(title))


def _reflection(document: Document, words: _Words, member: Member, written: Written) -> None:
    from docx.shared import Pt

    head = document.add_paragraph()
    head.paragraph_format.space_before = Pt(6)
    head.paragraph_format.keep_with_next = True
    head.add_run(_name(member)).bold = True
    day = words.ledger.local_date(written.at)
    if day is not None:
        head.add_run(words("ledger.docx.saved_on", date=words.day(day)))
    for line in _LINES.split(written.text):
        if line.strip():
            indent_first_line(document.add_paragraph(run_text(line.strip())))
