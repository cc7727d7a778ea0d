"""Turn a plain-text study packet into a course folder.

A packet of the conventional shape has a cover notice (an optional issuer
line, a title, paragraphs, a signature and a date), then 附件一, 附件二 …, each
with a title, an optional ``来源：… 发布时间：…`` line or a ``（2020年1月31日）``
date line, and body paragraphs. Unlabelled sections after the last attachment
(a title followed by a byline such as ``中国疾病预防控制中心 编写``) become
modules of their own.

Text extracted from PDF or Word is repaired, and every repair is reported:
paragraphs split at page breaks are joined, emphasis cut by a page break is
mended, spaces inside numbers and inside titles broken across lines are
removed. Nothing else in the wording changes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import yaml

from coursekit.errors import CourseInvalid, Problem
from coursekit.text import CJK

__all__ = ["Packet", "ingest", "ingest_command", "parse_packet"]

NUMERALS = "〇零一二三四五六七八九十百"
_LABEL = re.compile(rf"^附件\s*([{NUMERALS}]+|\d+)\s*[：:]?$")
_SOURCE = re.compile(r"^(?:来源[：:]\s*(?P<source>.+?))?\s*(?:发布时间[：:]\s*(?P<date>.+?))?$")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_LINE = re.compile(r"^[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]?$")
_TERMINAL = set("。！？；：…!?;:")
_CLOSERS = set("”’」』）)】》")
_SOFT_END = set("，、,")
_SENTENCE_END = re.compile(r"[。！？!?]")
_CATEGORIES = re.compile(r"(?:主要)?包括(?P<list>[^。；]+?)等(?:方面|内容)")
_HEADING_MAX = 40

# Spaces next to a number or a Latin token inside Chinese text, left by extraction.
_SPACED_TOKEN_LEFT = re.compile(rf"(?<=[{CJK}]) +(?=[0-9A-Za-z][0-9A-Za-z—./-]* +[{CJK}])")
_SPACED_TOKEN_RIGHT = re.compile(rf"(?<=[0-9A-Za-z]) +(?=[{CJK}])")
_CJK_GAP = re.compile(rf"(?<=[{CJK}]) +(?=[{CJK}])")


@dataclass
class Block:
    """A paragraph of the packet and the line it starts on."""

    line: int
    text: str


@dataclass
class Part:
    """The cover notice, an attachment or a trailing section."""

    id: str
    label: str
    title: str
    line: int
    source: str | None = None
    published: dt.date | None = None
    issuer: str | None = None
    byline: str | None = None
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Packet:
    parts: list[Part]
    categories: list[str]
    changes: list[str]
    path: Path


def _chinese_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return digits.get(text, 0)


def _read_blocks(path: Path, problems: list[Problem]) -> list[Block]:
    from coursekit.content import read_text

    text = read_text(path, problems)
    if text is None:
        return []
    blocks: list[Block] = []
    buf: list[str] = []
    start = 0
    for n, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip().replace("\u3000", " ").strip()
        if stripped:
            if not buf:
                start = n
            buf.append(stripped)
        elif buf:
            blocks.append(Block(start, "".join(buf)))
            buf = []
    if buf:
        blocks.append(Block(start, "".join(buf)))
    return blocks


def _ends_sentence(text: str) -> bool:
    plain = text.replace("**", "")
    if not plain:
        return True
    last = plain[-1]
    if last in _TERMINAL:
        return True
    if last in _CLOSERS:
        # “…坚决顶上去！” ends a sentence; “四个意识” in mid-sentence does not.
        return last in "）)" or (len(plain) > 1 and plain[-2] in _TERMINAL)
    return False


def _is_heading(text: str) -> bool:
    """A short line that is not a sentence: no sentence ends in it, and it stops without a comma."""
    plain = text.replace("**", "")
    return (
        len(plain) <= _HEADING_MAX
        and not _ends_sentence(text)
        and plain[-1] not in _SOFT_END
        and not _SENTENCE_END.search(plain)
    )


def _is_split(text: str) -> bool:
    """A block cut at a page break: it stops mid-sentence and is not a heading."""
    if _ends_sentence(text):
        return False
    return not _is_heading(text) or text.endswith("**")


def _join_split(first: str, second: str) -> tuple[str, bool]:
    """Join two halves; emphasis cut at the break runs on to the end of its sentence."""
    cut = re.search(r"\*\*([^*]+)\*\*$", first)
    if cut and not _ends_sentence(cut.group(1)):
        end = re.search(r"[。！？!?]", second)
        if end:
            head = first[: cut.start()] + "**" + cut.group(1)
            return head + second[: end.end()] + "**" + second[end.end() :], True
    return first + second, False


def _clean_body(text: str) -> str:
    text = _SPACED_TOKEN_LEFT.sub("", text)
    return _SPACED_TOKEN_RIGHT.sub("", text)


def _clean_title(text: str) -> str:
    return _clean_body(_CJK_GAP.sub("", text))


def _date(text: str) -> dt.date | None:
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _repair(blocks: list[Block], where: str, changes: list[str]) -> list[Block]:
    """Join page-break splits and remove stray spaces, recording each change."""
    out: list[Block] = []
    for block in blocks:
        if out and _is_split(out[-1].text):
            joined, moved = _join_split(out[-1].text, block.text)
            changes.append(
                f"{where}: joined the paragraph split at a page break (lines {out[-1].line} and "
                f"{block.line}): …{out[-1].text[-8:]}|{block.text[:8]}…"
            )
            if moved:
                changes.append(
                    f"{where}: emphasis cut at the page break (line {out[-1].line}) now runs "
                    "to the end of its sentence"
                )
            out[-1] = Block(out[-1].line, joined)
            continue
        out.append(Block(block.line, block.text))
    for block in out:
        cleaned = _clean_body(block.text)
        if cleaned != block.text:
            changes.append(f"{where}: removed spaces inside numbers (line {block.line})")
            block.text = cleaned
    return out


def _split_signature(part: Part) -> None:
    """A trailing issuer line and date line become the part's issuer and date."""
    blocks = part.blocks
    if blocks and _DATE_LINE.match(blocks[-1].text):
        date = _date(blocks[-1].text)
        if (
            date
            and len(blocks) >= 2
            and _is_heading(blocks[-2].text)
            and len(blocks[-2].text) <= 30
        ):
            part.issuer = part.issuer or blocks[-2].text
            part.published = part.published or date
            del blocks[-2:]
        elif date:
            part.published = part.published or date
            del blocks[-1:]


def _parse_head(
    part: Part, blocks: list[Block], problems: list[Problem], path: Path
) -> list[Block]:
    """Read a part's title and source/date lines; return its body blocks."""
    if not blocks or _ends_sentence(blocks[0].text) or _DATE_LINE.match(blocks[0].text):
        line = blocks[0].line if blocks else part.line
        problems.append(
            Problem(
                str(path),
                f"{part.label} has no title line after its label",
                line=line,
                field="title",
            )
        )
        return blocks
    part.title = _clean_title(blocks[0].text)
    rest = blocks[1:]
    if rest and rest[0].text.startswith(("来源", "发布时间")):
        m = _SOURCE.match(rest[0].text)
        if m:
            part.source = m.group("source")
            if m.group("date"):
                _set_date(part, m.group("date"), "发布时间 ", rest[0].line, path, problems)
        rest = rest[1:]
    elif rest and _DATE_LINE.match(rest[0].text):
        _set_date(part, rest[0].text, "日期 ", rest[0].line, path, problems)
        rest = rest[1:]
    return rest


def _set_date(
    part: Part, text: str, what: str, line: int, path: Path, problems: list[Problem]
) -> None:
    """The part's date from ``text``; an impossible date is a problem on that line."""
    part.published = _date(text)
    if part.published is None:
        problems.append(
            Problem(
                str(path),
                f"{part.label}: {what}is not a real date: {text!r}",
                line=line,
                field="published",
            )
        )


def _trailing_sections(body: list[Block]) -> tuple[list[Block], list[list[Block]]]:
    """Split unlabelled sections (a title, then a byline) off the end of the last attachment."""
    starts = [
        i
        for i in range(1, len(body) - 1)
        if _is_heading(body[i].text)
        and _is_heading(body[i + 1].text)
        and len(body[i + 1].text) <= 30
        and not _DATE_LINE.match(body[i + 1].text)
        and not _is_split(body[i - 1].text)
    ]
    if not starts:
        return body, []
    bounds = [*starts, len(body)]
    return body[: starts[0]], [body[a:b] for a, b in itertools.pairwise(bounds)]


def parse_packet(path: Path) -> Packet:
    """Parse and repair a packet; raises :class:`CourseInvalid` when its shape is wrong."""
    problems: list[Problem] = []
    blocks = _read_blocks(path, problems)
    if problems:
        raise CourseInvalid(problems)
    if not blocks:
        raise CourseInvalid([Problem(str(path), "the packet is empty")])
    changes: list[str] = []
    starts = [i for i, b in enumerate(blocks) if _LABEL.match(b.text)]
    if not starts:
        raise CourseInvalid(
            [Problem(str(path), "no attachments found: expected lines such as 附件一")]
        )

    cover = blocks[: starts[0]]
    notice = Part("overview", "通知", "", cover[0].line if cover else 1)
    heads: list[Block] = []
    while cover and _is_heading(cover[0].text) and len(heads) < 2:
        heads.append(cover.pop(0))
    if not heads:
        problems.append(
            Problem(str(path), "the cover notice has no title line", line=1, field="title")
        )
    else:
        notice.title = _clean_title(heads[-1].text)
        if len(heads) == 2:
            notice.issuer = heads[0].text
        if heads[-1].text != notice.title:
            changes.append(f"notice: joined the title broken across lines (line {heads[-1].line})")
    notice.blocks = cover
    _split_signature(notice)
    parts = [notice]

    seen: list[tuple[int, str]] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(blocks)
        label_block = blocks[start]
        label = label_block.text.rstrip("：:").replace(" ", "")
        number = _chinese_number(_LABEL.match(label_block.text).group(1))  # type: ignore[union-attr]
        if seen and number != seen[-1][0] + 1:
            problems.append(
                Problem(
                    str(path),
                    f"{label} follows {seen[-1][1]}: attachments should be numbered in order",
                    line=label_block.line,
                )
            )
        seen.append((number, label))
        part = Part(f"a{number}", label, "", label_block.line)
        body = _parse_head(part, blocks[start + 1 : end], problems, path)
        if part.title and part.title != blocks[start + 1].text:
            changes.append(
                f"{part.id}: joined the title broken across lines (line {blocks[start + 1].line})"
            )
        trailing: list[list[Block]] = []
        if k + 1 == len(starts):
            body, trailing = _trailing_sections(body)
        part.blocks = body
        _split_signature(part)
        parts.append(part)
        for j, section in enumerate(trailing, start=1):
            title = _clean_title(section[0].text)
            extra = Part(
                f"k{j}", title, title, section[0].line, byline=_clean_title(section[1].text)
            )
            extra.blocks = section[2:]
            _split_signature(extra)
            parts.append(extra)
            changes.append(
                f"k{j}: the section after the last attachment (line {section[0].line}) "
                "became a module of its own"
            )

    for part in parts:
        part.blocks = _repair(part.blocks, part.id, changes)
        if not part.blocks:
            problems.append(
                Problem(str(path), f"{part.label or part.id} has no text", line=part.line)
            )
    if problems:
        raise CourseInvalid(problems)

    categories = _categories(notice)
    return Packet(parts, categories, changes, path)


def _categories(notice: Part) -> list[str]:
    for block in notice.blocks:
        m = _CATEGORIES.search(block.text.replace("**", ""))
        if m:
            items = re.split(r"、|以及|及(?=[^时])", m.group("list"))
            return [i.strip() for i in items if i.strip()]
    return ["学习内容"]


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in itertools.pairwise(chars)}


def guess_category(
    part: Part, categories: list[str], headings: Iterable[str], theme: str = ""
) -> tuple[int, bool]:
    """The category whose name shares the most distinctive character pairs with the part.

    The part speaks through its title, issuer, byline and headings. Pairs that
    appear in several category names count for less, and pairs of the packet's
    theme (its title) count for nothing, since every part shares them. Returns
    the index and whether the guess is unambiguous.
    """
    grams = [_bigrams(c) for c in categories]
    counts: dict[str, int] = {}
    for g in grams:
        for b in g:
            counts[b] = counts.get(b, 0) + 1
    signal = _bigrams(" ".join([part.title, part.issuer or "", part.byline or "", *headings]))
    signal -= _bigrams(theme)
    scores = [sum(1 / counts[b] for b in g & signal) for g in grams]
    best = max(scores)
    return scores.index(best), best > 0 and scores.count(best) == 1


# --- writing the course folder ------------------------------------------------------------------


def _front(part: Part, category: str) -> dict[str, Any]:
    front: dict[str, Any] = {
        "id": part.id,
        "label": part.label,
        "title": part.title,
        "category": category,
    }
    for key in ("source", "published", "issuer", "byline"):
        value = getattr(part, key)
        if value:
            front[key] = value
    return front


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def module_markdown(part: Part, category: str) -> str:
    """A module file: front matter, then paragraphs and sub-section headings."""
    lines = ["---", _dump(_front(part, category)).rstrip("\n"), "---", ""]
    for block in part.blocks:
        if _is_heading(block.text):
            lines += [f"## {_clean_title(block.text)}", ""]
        else:
            lines += [block.text, ""]
    return "\n".join(lines)


def ingest(packet_path: Path, out: Path, force: bool = False) -> Packet:
    """Write a course folder for the packet at ``packet_path`` to ``out``, atomically."""
    packet = parse_packet(packet_path)
    if out.exists() and any(out.iterdir()) and not force:
        raise CourseInvalid(
            [Problem(str(out), "already exists and is not empty; use --force to replace it")]
        )
    notice = packet.parts[0]
    categories = [
        {"id": f"c{i}", "name": name} for i, name in enumerate(packet.categories, start=1)
    ]
    report = ["# Ingest report", "", f"Packet: `{packet_path.name}`", "", "## Repairs", ""]
    report += [f"- {c}" for c in packet.changes] or ["- none"]
    report += ["", "## Categories (guessed; review them)", ""]

    tmp = Path(tempfile.mkdtemp(prefix=".ingest-", dir=out.parent if out.parent.exists() else None))
    try:
        (tmp / "modules").mkdir()
        for part in packet.parts:
            headings = [b.text for b in part.blocks if _is_heading(b.text)]
            index, sure = guess_category(part, packet.categories, headings, notice.title)
            category = f"c{index + 1}"
            report.append(
                f"- {part.id}: {category} {packet.categories[index]}"
                + ("" if sure else " (uncertain)")
            )
            (tmp / "modules" / f"{part.id}.md").write_text(
                module_markdown(part, category), encoding="utf-8"
            )
        first = notice.blocks[0].text if notice.blocks else ""
        course = {
            "id": "course",
            "title": notice.title,
            "issuer": notice.issuer or "",
            "date": notice.published or dt.date.today(),
            "lang": "zh",
            "notice_module": "overview",
            "modules": [p.id for p in packet.parts],
            "categories": categories,
            "study_format": _study_format(first),
        }
        if not course["issuer"]:
            course["issuer"] = "（未注明）"
            report.append("- the notice names no issuer: course.yaml says （未注明）; fill it in")
        (tmp / "course.yaml").write_text(_dump(course), encoding="utf-8")
        (tmp / "glossary.yaml").write_text(_dump({"terms": []}), encoding="utf-8")
        (tmp / "INGEST-REPORT.md").write_text("\n".join(report) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return packet


def _study_format(first: str) -> dict[str, Any]:
    """The sentence of the notice that says how study is done, quoted as evidence."""
    sentences = [s + "。" for s in first.replace("**", "").split("。") if s]
    chosen = next((s for s in sentences if "学习" in s and ("方式" in s or "时间" in s)), None)
    chosen = chosen or (sentences[0] if sentences else "（未注明）")
    quote = chosen.rstrip("。")
    mode = re.search(r"采取(.+?)方式", quote)
    schedule = re.search(r"时间[^，。]*", quote)
    online = re.search(r"结合(.+?)等在线", quote)
    return {
        "mode": mode.group(1) if mode else "自学",
        "online": re.split(r"、", online.group(1)) if online else [],
        "schedule": schedule.group(0) if schedule else "未注明",
        "evidence": {"module": "overview", "paragraph": 1, "quote": quote},
    }


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("packet", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The course folder to write (must be new or empty, unless --force).",
)
@click.option("--force", is_flag=True, help="Replace the folder if it exists.")
def ingest_command(packet: Path, out: Path, force: bool) -> None:
    """Turn a plain-text study packet into a course folder that validates.

    Page-break splits, stray emphasis and spaces inside numbers are repaired;
    INGEST-REPORT.md in the new folder lists every change and the guessed
    categories to review.
    """
    from coursekit.cli import report_errors
    from coursekit.content import load_course

    @report_errors
    def run() -> None:
        result = ingest(packet, out, force=force)
        load_course(out)
        click.echo(
            f"wrote {out}: {len(result.parts)} modules, {len(result.changes)} repairs "
            f"(see {out / 'INGEST-REPORT.md'})"
        )

    run()
