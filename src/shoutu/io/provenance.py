"""Provenance for every output: shoutu version, protocol name and hash, parameters, input hash.

Never wall-clock times or output paths, so equal inputs give byte-identical files. CSV outputs
get ``OUT.csv.json`` beside them; Parquet outputs carry it in the file's key-value metadata under
``shoutu.provenance``; JSON printed by commands carries it under a ``provenance`` key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shoutu import __version__

PARQUET_KEY = b"shoutu.provenance"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def combine_hashes(hashes: Sequence[str]) -> str:
    """One hash for several inputs, in the order given."""
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def build_provenance(
    *,
    command: str,
    parameters: Mapping[str, Any],
    input_hashes: Sequence[str] = (),
    protocol: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The provenance record; ``protocol`` is (name, hash)."""
    record: dict[str, Any] = {
        "shoutu_version": __version__,
        "command": command,
        "parameters": {k: _plain(v) for k, v in sorted(parameters.items())},
        "inputs_sha256": combine_hashes(list(input_hashes)) if input_hashes else None,
    }
    if protocol is not None:
        record["protocol"] = {"name": protocol[0], "sha256": protocol[1]}
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return value.name
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def dumps(payload: Mapping[str, Any]) -> str:
    """Deterministic JSON (sorted keys, UTF-8 text kept)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n"


def write_table(
    path: Path, columns: Mapping[str, Sequence[Any]], provenance: Mapping[str, Any]
) -> None:
    """Write columns to CSV (plus ``.json`` sidecar) or Parquet (metadata) by extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: list(values) for name, values in columns.items()})
        meta = dict(table.schema.metadata or {})
        meta[PARQUET_KEY] = dumps(provenance).encode()
        pq.write_table(table.replace_schema_metadata(meta), path)
    elif suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        names = list(columns)
        writer.writerow(names)
        length = len(next(iter(columns.values()))) if columns else 0
        for index in range(length):
            writer.writerow(["" if columns[n][index] is None else columns[n][index] for n in names])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        path.with_name(path.name + ".json").write_text(dumps(provenance), encoding="utf-8")
    else:
        raise ValueError(f"{path}: output must end in .csv or .parquet")


def read_provenance(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        result: dict[str, Any] = json.loads(meta[PARQUET_KEY])
        return result
    loaded: dict[str, Any] = json.loads(path.with_name(path.name + ".json").read_text())
    return loaded
