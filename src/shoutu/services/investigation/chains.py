"""``shoutu chains``: transmission chains over files (cases, groups, contacts).

CASES (CSV or Parquet): ``case_id`` (or the simulator's ``person_id``), ``onset_date`` or
``onset_time``, optional ``sample_date``/``sample_time`` (used when onset is empty) and
``imported`` (true/false). GROUPS: ``case_id`` (or ``person_id``), ``group_type``,
``group_id`` (the simulator's ``groups.parquet`` as is). CONTACTS: ``source_id``,
``target_id``, ``setting``. The analysis is ``analytics.chains``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.analytics.chains import NO_SOURCE_WEIGHT, SerialInterval, infer_chains
from shoutu.io.columnar import read_arrow
from shoutu.services.investigation.chain_graph import DEFAULT_PAGE_SIZE, ChainGraph


def _days(column: pa.ChunkedArray) -> np.ndarray:
    """Days since 1970-01-01 (fractional for timestamps); NaN where empty."""
    if pa.types.is_date(column.type):
        values = pc.cast(column, pa.int32()).to_numpy(zero_copy_only=False)
        return np.asarray(values, float)
    if pa.types.is_timestamp(column.type):
        micros = pc.cast(column.cast(pa.timestamp("us", tz="UTC")), pa.int64())
        return np.asarray(micros.to_numpy(zero_copy_only=False), float) / 86_400e6
    if pa.types.is_null(column.type):
        return np.full(len(column), np.nan)
    raise ValueError(f"dates must be dates or timestamps, not {column.type}")


def _first(table: pa.Table, names: tuple[str, ...], path: Path, required: bool = True) -> str:
    for name in names:
        if name in table.column_names:
            return name
    if required:
        raise ValueError(f"{path}: needs a column {' or '.join(names)}")
    return ""


@dataclass(frozen=True)
class ChainsOutput:
    columns: dict[str, Any]  # the output columns
    days: np.ndarray  # each case's onset (or sampling), days since 1970-01-01
    settings: list[str]  # the infector link's setting ("" for none)

    def graph(self, page_size: int = DEFAULT_PAGE_SIZE) -> ChainGraph:
        return ChainGraph(self.columns, self.days, self.settings, page_size)


def chains_file(
    cases: Path,
    si: SerialInterval,
    *,
    groups: Path | None = None,
    contacts: Path | None = None,
    no_source_weight: float = NO_SOURCE_WEIGHT,
) -> ChainsOutput:
    table = read_arrow(cases)
    id_column = _first(table, ("case_id", "person_id"), cases)
    ids = [str(v) for v in table[id_column].to_pylist()]
    onset_column = _first(table, ("onset_time", "onset_date"), cases)
    times = _days(table[onset_column])
    sample_column = _first(table, ("sample_time", "sample_date"), cases, required=False)
    if sample_column:
        times = np.where(np.isnan(times), _days(table[sample_column]), times)
    if np.isnan(times).any():
        row = int(np.flatnonzero(np.isnan(times))[0]) + 1
        raise ValueError(f"{cases}: row {row}: field {onset_column}: no onset nor sample date")
    imported = (
        np.asarray(table["imported"].fill_null(False).to_numpy(zero_copy_only=False), bool)
        if "imported" in table.column_names
        else np.zeros(len(ids), bool)
    )
    index = {case: i for i, case in enumerate(ids)}
    links: list[tuple[int, int, str]] = []
    if groups is not None:
        g = read_arrow(groups)
        member = _first(g, ("case_id", "person_id"), groups)
        by_group: dict[tuple[str, str], list[int]] = {}
        for case, kind, group in zip(
            g[member].to_pylist(),
            g["group_type"].to_pylist(),
            g["group_id"].to_pylist(),
            strict=True,
        ):
            i = index.get(str(case))
            if i is not None and group is not None:
                by_group.setdefault((str(kind), str(group)), []).append(i)
        for (kind, _), found in by_group.items():
            links += [(a, b, kind) for x, a in enumerate(found) for b in found[x + 1 :]]
    if contacts is not None:
        c = read_arrow(contacts)
        for source, target, setting in zip(
            c["source_id"].to_pylist(),
            c["target_id"].to_pylist(),
            c["setting"].to_pylist(),
            strict=True,
        ):
            a, b = index.get(str(source)), index.get(str(target))
            if a is not None and b is not None:
                links.append((a, b, "contact" if setting is None else str(setting)))
    result = infer_chains(ids, times, imported, links, si, no_source_weight=no_source_weight)

    def name(i: int) -> str | None:
        return ids[i] if i >= 0 else None

    columns = {
        "case_id": ids,
        "infector_id": [name(int(i)) for i in result.infector],
        "probability": np.round(result.probability, 6),
        "runner_up_id": [name(int(i)) for i in result.runner_up],
        "runner_up_probability": np.round(result.runner_up_probability, 6),
        "generation": result.generation,
        "cluster_id": result.cluster,
        "origin": result.origin,
    }
    return ChainsOutput(columns, times, result.setting)


def read_si_table(path: Path) -> SerialInterval:
    """An empirical serial interval ``day,p`` (days may be zero or negative)."""
    table = read_arrow(path)
    days = tuple(int(v) for v in table["day"].to_pylist())
    p = tuple(float(v) for v in table["p"].to_pylist())
    return SerialInterval("table", days=days, p=p)


__all__ = ["ChainsOutput", "chains_file", "read_si_table"]
