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
passed through :func:`coursekit.cells.xml_text`, so a member called
``=HYPERLINK(…)`` stays a name, never a formula.

Lengths (字数) count a reflection's characters without its white space, as a
secretary counting a handwritten text would.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from typing import TYPE_CHECKING, Any

from coursekit.cells import xml_text
from coursekit.ledger.data import Branch, Ledger, Member

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["NO_BRANCH", "chars", "register_xlsx"]

#: How a ledger names the members no roster or record places in a branch.
NO_BRANCH = "未分支部"
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


def _text(value: str) -> str:
    return xml_text(value)


def register_xlsx(ledger: Ledger, branch: Branch, generated: dt.date | None = None) -> bytes:
    """The branch's register as the bytes of an ``.xlsx`` file (see the module docstring)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "学习登记表"
    _register_sheet(sheet, ledger, branch, generated or dt.date.today())
    _reflection_sheet(book.create_sheet("心得明细"), ledger, branch)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _register_sheet(sheet: Worksheet, ledger: Ledger, branch: Branch, generated: dt.date) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    course = ledger.course
    modules = list(course.modules)
    header = [
        "序号",
        "姓名",
        "编号",
        "党支部",
        "职务",
        *(f"{m.label}\n阅读日期" for m in modules),
        "已读模块",
        "已答检查题",
        "首答正确",
        "首答正确率",
        "心得篇数",
        "心得字数",
        "备注",
    ]
    rows = [_member_row(n, ledger, branch, m) for n, m in enumerate(branch.members, 1)]
    theme = course.meta.activity.theme if course.meta.activity else course.title
    members = branch.roster_members
    took_part = sum(1 for m in members if m.took_part)
    rate = f"{took_part / len(members):.1%}" if members else "—"
    secretaries = "、".join(m.name for m in branch.secretaries) or "（名册未注明）"
    _merged(sheet, 1, len(header), f"{theme} 学习登记表", Font(name=HEAD_FONT, size=16))
    info = (
        f"党支部：{branch.name or NO_BRANCH}　　支部书记：{secretaries}　　"
        f"应参学 {len(members)} 人，实参学 {took_part} 人，参学率 {rate}　　"
        f"制表日期：{generated.isoformat()}"
    )
    _merged(sheet, 2, len(header), info, Font(name=BODY_FONT, size=11))
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_font = Font(name=HEAD_FONT, bold=True, size=10)
    body_font = Font(name=BODY_FONT, size=10)
    top = 3
    for column, title in enumerate(header, 1):
        cell = sheet.cell(row=top, column=column)
        _set(cell, title)
        cell.font = head_font
        cell.border = box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    percent = header.index("首答正确率") + 1
    for offset, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(row=top + offset, column=column)
            _set(cell, value)
            cell.font = body_font
            cell.border = box
            cell.alignment = Alignment(vertical="center", wrap_text=column in (2, 4, len(row)))
            if isinstance(value, dt.date):
                cell.number_format = _DATE
                cell.alignment = Alignment(horizontal="center", vertical="center")
            elif column == percent and value is not None:
                cell.number_format = "0.0%"
    last = top + len(rows)
    notes = (
        f"说明：阅读日期为读完该模块的日期（{course.meta.timezone}）；"
        "首答正确率＝首次作答即正确的检查题数÷已作答的检查题数，按课程答案重新评分；"
        f"心得字数不计空白字符。数据来源：{ledger.source}。"
    )
    _merged(sheet, last + 2, len(header), notes, Font(name=BODY_FONT, size=9))
    sheet.row_dimensions[last + 2].height = 30
    # Widths: what the column holds, the header's longest line and the body's widest cell.
    for column in range(1, len(header) + 1):
        values: list[Any] = [*str(header[column - 1]).split("\n")]
        values += [row[column - 1] for row in rows if row[column - 1] is not None]
        width = max((_width(v) for v in values), default=_NARROWEST) + 2
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(width, _NARROWEST), _WIDEST
        )
    sheet.row_dimensions[top].height = 32
    sheet.freeze_panes = sheet.cell(row=top + 1, column=3)
    sheet.print_title_rows = f"{top}:{top}"
    _printable(sheet, landscape=True)
    sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(header))}{max(last, top)}"


def _member_row(n: int, ledger: Ledger, branch: Branch, member: Member) -> list[Any]:
    modules = list(ledger.course.modules)
    read_days = [
        ledger.local_date(member.reads[m.id]) if m.id in member.reads else None for m in modules
    ]
    remarks = []
    if member.on_roster is False:
        remarks.append("不在名册")
    if branch.roster_known and member.on_roster and not member.took_part:
        remarks.append("未参学")
    return [
        n,
        member.name,
        member.learner,
        branch.name or NO_BRANCH,
        member.role,
        *read_days,
        f"{len(member.reads)}/{len(modules)}",
        member.answered,
        member.first_correct,
        member.accuracy,
        len(member.reflections),
        sum(chars(w.text) for w in member.reflections),
        "；".join(remarks) or None,
    ]


def _reflection_sheet(sheet: Worksheet, ledger: Ledger, branch: Branch) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    course = ledger.course
    prompts = {r.id: (m, r) for m in course.modules for r in m.reflections}
    header = ["序号", "姓名", "编号", "模块", "心得题目", "提交日期", "字数"]
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
    for column, title in enumerate(header, 1):
        cell = sheet.cell(row=1, column=column)
        _set(cell, title)
        cell.font = Font(name=HEAD_FONT, bold=True, size=10)
    for r, row in enumerate(rows, 2):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(row=r, column=column)
            _set(cell, value)
            cell.font = Font(name=BODY_FONT, size=10)
            if isinstance(value, dt.date):
                cell.number_format = _DATE
            if column == 5:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column in range(1, len(header) + 1):
        values = [header[column - 1], *(row[column - 1] for row in rows)]
        width = max(_width(v) for v in values if v is not None) + 2
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(width, _NARROWEST), 60 if column == 5 else _WIDEST
        )
    sheet.freeze_panes = "C2"
    sheet.print_title_rows = "1:1"
    _printable(sheet, landscape=True)


def _set(cell: Any, value: Any) -> None:
    """Put ``value`` in ``cell``; a text is always a string, never a formula."""
    if isinstance(value, str):
        cell.value = _text(value)
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
    else:
        cell.value = value


def _merged(sheet: Worksheet, row: int, width: int, text: str, font: Any) -> None:
    from openpyxl.styles import Alignment

    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = sheet.cell(row=row, column=1)
    _set(cell, text)
    cell.font = font
    cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _printable(sheet: Worksheet, *, landscape: bool) -> None:
    """A4, one page wide (as long as it needs), centred, numbered pages."""
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "landscape" if landscape else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
