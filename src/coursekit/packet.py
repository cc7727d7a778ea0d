"""Read a plain-text study packet: its parts, their text, and every repair made to it.

A packet has a cover notice (issuer and title lines, paragraphs, an optional
signature of issuer lines and a date), then 附件一, 附件二 … (or 附件1, 附件 2：…),
each with a title on the label's line or the next, optional ``来源：`` and
``发布时间：`` lines (on one line or two) or a ``（2020年1月31日）`` date line,
paragraphs, and an optional signature and contact lines (``联系人：…``).
Unlabelled sections after the last attachment that carry a byline (a title,
then ``中国疾病预防控制中心 编写``) become parts of their own.

Paragraphs may be separated by blank lines or stand one to a line (as Word
saves text); lines of one paragraph wrapped at a fixed width are joined. Dates
may read 2021-04-01, 2021/4/1, 2021年4月1日 or 二〇二一年四月一日, with or
without a time.

Text extracted from PDF or Word is repaired, and every repair is recorded as a
:class:`Repair`: paragraphs split at page breaks are joined, emphasis cut by a
page break is mended, spaces inside numbers and titles broken across lines
are removed. A line that becomes metadata (an issuer, a source, a date) is
kept verbatim as a ``moved`` block, so that the report can list it. Nothing
else in the wording changes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.errors import CourseInvalid, Problem
from coursekit.text import CJK, plain

__all__ = ["Block", "Packet", "Part", "Repair", "StudyFormat", "parse_packet"]

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = "〇零一二三四五六七八九十百千"
_LABEL = re.compile(
    rf"^附\s*件\s*(?P<number>[{_NUMBER}]+|\d+)(?P<sep>\s*[：:、．.]\s*|\s+|$)(?P<title>.*)$"
)
_CN_YEAR = "[〇零一二三四五六七八九]{4}"
_CN_DAY = "[一二三四五六七八九十]{1,3}"
_YMD = (
    rf"(?P<y>\d{{4}}|{_CN_YEAR})\s*(?:年|[-/.．])\s*(?P<m>\d{{1,2}}|{_CN_DAY})\s*(?:月|[-/.．])"
    rf"\s*(?P<d>\d{{1,2}}|{_CN_DAY})\s*日?"
)
_TIME = r"(?:\s*\d{1,2}\s*[:：时]\s*\d{1,2}\s*分?(?:\s*[:：]?\s*\d{1,2}\s*秒?)?)?"
_DATE = re.compile(_YMD + _TIME)
_DATE_LINE = re.compile(rf"^[（(]?\s*{_YMD}{_TIME}\s*[）)]?$")
_META_KEY = "来源|发布时间|发布日期|发稿时间|时间|日期"
_META = re.compile(rf"^(?:{_META_KEY})\s*[：:]")
_META_PAIR = re.compile(rf"({_META_KEY})\s*[：:]\s*")
_PUBLISHED_KEYS = ("发布时间", "发布日期", "发稿时间")
_CONTACT = re.compile(
    r"^(?:联\s*系\s*人|联系电话|联系方式|电\s*话|手\s*机|传\s*真|电子邮箱|邮\s*箱|E-?mail|地\s*址|邮\s*编)"
    r"\s*[：:]",
    re.I,
)
_BYLINE = re.compile(r"(?:编写|编著|编制|编印|撰稿|撰写|整理|供稿|主编|出品|制作|发布)$")
_LIST_MARK = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[、.．]|[（(]\d+[）)])"
)
_TITLE_WORDS = re.compile(
    r"关于|(?:提示|通知|方案|意见|决定|公告|通报|要点|安排|计划|办法|倡议书?)$"
)
_ORG_END = re.compile(r"(?:部|委|委员会|会|局|厅|办公室|中心|院|处|党组|党委|支部|总支|政府)$")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_TERMINAL = set("。！？；：…!?;:")
_CLOSERS = set("”’」』）)】》")
_SOFT_END = set("，、,")
_SENTENCE_END = re.compile(r"[。！？!?]")
_CATEGORIES = re.compile(r"(?:主要)?包括(?P<list>[^。；]+?)等(?:方面|内容)")
_HEADING_MAX = 40
_META_MAX = 80

# Spaces next to a number or a Latin token inside Chinese text, left by extraction.
_SPACED_TOKEN_LEFT = re.compile(rf"(?<=[{CJK}]) +(?=[0-9A-Za-z][0-9A-Za-z—./-]* +[{CJK}])")
_SPACED_TOKEN_RIGHT = re.compile(rf"(?<=[0-9A-Za-z]) +(?=[{CJK}])")
_CJK_GAP = re.compile(rf"(?<=[{CJK}]) +(?=[{CJK}])")

# How the notice states its study format (see :func:`_study_format`).
_MODE = re.compile(r"(?:采取|采用|实行)(?P<mode>[^，。；：、“”（）]{2,24}?)的?(?:方式|形式)")
_ONLINE = re.compile(
    r"(?<!相)(?:结合|通过|利用|依托|借助|运用)(?P<list>[^，。；：]{2,40}?)等(?:平台|渠道)?(?:在线|线上|网络)"
)
_SCHEDULE = re.compile(r"时间[^，。；：]{2,20}")
_ONLINE_HINT = re.compile(r"在线|线上|网络|微信|学习强国")
NEUTRAL = "见通知原文"


@dataclass
class Block:
    """A paragraph of the packet and the line it starts on.

    ``kind`` is ``text`` (a paragraph or a heading), ``contact`` (a contact
    line, kept as a paragraph), or ``moved`` (a line that became metadata;
    ``becomes`` says what, and the report lists the line verbatim).
    """

    line: int
    text: str
    kind: str = "text"
    becomes: str = ""
    heading: bool = False


@dataclass(frozen=True)
class Repair:
    """One change to the packet's text; ``old`` → ``new`` when more than white space changed."""

    part: str
    line: int
    what: str
    old: str = ""
    new: str = ""


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
    top: list[Block] = field(default_factory=list)  # lines above the notice's title
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> list[Block]:
        """The blocks that go into the module's text, headings included."""
        return [b for b in self.blocks if b.kind != "moved"]

    def paragraphs(self) -> list[tuple[int, Block]]:
        """The numbered paragraphs, as ``coursekit validate`` numbers them."""
        return list(enumerate((b for b in self.text if not b.heading), start=1))


@dataclass(frozen=True)
class StudyFormat:
    """The study format read from the notice; ``doubts`` says what could not be read for sure."""

    mode: str
    online: list[str]
    schedule: str
    paragraph: int
    quote: str
    line: int
    doubts: list[str]


@dataclass
class Packet:
    path: Path
    text: str  # as read: UTF-8, without a BOM, with \n line ends
    line_count: int
    parts: list[Part]
    categories: list[str]
    study_format: StudyFormat
    repairs: list[Repair]
    notes: list[str]  # layout decisions and guesses the trainer should check

    @property
    def notice(self) -> Part:
        return self.parts[0]


# --- numbers and dates ------------------------------------------------------------------


def chinese_number(text: str) -> int | None:
    """``一百零一`` → 101, ``十二`` → 12, ``12`` or ``１２`` → 12; ``None`` if not a number."""
    if text.isdigit():
        return int(text)
    total, current, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _DIGITS:
            if current is not None and current != 0:
                return None  # two digits in a row: 一二
            current = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit:
                return None  # 十百, 百百
            total += (current if current is not None else 1) * unit
            current, last_unit = None, unit
        else:
            return None
    return total + (current or 0)


def _year(text: str) -> int:
    if text.isdigit():
        return int(text)
    return int("".join(str(_DIGITS[c]) for c in text))


def _date_of(match: re.Match[str]) -> dt.date | None:
    month, day = chinese_number(match.group("m")), chinese_number(match.group("d"))
    if month is None or day is None:
        return None
    try:
        return dt.date(_year(match.group("y")), month, day)
    except ValueError:
        return None


def date_line(text: str) -> tuple[bool, dt.date | None]:
    """Whether ``text`` is a date on its own (with a time, in brackets), and the date if real."""
    m = _DATE_LINE.match(text)
    return (m is not None, _date_of(m) if m else None)


def _leading_date(text: str) -> dt.date | None:
    m = _DATE.match(text.strip().lstrip("（(").strip())
    return _date_of(m) if m else None


# --- kinds of line ------------------------------------------------------------------------


def _ends_sentence(text: str) -> bool:
    plain_text = text.replace("**", "")
    if not plain_text:
        return True
    last = plain_text[-1]
    if last in _TERMINAL:
        return True
    if last in _CLOSERS:
        # “…坚决顶上去！” ends a sentence; “四个意识” in mid-sentence does not.
        return last in "）)" or (len(plain_text) > 1 and plain_text[-2] in _TERMINAL)
    return False


def is_heading(text: str) -> bool:
    """A short line that is not a sentence: no sentence ends in it, and it stops without a comma."""
    plain_text = text.replace("**", "")
    return (
        0 < len(plain_text) <= _HEADING_MAX
        and not _ends_sentence(text)
        and plain_text[-1] not in _SOFT_END
        and not _SENTENCE_END.search(plain_text)
    )


def _is_split(text: str) -> bool:
    """A block cut at a page break: it stops mid-sentence and is not a heading."""
    if _ends_sentence(text):
        return False
    return not is_heading(text) or text.endswith("**")


def _meta_fields(text: str) -> dict[str, str] | None:
    """The fields of a ``来源：… 发布时间：…`` line, or ``None`` when the line is not one."""
    if len(text) > _META_MAX or not _META.match(text):
        return None
    pieces = _META_PAIR.split(text)
    fields = {key: value.strip() for key, value in zip(pieces[1::2], pieces[2::2], strict=True)}
    if set(fields) <= {"时间", "日期"} and not all(date_line(v)[1] for v in fields.values()):
        return None  # 时间：4月1日至30日。 is a paragraph of the text, not a dateline
    return fields


def _label(text: str) -> re.Match[str] | None:
    m = _LABEL.match(text)
    return m if m and chinese_number(m.group("number")) is not None else None


def _is_marker(text: str) -> bool:
    """A line that is never part of a paragraph: a label, a dateline, a date, a contact."""
    return bool(
        _label(text) or _meta_fields(text) is not None or date_line(text)[0] or _CONTACT.match(text)
    )


def _is_issuer(text: str) -> bool:
    return (
        is_heading(text)
        and len(text) <= 30
        and not _LIST_MARK.match(text)
        and "：" not in text
        and not text.startswith("#")
    )


def _clean_body(text: str) -> str:
    text = _SPACED_TOKEN_LEFT.sub("", text)
    return _SPACED_TOKEN_RIGHT.sub("", text)


def clean_title(text: str) -> str:
    """A title or heading without the spaces that a line break or extraction left in it."""
    return _clean_body(_CJK_GAP.sub("", text))


# --- lines into blocks ----------------------------------------------------------------------


def _lines(text: str, repairs: list[Repair]) -> list[tuple[int, str]]:
    """Numbered lines without indentation; full-width and no-break spaces become spaces."""
    out = []
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw
        hidden = len(_INVISIBLE.findall(line))
        if hidden:
            line = _INVISIBLE.sub("", line)
            if line.strip():
                repairs.append(Repair("packet", n, f"removed {hidden} invisible character(s)"))
        line = line.replace("\u3000", " ").replace("\u00a0", " ").replace("\t", " ").strip()
        out.append((n, line))
    return out


def _hard_wrapped(lines: list[tuple[int, str]]) -> bool:
    """Lines of one paragraph wrapped at a fixed width (rather than a paragraph per line)."""
    width = max(len(t) for _, t in lines)
    inner = [t for _, t in lines[:-1]]
    ends = sum(1 for t in inner if _ends_sentence(t))
    return width >= 15 and all(len(t) >= 0.8 * width for t in inner) and ends * 2 < len(inner)


def _group_blocks(group: list[tuple[int, str]], notes: list[str]) -> list[Block]:
    """Blocks from lines with no blank line between: markers stand alone, wraps are joined."""
    blocks: list[Block] = []
    run: list[tuple[int, str]] = []

    def flush() -> None:
        if len(run) > 1 and _hard_wrapped(run):
            blocks.append(Block(run[0][0], "".join(t for _, t in run)))
            notes.append(f"lines {run[0][0]}–{run[-1][0]}: wrapped lines joined into one paragraph")
        else:
            blocks.extend(Block(n, t) for n, t in run)
        run.clear()

    if len(group) > 1 and not _hard_wrapped(group):
        notes.append(
            f"lines {group[0][0]}–{group[-1][0]} have no blank line between them: "
            "each line was read as a paragraph of its own"
        )

    for n, text in group:
        if _is_marker(text):
            flush()
            blocks.append(Block(n, text))
        else:
            run.append((n, text))
    flush()
    return blocks


def _blocks(lines: list[tuple[int, str]], notes: list[str]) -> list[Block]:
    blocks: list[Block] = []
    group: list[tuple[int, str]] = []
    for n, text in [*lines, (len(lines) + 1, "")]:
        if text:
            group.append((n, text))
        elif group:
            blocks += _group_blocks(group, notes)
            group = []
    return blocks


# --- labels -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    index: int  # of the block
    number: int
    label: str  # 附件一, 附件1
    title: str  # on the label's line, or ""
    head: str  # the label's line up to the title: 附件1：


def _find_labels(blocks: list[Block], notes: list[str]) -> list[_Label]:
    labels = []
    for i, block in enumerate(blocks):
        m = _label(block.text)
        if m:
            label = re.sub(r"\s+", "", block.text[: m.start("sep")])
            number = chinese_number(m.group("number")) or 0
            title = m.group("title").strip()
            head = block.text[: m.start("title")] if title else block.text
            labels.append(_Label(i, number, label, title, head.strip()))
    # A list of the attachments inside the notice (附件1：… 附件2：…, one after another),
    # followed later by the attachments themselves, is the notice's text.
    restarts = [k for k in range(1, len(labels)) if labels[k].number <= labels[k - 1].number]
    if restarts:
        first = labels[: restarts[-1]]
        listed = all(lb.title for lb in first) and all(
            b.index == a.index + 1 for a, b in itertools.pairwise(first)
        )
        if listed:
            notes.append(
                f"lines {blocks[first[0].index].line}–{blocks[first[-1].index].line} list the "
                "attachments inside the notice: kept as the notice's text"
            )
            labels = labels[restarts[-1] :]
    return labels


def _no_labels(path: Path, blocks: list[Block], line_count: int) -> Problem:
    near = [b for b in blocks if b.text.startswith(("附件", "附 件"))]
    if near:
        return Problem(
            str(path),
            f"no attachments found: this line starts with 附件 but is not a label such as "
            f"附件一, 附件1 or 附件一 标题: {near[0].text[:30]!r}",
            line=near[0].line,
            field="label",
        )
    lines = "line" if line_count == 1 else "lines"
    return Problem(
        str(path),
        f"no attachments found: the packet has {line_count} {lines} and none is a label "
        "such as 附件一 or 附件1 (at the start of a line)",
        field="label",
    )


# --- parts ------------------------------------------------------------------------------------


def _is_title(text: str) -> bool:
    if _is_marker(text):
        return False
    if not _ends_sentence(text):
        return True
    plain_text = text.replace("**", "")
    return plain_text[-1] in "？！?!" and len(plain_text) <= 60 and "。" not in plain_text


def _moved(block: Block, becomes: str) -> Block:
    return Block(block.line, block.text, kind="moved", becomes=becomes)


def _set_published(
    part: Part, text: str, line: int, what: str, path: Path, problems: list[Problem]
) -> str:
    date = _leading_date(text)
    if date is None:
        problems.append(
            Problem(
                str(path),
                f"{part.label}: {what} is not a real date: {text!r}",
                line=line,
                field="published",
            )
        )
        return ""
    part.published = part.published or date
    return f"published {date.isoformat()}"


def _head(part: Part, blocks: list[Block], path: Path, problems: list[Problem]) -> list[Block]:
    """Datelines right after the title (at most three) become the part's source and date.

    They are appended to ``part.blocks`` as moved blocks; the rest is returned.
    """
    rest = list(blocks)
    for _ in range(3):
        if not rest:
            break
        block = rest[0]
        fields = _meta_fields(block.text)
        is_date, _ = date_line(block.text)
        if fields is None and not is_date:
            break
        said = []
        if fields is None:
            said.append(_set_published(part, block.text, block.line, "日期", path, problems))
        else:
            if fields.get("来源"):
                part.source = part.source or fields["来源"]
                said.append(f"source {fields['来源']}")
            for key, value in fields.items():
                if key != "来源":
                    said.append(_set_published(part, value, block.line, key, path, problems))
        part.blocks.append(_moved(block, ", ".join(s for s in said if s) or "nothing"))
        rest.pop(0)
    return rest


def _notice(
    cover: list[Block],
    path: Path,
    problems: list[Problem],
    notes: list[str],
    repairs: list[Repair],
) -> Part:
    notice = Part("overview", "通知", "", cover[0].line if cover else 1)
    heads = _notice_heads(cover)
    if len(heads) > 1 and _TITLE_WORDS.search(heads[0].text):
        # The title comes first: an organisation's name under it is the issuer, and
        # anything else is the text's (a heading such as 一、学习内容).
        rest, heads = heads[1:], heads[:1]
        if _ORG_END.search(rest[0].text) and not _TITLE_WORDS.search(rest[0].text):
            notice.issuer = rest[0].text
            notice.blocks.append(_moved(rest.pop(0), "issuer"))
        cover[:0] = rest
    if not heads:
        problems.append(
            Problem(
                str(path), "the cover notice has no title line", line=notice.line, field="title"
            )
        )
        notice.blocks = cover
        return notice
    if len(heads) > 1:
        notice.issuer = heads[0].text
        notice.top = [_moved(heads[0], "issuer")]
    titled = heads[1:] if len(heads) > 1 else heads
    notice.title = "".join(clean_title(b.text) for b in titled)
    notice.line = titled[0].line
    if notice.title != "".join(b.text for b in titled):
        what = f"joined the title broken across lines (line {notice.line})"
        repairs.append(Repair(notice.id, notice.line, what))
    if len(heads) > 2:
        notes.append(
            f"the notice starts with {len(heads)} short lines: line {heads[0].line} was taken "
            f"as the issuer and lines {titled[0].line}–{titled[-1].line} as the title; check them"
        )
    notice.blocks += _head(notice, cover, path, problems)
    return notice


def _notice_heads(cover: list[Block]) -> list[Block]:
    """The short lines the notice starts with (issuer, title), taken off ``cover``."""
    heads: list[Block] = []
    while (
        cover
        and len(heads) < 4
        and is_heading(cover[0].text)
        and not _is_marker(cover[0].text)
        and not cover[0].text.startswith("#")
        and not (heads and _LIST_MARK.match(cover[0].text))
    ):
        heads.append(cover.pop(0))
    return heads


def _attachment(
    label: _Label, blocks: list[Block], path: Path, problems: list[Problem], repairs: list[Repair]
) -> Part:
    head = blocks[label.index]
    part = Part(f"a{label.number}", label.label, "", head.line)
    rest = blocks[label.index + 1 :]
    if re.sub(r"\s+", "", label.head) != label.label:
        what = "on the label's line" if label.title else "after the label"
        repairs.append(
            Repair(
                part.id,
                head.line,
                f"the label is {label.label}: the {label.head[-1]} {what} (line {head.line}) "
                "is not kept",
                label.head,
                label.label,
            )
        )
    if label.title:
        title_text, title_line = label.title, head.line
    elif rest and _is_title(rest[0].text):
        title_text, title_line = rest[0].text, rest.pop(0).line
    else:
        where = rest[0].line if rest else head.line
        problems.append(
            Problem(
                str(path),
                f"{label.label} has no title line after its label",
                line=where,
                field="title",
            )
        )
        part.blocks = rest
        return part
    part.title = clean_title(title_text)
    if part.title != title_text:
        repairs.append(
            Repair(part.id, title_line, f"joined the title broken across lines (line {title_line})")
        )
    part.blocks += _head(part, rest, path, problems)
    return part


def _trailing(part: Part, repairs: list[Repair]) -> list[Part]:
    """Split sections with a title and a byline (…编写) off the end of the last attachment."""
    body = part.blocks
    starts: list[int] = []
    for i in range(1, len(body) - 2):
        title, byline = body[i].text, body[i + 1].text
        if (
            body[i].kind == "text"
            and is_heading(title)
            and is_heading(byline)
            and len(byline) <= 30
            and _BYLINE.search(byline.replace(" ", ""))
            and not _is_split(body[i - 1].text)
            and (not starts or i >= starts[-1] + 3)
        ):
            starts.append(i)
    if not starts:
        return []
    sections = [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]
    part.blocks = body[: starts[0]]
    out = []
    for j, section in enumerate(sections, start=1):
        title = clean_title(section[0].text)
        extra = Part(f"k{j}", title, title, section[0].line, byline=clean_title(section[1].text))
        if title != section[0].text:
            what = f"joined the title broken across lines (line {extra.line})"
            repairs.append(Repair(extra.id, extra.line, what))
        extra.blocks = section[2:]
        out.append(extra)
    return out


def _signature(part: Part) -> None:
    """Issuer lines and a date at the end (contact lines may follow) become the part's metadata."""
    blocks = part.blocks
    i = len(blocks) - 1
    while i >= 0 and blocks[i].kind == "contact":
        i -= 1
    if i < 0 or blocks[i].kind != "text":
        return
    is_date, date = date_line(blocks[i].text)
    if not is_date or date is None:
        return
    j = i
    while j > 0 and i - j < 2 and blocks[j - 1].kind == "text" and _is_issuer(blocks[j - 1].text):
        j -= 1
    if not [b for b in blocks[:j] if b.kind != "moved"]:
        j = i  # nothing else would be left: the short lines are the text
    issuer = " ".join(b.text for b in blocks[j:i])
    for k in range(j, i):
        blocks[k] = _moved(blocks[k], "issuer (the signature)")
    blocks[i] = _moved(blocks[i], f"date {date.isoformat()} (the signature)")
    part.issuer = part.issuer or issuer or None
    part.published = part.published or date


# --- repairs ----------------------------------------------------------------------------------


def _join_split(first: str, second: str) -> tuple[str, tuple[str, str] | None]:
    """Join two halves; emphasis cut at the break runs on to the end of its sentence."""
    cut = re.search(r"\*\*([^*]+)\*\*$", first)
    if cut and not _ends_sentence(cut.group(1)):
        end = re.search(r"[。！？!?]", second)
        if end:
            head = first[: cut.start()] + "**" + cut.group(1)
            old = first[cut.start() :] + second[: end.end()]
            new = "**" + cut.group(1) + second[: end.end()] + "**"
            return head + second[: end.end()] + "**" + second[end.end() :], (old, new)
    return first + second, None


def _joinable(block: Block) -> bool:
    return block.kind == "text"


def _repair(part: Part, repairs: list[Repair]) -> None:
    """Join page-break splits, mend emphasis, remove stray spaces; record each change."""
    out: list[Block] = []
    for block in part.blocks:
        prev = out[-1] if out else None
        if prev and _joinable(prev) and _joinable(block) and _is_split(prev.text):
            joined, moved = _join_split(prev.text, block.text)
            repairs.append(
                Repair(
                    part.id,
                    prev.line,
                    f"joined the paragraph split at a page break (lines {prev.line} and "
                    f"{block.line}): …{prev.text[-8:]}|{block.text[:8]}…",
                )
            )
            if moved:
                repairs.append(
                    Repair(
                        part.id,
                        prev.line,
                        f"emphasis cut at the page break (line {prev.line}) now runs to the end "
                        "of its sentence",
                        *moved,
                    )
                )
            out[-1] = Block(prev.line, joined)
            continue
        out.append(block)
    for block in out:
        if block.kind == "moved":
            continue
        cleaned = _clean_body(block.text)
        if cleaned != block.text:
            repairs.append(
                Repair(part.id, block.line, f"removed spaces inside numbers (line {block.line})")
            )
            block.text = cleaned
        _unpaired_emphasis(part, block, repairs)
    part.blocks = out


def _unpaired_emphasis(part: Part, block: Block, repairs: list[Repair]) -> None:
    """A ``**`` with no partner would show as two stars: drop the last one, and say so."""
    if block.text.count("**") % 2 == 0:
        return
    k = block.text.rindex("**")
    start = max(0, k - 10)
    old = block.text[start : k + 12]
    new = old[: k - start] + old[k - start + 2 :]
    block.text = block.text[:k] + block.text[k + 2 :]
    repairs.append(
        Repair(
            part.id,
            block.line,
            f"removed an emphasis marker ** with no partner (line {block.line})",
            old,
            new,
        )
    )


def _headings(part: Part) -> None:
    """Short lines that introduce text are headings; a list of short items is paragraphs."""
    text = [b for b in part.text if b.kind == "text"]
    for b in text:
        b.heading = is_heading(b.text) and not b.text.startswith("#")
    for a, b in itertools.pairwise(text):
        style = _style(a.text)
        if a.heading and b.heading and style and style == _style(b.text):
            a.heading = b.heading = False  # 一、… 二、… with nothing between: list items
    for b in reversed(part.text):
        if not b.heading:
            break
        b.heading = False  # a heading must introduce some text
    if all(b.heading for b in text):
        for b in text:
            b.heading = False


def _style(text: str) -> str | None:
    """The kind of list mark a line starts with (一、 （一） 1. (1)), or ``None``."""
    mark = _LIST_MARK.match(text)
    if mark is None:
        return None
    return re.sub(r"[一二三四五六七八九十]+", "一", re.sub(r"\d+", "1", mark.group(0)))


# --- the notice's content ----------------------------------------------------------------------


def _categories(notice: Part) -> list[str]:
    for block in notice.text:
        m = _CATEGORIES.search(plain(block.text))
        if m:
            items = re.split(r"、|以及|及(?=[^时])", m.group("list"))
            return [i.strip() for i in items if i.strip()]
    return []


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？；!?;])", text) if s.strip()]


def _quote(sentence: str) -> str:
    return sentence.strip().rstrip("。；;") or sentence.strip()


def _format_sentences(notice: Part) -> list[tuple[int, Block, str]]:
    """The notice's sentences about how study is done, with their paragraph numbers."""
    found = []
    for number, block in notice.paragraphs():
        for sentence in _sentences(plain(block.text)):
            if "学习" in sentence and re.search("方式|形式|自学|集中学习", sentence):
                found.append((number, block, sentence))
    return found


def _online(sentence: str, doubts: list[str]) -> list[str]:
    """The channels of a ``结合学习强国、微信群等在线…`` phrase; a doubt if they cannot be read."""
    m = _ONLINE.search(sentence)
    online = [i.strip() for i in re.split(r"、|和|及", m.group("list")) if i.strip()] if m else []
    if (not m or any(len(i) > 15 for i in online)) and _ONLINE_HINT.search(sentence):
        doubts.append("the online channels: the sentence mentions them, but not as 结合…等在线")
        return []
    return online


def _study_format(notice: Part) -> StudyFormat:
    """The sentence of the notice that says how study is done, read only where it is certain."""
    found = _format_sentences(notice)
    if not found:
        number, block = notice.paragraphs()[0]
        first = _quote(_sentences(plain(block.text))[0])
        doubt = "no sentence of the notice states the study format"
        return StudyFormat(NEUTRAL, [], NEUTRAL, number, first, block.line, [doubt])
    doubts: list[str] = []
    modes = {m.group("mode").removesuffix("的") for _, _, s in found for m in _MODE.finditer(s)}
    with_mode = [f for f in found if _MODE.search(f[2])]
    number, block, sentence = with_mode[0] if with_mode else found[0]
    mode = modes.pop() if len(modes) == 1 else NEUTRAL
    if mode == NEUTRAL:
        named = f"names {len(modes)} ({'、'.join(sorted(modes))})" if modes else "has no 采取…方式"
        doubts.append(f"the mode: the notice {named}")
    online = _online(sentence, doubts)
    schedule = _SCHEDULE.search(sentence)
    if not schedule:
        doubts.append("the schedule: the sentence says nothing of 时间")
    when = schedule.group(0) if schedule else NEUTRAL
    return StudyFormat(mode, online, when, number, _quote(sentence), block.line, doubts)


# --- the packet ---------------------------------------------------------------------------------


def parse_packet(path: Path) -> Packet:
    """Parse and repair a packet; raises :class:`CourseInvalid` when its shape is wrong."""
    from coursekit.content import read_text

    problems: list[Problem] = []
    text = read_text(path, problems)
    if text is None:
        raise CourseInvalid(problems)
    repairs: list[Repair] = []
    notes: list[str] = []
    lines = _lines(text, repairs)
    line_count = len(text.rstrip("\n").split("\n")) if text.strip() else 0
    blocks = _blocks(lines, notes)
    if not blocks:
        raise CourseInvalid([Problem(str(path), "the packet is empty")])
    labels = _find_labels(blocks, notes)
    if not labels:
        raise CourseInvalid([_no_labels(path, blocks, line_count)])

    parts = _parts(blocks, labels, path, problems, repairs, notes)
    for part in parts:
        _finish(part, path, problems, repairs)
    if problems:
        raise CourseInvalid(problems)
    notice = parts[0]
    fmt = _study_format(notice)
    return Packet(path, text, line_count, parts, _categories(notice), fmt, repairs, notes)


def _parts(
    blocks: list[Block],
    labels: list[_Label],
    path: Path,
    problems: list[Problem],
    repairs: list[Repair],
    notes: list[str],
) -> list[Part]:
    """The notice, each attachment, and the sections after the last one."""
    parts = [_notice(blocks[: labels[0].index], path, problems, notes, repairs)]
    for k, label in enumerate(labels):
        if k and label.number != labels[k - 1].number + 1:
            problems.append(
                Problem(
                    str(path),
                    f"{label.label} follows {labels[k - 1].label}: attachments should be "
                    "numbered in order",
                    line=blocks[label.index].line,
                    field="label",
                )
            )
        end = labels[k + 1].index if k + 1 < len(labels) else len(blocks)
        parts.append(_attachment(label, blocks[:end], path, problems, repairs))
    extras = _trailing(parts[-1], repairs)
    notes += [
        f"{extra.id}: the section after the last attachment (line {extra.line}) "
        "became a module of its own"
        for extra in extras
    ]
    return parts + extras


def _finish(part: Part, path: Path, problems: list[Problem], repairs: list[Repair]) -> None:
    """A part's contact lines, signature, repairs and headings; no text at all is a problem."""
    for block in part.blocks:
        if block.kind == "text" and _CONTACT.match(block.text):
            block.kind = "contact"
    _signature(part)
    _repair(part, repairs)
    _headings(part)
    if not part.text:
        problems.append(
            Problem(
                str(path),
                f"{part.label or part.id} has no text after its title",
                line=part.line,
                field="text",
            )
        )
