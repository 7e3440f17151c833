"""vaccination doses as their own records (加强免疫接种); cases' investigations (流调)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "investigations",
        sa.Column("investigation_id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("source_hypothesis", sa.Text(), nullable=True),
        sa.Column("started_time", UTCDateTime(), nullable=False),
        sa.Column("finished_time", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_investigations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("investigation_id", name=op.f("pk_investigations")),
        sa.UniqueConstraint("case_id", name=op.f("uq_investigations_case_id")),
    )
    op.create_table(
        "vaccinations",
        sa.Column("dose_id", BigId, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("dose_date", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("manufacturer", sa.String(length=128), nullable=True),
        sa.Column("dose_number", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("site_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_vaccinations_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["places.place_id"], name=op.f("fk_vaccinations_site_id_places")
        ),
        sa.PrimaryKeyConstraint("dose_id", name=op.f("pk_vaccinations")),
        sa.UniqueConstraint("person_id", "dose_number", name=op.f("uq_vaccinations_person_id")),
    )
    with op.batch_alter_table("vaccinations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vaccinations_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_table("investigations")
    with op.batch_alter_table("vaccinations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vaccinations_person_id"))

    op.drop_table("vaccinations")
