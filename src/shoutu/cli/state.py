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
    opened: list[ServiceContext] = field(default_factory=list)

    def close(self) -> None:
        """Close every store this command opened (called when the command ends)."""
        for service in self.opened:
            service.close()
        self.opened.clear()

    def settings(self) -> Settings:
        from shoutu.settings import get_settings

        return get_settings(**self.overrides)

    def context(self) -> ServiceContext:
        from shoutu.services.context import open_context

        service = open_context(self.settings())
        self.opened.append(service)
        return service


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    found = root.obj
    if not isinstance(found, State):
        found = State()
        root.obj = found
        root.call_on_close(found.close)
    return found
