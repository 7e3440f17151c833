"""ports, the cold chain and key places: closed-loop stays, key places' daily reports,
environment samples, goods movements and shifts (人物环境同防); an episode keeps the positive
environment sample or the closed-loop stay behind it; a case the reason for its origin

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_reason", sa.Text(), nullable=True))
    op.create_table(
        "environment_samples",
        sa.Column("sample_id", BigId, autoincrement=True, nullable=False),
        sa.Column("sample_ref", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("object", sa.String(length=32), nullable=False),
        sa.Column("batch_no", sa.String(length=64), nullable=True),
        sa.Column("origin_country", sa.String(length=64), nullable=True),
        sa.Column("sample_time", UTCDateTime(), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("ct", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["places.place_id"], name=op.f("fk_environment_samples_site_id_places")
        ),
        sa.PrimaryKeyConstraint("sample_id", name=op.f("pk_environment_samples")),
        sa.UniqueConstraint("sample_ref", name=op.f("uq_environment_samples_sample_ref")),
    )
    with op.batch_alter_table("environment_samples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_environment_samples_batch_no"), ["batch_no"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_environment_samples_site_id"), ["site_id"], unique=False
        )

    op.create_table(
        "closed_loop_stays",
        sa.Column("loop_id", BigId, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("left_time", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_closed_loop_stays_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.place_id"], name=op.f("fk_closed_loop_stays_place_id_places")
        ),
        sa.PrimaryKeyConstraint("loop_id", name=op.f("pk_closed_loop_stays")),
        sa.UniqueConstraint("person_id", "start_time", name=op.f("uq_closed_loop_stays_person_id")),
    )
    with op.batch_alter_table("closed_loop_stays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_closed_loop_stays_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "place_reports",
        sa.Column("report_id", BigId, autoincrement=True, nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("present", sa.Integer(), nullable=True),
        sa.Column("absent", sa.Integer(), nullable=True),
        sa.Column("absent_ill", sa.Integer(), nullable=True),
        sa.Column("symptomatic", sa.Integer(), nullable=False),
        sa.Column("disinfected", sa.Boolean(), nullable=False),
        sa.Column("absence_reasons", sa.Text(), nullable=True),
        sa.Column("received_time", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.place_id"], name=op.f("fk_place_reports_place_id_places")
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_place_reports")),
        sa.UniqueConstraint("place_id", "report_date", name=op.f("uq_place_reports_place_id")),
    )
    with op.batch_alter_table("place_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_reports_place_id"), ["place_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_place_reports_report_date"), ["report_date"], unique=False
        )

    op.create_table(
        "goods_movements",
        sa.Column("movement_id", BigId, autoincrement=True, nullable=False),
        sa.Column("batch_no", sa.String(length=64), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("arrived_time", UTCDateTime(), nullable=False),
        sa.Column("left_time", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.place_id"], name=op.f("fk_goods_movements_place_id_places")
        ),
        sa.PrimaryKeyConstraint("movement_id", name=op.f("pk_goods_movements")),
        sa.UniqueConstraint(
            "batch_no", "place_id", "arrived_time", name=op.f("uq_goods_movements_batch_no")
        ),
    )
    with op.batch_alter_table("goods_movements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goods_movements_batch_no"), ["batch_no"], unique=False)

    op.create_table(
        "shifts",
        sa.Column("shift_id", BigId, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("end_time", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_shifts_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.place_id"], name=op.f("fk_shifts_place_id_places")
        ),
        sa.PrimaryKeyConstraint("shift_id", name=op.f("pk_shifts")),
        sa.UniqueConstraint(
            "person_id", "place_id", "start_time", name=op.f("uq_shifts_person_id")
        ),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_place_id"), ["place_id"], unique=False)

    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("environment_sample_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_control_measures_environment_sample_id_environment_samples"),
            "environment_samples",
            ["environment_sample_id"],
            ["sample_id"],
        )
        batch_op.add_column(sa.Column("loop_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_control_measures_loop_id_closed_loop_stays"),
            "closed_loop_stays",
            ["loop_id"],
            ["loop_id"],
        )
        batch_op.create_index(
            batch_op.f("ix_control_measures_environment_sample_id"),
            ["environment_sample_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_control_measures_loop_id"), ["loop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("origin_reason")
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_measures_loop_id"))
        batch_op.drop_index(batch_op.f("ix_control_measures_environment_sample_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_control_measures_loop_id_closed_loop_stays"), type_="foreignkey"
        )
        batch_op.drop_column("loop_id")
        batch_op.drop_constraint(
            batch_op.f("fk_control_measures_environment_sample_id_environment_samples"),
            type_="foreignkey",
        )
        batch_op.drop_column("environment_sample_id")

    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_place_id"))

    op.drop_table("shifts")
    with op.batch_alter_table("goods_movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goods_movements_batch_no"))

    with op.batch_alter_table("place_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_reports_report_date"))
        batch_op.drop_index(batch_op.f("ix_place_reports_place_id"))

    op.drop_table("place_reports")
    with op.batch_alter_table("closed_loop_stays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closed_loop_stays_person_id"))

    op.drop_table("closed_loop_stays")
    op.drop_table("goods_movements")
    with op.batch_alter_table("environment_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_environment_samples_site_id"))
        batch_op.drop_index(batch_op.f("ix_environment_samples_batch_no"))

    op.drop_table("environment_samples")
