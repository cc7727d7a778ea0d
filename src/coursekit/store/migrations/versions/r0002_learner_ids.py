"""Learners get ids, display names and branches (支部); indexes for the cohort report.

Before this revision a learner was the name they typed, and attempts, reads
and reflections were keyed by it. Now they are keyed by a learner id. An
existing store keeps every row: each name becomes that learner's id and their
display name, with no branch, so nothing that pointed at a learner changes.
A roster (``coursekit roster import``) adds members with ids, names and
branches; members who have not studied yet have no first or last time.

The old list of applied migrations, ``_coursekit_migrations``, is dropped: an
older coursekit that opens this store finds its schema version (SQLite's
``user_version``) too new and refuses it, rather than writing to it.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.alter_column("name", new_column_name="id")
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("name", sa.Text, nullable=True))
        batch.add_column(sa.Column("branch", sa.Text, nullable=True))
        batch.alter_column("first_seen", nullable=True)
        batch.alter_column("last_seen", nullable=True)
    op.execute("UPDATE learners SET name = id")
    with op.batch_alter_table("learners") as batch:
        batch.alter_column("name", nullable=False)
    op.create_index("learners_by_branch", "learners", ["branch"])
    op.create_index("attempts_by_checkpoint", "attempts", ["course_id", "checkpoint_id"])
    op.create_index("reflections_by_course", "reflections", ["course_id", "reflection_id"])
    op.execute("DROP TABLE IF EXISTS _coursekit_migrations")


def downgrade() -> None:
    op.drop_index("reflections_by_course", "reflections")
    op.drop_index("attempts_by_checkpoint", "attempts")
    op.drop_index("learners_by_branch", "learners")
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("branch")
        batch.drop_column("name")
    with op.batch_alter_table("learners") as batch:
        batch.alter_column("id", new_column_name="name")
