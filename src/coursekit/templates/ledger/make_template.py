"""Make ``ledger.docx``, the Word template of the branch ledger's two documents.

Run it from anywhere to rewrite the template beside it::

    python src/coursekit/templates/ledger/make_template.py

It starts from python-docx's own default document and sets what the
activity record and the compilation of reflections use: the styles Normal
(宋体), Title, Heading 1 and Heading 2 (黑体), TOC 1 and TOC 2, the table style
Table Grid, an A4 portrait page with the margins of official documents
(GB/T 9704: top 3.7 cm, bottom 3.5, left 2.8, right 2.6) and a page number
in the footer. Fonts are set on the styles, with the East Asian attribute
beside ascii/hAnsi, and without theme fonts, which would win over both in
Word and WPS. The output is the same bytes on every run: the zip's times and
the document's properties are fixed.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "ledger.docx"

LATIN = "Times New Roman"
BODY = "宋体"
HEADING = "黑体"
# Theme fonts and colours take precedence over explicit ones: they are removed.
_THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_FIXED_TIME = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


def _fonts(rpr: Any, east_asian: str) -> None:
    """Set ``rpr``'s fonts: ``east_asian`` for Chinese, Times New Roman for Latin text."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in _THEME_FONTS:
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)


def _paragraph_style(
    document: Any,
    name: str,
    east_asian: str,
    size: float,
    *,
    bold: bool = False,
    before: float = 0,
    after: float = 0,
    centred: bool = False,
    outline: int | None = None,
) -> Any:
    styles = document.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
    _fonts(style.element.get_or_add_rPr(), east_asian)
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    paragraph = style.paragraph_format
    paragraph.space_before = Pt(before)
    paragraph.space_after = Pt(after)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else None
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))  # the default Title's blue rule
    if border is not None:
        ppr.remove(border)
    if outline is not None:
        paragraph.keep_with_next = True
    return style


def _footer_page_number(section: Any) -> None:
    """``— 1 —`` centred at the foot of every page: a PAGE field."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        run = paragraph.add_run()
        if kind:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
            run._r.append(mark)
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        else:
            run.text = text or ""
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)
    paragraph.add_run(" —")


def template_bytes() -> bytes:
    """The template's bytes, the same on every run."""
    document = Document()
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, BODY)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")

    normal = _paragraph_style(document, "Normal", BODY, 12)
    normal.paragraph_format.line_spacing = 1.25
    _paragraph_style(document, "Title", HEADING, 22, before=12, after=18, centred=True)
    _paragraph_style(document, "Heading 1", HEADING, 16, before=18, after=10, outline=0)
    _paragraph_style(document, "Heading 2", HEADING, 13, before=12, after=6, outline=1)
    for level in (1, 2):
        toc = _paragraph_style(document, f"toc {level}", BODY, 12, after=3)
        toc.element.set(qn("w:styleId"), f"TOC{level}")
        toc.element.attrib.pop(qn("w:customStyle"), None)  # Word's own "toc 1", not a custom one
        toc.paragraph_format.left_indent = Cm(0.85 * (level - 1))
    grid = styles["Table Grid"]
    _fonts(grid.element.get_or_add_rPr(), BODY)

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.2)
    _footer_page_number(section)

    properties = document.core_properties
    properties.title = "coursekit ledger"
    properties.author = properties.last_modified_by = "coursekit"
    properties.created = properties.modified = _FIXED_TIME
    properties.last_printed = _FIXED_TIME
    properties.revision = 1
    properties.comments = "coursekit ledger template (make_template.py)"

    saved = io.BytesIO()
    document.save(saved)
    # Re-zip with fixed times so that the bytes depend on nothing but this script.
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else TEMPLATE
    target.write_bytes(template_bytes())
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
