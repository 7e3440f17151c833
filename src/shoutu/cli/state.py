"""Options shared by all commands (set by the root callback)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the services load on first use, so `--help` stays fast
    from shoutu.services.context import ServiceContext
    from shoutu.settings import Settings


@dataclass
class State:
    overrides: dict[str, object] = field(default_factory=dict)

    def settings(self) -> Settings:
        from shoutu.settings import get_settings

        return get_settings(**self.overrides)

    def context(self) -> ServiceContext:
        from shoutu.services.context import open_context

        return open_context(self.settings())


def state(ctx: typer.Context) -> State:
    found = ctx.find_root().obj
    if not isinstance(found, State):
        found = State()
        ctx.find_root().obj = found
    return found
