"""The Word file under the ledger's documents: its template, and the OOXML python-docx lacks.

A template (the package's :data:`TEMPLATE`, or an organisation's house
template) is read within bounds and checked (:func:`check_template`), then
opened with its body cleared (:func:`blank_document`): its styles, page
setup, headers and footers stay, as with pandoc's ``--reference-doc``.

python-docx has no API for a TOC field, a bookmark, a first-line indent in
characters or the setting that makes Word refresh fields on opening; they are
written here as elements. Every string that goes into a run goes through
:func:`run_text` first.

python-docx is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursekit import intake
from coursekit.cells import xml_text
from coursekit.errors import CourseInvalid, Problem, RecordInvalid

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph

__all__ = [
    "MAX_TEMPLATE_BYTES",
    "PARAGRAPH_STYLES",
    "TABLE_STYLE",
    "TEMPLATE",
    "TEMPLATE_UNPACKED",
    "blank_document",
    "check_template",
    "contents_field",
    "heading",
    "indent_first_line",
    "run_text",
    "saved",
    "update_fields_on_open",
]

#: The template shipped in the package (made by ``templates/ledger/make_template.py``).
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "ledger" / "ledger.docx"
#: The paragraph styles the documents use; a house template must have each of them.
PARAGRAPH_STYLES = ("Normal", "Title", "Heading 1", "Heading 2")
#: The table style of the activity record's form.
TABLE_STYLE = "Table Grid"

MiB = 1024 * 1024
#: A template is read whole: a house template with its logos stays far below this.
MAX_TEMPLATE_BYTES = 16 * MiB
#: What a template may say it unpacks to (pictures are stored about 1:1; XML packs 5-10:1).
TEMPLATE_UNPACKED = 128 * MiB

# Explicit embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Where w:updateFields goes among w:settings' children (the schema's order): before these.
_SETTINGS_AFTER_UPDATE = (
    "hdrShapeDefaults",
    "footnotePr",
    "endnotePr",
    "compat",
    "docVars",
    "rsids",
    "mathPr",
    "attachedSchema",
    "themeFontLang",
    "clrSchemeMapping",
    "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures",
    "forceUpgrade",
    "captions",
    "readModeInkLockDown",
    "smartTagType",
    "schemaLibrary",
    "shapeDefaults",
    "doNotEmbedSmartTags",
    "decimalSymbol",
    "listSeparator",
)


def run_text(value: str) -> str:
    """A learner's (or course's) string as it may stand in a run: what XML cannot hold
    becomes U+FFFD (:func:`~coursekit.cells.xml_text`), and so do the bidirectional
    overrides and isolates, which would reorder the rest of a line in the secretary's copy."""
    return _BIDI.sub("\ufffd", xml_text(value))


# --- the template ---------------------------------------------------------------------------


def check_template(path: Path) -> None:
    """Refuse a template that cannot be used, before any work is done.

    It must be a regular file of at most :data:`MAX_TEMPLATE_BYTES`, a zip
    that is no zip bomb, a document python-docx reads, with the paragraph
    styles :data:`PARAGRAPH_STYLES` and the table style :data:`TABLE_STYLE`.
    Raises :class:`~coursekit.errors.CourseInvalid` with one problem saying why.
    """
    _opened(path)


def _opened(path: Path) -> Document:
    """The template at ``path``, read within bounds and checked; ``CourseInvalid`` if unusable."""
    shown = intake.shown(str(path))
    data = _template_bytes(path, shown)
    from docx import Document as open_document

    try:
        document = open_document(io.BytesIO(data))
    except Exception as exc:  # python-docx, zipfile and lxml raise many kinds
        why = intake.shown(f"{type(exc).__name__}: {exc}")[:300]
        raise CourseInvalid(
            [Problem(shown, f"not a Word document (.docx) python-docx can read ({why})")]
        ) from None
    missing = _missing_styles(document)
    if missing:
        raise CourseInvalid(
            [
                Problem(
                    shown,
                    f"the template has no {', '.join(missing)}; the ledger's documents use the "
                    f"paragraph styles {', '.join(PARAGRAPH_STYLES)} and the table style "
                    f"{TABLE_STYLE} (Word's names)",
                )
            ]
        )
    return document


def _template_bytes(path: Path, shown: str) -> bytes:
    try:
        fd, size = intake.open_regular(path)
    except RecordInvalid as exc:
        raise CourseInvalid([Problem(shown, exc.reason)]) from None
    with os.fdopen(fd, "rb") as file:
        if size > MAX_TEMPLATE_BYTES:
            refused: str | None = f"too large ({size:,} bytes; the limit is {MAX_TEMPLATE_BYTES:,})"
        else:
            refused = intake.zip_refusal(fd, size, TEMPLATE_UNPACKED)
        if refused:
            raise CourseInvalid([Problem(shown, f"not usable as a Word template: {refused}")])
        file.seek(0)  # the zip check moved the shared offset
        data = file.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise CourseInvalid([Problem(shown, f"grew past {MAX_TEMPLATE_BYTES:,} bytes as read")])
    return data


def _missing_styles(document: Document) -> list[str]:
    from docx.enum.style import WD_STYLE_TYPE

    wanted = [(name, WD_STYLE_TYPE.PARAGRAPH) for name in PARAGRAPH_STYLES]
    wanted.append((TABLE_STYLE, WD_STYLE_TYPE.TABLE))
    missing = []
    for name, kind in wanted:
        try:
            style = document.styles[name]
        except KeyError:
            style = None
        if style is None or style.type != kind:
            what = "paragraph" if kind == WD_STYLE_TYPE.PARAGRAPH else "table"
            missing.append(f"{what} style '{name}'")
    return missing


def blank_document(template: Path | None) -> Document:
    """The template with its body cleared (its last section's page setup, headers and
    footers kept), and properties of the template's author removed."""
    from docx.oxml.ns import qn

    document = _opened(TEMPLATE if template is None else template)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    properties = document.core_properties
    properties.author = properties.last_modified_by = "coursekit"
    properties.comments = properties.keywords = properties.subject = ""
    properties.created = properties.modified = dt.datetime.now(dt.timezone.utc).replace(
        microsecond=0
    )
    return document


def saved(document: Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def indent_first_line(paragraph: Paragraph) -> None:
    """A first-line indent of two characters, as Chinese prose is set."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph.paragraph_format.first_line_indent = Pt(24)
    indent = paragraph._p.get_or_add_pPr().get_or_add_ind()
    indent.set(qn("w:firstLineChars"), "200")  # Word and WPS: in characters of the style's size


# --- the contents list -----------------------------------------------------------------------


def _element(tag: str, text: str | None = None, **attributes: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}") if ":" not in name else qn(name), value)
    if text is not None:
        element.text = text
    return element


def _field_mark(kind: str) -> Any:
    run = _element("w:r")
    run.append(_element("w:fldChar", fldCharType=kind))
    return run


def contents_field(document: Document, headings: Sequence[tuple[int, str]]) -> list[str]:
    """A TOC field over Heading 1-2 whose shown result is already the entries of ``headings``.

    Each entry links to a bookmark (``_Toc…``, returned in order) that
    :func:`heading` puts around its heading. The entries carry no page
    numbers: they are not known before a word processor lays out the pages,
    and LibreOffice shows a TOC's stored entries as they are, so numbers left
    to a PAGEREF field would show as dots leading nowhere. Word and WPS
    rebuild the list, page numbers included, as they open the file
    (``w:updateFields``); in LibreOffice, Tools > Update > Update All does.
    """
    styles = {s.name.casefold(): s for s in document.styles if s.name}
    anchors = [f"_Toc{900000 + n}" for n in range(1, len(headings) + 1)]
    instruction = _element("w:r")
    instruction.append(
        _element("w:instrText", ' TOC \\o "1-2" \\h \\z \\u ', **{"xml:space": "preserve"})
    )
    opening = [_field_mark("begin"), instruction, _field_mark("separate")]
    paragraph = None
    for (level, text), anchor in zip(headings, anchors, strict=True):
        style = styles.get(f"toc {level}") or styles["normal"]
        paragraph = document.add_paragraph(style=style)
        if style is styles["normal"] and level > 1:
            from docx.shared import Cm

            paragraph.paragraph_format.left_indent = Cm(0.85)
        for run in opening:
            paragraph._p.append(run)
        opening = []
        link = _element("w:hyperlink", anchor=anchor, history="1")
        run = _element("w:r")
        run.append(_element("w:t", text, **{"xml:space": "preserve"}))
        link.append(run)
        paragraph._p.append(link)
    if paragraph is None:
        paragraph = document.add_paragraph()
        for run in opening:
            paragraph._p.append(run)
    paragraph._p.append(_field_mark("end"))
    return anchors


def heading(document: Document, text: str, level: int, anchor: str) -> None:
    """A heading with a bookmark around its text, for the contents list to link to."""
    paragraph = document.add_heading(level=level)
    number = anchor.removeprefix("_Toc")
    paragraph._p.append(_element("w:bookmarkStart", id=number, name=anchor))
    paragraph.add_run(text)
    paragraph._p.append(_element("w:bookmarkEnd", id=number))


def update_fields_on_open(document: Document) -> None:
    """Ask Word and WPS to refresh the fields (the contents' page numbers) on opening."""
    from docx.oxml.ns import qn

    settings = document.settings.element
    present = settings.find(qn("w:updateFields"))
    if present is not None:
        present.set(qn("w:val"), "true")
        return
    element = _element("w:updateFields", val="true")
    for name in _SETTINGS_AFTER_UPDATE:
        later = settings.find(qn(f"w:{name}"))
        if later is not None:
            later.addprevious(element)
            return
    settings.append(element)
