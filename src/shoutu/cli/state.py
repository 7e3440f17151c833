"""Options shared by all commands (set by the root callback)."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from shoutu.services.context import ServiceContext, open_context
from shoutu.settings import Settings, get_settings


@dataclass
class State:
    overrides: dict[str, object] = field(default_factory=dict)

    def settings(self) -> Settings:
        return get_settings(**self.overrides)

    def context(self) -> ServiceContext:
        return open_context(self.settings())


def state(ctx: typer.Context) -> State:
    found = ctx.find_root().obj
    if not isinstance(found, State):
        found = State()
        ctx.find_root().obj = found
    return found
