"""Synthetic regional daily series for the benchmarks: one long Parquet file, plus the first
200 series as a plain CSV matrix (days x series) for the R side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def write_series(path: Path, counts: np.ndarray, column: str) -> Path:
    """``counts`` (series x days) as long Parquet ``date,region,<column>``; returns the CSV
    matrix of the first 200 series."""
    series, days = counts.shape
    dates = np.datetime64("2022-01-01") + np.arange(days)
    pq.write_table(
        pa.table(
            {
                "date": pa.array(np.tile(dates, series)),
                "region": pa.array(np.repeat([f"R{i:05d}" for i in range(series)], days)),
                column: pa.array(counts.ravel()),
            }
        ),
        path,
    )
    subset = path.with_suffix(".subset.csv")
    np.savetxt(subset, counts[:200].T, fmt="%d", delimiter=",")
    return subset
