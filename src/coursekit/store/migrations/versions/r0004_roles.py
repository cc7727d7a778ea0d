"""Members get the role the roster gives them (职务): the branch secretary signs the ledger.

``coursekit roster import`` reads an optional role column (职务, role); a
member whose role is 支部书记 is named as their branch's secretary in the
study ledger (``coursekit ledger``). Existing members have no role until a
roster gives them one.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("learners", sa.Column("role", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("role")
