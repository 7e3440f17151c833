"""Alembic environment: the engine comes from shoutu.store.db (no alembic.ini)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from shoutu.store.tables import Base
from shoutu.store.types import UTCDateTime, Vocab


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render shoutu's column types as the migration template imports them."""
    if kind == "type" and isinstance(obj, Vocab):
        return "sa.String(length=32)"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "UTCDateTime()"
    return False


engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection
    if sqlite:
        # SQLite rebuilds a table to change it; foreign keys pointing at it must not fire
        # while it is dropped and renamed (they are checked after, then turned back on).
        # The pragma only works outside a transaction: on the driver's own connection.
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=sqlite,
                render_item=render_item,
                compare_type=True,
            )
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            raw.execute("PRAGMA foreign_keys=ON")
