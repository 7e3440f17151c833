"""Protocols as data: a pydantic schema and versioned TOML files, loaded by name."""

from shoutu.errors import ProtocolError
from shoutu.protocols.loader import ProtocolRegistry, diff_protocols
from shoutu.protocols.schema import Protocol

__all__ = ["Protocol", "ProtocolError", "ProtocolRegistry", "diff_protocols"]
