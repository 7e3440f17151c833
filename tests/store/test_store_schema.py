"""The operational store's schema on both backends: migrations match the models."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text

from shoutu.domain.vocabulary import RegionLevel
from shoutu.store import db
from shoutu.store.tables import Base, Region, table

ENTITIES = {
    "regions",
    "people",
    "places",
    "cases",
    "contacts",
    "samples",
    "test_results",
    "control_measures",
    "risk_areas",
    "signals",
    "tasks",
    "audit_events",
}


def test_migrations_create_every_table_and_match_the_models(db_url: str) -> None:
    engine = db.make_engine(db_url)
    try:
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        assert set(inspect(engine).get_table_names()) >= ENTITIES
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        db.upgrade(engine)  # idempotent
    finally:
        engine.dispose()


def test_every_entity_is_stamped_with_who_and_when() -> None:
    for name in ENTITIES - {"audit_events"}:
        columns = set(Base.metadata.tables[name].columns.keys())
        assert {"created_at", "updated_at", "updated_by"} <= columns, name
    for name in ("cases", "tasks", "control_measures", "risk_areas", "signals"):
        columns = set(Base.metadata.tables[name].columns.keys())
        assert {"resp_region", "resp_department", "resp_unit", "resp_person"} <= columns, name


def test_timestamps_come_back_aware_utc_and_foreign_keys_hold(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    regions = table(Region)
    local = dt.datetime(2022, 3, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(regions).values(
                    code="310000000000",
                    level=RegionLevel.PROVINCE,
                    name_zh="上海市",
                    created_at=local,
                    updated_at=local,
                    updated_by="t",
                )
            )
        with engine.connect() as conn:
            row = conn.execute(select(regions)).mappings().one()
        assert row["created_at"] == local and row["created_at"].tzinfo == dt.UTC
        assert row["level"] is RegionLevel.PROVINCE
        with pytest.raises(Exception, match=r"(?i)foreign key"), engine.begin() as conn:
            conn.execute(
                insert(regions).values(
                    code="310100000000",
                    level=RegionLevel.CITY,
                    parent_code="990000000000",
                    name_zh="x",
                    created_at=local,
                    updated_at=local,
                    updated_by="t",
                )
            )
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/wal.db")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
