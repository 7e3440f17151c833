"""The people's last change, indexed: the roster's stamp is two index lookups, not a count

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 04:39:15.900275
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index("ix_people_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index("ix_people_updated_at")
