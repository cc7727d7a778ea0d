"""The learner store on SQLAlchemy Core: one implementation for SQLite and PostgreSQL.

Every write is one transaction, committed before the method returns. On
SQLite a write takes the file's write lock at once (``BEGIN IMMEDIATE``) and
waits for it up to the busy timeout, so two kernels writing one file queue
rather than fail; reads use a plain ``BEGIN``, so a read-only store still
reads. On PostgreSQL writes are single statements (inserts and upserts), and
a restore holds an advisory lock on its learner, so that two restores of one
record cannot both add its attempts.

Every database failure becomes a :class:`~coursekit.errors.StoreError` naming
its cause (:mod:`coursekit.store.faults`).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from coursekit.answers import Answer, now
from coursekit.store import migrations
from coursekit.store.faults import Doing, from_dbapi, store_error
from coursekit.store.rows import (
    Attempt,
    Learner,
    LearnerDump,
    Read,
    RestoreCounts,
    RosterCounts,
    RosterEntry,
    SavedReflection,
)
from coursekit.store.schema import attempts, learners, reads, reflections, write_keys

__all__ = ["WRITE", "KeyTaken", "SQLStore"]

#: Execution option that marks a connection's transaction as a write (SQLite: BEGIN IMMEDIATE).
WRITE = "coursekit_write"


class KeyTaken(ValueError):
    """An idempotency key that another learner's write already used."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"the write key {key!r} belongs to another learner's write")


def _begin_sqlite(conn: sa.Connection) -> None:
    """Start SQLite transactions ourselves: the driver's own would start too late to lock."""
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class SQLStore:
    """A :class:`~coursekit.store.LearnerStore` in a SQLAlchemy database.

    ``engine`` is ready to use (see :func:`coursekit.store.open_store`);
    ``where`` names the store in messages (a path, or a URL without its
    password). Opening applies pending migrations and refuses a store from a
    newer coursekit. The object may be shared between threads.
    """

    def __init__(self, engine: sa.Engine, where: str) -> None:
        self.engine = engine
        self.where = where
        self.backend = engine.dialect.name
        # One SQLite connection serves the store (as before); PostgreSQL pools its own.
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if self.backend == "sqlite" else contextlib.nullcontext()
        )
        if self.backend == "sqlite" and not event.contains(engine, "begin", _begin_sqlite):
            event.listen(engine, "begin", _begin_sqlite)
        self._open()

    def _open(self) -> None:
        try:
            with self._transaction("open", write=False) as conn:
                pending = migrations.needs_upgrade(conn)
            if pending:
                with self._transaction("open", write=True) as conn:
                    migrations.upgrade(conn)
        except migrations.SchemaTooNew as exc:
            raise store_error(
                "open",
                self.where,
                "newer",
                store_version=exc.store_version,
                code_version=exc.code_version,
            ) from exc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.where})"

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, doing: Doing, *, write: bool) -> Iterator[sa.Connection]:
        """One transaction, committed on leaving; a database fault becomes a StoreError."""
        with self._lock:
            try:
                with self.engine.connect() as conn:
                    if write:
                        conn.execution_options(**{WRITE: True})
                    with conn.begin():
                        yield conn
            except sa.exc.DBAPIError as exc:
                # the driver's own error is the cause a trainer needs, not SQLAlchemy's wrapper
                raise from_dbapi(doing, self.where, exc) from exc.orig

    def _write(self) -> contextlib.AbstractContextManager[sa.Connection]:
        return self._transaction("write", write=True)

    def _read(self) -> contextlib.AbstractContextManager[sa.Connection]:
        return self._transaction("read", write=False)

    def _insert(self, table: sa.Table) -> Any:
        """The backend's INSERT, which has ``on_conflict_do_update/nothing``."""
        if self.backend == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def decode(self, stored: object, row_id: object) -> Answer:
        """A stored answer; a damaged one is a store fault naming its row, not a bare error."""
        if self.backend == "postgresql":
            return stored  # type: ignore[return-value]  # jsonb comes back decoded
        try:
            if not isinstance(stored, str):
                raise TypeError(f"a {type(stored).__name__}, not text")
            answer: Answer = json.loads(stored)
        except (TypeError, ValueError) as exc:
            raise store_error(
                "read", self.where, "corrupt", detail=f"attempt {row_id}: {exc}"
            ) from exc
        return answer

    def close(self) -> None:
        with self._lock:
            try:
                self.engine.dispose()
            except sa.exc.DBAPIError as exc:
                raise from_dbapi("close", self.where, exc) from exc

    # -- learners -----------------------------------------------------------------------------

    def add_learner(self, name: str, display_name: str | None = None) -> None:
        """Record the learner ``name`` (their id) as the one working now.

        A learner new to the store is shown as ``display_name`` (their id when not
        given); a roster's name is never replaced by it.
        """
        if not name.strip():
            raise ValueError("a learner needs a name")
        stamp = now()
        stmt = self._insert(learners).values(
            id=name, name=display_name or name, first_seen=stamp, last_seen=stamp
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[learners.c.id],
            set_={
                "last_seen": stmt.excluded.last_seen,
                "first_seen": sa.func.coalesce(learners.c.first_seen, stmt.excluded.first_seen),
            },
        )
        with self._write() as c:
            c.execute(stmt)

    def last_learner(self) -> str | None:
        query = (
            sa.select(learners.c.id)
            .where(learners.c.last_seen.is_not(None))
            .order_by(learners.c.last_seen.desc(), learners.c.id)
            .limit(1)
        )
        with self._read() as c:
            return c.execute(query).scalar()

    def learners(self) -> list[str]:
        with self._read() as c:
            return list(c.execute(sa.select(learners.c.id).order_by(learners.c.id)).scalars())

    def learner(self, learner: str) -> Learner | None:
        """The learner with this id: display name, branch, first and last seen."""
        with self._read() as c:
            row = c.execute(sa.select(learners).where(learners.c.id == learner)).first()
        return Learner(*row) if row is not None else None

    def roster(self, branch: str | None = None) -> list[Learner]:
        """Every learner the store knows (in ``branch`` only, if given), by branch and id.

        Members without a branch come last on both backends.
        """
        query = sa.select(learners).order_by(
            learners.c.branch.is_(None), learners.c.branch, learners.c.id
        )
        if branch is not None:
            query = query.where(learners.c.branch == branch)
        with self._read() as c:
            return [Learner(*row) for row in c.execute(query)]

    def import_roster(self, entries: Sequence[RosterEntry]) -> RosterCounts:
        """Add or update the members on a roster, in one transaction.

        A member new to the store is added; one whose name, branch or role
        changed is updated; members the roster does not list are kept, with their work.
        """
        added = updated = 0
        with self._write() as c:
            known = {
                row.id: (row.name, row.branch, row.role)
                for row in c.execute(
                    sa.select(learners.c.id, learners.c.name, learners.c.branch, learners.c.role)
                )
            }
            new = [e for e in entries if e.learner not in known]
            changed = [
                e
                for e in entries
                if e.learner in known and known[e.learner] != (e.name, e.branch, e.role)
            ]
            if new:
                # a kernel may add one of them meanwhile (PostgreSQL reads committed rows
                # only): the roster's name and branch win, and nothing fails
                stmt = self._insert(learners)
                c.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[learners.c.id],
                        set_={
                            "name": stmt.excluded.name,
                            "branch": stmt.excluded.branch,
                            "role": stmt.excluded.role,
                        },
                    ),
                    [
                        {"id": e.learner, "name": e.name, "branch": e.branch, "role": e.role}
                        for e in new
                    ],
                )
                added = len(new)
            if changed:
                c.execute(
                    learners.update()
                    .where(learners.c.id == sa.bindparam("learner_id"))
                    .values(
                        name=sa.bindparam("new_name"),
                        branch=sa.bindparam("new_branch"),
                        role=sa.bindparam("new_role"),
                    ),
                    [
                        {
                            "learner_id": e.learner,
                            "new_name": e.name,
                            "new_branch": e.branch,
                            "new_role": e.role,
                        }
                        for e in changed
                    ],
                )
                updated = len(changed)
        return RosterCounts(added, updated, len(entries) - added - updated)

    # -- reads -------------------------------------------------------------------------------

    def mark_read(self, learner: str, course_id: str, module: str, at: str | None = None) -> str:
        stmt = self._insert(reads).values(
            learner=learner, course_id=course_id, module=module, done_at=at or now()
        )
        earlier = sa.case(
            (stmt.excluded.done_at < reads.c.done_at, stmt.excluded.done_at),
            else_=reads.c.done_at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[reads.c.learner, reads.c.course_id, reads.c.module],
            set_={"done_at": earlier},
        )
        with self._write() as c:
            c.execute(stmt)
            done: str = c.execute(
                sa.select(reads.c.done_at).where(
                    reads.c.learner == learner,
                    reads.c.course_id == course_id,
                    reads.c.module == module,
                )
            ).scalar_one()
        return done

    def read_at(self, learner: str, course_id: str, module: str) -> str | None:
        with self._read() as c:
            return c.execute(
                sa.select(reads.c.done_at).where(
                    reads.c.learner == learner,
                    reads.c.course_id == course_id,
                    reads.c.module == module,
                )
            ).scalar()

    def reads(self, learner: str, course_id: str | None = None) -> list[Read]:
        query = (
            sa.select(reads.c.learner, reads.c.course_id, reads.c.module, reads.c.done_at)
            .where(*_matching(reads, learner=learner, course_id=course_id))
            .order_by(reads.c.course_id, reads.c.module)
        )
        with self._read() as c:
            return [Read(*row) for row in c.execute(query)]

    # -- attempts ------------------------------------------------------------------------------

    def add_attempt(
        self,
        learner: str,
        course_id: str,
        module: str,
        checkpoint_id: str,
        answer: Answer,
        correct: bool,
        at: str | None = None,
    ) -> Attempt:
        attempt = Attempt(learner, course_id, module, checkpoint_id, answer, correct, at or now())
        with self._write() as c:
            c.execute(attempts.insert(), [_attempt_row(attempt)])
        return attempt

    def add_attempt_once(
        self,
        key: str,
        learner: str,
        course_id: str,
        module: str,
        checkpoint_id: str,
        answer: Answer,
        correct: bool,
        at: str | None = None,
    ) -> tuple[Attempt, bool]:
        """Save an attempt unless one was saved under ``key`` before; the attempt, and if new.

        For writes that a client may send twice (a POST whose reply was lost):
        the key and the attempt go in in one transaction, and a second write
        with the key returns the first attempt. A key another learner used
        raises :class:`KeyTaken`.
        """
        stamp = at or now()
        attempt = Attempt(learner, course_id, module, checkpoint_id, answer, correct, stamp)
        k = write_keys.c
        with self._write() as c:
            # on PostgreSQL a second writer of the key waits here until the first commits
            # RETURNING, not rowcount: psycopg's rowcount is -1 for an upsert that did nothing
            claimed = c.execute(
                self._insert(write_keys)
                .values(key=key, learner=learner, at=now())
                .on_conflict_do_nothing(index_elements=[k.key])
                .returning(k.key)
            ).first()
            if claimed:
                row_id = c.execute(
                    attempts.insert().returning(attempts.c.id), _attempt_row(attempt)
                ).scalar_one()
                c.execute(write_keys.update().where(k.key == key).values(attempt_id=row_id))
                return attempt, True
            owner, row_id = c.execute(sa.select(k.learner, k.attempt_id).where(k.key == key)).one()
            if owner != learner:
                raise KeyTaken(key)
            a = attempts.c
            r = c.execute(
                sa.select(
                    a.learner, a.course_id, a.module, a.checkpoint_id, a.answer, a.correct, a.at
                ).where(a.id == row_id)
            ).one()
        return Attempt(r[0], r[1], r[2], r[3], self.decode(r[4], row_id), bool(r[5]), r[6]), False

    def attempts(
        self,
        learner: str,
        course_id: str | None = None,
        module: str | None = None,
        checkpoint_id: str | None = None,
    ) -> list[Attempt]:
        a = attempts.c
        query = (
            sa.select(
                a.learner, a.course_id, a.module, a.checkpoint_id, a.answer, a.correct, a.at, a.id
            )
            .where(
                *_matching(
                    attempts,
                    learner=learner,
                    course_id=course_id,
                    module=module,
                    checkpoint_id=checkpoint_id,
                )
            )
            .order_by(a.course_id, a.module, a.at, a.id)
        )
        with self._read() as c:
            rows = c.execute(query).all()
        return [
            Attempt(r[0], r[1], r[2], r[3], self.decode(r[4], r[7]), bool(r[5]), r[6]) for r in rows
        ]

    # -- reflections ------------------------------------------------------------------------------

    def save_reflection(
        self,
        learner: str,
        course_id: str,
        module: str,
        reflection_id: str,
        text: str,
        at: str | None = None,
    ) -> SavedReflection:
        saved = SavedReflection(learner, course_id, module, reflection_id, text, at or now())
        with self._write() as c:
            self._upsert_reflection(c, saved, only_if_later=False)
        return saved

    def _upsert_reflection(self, c: sa.Connection, r: SavedReflection, only_if_later: bool) -> int:
        """Insert or replace ``r`` (only over an older text if asked); returns rows changed."""
        stmt = self._insert(reflections).values(
            learner=r.learner,
            course_id=r.course_id,
            module=r.module,
            reflection_id=r.reflection_id,
            text=r.text,
            updated_at=r.updated_at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[
                reflections.c.learner,
                reflections.c.course_id,
                reflections.c.reflection_id,
            ],
            set_={
                "module": stmt.excluded.module,
                "text": stmt.excluded.text,
                "updated_at": stmt.excluded.updated_at,
            },
            where=(stmt.excluded.updated_at > reflections.c.updated_at) if only_if_later else None,
        )
        # RETURNING, not rowcount: psycopg's rowcount is -1 for an upsert that changed nothing
        return len(c.execute(stmt.returning(reflections.c.learner)).all())

    def reflection(
        self, learner: str, course_id: str, reflection_id: str
    ) -> SavedReflection | None:
        found = [
            r for r in self.reflections(learner, course_id) if r.reflection_id == reflection_id
        ]
        return found[0] if found else None

    def reflections(
        self, learner: str, course_id: str | None = None, module: str | None = None
    ) -> list[SavedReflection]:
        r = reflections.c
        query = (
            sa.select(r.learner, r.course_id, r.module, r.reflection_id, r.text, r.updated_at)
            .where(*_matching(reflections, learner=learner, course_id=course_id, module=module))
            .order_by(r.course_id, r.module, r.reflection_id)
        )
        with self._read() as c:
            return [SavedReflection(*row) for row in c.execute(query)]

    # -- export and import -------------------------------------------------------------------------

    def dump(self, learner: str, course_id: str | None = None) -> LearnerDump:
        with self._lock:
            return LearnerDump(
                learner=learner,
                reads=tuple(self.reads(learner, course_id)),
                attempts=tuple(self.attempts(learner, course_id)),
                reflections=tuple(self.reflections(learner, course_id)),
            )

    def restore(self, dump: LearnerDump) -> RestoreCounts:
        counts = {"reads": 0, "attempts": 0, "reflections": 0}
        with self._write() as c:
            if self.backend == "postgresql":
                # Two restores of one learner at once must not both add the same attempts.
                c.execute(
                    sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:learner, 0))"),
                    {"learner": dump.learner},
                )
            # A learner new to the store was here now, as before; one the store knows
            # (from its roster, say) keeps its own name and branch.
            stamp = now()
            stmt = self._insert(learners).values(
                id=dump.learner,
                name=dump.name or dump.learner,
                branch=dump.branch,
                first_seen=stamp,
                last_seen=stamp,
            )
            c.execute(stmt.on_conflict_do_nothing(index_elements=[learners.c.id]))
            counts["reads"] = self._restore_reads(c, dump.reads)
            counts["attempts"] = self._restore_attempts(c, dump.attempts)
            counts["reflections"] = sum(
                self._upsert_reflection(c, s, only_if_later=True) for s in dump.reflections
            )
        return RestoreCounts(**counts)

    def _restore_reads(self, c: sa.Connection, rows: Iterable[Read]) -> int:
        """Each read, unless the store has it from an earlier time; how many changed."""
        changed = 0
        for r in rows:
            key = (
                reads.c.learner == r.learner,
                reads.c.course_id == r.course_id,
                reads.c.module == r.module,
            )
            before = c.execute(sa.select(reads.c.done_at).where(*key)).scalar()
            if before is not None and not _earlier(r.done_at, before, self.backend):
                continue
            if before is not None:
                c.execute(reads.update().where(*key).values(done_at=r.done_at))
            else:
                c.execute(reads.insert().values(**_row(r)))
            changed += 1
        return changed

    def _restore_attempts(self, c: sa.Connection, rows: Iterable[Attempt]) -> int:
        """Add each attempt as often as the dump holds it more often than the store.

        Restoring twice adds nothing, and identical attempts both survive. New
        rows go in in the dump's order, so attempts made in one instant keep it.
        """
        a = attempts.c
        present: dict[tuple[Any, ...], int] = {}
        new: list[dict[str, Any]] = []
        for attempt in rows:
            row = _attempt_row(attempt)
            key = (
                attempt.learner,
                attempt.course_id,
                attempt.module,
                attempt.checkpoint_id,
                attempt.at,
                json.dumps(attempt.answer, sort_keys=True, ensure_ascii=False),
                attempt.correct,
            )
            if key not in present:
                present[key] = c.execute(
                    sa.select(sa.func.count())
                    .select_from(attempts)
                    .where(
                        a.learner == attempt.learner,
                        a.course_id == attempt.course_id,
                        a.module == attempt.module,
                        a.checkpoint_id == attempt.checkpoint_id,
                        a.at == attempt.at,
                        a.answer == sa.type_coerce(attempt.answer, attempts.c.answer.type),
                        a.correct == attempt.correct,
                    )
                ).scalar_one()
            if present[key] > 0:
                present[key] -= 1  # this one is in the store already
                continue
            new.append(row)
        if new:
            c.execute(attempts.insert(), new)
        return len(new)

    def load(self, dumps: Iterable[LearnerDump], people: Iterable[Learner] = ()) -> None:
        """Bulk-load learners and their work into a store that holds none of it yet.

        For filling a new store in one go (an organisation moving its members'
        work in, ``benchmarks/bench_cohort.py``): unlike :meth:`restore` it does
        not look for rows already there, so it takes a cohort in seconds.
        """
        with self._write() as c:
            batch = [
                {
                    "id": p.id,
                    "name": p.name,
                    "branch": p.branch,
                    "role": p.role,
                    "first_seen": p.first_seen,
                }
                for p in people
            ]
            if batch:
                c.execute(learners.insert(), batch)
            for chunk in _chunks(dumps, 500):
                _insert_many(c, reads, [_row(r) for d in chunk for r in d.reads])
                _insert_many(c, attempts, [_attempt_row(a) for d in chunk for a in d.attempts])
                _insert_many(c, reflections, [_row(r) for d in chunk for r in d.reflections])
            # Planner statistics for the tables just filled: without them a database does
            # not know that attempts outnumber learners a hundredfold, and the report's
            # joins take twice as long (benchmarks/bench_cohort.py).
            c.exec_driver_sql("ANALYZE")

    def connection(self) -> contextlib.AbstractContextManager[sa.Connection]:
        """A read transaction for queries of the caller's own (the cohort report's)."""
        return self._read()


def _matching(table: sa.Table, **filters: str | None) -> list[sa.ColumnElement[bool]]:
    return [table.c[name] == value for name, value in filters.items() if value is not None]


def _row(row: Read | SavedReflection) -> dict[str, Any]:
    return asdict(row)


def _attempt_row(a: Attempt) -> dict[str, Any]:
    return {
        "learner": a.learner,
        "course_id": a.course_id,
        "module": a.module,
        "checkpoint_id": a.checkpoint_id,
        "answer": a.answer,
        "correct": bool(a.correct),
        "at": a.at,
    }


def _insert_many(c: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        c.execute(table.insert(), rows)


def _chunks(items: Iterable[LearnerDump], size: int) -> Iterator[list[LearnerDump]]:
    chunk: list[LearnerDump] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _earlier(new: str, stored: str, backend: str) -> bool:
    """Whether ``new`` is before ``stored``: as text on SQLite (as ever), as times on PostgreSQL."""
    if backend != "postgresql":
        return new < stored
    from coursekit.answers import parse_time

    return parse_time(new) < parse_time(stored)
