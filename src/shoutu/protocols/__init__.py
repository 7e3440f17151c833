"""Protocols as data: a pydantic schema (``schema``) and versioned TOML files loaded by name
(``loader``)."""
