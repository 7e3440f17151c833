"""Entities' value objects and rules that need no storage: vocabulary, identifiers, time."""
