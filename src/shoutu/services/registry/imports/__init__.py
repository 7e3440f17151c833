"""Batch imports of registry files: all-or-nothing, idempotent, with a validation report
(the flow in ``batch``, the files by name in ``specs``, one module per file kind)."""
