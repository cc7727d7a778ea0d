"""Idempotency keys for writes that come over the network (the hub service, issue 16).

A kernel that posts an attempt and loses the reply posts it again with the
same key; the service finds the key here and answers with the attempt it
already stored, so a retry never adds an attempt twice. A key belongs to the
learner who first used it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from coursekit.store.schema import Stamp

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "write_keys",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("learner", sa.Text, nullable=False),
        sa.Column("attempt_id", sa.BigInteger, nullable=True),
        sa.Column("at", Stamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("write_keys")
