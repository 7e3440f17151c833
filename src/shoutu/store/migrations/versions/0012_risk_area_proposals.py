"""risk areas proposed from cases, approved or rejected, stepping down by the protocol's timers:
an area's status, proposal and level dates, clock, extent, cases, population, decision, the
reason it is held and its earliest downgrade; the history of its changes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_areas", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=32), server_default="approved", nullable=False)
        )
        batch_op.add_column(sa.Column("proposed_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("since_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("clock_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("designated", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("extent", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("cases", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("population", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("decided_time", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("held_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("earliest_downgrade", sa.Date(), nullable=True))
    op.create_table(
        "risk_area_changes",
        sa.Column("change_id", BigId, autoincrement=True, nullable=False),
        sa.Column("area_id", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("from_level", sa.String(length=32), nullable=True),
        sa.Column("to_level", sa.String(length=32), nullable=True),
        sa.Column("clock_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["risk_areas.area_id"],
            name=op.f("fk_risk_area_changes_area_id_risk_areas"),
        ),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_risk_area_changes")),
    )
    with op.batch_alter_table("risk_area_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_area_changes_area_id"), ["area_id"], unique=False)
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_control_measures_area_id_risk_areas"),
            "risk_areas",
            ["area_id"],
            ["area_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_control_measures_area_id_risk_areas"), type_="foreignkey"
        )
        batch_op.drop_column("area_id")
    with op.batch_alter_table("risk_area_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_area_changes_area_id"))
    op.drop_table("risk_area_changes")
    with op.batch_alter_table("risk_areas", schema=None) as batch_op:
        for name in (
            "earliest_downgrade",
            "held_reason",
            "decided_time",
            "decided_by",
            "population",
            "cases",
            "extent",
            "designated",
            "clock_date",
            "since_date",
            "proposed_date",
            "status",
        ):
            batch_op.drop_column(name)
