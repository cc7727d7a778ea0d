"""Learner strings made safe for where they land: HTML tables, spreadsheet cells, the terminal.

Everything a learner typed (a name, an answer, a reflection, a file name) is
hostile until escaped for its destination. The report and the dashboard pass
every table through here, once, instead of trusting each formatter call to
remember its escape flag.

Spreadsheets
    A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return is read as a formula by Excel, LibreOffice and WPS when a CSV file is
    opened. Following OWASP's CSV-injection guidance such cells get a leading
    ``'``. XLSX text cells are written with an explicit string type, so a text
    is never stored as a formula, and the control characters XML cannot hold
    are replaced by U+FFFD instead of failing the whole workbook.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMULA_STARTS",
    "frame_rows",
    "html_cells",
    "spreadsheet_cells",
    "spreadsheet_text",
    "terminal_text",
    "write_xlsx",
    "xml_text",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The characters XML 1.0 cannot hold (openpyxl refuses them with IllegalCharacterError,
# lxml under python-docx with ValueError), and lone surrogates, which no UTF-8 file holds:
# JSON's "\\ud800" escape gives one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# C0 and C1 controls: an escape sequence in a file name could rewrite the trainer's terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def terminal_text(value: str) -> str:
    """``value`` with control characters shown as ``\\x1b``, for a line printed to a terminal."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], value)


def xml_text(value: str) -> str:
    """``value`` with what XML 1.0 cannot hold replaced by U+FFFD, for XLSX and DOCX files."""
    return _NOT_XML.sub("\ufffd", value)


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet shows it as text, never as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _texty(dtype: Any) -> bool:
    # pandas 3 gives text its own "str" dtype; older pandas keeps it as object.
    return str(dtype) in {"object", "str", "string"}


def _map_strings(frame: pd.DataFrame, convert: Callable[[str], str]) -> pd.DataFrame:
    """A copy of ``frame`` with ``convert`` applied to every string cell, label and index value."""

    def one(value: Any) -> Any:
        return convert(value) if isinstance(value, str) else value

    out: pd.DataFrame = frame.copy()
    for column in out.columns:
        if _texty(out[column].dtype):
            out[column] = out[column].map(one)
    out.columns = [one(c) for c in out.columns]
    if _texty(out.index.dtype):
        out.index = out.index.map(one)
    out.index.name = one(out.index.name)
    return out


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts keyed by column name, for templates and summaries."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def html_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose strings are HTML-escaped: safe to render with ``escape=None``."""
    return _map_strings(frame, html.escape)


def spreadsheet_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose strings cannot be read as formulas (for CSV files)."""
    return _map_strings(frame, spreadsheet_text)


def _xlsx_value(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return xml_text(value)
    return value


def write_xlsx(frames: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Write one sheet per frame; every text cell is stored as a string, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, frame in frames.items():
        sheet = book.create_sheet(name)
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            cells = []
            for raw in row:
                value = _xlsx_value(raw)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl would store "=…" as a formula
                cells.append(cell)
            sheet.append(cells)
    book.save(path)
