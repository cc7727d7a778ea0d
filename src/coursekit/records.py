"""Learner records: a learner's whole study, as one file for the trainer.

A record is schema-versioned JSON: the course id and content version, the
learner, and per module the read status, every checkpoint attempt with its
time, and the reflection texts, sealed with a sha256 checksum of everything
else. It is a pure function of the store, so export → import → export gives
the same bytes. A readable HTML page of the same record is for the learner's
phone. Records are read as JSON only, never unpickled, and checked before use.

What the seal is, and is not
    The checksum is an unkeyed sha256 that anyone can recompute. It detects
    damage (a file truncated or edited by accident), not authorship: a learner
    can change a record and seal it again. So a record is input, never truth.
    The report grades every attempt again from the course's key and never reads
    the record's own ``correct`` flags; the learner's name is what the file
    says, and only a shared store behind the hub can vouch for who it is.

Course updates
    A record may name modules, checkpoints or reflections that a later version
    of the course no longer has. Such a record is accepted: :func:`retired_items`
    lists those items, ``record import`` keeps them in the store, and the report
    lists them as no longer in the course and counts only current items.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coursekit.answers import STAMP_PATTERN as _STAMP_PATTERN
from coursekit.answers import STAMP_SHAPE as _STAMP_SHAPE
from coursekit.answers import parse_time
from coursekit.atomic import write_atomic
from coursekit.errors import RecordInvalid
from coursekit.grading import grade
from coursekit.html import record_page
from coursekit.html.study import RECORD_PAGE_MARKS
from coursekit.intake import MAX_BYTES, read_regular, without_bom
from coursekit.model import Course
from coursekit.store import Attempt, LearnerDump, LearnerStore, Read, RestoreCounts, SavedReflection

__all__ = [
    "MAX_BYTES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "LearnerRecord",
    "RetiredItem",
    "export_record",
    "import_record",
    "parse_record",
    "read_record",
    "retired_items",
    "write_record",
]

SCHEMA = "coursekit.learner-record"
#: Version 2 adds the learner's display name and branch (支部) beside the learner id;
#: version 1 records (the learner's name was their id) are still read.
SCHEMA_VERSION = 2
MAX_TEXT = 200_000
# Far above any real study (85 checkpoints, a few tries each), far below what 8 MiB can hold:
# each attempt costs the report about 0.5 KB of memory, so this bounds a record's cost too.
MAX_ATTEMPTS = 5_000
# Learners' clocks drift; a time this far ahead of the reader's clock is still taken.
CLOCK_SKEW = dt.timedelta(minutes=10)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# An ISO 8601 time with its zone. Its shape is checked in pydantic's core; that it names a
# real moment, not in the future, is checked once per record by _check_times.
Timestamp = Annotated[str, Field(pattern=_STAMP_PATTERN)]


class RecordAttempt(_Frozen):
    checkpoint: str = Field(min_length=1, max_length=80)
    answer: str | bool | list[str] | dict[str, str | None] | None
    correct: bool
    at: Timestamp


class RecordReflection(_Frozen):
    reflection: str = Field(min_length=1, max_length=80)
    text: str = Field(max_length=MAX_TEXT)
    updated_at: Timestamp


class RecordModule(_Frozen):
    module: str = Field(min_length=1, max_length=80)
    read_at: Timestamp | None = None
    attempts: list[RecordAttempt] = Field(default_factory=list, max_length=MAX_ATTEMPTS)
    reflections: list[RecordReflection] = Field(default_factory=list, max_length=100)


class RecordCourse(_Frozen):
    id: str
    title: str
    version: str


class LearnerRecord(_Frozen):
    """The record file, as validated on import and in the report."""

    schema_: Literal["coursekit.learner-record"] = Field(alias="schema")
    schema_version: Literal[1, 2]
    course: RecordCourse
    learner: str = Field(min_length=1, max_length=200)
    # version 2: how the learner is shown, and their branch (支部); what the learner's
    # own store said, so the report prefers a roster's names where it has one
    name: str | None = Field(default=None, min_length=1, max_length=200)
    branch: str | None = Field(default=None, min_length=1, max_length=200)
    last_activity: Timestamp | None
    modules: list[RecordModule] = Field(max_length=500)
    checksum: str

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    def to_dump(self, course: Course | None = None) -> LearnerDump:
        """The store rows this record restores.

        With ``course``, each attempt at a checkpoint the course has is graded
        again from its key, so the store never takes a record's word for it.
        """
        cid = self.course.id
        key = {q.id: q for _, q in course.all_checkpoints()} if course is not None else {}

        def correct(a: RecordAttempt) -> bool:
            question = key.get(a.checkpoint)
            return a.correct if question is None else grade(question, a.answer)

        return LearnerDump(
            learner=self.learner,
            name=self.name,
            branch=self.branch,
            reads=tuple(
                Read(self.learner, cid, m.module, m.read_at) for m in self.modules if m.read_at
            ),
            attempts=tuple(
                Attempt(self.learner, cid, m.module, a.checkpoint, a.answer, correct(a), a.at)
                for m in self.modules
                for a in m.attempts
            ),
            reflections=tuple(
                SavedReflection(self.learner, cid, m.module, r.reflection, r.text, r.updated_at)
                for m in self.modules
                for r in m.reflections
            ),
        )


def _checksum(body: dict[str, Any]) -> str:
    """sha256 of the record without its checksum, serialised the one way the model does."""
    sealed = LearnerRecord.model_validate({**body, "checksum": ""}, strict=False)
    return _seal(sealed)


def _seal(record: LearnerRecord) -> str:
    # A version 1 record was sealed before it had a name and a branch.
    exclude = {"checksum"} if record.schema_version > 1 else {"checksum", "name", "branch"}
    canonical = record.model_dump_json(by_alias=True, exclude=exclude)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def export_record(course: Course, store: LearnerStore, learner: str) -> dict[str, Any]:
    """The record of ``learner`` in ``course``, as a JSON-ready dict with its checksum."""
    dump = store.dump(learner, course.id)
    who = store.learner(learner)
    reads = {r.module: r.done_at for r in dump.reads}
    modules = []
    known = [m.id for m in course.modules]
    touched = {a.module for a in dump.attempts} | {r.module for r in dump.reflections} | set(reads)
    stamps: list[str] = []
    for module_id in [*known, *sorted(touched - set(known))]:
        attempts: list[dict[str, Any]] = [
            {"checkpoint": a.checkpoint_id, "answer": a.answer, "correct": a.correct, "at": a.at}
            for a in dump.attempts
            if a.module == module_id
        ]
        reflections: list[dict[str, Any]] = [
            {"reflection": r.reflection_id, "text": r.text, "updated_at": r.updated_at}
            for r in dump.reflections
            if r.module == module_id
        ]
        read_at = reads.get(module_id)
        stamps += [a["at"] for a in attempts] + [r["updated_at"] for r in reflections]
        stamps += [read_at] if read_at else []
        modules.append(
            {
                "module": module_id,
                "read_at": read_at,
                "attempts": attempts,
                "reflections": reflections,
            }
        )
    body: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "course": {"id": course.id, "title": course.title, "version": course.version},
        "learner": learner,
        "name": who.name if who is not None else learner,
        "branch": who.branch if who is not None else None,
        "last_activity": max(stamps) if stamps else None,
        "modules": modules,
    }
    return {**body, "checksum": _checksum(body)}


def record_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=1) + "\n"


def write_record(course: Course, record: dict[str, Any], path: Path) -> tuple[Path, Path]:
    """Write the record as JSON at ``path`` and as HTML beside it; both atomically."""
    page = path.with_suffix(".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, record_json(record))
    write_atomic(page, record_page(course, record))
    return path, page


def parse_record(
    data: bytes,
    source: str | Path,
    course: Course | None = None,
    *,
    now: dt.datetime | None = None,
) -> LearnerRecord:
    """Check a record file's bytes; :class:`RecordInvalid` says what is wrong with it.

    Every time in the record must be a real one, no later than ``now`` (the
    reader's clock, by default the current time) plus :data:`CLOCK_SKEW`.
    With a ``course``, the record must be of that course; items the course no
    longer has are allowed (see :func:`retired_items`).
    """
    if len(data) > MAX_BYTES:
        raise RecordInvalid(source, f"too large ({len(data):,} bytes; the limit is {MAX_BYTES:,})")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordInvalid(
            source, "not a text file (binary data): a record is UTF-8 JSON"
        ) from None
    try:
        # pydantic parses and checks the JSON in one pass, in its core: no Python objects
        # are built for a file that is not a record.
        record = LearnerRecord.model_validate_json(data)
    except ValidationError as exc:
        raise RecordInvalid(source, _reason(exc)) from None
    if record.schema_version == 1 and (record.name is not None or record.branch is not None):
        raise RecordInvalid(source, "a version 1 record has no name or branch fields")
    if _seal(record) != record.checksum:
        raise RecordInvalid(source, "checksum does not match: the file was changed after export")
    attempts = sum(len(m.attempts) for m in record.modules)
    if attempts > MAX_ATTEMPTS:
        raise RecordInvalid(
            source, f"holds {attempts:,} attempts; a record holds at most {MAX_ATTEMPTS:,}"
        )
    _check_times(record, source, now or dt.datetime.now(dt.timezone.utc))
    if course is not None and record.course.id != course.id:
        raise RecordInvalid(
            source, f"a record of course {record.course.id!r}, not of {course.id!r}"
        )
    return record


def _stamps(record: LearnerRecord) -> Iterator[tuple[str, str]]:
    """(field, time) for every time the record holds."""
    if record.last_activity:
        yield "last_activity", record.last_activity
    for i, m in enumerate(record.modules):
        if m.read_at:
            yield f"modules.{i}.read_at", m.read_at
        for j, a in enumerate(m.attempts):
            yield f"modules.{i}.attempts.{j}.at", a.at
        for j, r in enumerate(m.reflections):
            yield f"modules.{i}.reflections.{j}.updated_at", r.updated_at


def _check_times(record: LearnerRecord, source: str | Path, now: dt.datetime) -> None:
    latest = now + CLOCK_SKEW
    # Each distinct time once; only a record with a bad one is walked field by field,
    # to name the first bad field.
    distinct = {record.last_activity} if record.last_activity else set()
    for m in record.modules:
        if m.read_at:
            distinct.add(m.read_at)
        distinct.update(a.at for a in m.attempts)
        distinct.update(r.updated_at for r in m.reflections)
    try:
        if all(parse_time(stamp) <= latest for stamp in distinct):
            return
    except ValueError:
        pass
    for where, stamp in _stamps(record):
        try:
            moment = parse_time(stamp)
        except ValueError as exc:
            raise RecordInvalid(source, f"field {where}: {exc}") from None
        if moment > latest:
            raise RecordInvalid(
                source,
                f"field {where}: {stamp} is in the future "
                f"(it is now {now.isoformat(timespec='seconds')})",
            )


@dataclass(frozen=True)
class RetiredItem:
    """A module, checkpoint or reflection that a record names and the course no longer has."""

    kind: Literal["module", "checkpoint", "reflection"]
    module: str
    item: str


def retired_items(record: LearnerRecord, course: Course) -> list[RetiredItem]:
    """The modules, checkpoints and reflections of ``record`` that ``course`` no longer has."""
    modules, checkpoints, reflections = _known_ids(course)
    found: list[RetiredItem] = []
    for m in record.modules:
        if m.module not in modules:
            found.append(RetiredItem("module", m.module, m.module))
        found += [
            RetiredItem("checkpoint", m.module, checkpoint)
            for checkpoint in dict.fromkeys(a.checkpoint for a in m.attempts)
            if checkpoint not in checkpoints
        ]
        found += [
            RetiredItem("reflection", m.module, r.reflection)
            for r in m.reflections
            if r.reflection not in reflections
        ]
    return found


@functools.lru_cache(maxsize=8)
def _known_ids(course: Course) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    return (
        frozenset(m.id for m in course.modules),
        frozenset(q.id for _, q in course.all_checkpoints()),
        frozenset(r.id for m in course.modules for r in m.reflections),
    )


def _reason(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    if first["type"] == "json_invalid":
        found = re.search(r"line \d+ column \d+", first["msg"])
        return "not valid JSON (truncated or damaged)" + (f" at {found.group(0)}" if found else "")
    by_field = {e["loc"][0]: e for e in errors if e["loc"]}
    if "schema" in by_field or first["type"] == "model_type":
        return "not a coursekit learner record"
    if "schema_version" in by_field:
        found = by_field["schema_version"].get("input")
        return (
            f"schema version {found!r} is not supported "
            f"(this coursekit reads versions 1 to {SCHEMA_VERSION})"
        )
    where = ".".join(str(p) for p in first["loc"])
    if first.get("ctx", {}).get("pattern") == _STAMP_PATTERN:
        return f"field {where}: {_STAMP_SHAPE}"
    return f"field {where}: {first['msg']}"


def read_record(path: Path, course: Course | None = None) -> LearnerRecord:
    """Read and check one record file: a regular file of at most MAX_BYTES, a BOM allowed."""
    return parse_record(without_bom(read_regular(path, MAX_BYTES)), path, course)


def import_record(
    store: LearnerStore, record: LearnerRecord, course: Course | None = None
) -> RestoreCounts:
    """Restore a checked record into ``store``; what is already there is kept.

    With ``course``, attempts are graded again from its key on the way in.
    """
    return store.restore(record.to_dump(course))


# --- where a record may be written -------------------------------------------------------------


# What SQLite keeps beside a store file.
_STORE_FILES = ("-wal", "-shm", "-journal")


def _store_file(store: str | None) -> Path | None:
    """The file ``open_store(store)`` opens (``$COURSEKIT_STORE`` or the default when
    ``None``), or ``None`` for a store in memory or on a database server."""
    from coursekit.store import store_target

    target = store_target(store)
    if target in (":memory:", "sqlite://", "sqlite:///:memory:") or target.startswith(
        ("postgresql://", "postgresql+psycopg://", "postgres://")
    ):
        return None
    return Path(target.removeprefix("sqlite:///"))


def _is_record_file(path: Path) -> bool:
    """Whether ``path`` holds a learner record (checked or not): JSON of the record schema."""
    try:
        data = json.loads(without_bom(read_regular(path, MAX_BYTES)))
    except (RecordInvalid, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("schema") == SCHEMA


def _is_record_page(path: Path) -> bool:
    """Whether ``path`` holds a page :func:`coursekit.html.record_page` wrote."""
    try:
        text = read_regular(path, 4 * MAX_BYTES).decode("utf-8")
    except (RecordInvalid, UnicodeDecodeError):
        return False
    return text.startswith("<!DOCTYPE html>") and all(m in text for m in RECORD_PAGE_MARKS)


def check_export_target(out: Path, store: str | None) -> Path:
    """Refuse, before the store is opened, to write a record where it would destroy a file.

    ``out`` and the page beside it may each be new, or a record (or record page)
    written before; never the store, nor anything else, nor inside a published
    site (a record holds the learner's name and work). Returns the page's path.
    """
    from coursekit.outputs import OutputRefused, check_writable, refuse_public

    if out.suffix.lower() in (".html", ".htm"):
        raise OutputRefused(
            f"{out}: --out names the JSON file (such as record.json); "
            "the readable page is written beside it as .html"
        )
    page = out.with_suffix(".html")
    refuse_public(out)
    db = _store_file(store)
    if db is not None:
        taken = {db.resolve(), *(db.resolve().with_name(db.name + s) for s in _STORE_FILES)}
        for path in (out, page):
            if path.resolve() in taken:
                raise OutputRefused(f"{path}: is the learner store; choose another --out")
    for path, ours, what in ((out, _is_record_file, "record"), (page, _is_record_page, "page")):
        if not os.path.lexists(path):
            continue
        if path.is_symlink() or not path.is_file() or not ours(path):
            raise OutputRefused(
                f"{path}: exists and is not a coursekit learner {what}; nothing was written: "
                "choose another --out, or move the file away"
            )
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputRefused(f"{out}: {parent} is not a folder")
    check_writable(parent)
    return page
