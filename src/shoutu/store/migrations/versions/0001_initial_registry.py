"""initial registry

Revision ID: 0001
Revises:
Create Date: 2026-11-29 06:15:04.099622
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("event_id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)

    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("parent_code", sa.String(length=16), nullable=True),
        sa.Column("name_zh", sa.String(length=128), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("polygon", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["regions.code"], name=op.f("fk_regions_parent_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "places",
        sa.Column("place_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("venue_code", sa.String(length=64), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_places_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("place_id", name=op.f("pk_places")),
        sa.UniqueConstraint("venue_code", name=op.f("uq_places_venue_code")),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_region_code"), ["region_code"], unique=False)

    op.create_table(
        "risk_areas",
        sa.Column("area_id", BigId, autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("last_case_time", UTCDateTime(), nullable=True),
        sa.Column("end_time", UTCDateTime(), nullable=True),
        sa.Column("protocol", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("resp_region", sa.String(length=16), nullable=True),
        sa.Column("resp_department", sa.String(length=128), nullable=True),
        sa.Column("resp_unit", sa.String(length=128), nullable=True),
        sa.Column("resp_person", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_risk_areas_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["resp_region"], ["regions.code"], name=op.f("fk_risk_areas_resp_region_regions")
        ),
        sa.PrimaryKeyConstraint("area_id", name=op.f("pk_risk_areas")),
    )
    with op.batch_alter_table("risk_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_areas_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "signals",
        sa.Column("signal_id", BigId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("date_start", sa.Date(), nullable=False),
        sa.Column("date_end", sa.Date(), nullable=False),
        sa.Column("observed", sa.Float(), nullable=False),
        sa.Column("statistic", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("due_time", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("resp_region", sa.String(length=16), nullable=True),
        sa.Column("resp_department", sa.String(length=128), nullable=True),
        sa.Column("resp_unit", sa.String(length=128), nullable=True),
        sa.Column("resp_person", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["resp_region"], ["regions.code"], name=op.f("fk_signals_resp_region_regions")
        ),
        sa.PrimaryKeyConstraint("signal_id", name=op.f("pk_signals")),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_signals_series", ["channel", "region", "method", "date_end"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("task_id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_time", UTCDateTime(), nullable=True),
        sa.Column("done_time", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("resp_region", sa.String(length=16), nullable=True),
        sa.Column("resp_department", sa.String(length=128), nullable=True),
        sa.Column("resp_unit", sa.String(length=128), nullable=True),
        sa.Column("resp_person", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["resp_region"], ["regions.code"], name=op.f("fk_tasks_resp_region_regions")
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("id_type", sa.String(length=32), nullable=True),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_hash", sa.String(length=64), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("sex", sa.String(length=32), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("home_region_code", sa.String(length=16), nullable=True),
        sa.Column("workplace_id", sa.BigInteger(), nullable=True),
        sa.Column("school_id", sa.BigInteger(), nullable=True),
        sa.Column("key_population", sa.String(length=32), nullable=True),
        sa.Column("vaccination_doses", sa.Integer(), nullable=False),
        sa.Column("last_vaccination_date", sa.Date(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_region_code"], ["regions.code"], name=op.f("fk_people_home_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["places.place_id"], name=op.f("fk_people_school_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["workplace_id"], ["places.place_id"], name=op.f("fk_people_workplace_id_places")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_people")),
        sa.UniqueConstraint("id_type", "id_number_hash", name=op.f("uq_people_id_type")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_people_home_region_code"), ["home_region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_people_phone_hash"), ["phone_hash"], unique=False)

    op.create_table(
        "test_results",
        sa.Column("result_id", BigId, autoincrement=True, nullable=False),
        sa.Column("tube_id", sa.String(length=64), nullable=False),
        sa.Column("lab_id", sa.BigInteger(), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("result_time", UTCDateTime(), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("ct_n", sa.Float(), nullable=True),
        sa.Column("ct_orf1ab", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["lab_id"], ["places.place_id"], name=op.f("fk_test_results_lab_id_places")
        ),
        sa.PrimaryKeyConstraint("result_id", name=op.f("pk_test_results")),
    )
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_results_tube_id"), ["tube_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("case_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("classification", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("found_in_control", sa.Boolean(), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=True),
        sa.Column("infection_time", UTCDateTime(), nullable=True),
        sa.Column("onset_time", UTCDateTime(), nullable=True),
        sa.Column("sample_time", UTCDateTime(), nullable=True),
        sa.Column("report_time", UTCDateTime(), nullable=False),
        sa.Column("isolation_time", UTCDateTime(), nullable=True),
        sa.Column("release_time", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("infector_case_id", sa.BigInteger(), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("protocol", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("resp_region", sa.String(length=16), nullable=True),
        sa.Column("resp_department", sa.String(length=128), nullable=True),
        sa.Column("resp_unit", sa.String(length=128), nullable=True),
        sa.Column("resp_person", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["infector_case_id"], ["cases.case_id"], name=op.f("fk_cases_infector_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_cases_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_cases_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["resp_region"], ["regions.code"], name=op.f("fk_cases_resp_region_regions")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_person_id"), ["person_id"], unique=False)

    op.create_table(
        "samples",
        sa.Column("sample_id", sa.String(length=64), nullable=False),
        sa.Column("tube_id", sa.String(length=64), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("sample_time", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_samples_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["places.place_id"], name=op.f("fk_samples_site_id_places")
        ),
        sa.PrimaryKeyConstraint("sample_id", name=op.f("pk_samples")),
    )
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_samples_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_tube_id"), ["tube_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("contact_id", BigId, autoincrement=True, nullable=False),
        sa.Column("index_case_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("via_person_id", sa.BigInteger(), nullable=True),
        sa.Column("setting", sa.String(length=32), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=True),
        sa.Column("exposure_start", UTCDateTime(), nullable=True),
        sa.Column("exposure_end", UTCDateTime(), nullable=True),
        sa.Column("last_exposure_date", sa.Date(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["index_case_id"], ["cases.case_id"], name=op.f("fk_contacts_index_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_contacts_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.place_id"], name=op.f("fk_contacts_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["via_person_id"], ["people.person_id"], name=op.f("fk_contacts_via_person_id_people")
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contacts_index_case_id"), ["index_case_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contacts_person_id"), ["person_id"], unique=False)

    op.create_table(
        "control_measures",
        sa.Column("measure_id", BigId, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("place_id", sa.BigInteger(), nullable=True),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("planned_end_time", UTCDateTime(), nullable=True),
        sa.Column("end_time", UTCDateTime(), nullable=True),
        sa.Column("protocol", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("resp_region", sa.String(length=16), nullable=True),
        sa.Column("resp_department", sa.String(length=128), nullable=True),
        sa.Column("resp_unit", sa.String(length=128), nullable=True),
        sa.Column("resp_person", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_control_measures_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.contact_id"],
            name=op.f("fk_control_measures_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_control_measures_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.place_id"], name=op.f("fk_control_measures_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["resp_region"], ["regions.code"], name=op.f("fk_control_measures_resp_region_regions")
        ),
        sa.PrimaryKeyConstraint("measure_id", name=op.f("pk_control_measures")),
    )
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_measures_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_measures_person_id"))

    op.drop_table("control_measures")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_person_id"))
        batch_op.drop_index(batch_op.f("ix_contacts_index_case_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_samples_tube_id"))
        batch_op.drop_index(batch_op.f("ix_samples_person_id"))

    op.drop_table("samples")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_person_id"))
        batch_op.drop_index(batch_op.f("ix_cases_cluster_id"))

    op.drop_table("cases")
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_results_tube_id"))

    op.drop_table("test_results")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_phone_hash"))
        batch_op.drop_index(batch_op.f("ix_people_home_region_code"))

    op.drop_table("people")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_subject")

    op.drop_table("tasks")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index("ix_signals_series")

    op.drop_table("signals")
    with op.batch_alter_table("risk_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_areas_region_code"))

    op.drop_table("risk_areas")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_region_code"))

    op.drop_table("places")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_parent_code"))

    op.drop_table("regions")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor"))
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit_events")
