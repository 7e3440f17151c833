"""The event store: what arrives by the million (check-ins, samples and results, clinic visits,
pharmacy sales), as day-partitioned Parquet read by DuckDB (and, later, Spark)."""
