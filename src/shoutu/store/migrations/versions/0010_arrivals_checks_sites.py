"""control follow-up: inbound arrivals, daily health checks, an episode's site (a place
with rooms), its arrival and the reason it is held

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:40:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _stamped() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "arrivals",
        sa.Column("arrival_id", BigId, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("arrival_time", UTCDateTime(), nullable=False),
        sa.Column("port_place_id", sa.BigInteger(), nullable=True),
        sa.Column("origin_country", sa.String(length=64), nullable=True),
        *_stamped(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_arrivals_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["port_place_id"], ["places.place_id"], name=op.f("fk_arrivals_port_place_id_places")
        ),
        sa.PrimaryKeyConstraint("arrival_id", name=op.f("pk_arrivals")),
        sa.UniqueConstraint("person_id", "arrival_time", name=op.f("uq_arrivals_person_id")),
    )
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("arrival_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("site_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_control_measures_arrival_id_arrivals"),
            "arrivals",
            ["arrival_id"],
            ["arrival_id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_control_measures_site_id_places"), "places", ["site_id"], ["place_id"]
        )
    op.create_table(
        "health_checks",
        sa.Column("check_id", BigId, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("measure_id", sa.BigInteger(), nullable=True),
        sa.Column("check_time", UTCDateTime(), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("symptoms", sa.JSON(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        *_stamped(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_health_checks_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["control_measures.measure_id"],
            name=op.f("fk_health_checks_measure_id_control_measures"),
        ),
        sa.PrimaryKeyConstraint("check_id", name=op.f("pk_health_checks")),
        sa.UniqueConstraint("person_id", "check_time", name=op.f("uq_health_checks_person_id")),
    )
    op.create_index(
        op.f("ix_health_checks_measure_id"), "health_checks", ["measure_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_health_checks_measure_id"), table_name="health_checks")
    op.drop_table("health_checks")
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_control_measures_site_id_places"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_control_measures_arrival_id_arrivals"), type_="foreignkey"
        )
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("site_id")
        batch_op.drop_column("arrival_id")
    op.drop_table("arrivals")
