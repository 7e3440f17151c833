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
        """Close every store this command opened (called when the command ends), after
        printing what their services warned of."""
        import sys

        for service in self.opened:
            for warning in dict.fromkeys(service.warnings):
                sys.stderr.write(f"warning: {warning}\n")
            service.close()
        self.opened.clear()

    def settings(self) -> Settings:
        """The settings (environment and root options); a value that cannot work is a
        ConfigError naming the variable."""
        from pydantic import ValidationError

        from shoutu.errors import ConfigError
        from shoutu.settings import get_settings

        try:
            return get_settings(**self.overrides)
        except ValidationError as exc:
            problems = "; ".join(
                f"SHOUTU_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigError(problems) from None

    def context(self) -> ServiceContext:
        """The service context (the store opens when a service first uses it)."""
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
