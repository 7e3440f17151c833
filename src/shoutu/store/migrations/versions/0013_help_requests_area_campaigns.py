"""help requests: who asks, what, how urgent, the level responsible with its own clock and
deadline, the episode or area it came from; the history of their steps; the mass-screening
campaign a risk area started or joined

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_risk_areas_campaign_id_campaigns"),
            "campaigns",
            ["campaign_id"],
            ["campaign_id"],
        )
    op.create_table(
        "help_requests",
        sa.Column("request_id", BigId, autoincrement=True, nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=True),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("vulnerable", sa.JSON(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("medical", sa.Boolean(), nullable=False),
        sa.Column("received_time", UTCDateTime(), nullable=False),
        sa.Column("triaged_time", UTCDateTime(), nullable=True),
        sa.Column("clock_time", UTCDateTime(), nullable=False),
        sa.Column("due_time", UTCDateTime(), nullable=False),
        sa.Column("met_time", UTCDateTime(), nullable=True),
        sa.Column("resolved_time", UTCDateTime(), nullable=True),
        sa.Column("measure_id", sa.BigInteger(), nullable=True),
        sa.Column("area_id", sa.BigInteger(), nullable=True),
        sa.Column("note_enc", sa.LargeBinary(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("protocol", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("resp_region", sa.String(length=16), nullable=True),
        sa.Column("resp_department", sa.String(length=128), nullable=True),
        sa.Column("resp_unit", sa.String(length=128), nullable=True),
        sa.Column("resp_person", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["risk_areas.area_id"], name=op.f("fk_help_requests_area_id_risk_areas")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["control_measures.measure_id"],
            name=op.f("fk_help_requests_measure_id_control_measures"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_help_requests_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_help_requests_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["resp_region"], ["regions.code"], name=op.f("fk_help_requests_resp_region_regions")
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_help_requests")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_help_requests_source_ref")),
    )
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_requests_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_help_requests_status"), ["status"], unique=False)

    op.create_table(
        "help_request_steps",
        sa.Column("step_id", BigId, autoincrement=True, nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=32), nullable=True),
        sa.Column("facility", sa.String(length=128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_requests.request_id"],
            name=op.f("fk_help_request_steps_request_id_help_requests"),
        ),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_help_request_steps")),
    )
    with op.batch_alter_table("help_request_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_request_steps_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("help_request_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_request_steps_request_id"))

    op.drop_table("help_request_steps")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_requests_status"))
        batch_op.drop_index(batch_op.f("ix_help_requests_region_code"))

    op.drop_table("help_requests")
    with op.batch_alter_table("risk_areas", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_risk_areas_campaign_id_campaigns"), type_="foreignkey"
        )
        batch_op.drop_column("campaign_id")
