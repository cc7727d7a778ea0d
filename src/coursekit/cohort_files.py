"""Learners' record files checked in worker processes, each reduced to what the report counts.

The report and the ledger need, of every record they keep, far less than the
record: who it is, how much work it holds, each distinct answer graded once from
the course's key, what was read and written, and the items the course no longer
has. A worker parses and checks a record (:func:`coursekit.records.parse_record`)
and hands back that :class:`RecordSummary`; the record itself never leaves it.

The files are read in this process, within :mod:`coursekit.intake`'s limits,
and sent to the workers as bytes, a few dozen files at a time, with only a few
such batches in flight: memory holds the summaries kept so far, not every record
read. Results come back in the order the files were read, whichever worker
finished first, so the skipped files and the choice among one learner's records
stay the same as when one process reads everything.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, TypeAlias

from coursekit.answers import Answer, time_bounds
from coursekit.errors import CheckingStopped, RecordInvalid
from coursekit.grading import grade
from coursekit.intake import Source, record_sources
from coursekit.model import Course
from coursekit.records import LearnerRecord, parse_record, retired_items

__all__ = [
    "CHUNK_BYTES",
    "CHUNK_FILES",
    "Checked",
    "RecordSummary",
    "checked_records",
    "report_workers",
    "work_done",
]

#: A batch sent to a worker: this many files, or fewer when they reach CHUNK_BYTES.
#: Fewer files than one batch are checked in this process: no pool to start.
CHUNK_FILES = 64
CHUNK_BYTES = 8 * 1024 * 1024
#: Batches in flight per worker; more gain nothing and hold more bytes.
_IN_FLIGHT = 2

# ((checkpoint, the answer as a key), the answer): one object for each in a batch
Wrong: TypeAlias = "tuple[tuple[str, Hashable], Answer]"
# (module of the prompt, reflection prompt, text, updated_at)
WrittenText: TypeAlias = "tuple[str, str, str, str]"


@dataclass(frozen=True)
class RecordSummary:
    """What the report and the ledger use of one checked record, graded from the course's key.

    ``answered`` holds each checkpoint of the course the learner answered, in
    the order first answered, and ``first_right`` and ``ever_right`` those
    answered right at the first try and at some try, graded from the course's
    key; ``wrong`` each distinct wrong answer once, in the order first given,
    and ``wrong_at`` the earliest time each was given; ``written`` each
    reflection with text under one of the course's prompts, in record order;
    ``reads`` the modules the course has that were read. ``first_at`` and
    ``last_at`` bound every time in the record that counts as work.

    Equal ids, answers and times within a batch are one object (see
    :class:`_Shared`), so that a batch carries and its summaries hold each once.
    """

    learner: str
    name: str | None
    branch: str | None
    version: str  # the record's content version
    work: int  # see work_done
    reads: tuple[tuple[str, str], ...]  # (module, read_at)
    answered: tuple[str, ...]
    first_right: tuple[str, ...]
    ever_right: tuple[str, ...]
    wrong: tuple[Wrong, ...]
    wrong_at: tuple[str, ...]
    written: tuple[WrittenText, ...]
    retired: tuple[tuple[str, str, str], ...]  # (module, kind, item)
    first_at: str | None
    last_at: str | None


# (name to show, the summary, None) for a record kept for the choice, (name, None, why) if not.
Checked: TypeAlias = "tuple[str, RecordSummary | None, str | None]"


def work_done(record: LearnerRecord) -> int:
    """How much a record holds, counted the way ``restore`` merges it.

    Every attempt (restore keeps each one), every module read and every
    reflection with text. Dates are not counted: a learner's file can claim any.
    """
    return sum(
        len(m.attempts) + (m.read_at is not None) + sum(1 for r in m.reflections if r.text.strip())
        for m in record.modules
    )


def token(answer: Answer) -> Hashable:
    """An answer as a dictionary key: equal answers, equal keys (as the store's canonical JSON)."""
    if isinstance(answer, list):
        return ("list", *answer)
    if isinstance(answer, dict):
        return ("dict", *sorted(answer.items(), key=lambda kv: kv[0]))
    return (type(answer).__name__, answer)


class _Shared(dict[Any, Any]):
    """One object for equal values, within a batch: pickle then sends each once, and the
    summaries unpickled from it share it, where each record's parse made its own copy."""

    def __init__(self) -> None:
        super().__init__()
        self.wrong: dict[tuple[str, Hashable], Wrong] = {}  # (checkpoint, key) -> Wrong

    def __call__(self, value: Any) -> Any:
        return self.setdefault(value, value)


class _Key:
    """The course's ids and answer key, and the verdicts of answers graded so far."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.questions = {q.id: q for _, q in course.all_checkpoints()}
        self.ids = {q: q for q in self.questions}  # the course's own id objects, shared
        self.prompts = {r.id: m.id for m in course.modules for r in m.reflections}
        self.modules = {m.id for m in course.modules}
        # grade(), remembered: a cohort gives the same answers often
        self.known: dict[tuple[str, Hashable], bool] = {}


def summarise(record: LearnerRecord, key: _Key, one: _Shared | None = None) -> RecordSummary:
    """The :class:`RecordSummary` of a checked record, counted as
    :func:`coursekit.store.cohort.cohort_counts` counts a store."""
    from coursekit.store.cohort import BLANK

    one = _Shared() if one is None else one
    share, shared_wrong = one.setdefault, one.wrong.setdefault
    questions, ids, known, prompts = key.questions, key.ids, key.known, key.prompts
    # each distinct answer once, with the time it was first given, in the order given
    given: dict[tuple[str, Hashable], tuple[str, Answer, bool]] = {}
    reads: dict[str, str] = {}
    written: list[WrittenText] = []
    stamps: list[str] = []
    work = 0  # as work_done counts it, in the same pass
    retired = False  # whether the record names anything the course no longer has
    for m in record.modules:
        known_module = m.module in key.modules
        retired = retired or not known_module
        if m.read_at is not None:
            work += 1
            stamps.append(m.read_at)
            if known_module:
                reads[m.module] = m.read_at
        work += len(m.attempts)
        for a in m.attempts:
            at = a.at
            stamps.append(at)
            question = questions.get(a.checkpoint)
            if question is None:
                retired = True
                continue
            answer = a.answer
            answer_key = ("str", answer) if answer.__class__ is str else token(answer)
            given_key = (ids[a.checkpoint], answer_key)
            held = given.get(given_key)
            if held is None or at < held[0]:
                right = known.get(given_key)
                if right is None:
                    right = known[given_key] = grade(question, answer)
                given[given_key] = (at, answer, right)
        for r in m.reflections:
            text = r.text
            if text.strip():
                work += 1
            if r.reflection not in prompts:
                retired = True
            if text.strip(BLANK):
                stamps.append(r.updated_at)
                if r.reflection in prompts:
                    written.append(
                        (
                            share(prompts[r.reflection], prompts[r.reflection]),
                            share(r.reflection, r.reflection),
                            text,
                            share(r.updated_at, r.updated_at),
                        )
                    )
    first: dict[str, tuple[str, bool]] = {}
    ever: dict[str, bool] = {}
    wrong: list[Wrong] = []
    wrong_at: list[str] = []
    for given_key, (at, answer, right) in given.items():
        checkpoint = given_key[0]
        held_first = first.get(checkpoint)
        if held_first is None or at < held_first[0]:
            first[checkpoint] = (at, right)
        if right:
            ever[checkpoint] = True
        else:
            ever.setdefault(checkpoint, False)
            # one ((checkpoint, key), answer) for an answer given again in the batch; a
            # matching answer keeps its own: pairs in another order are one answer, shown
            # in the order given
            shared_key = share(given_key, given_key)
            if isinstance(answer, dict):
                wrong.append((shared_key, answer))
            else:
                wrong.append(shared_wrong(shared_key, (shared_key, answer)))
            wrong_at.append(share(at, at))
    first_at, last_at = time_bounds(stamps)
    return RecordSummary(
        learner=record.learner,
        name=record.name,
        branch=record.branch,
        version=record.course.version,
        work=work,
        reads=tuple((one(module), one(at)) for module, at in reads.items()),
        answered=tuple(first),
        first_right=tuple(cp for cp, (_, right) in first.items() if right),
        ever_right=tuple(cp for cp, right in ever.items() if right),
        wrong=tuple(wrong),
        wrong_at=tuple(wrong_at),
        written=tuple(written),
        retired=tuple(
            (one(r.module), r.kind, one(r.item)) for r in retired_items(record, key.course)
        )
        if retired
        else (),
        first_at=one(first_at),
        last_at=one(last_at),
    )


def _check(batch: list[Source], key: _Key, now: dt.datetime) -> list[Checked]:
    checked: list[Checked] = []
    one = _Shared()
    for name, data, reason in batch:
        if data is None:
            checked.append((name, None, reason or "unreadable"))
            continue
        try:
            record = parse_record(data, name, key.course, now=now)
        except RecordInvalid as exc:
            checked.append((name, None, exc.reason))
            continue
        checked.append((name, summarise(record, key, one), None))
    return checked


# A worker's course key and clock, set once when the worker starts.
_worker: tuple[_Key, dt.datetime] | None = None


def _start_worker(course: Course, now: dt.datetime) -> None:
    import gc

    gc.disable()  # records hold no cycles; see coursekit.report._no_cyclic_gc
    global _worker
    _worker = (_Key(course), now)


def _check_in_worker(batch: list[Source]) -> list[Checked]:
    if _worker is None:  # pragma: no cover - the pool's initializer sets it
        raise RuntimeError("a record worker was started without its course")
    return _check(batch, *_worker)


def report_workers() -> int:
    """Worker processes for checking records: ``COURSEKIT_REPORT_WORKERS``, else one per CPU."""
    wanted = os.environ.get("COURSEKIT_REPORT_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return os.cpu_count() or 1


def _start_method() -> BaseContext:
    """fork where it is safe: a copy of this process, its imports and the course, at once.
    A process with other threads (a Jupyter kernel, a dashboard) may hold a lock in one of
    them that its copy would wait on forever; its workers start from a clean process."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _batches(sources: Iterable[Source]) -> Iterator[list[Source]]:
    batch: list[Source] = []
    size = 0
    for source in sources:
        batch.append(source)
        size += len(source[1] or b"")
        if len(batch) >= CHUNK_FILES or size >= CHUNK_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def checked_records(
    paths: Iterable[Path], course: Course, now: dt.datetime, workers: int | None = None
) -> Iterator[Checked]:
    """Every candidate record in ``paths``, checked, in the order read (see the module's text).

    ``workers`` processes check them (:func:`report_workers` by default); with one,
    or fewer files than one batch, they are checked here. A worker that dies is a
    :class:`~coursekit.errors.CheckingStopped`, never a wait for an answer that
    will not come.
    """
    batches = _batches(record_sources(paths))
    head = [b for b in (next(batches, None), next(batches, None)) if b is not None]
    workers = report_workers() if workers is None else workers
    if workers <= 1 or len(head) < 2:
        key = _Key(course)
        for batch in chain(head, batches):
            yield from _check(batch, key, now)
        return
    pool = ProcessPoolExecutor(
        workers, _start_method(), initializer=_start_worker, initargs=(course, now)
    )
    pending: deque[Future[list[Checked]]] = deque()
    try:
        for batch in chain(head, batches):
            pending.append(pool.submit(_check_in_worker, batch))
            while len(pending) >= _IN_FLIGHT * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool as exc:
        raise CheckingStopped(
            "a worker process checking learners' records stopped without an answer "
            f"({exc}); no report was written"
        ) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
