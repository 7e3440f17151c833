"""Batch imports of registry files: all-or-nothing, idempotent, with a validation report."""

from shoutu.services.registry.imports.batch import ImportResult, import_table
from shoutu.services.registry.imports.specs import SPECS, import_file

__all__ = ["SPECS", "ImportResult", "import_file", "import_table"]
