"""Protocols as data: a pydantic schema and versioned TOML files, loaded by name."""

from shoutu.protocols.loader import ProtocolError, ProtocolRegistry, diff_protocols
from shoutu.protocols.schema import Protocol

__all__ = ["Protocol", "ProtocolError", "ProtocolRegistry", "diff_protocols"]
