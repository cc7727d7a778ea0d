"""The store's tables, as SQLAlchemy Core sees them: one schema for SQLite and PostgreSQL.

The migrations (:mod:`coursekit.store.migrations`) make this schema; this
module describes the newest revision for the queries. Two column types differ
by backend:

* :class:`Stamp` is ``TEXT`` holding ISO 8601 on SQLite, as the first stores
  were written, and ``timestamptz`` on PostgreSQL; the store hands out ISO
  strings either way.
* :class:`AnswerJSON` is ``TEXT`` holding canonical JSON on SQLite and
  ``jsonb`` on PostgreSQL. Canonical JSON (sorted keys, no spaces) makes two
  equal answers equal text, so SQLite can group and join on it as PostgreSQL
  does on ``jsonb``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from coursekit.answers import Answer, parse_time

__all__ = [
    "AnswerJSON",
    "Stamp",
    "answer_text",
    "attempts",
    "learners",
    "metadata",
    "reads",
    "reflections",
    "stamp_text",
    "write_keys",
]


def answer_text(answer: Answer) -> str:
    """An answer as SQLite keeps it: canonical JSON, so that equal answers are equal text."""
    return json.dumps(answer, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def stamp_text(moment: dt.datetime) -> str:
    """A ``timestamptz`` as the store hands it out: ISO 8601 in UTC, as ``now()`` writes it.

    Whole seconds come back without a fraction, so a time given as
    ``2020-02-05T08:00:00+00:00`` is read back as it was written.
    """
    utc = moment.astimezone(dt.timezone.utc)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")


class Stamp(sa.types.TypeDecorator[str]):
    """An ISO 8601 time: ``TEXT`` on SQLite, ``timestamptz`` on PostgreSQL."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "postgresql" or not isinstance(value, str):
            return value
        return parse_time(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if isinstance(value, dt.datetime):
            return stamp_text(value)
        return None if value is None else str(value)


class AnswerJSON(sa.types.TypeDecorator[Any]):
    """A learner's answer: canonical JSON ``TEXT`` on SQLite, ``jsonb`` on PostgreSQL.

    Results are left as the driver gives them (text on SQLite, a value on
    PostgreSQL); :meth:`coursekit.store.sql.SQLStore.decode` turns them into
    answers, naming the row when a stored answer is damaged.
    """

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB(none_as_null=False))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return value
        return answer_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return value


metadata = sa.MetaData()

#: Everyone the store knows: the learners who studied here and the members on a roster.
learners = sa.Table(
    "learners",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("branch", sa.Text, nullable=True),
    sa.Column("first_seen", Stamp, nullable=True),
    sa.Column("last_seen", Stamp, nullable=True),
    # what the roster's 职务 column says: 支部书记 makes the branch's secretary (the ledger)
    sa.Column("role", sa.Text, nullable=True),
    sa.Index("learners_by_branch", "branch"),
)

reads = sa.Table(
    "reads",
    metadata,
    sa.Column("learner", sa.Text, primary_key=True),
    sa.Column("course_id", sa.Text, primary_key=True),
    sa.Column("module", sa.Text, primary_key=True),
    sa.Column("done_at", Stamp, nullable=False),
)

attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("learner", sa.Text, nullable=False),
    sa.Column("course_id", sa.Text, nullable=False),
    sa.Column("module", sa.Text, nullable=False),
    sa.Column("checkpoint_id", sa.Text, nullable=False),
    sa.Column("answer", AnswerJSON, nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("at", Stamp, nullable=False),
    sa.Index("attempts_by_learner", "learner", "course_id", "module", "checkpoint_id"),
    sa.Index("attempts_by_checkpoint", "course_id", "checkpoint_id"),
    sqlite_autoincrement=True,
)

reflections = sa.Table(
    "reflections",
    metadata,
    sa.Column("learner", sa.Text, primary_key=True),
    sa.Column("course_id", sa.Text, primary_key=True),
    sa.Column("module", sa.Text, nullable=False),
    sa.Column("reflection_id", sa.Text, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
    sa.Index("reflections_by_course", "course_id", "reflection_id"),
)

#: Idempotency keys of attempts posted to the hub service: a retried POST finds its attempt here.
write_keys = sa.Table(
    "write_keys",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("learner", sa.Text, nullable=False),
    sa.Column("attempt_id", sa.BigInteger, nullable=True),
    sa.Column("at", Stamp, nullable=False),
)
