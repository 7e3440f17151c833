"""Errors the service layer raises for people to read (kept import-light for the CLI)."""

from __future__ import annotations


class ShoutuError(Exception):
    """Base of the errors a command reports as bad input (exit code 1)."""


class ProtocolError(ShoutuError, ValueError):
    """A protocol that cannot be found, parsed or validated; the message names file and field."""


class KeyringError(ShoutuError):
    """The key is missing, malformed, or does not open this data."""


class NotFound(ShoutuError, LookupError):
    """No such record."""
