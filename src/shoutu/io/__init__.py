"""File edges: reading input tables, validation reports, provenance-stamped outputs."""
