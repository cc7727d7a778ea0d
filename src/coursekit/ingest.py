"""Turn a plain-text study packet into a course folder, or merge it into one ingest wrote.

:func:`ingest` claims the output folder before anything else
(:mod:`coursekit.outputs`: never the packet or a folder holding it, never a
folder someone else wrote), parses the packet (:mod:`coursekit.packet`) and
writes ``course.yaml``, ``modules/<id>.md`` for each part and
``INGEST-REPORT.md``, and an empty ``glossary.yaml`` where there is none (from
then on it is the trainer's).

A folder ingest wrote before is merged, and only with ``--force``. The module
text, and what the packet states (titles, labels, issuer, dates, sources, the
module list), come from the new packet; what the trainer decides (the course
id, the categories, each module's category, the study format, requirements
and policy) stays as the trainer left it. Each field is merged three ways
against what ingest wrote last time, which the folder's manifest keeps: a
field that only the packet changed is updated, one that only the trainer
changed is kept, and when both changed the owner named above wins and the
report says so. Questions, reflections, trainer notes, the glossary and any
other file that ingest did not write are never touched. Evidence quotes that
no longer stand in the new text are listed with their file and line.

The report lists every repair, every line kept as metadata rather than text,
and the guesses to check; :func:`coursekit.transcript.round_trip` then proves,
from the written files and the report alone, that every character of the
packet is in the course.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursekit.errors import CourseInvalid, Problem
from coursekit.outputs import Committed, OutputRefused, claim
from coursekit.packet import NEUTRAL, Block, Packet, Part, clean_title, parse_packet
from coursekit.transcript import REPORT, moved_item, repair_item, round_trip, stale_quotes

__all__ = [
    "Ingested",
    "course_id",
    "guess_category",
    "ingest",
    "module_markdown",
]

GLOSSARY = "glossary.yaml"
NO_ISSUER = "（未注明）"
# On a merge, a field that both the packet and the trainer changed comes from the packet
# when it is one of these; any other field stays as the trainer left it.
PACKET_COURSE_FIELDS = frozenset({"title", "issuer", "date", "modules", "notice_module"})
PACKET_MODULE_FIELDS = frozenset(
    {"id", "label", "title", "source", "published", "issuer", "byline"}
)
_ABSENT = object()
MERGED = (
    "The module text, titles, labels, sources, dates and the module list come from this "
    "packet. The course id, the categories, each module's category, the study format, "
    "requirements and policy stay as you left them, except as noted below. Questions, "
    "reflections, trainer notes, the glossary and every other file ingest did not write "
    "are untouched."
)


@dataclass
class Draft:
    """A course as data: course.yaml, each module's front matter and text, the guesses made."""

    course: dict[str, Any]
    fronts: dict[str, dict[str, Any]]
    bodies: dict[str, str]
    guesses: list[str]


@dataclass
class Ingested:
    """What :func:`ingest` did."""

    packet: Packet
    out: Path
    course_id: str
    merged: bool
    committed: Committed
    notes: list[str] = field(default_factory=list)  # what a merge kept, replaced or removed
    stale: list[str] = field(default_factory=list)  # evidence quotes that no longer stand
    differences: list[str] = field(default_factory=list)  # the round trip's findings


# --- categories -----------------------------------------------------------------------------


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


# --- the course as data ------------------------------------------------------------------------


def course_id(packet: Packet) -> str:
    """``packet-<date>-<hash>``: the notice's date and a hash of its issuer and title (ASCII)."""
    notice = packet.notice
    digest = hashlib.sha256(f"{notice.issuer or ''}\n{notice.title}".encode()).hexdigest()[:6]
    when = notice.published.isoformat() if notice.published else "undated"
    return f"packet-{when}-{digest}"


def _course_date(packet: Packet) -> dt.date:
    dates = [p.published for p in packet.parts if p.published]
    return packet.notice.published or (max(dates) if dates else dt.date.today())


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


def _body(part: Part) -> str:
    """A module's text: a paragraph a line, ``##`` before a heading, blank lines between."""
    lines: list[str] = []
    for block in part.text:
        lines += [f"## {clean_title(block.text)}" if block.heading else block.text, ""]
    return "\n".join(lines)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def module_markdown(front: Mapping[str, Any], body: str) -> str:
    """A module file: front matter, then the text."""
    return "\n".join(["---", _dump(dict(front)).rstrip("\n"), "---", "", body])


def _draft(packet: Packet) -> Draft:
    notice = packet.notice
    names = packet.categories or ["学习内容"]
    fronts: dict[str, dict[str, Any]] = {}
    bodies: dict[str, str] = {}
    guesses: list[str] = []
    for part in packet.parts:
        headings = [b.text for b in part.text if b.heading]
        index, sure = guess_category(part, names, headings, notice.title)
        fronts[part.id] = _front(part, f"c{index + 1}")
        bodies[part.id] = _body(part)
        guesses.append(f"{part.id}: c{index + 1} {names[index]}" + ("" if sure else " (uncertain)"))
    fmt = packet.study_format
    course = {
        "id": course_id(packet),
        "title": notice.title,
        "issuer": notice.issuer or NO_ISSUER,
        "date": _course_date(packet),
        "lang": "zh",
        "notice_module": notice.id,
        "modules": [p.id for p in packet.parts],
        "categories": [{"id": f"c{i}", "name": n} for i, n in enumerate(names, start=1)],
        "study_format": {
            "mode": fmt.mode,
            "online": fmt.online,
            "schedule": fmt.schedule,
            "evidence": {"module": notice.id, "paragraph": fmt.paragraph, "quote": fmt.quote},
        },
    }
    return Draft(course, fronts, bodies, guesses)


def _files(draft: Draft, header: str = "") -> dict[str, str]:
    files = {"course.yaml": header + _dump(_with_dates(draft.course, ("date",)))}
    for mid, front in draft.fronts.items():
        files[f"modules/{mid}.md"] = module_markdown(
            _with_dates(front, ("published",)), draft.bodies[mid]
        )
    return files


def _with_dates(data: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Dates read back as text (``2020-02-04``) written as YAML dates again, not as strings."""
    out = dict(data)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            # the trainer's impossible date stays as written; validate names it
            with contextlib.suppress(ValueError):
                out[key] = dt.date.fromisoformat(value)
    return out


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _record(packet: Packet, draft: Draft) -> dict[str, Any]:
    """What this ingest wrote, kept in the manifest: the base of the next merge."""
    record: dict[str, Any] = _jsonable(
        {
            "packet": {"name": packet.path.name, "id": course_id(packet)},
            "course": draft.course,
            "modules": draft.fronts,
            "bodies": {mid: _sha(body) for mid, body in draft.bodies.items()},
        }
    )
    return record


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- the report ---------------------------------------------------------------------------------


def _moved_lines(part: Part) -> list[tuple[Block, str]]:
    """The part's lines kept as metadata, each with where it stood relative to the text."""
    out = [(b, "before the title") for b in part.top]
    paragraphs, seen = 0, False
    for i, block in enumerate(part.blocks):
        if block.kind != "moved":
            seen = True
            paragraphs += not block.heading
            continue
        later = any(b.kind != "moved" for b in part.blocks[i + 1 :])
        where = "before the text" if not seen else f"after ¶{paragraphs}" if later else "at the end"
        out.append((block, where))
    return out


def _check_first(packet: Packet, draft: Draft, merging: bool) -> list[str]:
    notice, course = packet.notice, draft.course
    if merging:
        made = "as the course had it (see Merged below)"
    else:
        made = (
            "made from the notice's date and a hash of its issuer and title, so that each "
            "packet's course has an id of its own"
        )
    lines = [
        f"- **Course id** `{course.get('id')}`: {made}. Learner records carry it. Change it in "
        "`course.yaml` now if you want another (a-z, 0-9 and -), never once learners have "
        "started.",
        f"- **Title** {notice.title} (line {notice.line}); **issuer** {course.get('issuer')}; "
        f"**date** {course.get('date')}.",
    ]
    if not notice.issuer:
        lines.append(f"- The notice names no issuer: `course.yaml` says {NO_ISSUER}; fill it in.")
    if not notice.published:
        lines.append(
            f"- The notice has no date: `course.yaml` says {course['date']} "
            "(the latest date in the packet, or today); check it."
        )
    if merging:
        lines.append(
            "- **Study format, categories and each module's category**: yours, kept; "
            "the packet's reading of them is under Merged below where it differs."
        )
    else:
        lines += _guesses(packet, draft)
    lines += [f"- {n}" for n in packet.notes]
    return lines


def _guesses(packet: Packet, draft: Draft) -> list[str]:
    """The report's lines on the study format and the categories ingest read or guessed."""
    fmt, lines = packet.study_format, []
    where = f"overview ¶{fmt.paragraph}, line {fmt.line}"
    said = f"mode {fmt.mode}, online {'、'.join(fmt.online) or '—'}, schedule {fmt.schedule}"
    if fmt.doubts:
        lines.append(
            f"- **Study format: not certain, review it.** From {where}: {said}. Ingest could "
            f"not read {'; '.join(fmt.doubts)}; `course.yaml` says {NEUTRAL} there. "
            f"The evidence quotes the sentence: {fmt.quote}"
        )
    else:
        lines.append(f"- **Study format** from {where}: {said}. Check it.")
    if packet.categories:
        names = "; ".join(f"c{i} {n}" for i, n in enumerate(packet.categories, start=1))
        lines.append(f"- **Categories** from the notice: {names}.")
    else:
        lines.append(
            "- **Categories: the notice lists none** (no 包括…等方面): `course.yaml` has one, "
            "学习内容; replace it with the notice's."
        )
    lines.append("- **Each module's category** (guessed; review them):")
    lines += [f"  - {g}" for g in draft.guesses]
    return lines


def _report(packet: Packet, draft: Draft, merge_notes: list[str] | None, stale: list[str]) -> str:
    lines = ["# Ingest report", "", f"Packet: `{packet.path.name}`, {packet.line_count} lines."]
    merging = merge_notes is not None
    lines += ["", "## Check these first", "", *_check_first(packet, draft, merging)]
    lines += ["", "## Repairs", ""]
    lines += [repair_item(r.part, r.line, r.what, r.old, r.new) for r in packet.repairs]
    if not packet.repairs:
        lines.append("- none")
    lines += ["", "## Lines kept as metadata, not as text", ""]
    for part in packet.parts:
        for block, where in _moved_lines(part):
            lines.append(moved_item(block.line, part.id, where, block.text, block.becomes))
    if merge_notes is not None:
        lines += ["", "## Merged into the course ingest wrote before", "", MERGED, *merge_notes]
    if stale:
        lines += ["", "## Evidence quotes that no longer stand in the new text", ""]
        lines += [f"- {s}" for s in stale]
    return "\n".join(lines) + "\n"


def _round_trip_section(differences: list[str]) -> str:
    lines = ["", "## Round trip", ""]
    if differences:
        lines += [f"- {d}" for d in differences]
    else:
        lines.append(
            "- Every character of the packet is in the course, apart from the repairs and the "
            "lines kept as metadata listed above."
        )
    return "\n".join(lines) + "\n"


# --- merging into a course ingest wrote before ----------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    if a is _ABSENT or b is _ABSENT:
        return a is b
    return bool(_jsonable(a) == _jsonable(b))


def _shown(value: Any) -> str:
    return "nothing" if value is _ABSENT else json.dumps(_jsonable(value), ensure_ascii=False)


def _three_way(
    base: Mapping[str, Any],
    current: Mapping[str, Any],
    new: Mapping[str, Any],
    packet_fields: frozenset[str],
    where: str,
    notes: list[str],
) -> dict[str, Any]:
    """Merge one mapping's fields; see the module docstring for who wins."""
    out: dict[str, Any] = {}
    for key in [*new, *(k for k in current if k not in new)]:
        b, c, n = base.get(key, _ABSENT), current.get(key, _ABSENT), new.get(key, _ABSENT)
        if _same(n, b):
            value = c  # the packet did not change it: the trainer's, edited or not
        elif _same(c, b) or _same(c, n):
            value = n  # only the packet changed it
        elif key in packet_fields:
            value = n
            notes.append(f"- {where}: `{key}` from the packet, {_shown(n)}; yours was {_shown(c)}")
        else:
            value = c
            notes.append(f"- {where}: `{key}` kept as you set it; the packet now gives {_shown(n)}")
        if value is not _ABSENT:
            out[key] = value
    return out


def _read_doc(path: Path, front: bool = False) -> dict[str, Any] | None:
    """A YAML file (or a module's front matter) of the course as it is now; ``None`` if absent."""
    from coursekit.content import parse_module, parse_yaml, read_text

    if not path.exists():
        return None
    problems: list[Problem] = []
    text = read_text(path, problems)
    doc = None
    if text is not None:
        doc = parse_module(path, text, problems)[0] if front else parse_yaml(path, text, problems)
    if doc is not None and not isinstance(doc.data, dict):
        problems.append(Problem(str(path), "should be a mapping of fields", line=1))
    if problems or doc is None:
        problems.append(
            Problem(str(path), "cannot be merged until it reads again; fix it or move it away")
        )
        raise CourseInvalid(problems)
    return dict(doc.data)


def _merge_modules(
    base: list[str], current: list[str], merged: list[str], notes: list[str]
) -> list[str]:
    """The packet's module list, with the modules the trainer added kept where they stood."""
    out = list(merged)
    for i, mid in enumerate(current):
        if mid in base or mid in out:
            continue
        after = next((m for m in reversed(current[:i]) if m in out), None)
        out.insert(out.index(after) + 1 if after else 0, mid)
        notes.append(f"- course.yaml: your module `{mid}` kept in `modules`")
    return out


def _merge_course(draft: Draft, root: Path, base: Mapping[str, Any], notes: list[str]) -> str:
    """Merge course.yaml into ``draft.course``; returns the file's leading comment lines."""
    current = _read_doc(root / "course.yaml")
    if current is None:
        return ""
    old = dict(base.get("course") or {})
    draft.course = _three_way(
        old, current, draft.course, PACKET_COURSE_FIELDS, "course.yaml", notes
    )
    draft.course["modules"] = _merge_modules(
        list(old.get("modules") or []),
        [str(m) for m in current.get("modules") or []],
        list(draft.course.get("modules") or []),
        notes,
    )
    text = (root / "course.yaml").read_text(encoding="utf-8", errors="replace")
    return "".join(itertools.takewhile(lambda x: x.startswith("#"), text.splitlines(True)))


def _merge_module(
    mid: str, draft: Draft, root: Path, base: Mapping[str, Any], notes: list[str]
) -> None:
    path = root / "modules" / f"{mid}.md"
    current = _read_doc(path, front=True)
    if current is None:
        return
    old = (base.get("modules") or {}).get(mid) or {}
    where = f"modules/{mid}.md"
    draft.fronts[mid] = _three_way(
        old, current, draft.fronts[mid], PACKET_MODULE_FIELDS, where, notes
    )
    body = path.read_text(encoding="utf-8", errors="replace").split("\n---\n", 1)[-1].lstrip("\n")
    if _sha(body) != (base.get("bodies") or {}).get(mid) and body != draft.bodies[mid]:
        new = set(draft.bodies[mid].split("\n"))
        lost = [x for x in body.split("\n") if x.strip() and x not in new]
        notes.append(
            f"- {where}: the text had been edited by hand; it is the packet's again. "
            f"Your lines that the packet does not have ({len(lost)}), verbatim:"
        )
        notes += [f"  - `{x}`" for x in lost]


def _fix_categories(draft: Draft, notes: list[str]) -> None:
    """A module whose category the merged course does not have gets a new guess among its own."""
    cats = [c for c in draft.course.get("categories") or [] if isinstance(c, dict)]
    ids = [str(c.get("id")) for c in cats]
    if not ids:
        return
    for mid, front in draft.fronts.items():
        if front.get("category") in ids:
            continue
        part = Part(mid, str(front.get("label", "")), str(front.get("title", "")), 0)
        index, _ = guess_category(part, [str(c.get("name", "")) for c in cats], [], "")
        front["category"] = ids[index]
        notes.append(
            f"- modules/{mid}.md: `category` guessed as {ids[index]} among your categories"
        )


def _merge(
    draft: Draft,
    output_path: Path,
    base: Mapping[str, Any],
    owned: Mapping[str, str],
    packet: Packet,
) -> tuple[str, list[str], dict[str, bytes]]:
    """Merge the draft into the folder's course: the header, the notes, the files kept as is."""
    notes: list[str] = []
    handed = set(base.get("kept") or [])  # files kept for the trainer by an earlier merge
    before = base.get("packet") or {}
    if before.get("id") and before["id"] != course_id(packet):
        notes.append(
            f"- This packet is not the one the course was made from ({before.get('name')}): "
            "if it is next month's, ingest it into a new folder instead, so that the learner "
            "records of the two stay apart."
        )
    header = _merge_course(draft, output_path, base, notes)
    for mid in draft.fronts:
        _merge_module(mid, draft, output_path, base, notes)
    _fix_categories(draft, notes)
    kept: dict[str, bytes] = {}
    for rel, digest in owned.items():
        mid = rel.removeprefix("modules/").removesuffix(".md")
        if not (rel.startswith("modules/") and rel.endswith(".md")) or mid in draft.fronts:
            continue
        path = output_path / rel
        theirs = " Your" if (output_path / "modules" / f"{mid}.yaml").exists() else ""
        edited = path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != digest
        if path.is_file() and (edited or rel in handed):
            kept[rel] = path.read_bytes()
            notes.append(
                f"- {rel}: the packet no longer has `{mid}`; the file was edited, so it is kept "
                "(remove it yourself)"
            )
        else:
            notes.append(
                f"- {rel}: removed, the packet no longer has `{mid}`."
                + (f"{theirs} modules/{mid}.yaml is kept: move or delete it." if theirs else "")
            )
    return header, notes, kept


# --- ingest ------------------------------------------------------------------------------


def _check_fresh(files: Mapping[str, bytes], out: Path) -> None:
    """Load the new course from a scratch folder; refuse, naming ``out``, if it is not valid."""
    from coursekit.content import load_course

    with tempfile.TemporaryDirectory(prefix=".ingest-check-") as scratch:
        root = Path(scratch) / "course"
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        try:
            load_course(root)
        except CourseInvalid as exc:
            raise CourseInvalid(
                [
                    Problem(p.file.replace(str(root), str(out)), p.message, p.line, p.field)
                    for p in exc.problems
                ]
            ) from None


def ingest(packet_path: Path, out: Path, force: bool = False) -> Ingested:
    """Write (or, with ``force``, merge into) the course folder ``out`` for the packet."""
    # Ingest asks for --force on any folder it wrote before, changed or not, with a message
    # of its own; so claim's own check of changed files is not wanted here.
    output = claim(out, "ingest", inputs=[packet_path], force=True)
    merging = bool(output.owned)
    if merging and not force:
        raise OutputRefused(
            f"{out}: holds a course that coursekit ingest wrote before; use --force to merge "
            "this packet into it (questions, reflections, notes, the glossary and your edits "
            "to course.yaml and the modules' front matter are kept)"
        )
    packet = parse_packet(packet_path)
    draft = _draft(packet)
    record = _record(packet, draft)
    header, notes, kept = "", list[str](), dict[str, bytes]()
    if merging:
        base = output.extra.get("ingest")  # what ingest wrote here last time
        base = base if isinstance(base, dict) else {}
        header, notes, kept = _merge(draft, output.path, base, output.owned, packet)
        record["kept"] = sorted(kept)
    files = _files(draft, header)
    stale = stale_quotes(files, output.path, out) if merging else []
    report = _report(packet, draft, notes if merging else None, stale)
    differences = round_trip(packet.text, {**files, REPORT: report})
    files[REPORT] = report + _round_trip_section(differences)
    data = {rel: text.encode() for rel, text in files.items()} | kept
    # An empty glossary where there is none; from then on it is the trainer's, not ingest's.
    seed = {GLOSSARY: _dump({"terms": []}).encode()}
    if not merging:
        _check_fresh({**data, **seed}, out)
    committed = output.commit(data, extra={"ingest": record}, seed=seed)
    course = str(draft.course.get("id"))
    return Ingested(packet, out, course, merging, committed, notes, stale, differences)
