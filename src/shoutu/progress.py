"""Progress reporting from long-running use cases to whatever shell runs them."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def stage(self, description: str, total: int | None) -> None:
        """A new stage begins; ``total`` units of work (None if unknown)."""

    def advance(self, units: int) -> None:
        """``units`` more units of the current stage are done."""


class Silent:
    """The default: reports nothing."""

    def stage(self, description: str, total: int | None) -> None:
        return None

    def advance(self, units: int) -> None:
        return None
