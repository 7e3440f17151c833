"""Use cases: the only way into the registry. Each validates, writes through store, audits."""
