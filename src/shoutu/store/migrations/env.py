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

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
    )
    context.run_migrations()
