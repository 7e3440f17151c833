"""The protocol editions in force and on file: list, show (resolved, with its hash), diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shoutu.io.provenance import build_provenance
from shoutu.protocols.loader import ProtocolInfo, diff_protocols, flatten
from shoutu.protocols.schema import Protocol
from shoutu.services.context import ServiceContext


@dataclass(frozen=True)
class ProtocolView:
    protocol: Protocol
    sha256: str
    values: dict[str, Any]  # every value, flattened to dotted keys
    provenance: dict[str, Any]


def list_protocols(ctx: ServiceContext) -> list[ProtocolInfo]:
    """One entry per protocol: built-in editions and the city variants of the protocol dir."""
    return ctx.protocols.info()


def show_protocol(ctx: ServiceContext, name: str) -> ProtocolView:
    """Every value of a protocol, resolved (with what it extends)."""
    protocol, digest = ctx.protocol(name)
    provenance = build_provenance(
        command="protocols show", parameters={"name": name}, protocol=(name, digest)
    )
    return ProtocolView(protocol, digest, flatten(protocol.model_dump(mode="json")), provenance)


def compare_protocols(ctx: ServiceContext, a: str, b: str) -> list[tuple[str, Any, Any]]:
    """(key, value in a, value in b) for every value that differs."""
    return diff_protocols(ctx.protocol(a)[0], ctx.protocol(b)[0])


__all__ = ["ProtocolView", "compare_protocols", "list_protocols", "show_protocol"]
