"""The first store schema, as coursekit 0.x wrote it to SQLite (its migration m001_initial).

A SQLite store made before the stores moved to Alembic has exactly these
tables; it is stamped with this revision when it is first opened, and upgraded
from here. Learners are keyed by the name they typed.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coursekit.store.schema import AnswerJSON, Stamp

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("first_seen", Stamp, nullable=False),
        sa.Column("last_seen", Stamp, nullable=False),
    )
    op.create_table(
        "reads",
        sa.Column("learner", sa.Text, primary_key=True),
        sa.Column("course_id", sa.Text, primary_key=True),
        sa.Column("module", sa.Text, primary_key=True),
        sa.Column("done_at", Stamp, nullable=False),
    )
    op.create_table(
        "attempts",
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
        sa.Column(
            "correct",
            sa.Boolean(create_constraint=True, name="correct_is_0_or_1"),
            nullable=False,
        ),
        sa.Column("at", Stamp, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "attempts_by_learner", "attempts", ["learner", "course_id", "module", "checkpoint_id"]
    )
    op.create_table(
        "reflections",
        sa.Column("learner", sa.Text, primary_key=True),
        sa.Column("course_id", sa.Text, primary_key=True),
        sa.Column("module", sa.Text, nullable=False),
        sa.Column("reflection_id", sa.Text, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )


def downgrade() -> None:
    for table in ("reflections", "attempts", "reads", "learners"):
        op.drop_table(table)
