"""Check a course against the packet it was ingested from: every character, every quote.

:func:`round_trip` rebuilds the packet's text from what a course folder holds
(each module's label, title, byline, headings and paragraphs) and from what
``INGEST-REPORT.md`` lists: the lines kept as metadata rather than text, each
with where it stood, and the repairs that changed more than white space
(`old` → `new`). White space is ignored, since extraction damaged it; any other
difference is returned, with the packet's line. ``[]`` means every character
of the packet is in the course, or is a listed repair.

:func:`stale_quotes` lists the evidence quotes (in ``course.yaml``,
``modules/*.yaml`` and ``exercises.yaml``) that no longer stand in the cited
paragraph of a module's new text, as ``coursekit validate`` would name them.

The report's two kinds of line are written by :func:`moved_item` and
:func:`repair_item`, beside the expressions that read them back.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.errors import Problem
from coursekit.text import plain

__all__ = ["REPORT", "moved_item", "repair_item", "round_trip", "stale_quotes"]

REPORT = "INGEST-REPORT.md"
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def moved_item(line: int, part: str, where: str, text: str, becomes: str) -> str:
    """The report's line for a packet line kept as metadata.

    ``where`` is ``before the title`` (the notice's issuer line), ``before the
    text``, ``after ¶N`` or ``at the end`` of the module's text.
    """
    return f"- line {line}, {part}, {where}: `{text}` → {becomes}"


def repair_item(part: str, line: int, what: str, old: str = "", new: str = "") -> str:
    """The report's line for a repair; ``old`` → ``new`` when more than white space changed."""
    edit = f": `{old}` → `{new}`" if old or new else ""
    return f"- {part}, line {line}: {what}{edit}"


# --- the round trip ------------------------------------------------------------------

_MOVED_ITEM = re.compile(
    r"^- line (?P<line>\d+), (?P<part>[a-z][a-z0-9-]*), "
    r"(?P<where>before the title|before the text|after ¶\d+|at the end): `(?P<text>.*)` → "
)
_EDIT_ITEM = re.compile(
    r"^- [a-z][a-z0-9-]*, line (?P<line>\d+): .*: `(?P<old>.*?)` → `(?P<new>.*)`$"
)


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _report_items(
    report: str,
) -> tuple[dict[tuple[str, str], list[str]], list[tuple[int, str, str]]]:
    moved: dict[tuple[str, str], list[str]] = {}
    edits: list[tuple[int, str, str]] = []
    for line in report.splitlines():
        m = _MOVED_ITEM.match(line)
        if m:
            moved.setdefault((m["part"], m["where"]), []).append(m["text"])
            continue
        e = _EDIT_ITEM.match(line)
        if e:
            edits.append((int(e["line"]), e["old"], e["new"]))
    return moved, edits


def _course_pieces(files: Mapping[str, str], moved: dict[tuple[str, str], list[str]]) -> list[str]:
    """The course's text in the packet's order: labels, titles, moved lines, headings, text."""
    from coursekit.content import parse_module, parse_yaml

    problems: list[Problem] = []
    doc = parse_yaml(Path("course.yaml"), files.get("course.yaml", ""), problems)
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    pieces: list[str] = []
    for mid in data.get("modules") or []:
        text = files.get(f"modules/{mid}.md")
        front, sections = parse_module(Path(f"modules/{mid}.md"), text or "", problems)
        meta = front.data if front is not None and isinstance(front.data, dict) else {}
        title = str(meta.get("title", ""))
        if mid == data.get("notice_module"):
            pieces += [*moved.get((mid, "before the title"), []), title]
        elif str(meta.get("label", "")).startswith("附件"):
            pieces += [str(meta["label"]), title]
        else:
            pieces += [title, str(meta.get("byline") or "")]
        pieces += moved.get((mid, "before the text"), [])
        for section in sections:
            pieces += [section.heading] if section.heading is not None else []
            for p in section.paragraphs:
                pieces += [p.text, *moved.get((mid, f"after ¶{p.number}"), [])]
        pieces += moved.get((mid, "at the end"), [])
    return pieces


@dataclass
class _Edited:
    """The packet's squashed text with the report's repairs made, and where each line began."""

    text: str
    starts: list[int]  # offset of each line in the squashed packet, before the repairs
    shifts: list[tuple[int, int]] = field(default_factory=list)  # (offset, length change)
    problems: list[str] = field(default_factory=list)

    def line(self, offset: int) -> int:
        """The packet line that the repaired text's ``offset`` comes from."""
        before = offset - sum(d for at, d in self.shifts if at < offset)
        return max(1, bisect.bisect_right(self.starts, before))


def _apply_edits(text: str, edits: list[tuple[int, str, str]]) -> _Edited:
    lines = text.split("\n")
    starts = list(itertools.accumulate((len(_squash(x)) for x in lines), initial=0))
    edited = _Edited(_squash(text), starts)
    cursor = delta = 0
    for line, old, new in sorted(edits, key=lambda e: e[0]):
        o, n = _squash(old), _squash(new)
        at = edited.text.find(o, max(cursor, starts[min(line, len(lines)) - 1] + delta))
        if at < 0:
            edited.problems.append(
                f"line {line}: the repair `{old}` → `{new}` is not in the packet"
            )
            continue
        edited.text = edited.text[:at] + n + edited.text[at + len(o) :]
        edited.shifts.append((at, len(n) - len(o)))
        cursor, delta = at + len(n), delta + len(n) - len(o)
    return edited


def round_trip(packet_text: str, files: Mapping[str, str]) -> list[str]:
    """What in the packet is not in the course, and not explained by the report. ``[]``: all is.

    ``files`` are the course's text files by relative path (``course.yaml``,
    ``modules/<id>.md``, ``INGEST-REPORT.md``). White space is ignored; every
    other character of the packet must stand, in order, in a module's label,
    title, byline, headings and paragraphs, or among the report's lines kept as
    metadata, except where the report lists a repair (`old` → `new`).
    """
    moved, edits = _report_items(files.get(REPORT, ""))
    edited = _apply_edits(packet_text, edits)
    source, problems = edited.text, edited.problems
    course = "".join(_squash(p) for p in _course_pieces(files, moved))
    if source == course:
        return problems
    i = next((k for k, (a, b) in enumerate(zip(source, course, strict=False)) if a != b), None)
    i = min(len(source), len(course)) if i is None else i
    problems.append(
        f"line {edited.line(i)}: the packet reads …{source[max(0, i - 12) : i + 12]}… "
        f"but the course reads …{course[max(0, i - 12) : i + 12]}…"
    )
    return problems


# --- evidence quotes -----------------------------------------------------------------


def _evidence(
    data: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    if isinstance(data, dict):
        if "quote" in data and "module" in data:
            yield loc, data
        for key, value in data.items():
            yield from _evidence(value, (*loc, str(key)))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _evidence(item, (*loc, i))


def _why_not(
    ev: dict[str, Any], paragraphs: dict[str, dict[int, str]], labels: dict[str, str]
) -> str | None:
    module, number, quote = str(ev.get("module")), ev.get("paragraph"), str(ev.get("quote", ""))
    if module not in paragraphs:
        return f"cites module {module!r}, which the new packet does not have"
    label = labels.get(module, module)
    texts = paragraphs[module]
    if not isinstance(number, int) or number not in texts:
        return f"cites {label} ¶{number}, but {module} now has paragraphs 1 to {len(texts)}"
    if plain(quote) not in texts[number]:
        return f"quote no longer stands in {label} ¶{number}: {plain(quote)[:40]!r}"
    return None


def stale_quotes(files: Mapping[str, str], root: Path, shown: Path | None = None) -> list[str]:
    """Evidence quotes (course.yaml, modules/*.yaml, exercises.yaml) the new text no longer has.

    ``files`` are ingest's new files (course.yaml, modules/<id>.md); the
    trainer's question files are read from ``root``. Each entry names the file
    (under ``shown``, the folder as the user named it), the line and the field,
    as ``coursekit validate`` would.
    """
    from coursekit.content import parse_module, parse_yaml, read_text
    from coursekit.located import field_name

    paragraphs: dict[str, dict[int, str]] = {}
    labels: dict[str, str] = {}
    for rel, text in files.items():
        if rel.startswith("modules/") and rel.endswith(".md"):
            front, sections = parse_module(root / rel, text, [])
            mid = rel.removeprefix("modules/").removesuffix(".md")
            paragraphs[mid] = {p.number: p.plain for s in sections for p in s.paragraphs}
            meta = front.data if front is not None and isinstance(front.data, dict) else {}
            labels[mid] = str(meta.get("label", mid))
    docs: list[tuple[Path, str | None]] = [(root / "course.yaml", files.get("course.yaml"))]
    theirs = [*sorted((root / "modules").glob("*.yaml")), root / "exercises.yaml"]
    docs += [(p, read_text(p, [])) for p in theirs if p.is_file()]
    out = []
    for path, source in docs:
        doc = parse_yaml(path, source, []) if source is not None else None
        if doc is None:
            continue  # coursekit validate names what is wrong with it
        for loc, ev in _evidence(doc.data):
            reason = _why_not(ev, paragraphs, labels)
            if reason:
                at = (*loc, "quote")
                name = str((shown or root) / path.relative_to(root))
                out.append(str(Problem(name, reason, line=doc.line(at), field=field_name(at))))
    return out
