"""The register (学习登记表): one XLSX workbook per branch, set up to be printed and filed.

Sheet 学习登记表 has one row per member: who they are, the day they read each
module, the checkpoints they answered and how many were right at the first
try, and the reflections they wrote with their length. Sheet 心得明细 lists
each reflection (module, prompt, day, length), so a count in the register can
be checked line by line.

Printing: A4 landscape, one page wide, the header row repeated on every page,
page numbers in the footer; panes frozen below the header and right of the
name. Column widths are measured in the characters they hold, a Chinese
character counting two. Every text cell is written with the string type and
passed through :func:`coursekit.ledger.wordfile.run_text` (what XML cannot
hold, and the direction overrides that would reorder a printed line, become
U+FFFD), so a member called ``=HYPERLINK(…)`` stays a name, never a formula.

Lengths (字数) count a reflection's characters without its white space, as a
secretary counting a handwritten text would.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from typing import TYPE_CHECKING, Any

from coursekit.ledger.data import Branch, Ledger, Member
from coursekit.ledger.wordfile import run_text
from coursekit.messages import msg

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["BODY_FONT", "HEAD_FONT", "branch_name", "chars", "register_xlsx"]

# The fonts of official documents, as the Word template's styles (make_template.py) name them.
BODY_FONT = "宋体"
HEAD_FONT = "黑体"
# Widths (in characters of the default font) a column is kept within.
_NARROWEST, _WIDEST = 6, 40
_DATE = "yyyy-mm-dd"


def chars(text: str) -> int:
    """A reflection's length as the ledger gives it (字数): its characters, white space left out."""
    return sum(1 for c in text if not c.isspace())


def _width(value: object) -> int:
    """The columns ``value`` takes: a Chinese (wide) character takes two."""
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    if isinstance(value, float):
        return 6
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def branch_name(branch: Branch, lang: str) -> str:
    """The branch as a ledger names it; members no roster or record places: 未填支部."""
    return branch.name if branch.name is not None else msg(lang, "report.no_branch")


def _add_styles(book: Any) -> None:
    """The register's cell styles, as named styles: a cell takes one by name, which is cheap
    (setting a font on each of thousands of cells is what made a register slow), and a
    secretary finds them by name in Excel's or WPS's style list."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name=BODY_FONT, size=10)
    middle = Alignment(vertical="center")
    styles = [
        NamedStyle(
            "ledger-title",
            font=Font(name=HEAD_FONT, size=16),
            alignment=Alignment(vertical="center"),
        ),
        NamedStyle(
            "ledger-note",
            font=Font(name=BODY_FONT, size=10),
            alignment=Alignment(vertical="center", wrap_text=True),
        ),
        NamedStyle(
            "ledger-head",
            font=Font(name=HEAD_FONT, bold=True, size=10),
            border=box,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle("ledger-cell", font=body, border=box, alignment=middle),
        NamedStyle(
            "ledger-text",
            font=body,
            border=box,
            alignment=Alignment(vertical="center", wrap_text=True),
        ),
        NamedStyle(
            "ledger-date",
            font=body,
            border=box,
            alignment=Alignment(horizontal="center", vertical="center"),
            number_format=_DATE,
        ),
        NamedStyle("ledger-percent", font=body, border=box, alignment=middle, number_format="0.0%"),
    ]
    for style in styles:
        book.add_named_style(style)


def register_xlsx(ledger: Ledger, branch: Branch, generated: dt.date | None = None) -> bytes:
    """The branch's register as the bytes of an ``.xlsx`` file (see the module docstring)."""
    from openpyxl import Workbook

    lang = ledger.course.meta.lang
    book = Workbook()
    _add_styles(book)
    sheet = book.active
    sheet.title = msg(lang, "ledger.xlsx.sheet")
    _register_sheet(sheet, ledger, branch, generated or dt.date.today())
    _reflection_sheet(book.create_sheet(msg(lang, "ledger.xlsx.details")), ledger, branch)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _register_sheet(sheet: Worksheet, ledger: Ledger, branch: Branch, generated: dt.date) -> None:
    from openpyxl.utils import get_column_letter

    course = ledger.course
    lang = course.meta.lang
    modules = list(course.modules)
    header = [
        *(msg(lang, f"ledger.xlsx.{k}") for k in ("number", "name", "learner", "branch", "role")),
        *(msg(lang, "ledger.xlsx.read_on", label=m.label) for m in modules),
        *(
            msg(lang, f"ledger.xlsx.{k}")
            for k in (
                "read",
                "answered",
                "first_correct",
                "accuracy",
                "reflections",
                "chars",
                "remarks",
            )
        ),
    ]
    rows = [_member_row(n, ledger, branch, m) for n, m in enumerate(branch.members, 1)]
    theme = course.meta.activity.theme if course.meta.activity else course.title
    members = branch.roster_members
    took_part = sum(1 for m in members if m.took_part)
    secretaries = msg(lang, "format.sep").join(m.name for m in branch.secretaries)
    title = msg(lang, "ledger.xlsx.title", theme=theme)
    _merged(sheet, 1, len(header), title, "ledger-title")
    info = msg(
        lang,
        "ledger.xlsx.info",
        branch=branch_name(branch, lang),
        secretaries=secretaries or msg(lang, "ledger.xlsx.no_secretary"),
        members=len(members),
        took_part=took_part,
        rate=f"{took_part / len(members):.1%}" if members else "—",
        date=generated.isoformat(),
    )
    _merged(sheet, 2, len(header), info, "ledger-note")
    top = 3
    # wrapped: name, branch, remarks; the percentage: first-try accuracy
    _table(sheet, top, header, rows, wrapped={2, 4, len(header)}, percent=5 + len(modules) + 4)
    last = top + len(rows)
    notes = msg(lang, "ledger.xlsx.notes", zone=course.meta.timezone, source=ledger.source)
    _merged(sheet, last + 2, len(header), notes, "ledger-note")
    sheet.row_dimensions[last + 2].height = 30
    sheet.row_dimensions[top].height = 32
    sheet.freeze_panes = sheet.cell(row=top + 1, column=3)
    sheet.print_title_rows = f"{top}:{top}"
    _printable(sheet, msg(lang, "ledger.xlsx.footer"))
    sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(header))}{max(last, top)}"


def _member_row(n: int, ledger: Ledger, branch: Branch, member: Member) -> list[Any]:
    modules = list(ledger.course.modules)
    read_days = [
        ledger.local_date(member.reads[m.id]) if m.id in member.reads else None for m in modules
    ]
    lang = ledger.course.meta.lang
    remarks = []
    if member.on_roster is False:
        remarks.append(msg(lang, "ledger.xlsx.off_roster"))
    if branch.roster_known and member.on_roster and not member.took_part:
        remarks.append(msg(lang, "ledger.xlsx.absent"))
    return [
        n,
        member.name,
        member.learner,
        branch_name(branch, lang),
        member.role,
        *read_days,
        f"{len(member.reads)}/{len(modules)}",
        member.answered,
        member.first_correct,
        member.accuracy,
        len(member.reflections),
        sum(chars(w.text) for w in member.reflections),
        msg(lang, "ledger.xlsx.remark_sep").join(remarks) or None,
    ]


def _reflection_sheet(sheet: Worksheet, ledger: Ledger, branch: Branch) -> None:

    course = ledger.course
    lang = course.meta.lang
    prompts = {r.id: (m, r) for m in course.modules for r in m.reflections}
    header = [
        msg(lang, f"ledger.xlsx.{k}")
        for k in ("number", "name", "learner", "module", "prompt", "saved", "length")
    ]
    rows: list[list[Any]] = []
    for member in branch.members:
        for w in member.reflections:
            module, reflection = prompts[w.reflection]
            rows.append(
                [
                    len(rows) + 1,
                    member.name,
                    member.learner,
                    module.label,
                    reflection.prompt,
                    ledger.local_date(w.at),
                    chars(w.text),
                ]
            )
    _table(sheet, 1, header, rows, wrapped={2, 5}, widest={5: 60})  # name, prompt
    sheet.freeze_panes = "C2"
    sheet.print_title_rows = "1:1"
    _printable(sheet, msg(lang, "ledger.xlsx.footer"))


def _table(
    sheet: Worksheet,
    top: int,
    header: list[str],
    rows: list[list[Any]],
    *,
    wrapped: set[int],
    percent: int | None = None,
    widest: dict[int, int] | None = None,
) -> None:
    """The header at row ``top`` and the rows below it, styled; columns as wide as their text.

    ``wrapped`` columns (1-based) wrap their text; ``percent`` shows a share as a
    percentage; a column is as wide as its widest cell or header line, a Chinese
    character counting two, within ``_NARROWEST`` and ``_WIDEST`` (or ``widest[column]``).
    """
    from openpyxl.utils import get_column_letter

    for column, title in enumerate(header, 1):
        _set(sheet.cell(row=top, column=column), title, "ledger-head")
    for offset, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            if isinstance(value, dt.date):
                style = "ledger-date"
            elif column == percent:
                style = "ledger-percent"
            else:
                style = "ledger-text" if column in wrapped else "ledger-cell"
            _set(sheet.cell(row=top + offset, column=column), value, style)
    for column in range(1, len(header) + 1):
        values: list[Any] = header[column - 1].split("\n")
        values += [row[column - 1] for row in rows if row[column - 1] is not None]
        width = max(_width(v) for v in values) + 2
        most = (widest or {}).get(column, _WIDEST)
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width, _NARROWEST), most)


def _set(cell: Any, value: Any, style: str) -> None:
    """Put ``value`` in ``cell`` in the named ``style``; a text is a string, never a formula."""
    if isinstance(value, str):
        cell.value = run_text(value)  # what XML cannot hold, and direction overrides: U+FFFD
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
    else:
        cell.value = value
    cell.style = style


def _merged(sheet: Worksheet, row: int, width: int, text: str, style: str) -> None:
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    _set(sheet.cell(row=row, column=1), text, style)


def _printable(sheet: Worksheet, footer: str) -> None:
    """A4 landscape, one page wide (as long as it needs), centred, numbered pages."""
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "landscape"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = footer
