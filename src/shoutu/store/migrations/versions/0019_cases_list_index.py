"""The case list's index: (report_time, case_id), read backwards page by page

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 16:31:07.858054
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_report_time_case_id", ["report_time", "case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_report_time_case_id")
