"""Pure numerics over arrays: no I/O, no database. Each method names its reference."""
