"""Provenance for every output: shoutu version, protocol name and hash, parameters, input hash.

Never wall-clock times or output paths, so equal inputs give byte-identical files. CSV outputs
get ``OUT.csv.json`` beside them; Parquet outputs carry it in the file's key-value metadata under
``shoutu.provenance``; JSON printed by commands carries it under a ``provenance`` key.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from shoutu import __version__

PARQUET_KEY = b"shoutu.provenance"


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes; of a folder (a store), of its files' names and sizes."""
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{item.relative_to(path)}\t{item.stat().st_size}\n".encode())
        return digest.hexdigest()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes_later(paths: Sequence[Path]) -> Callable[[], list[str]]:
    """Start hashing ``paths`` in a background thread (hashlib releases the GIL), so that a
    multi-gigabyte input is hashed while the work on it runs; call the result to get the
    hashes (waiting if need be; a missing file raises there)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shoutu-hash")
    future = pool.submit(lambda: [file_hash(p) for p in paths])
    pool.shutdown(wait=False)
    return future.result


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


def as_arrow(columns: Mapping[str, Any]) -> Any:
    """An Arrow table from columns of lists or numpy arrays (NaN and None become null)."""
    import numpy as np
    import pyarrow as pa

    def column(values: Any) -> Any:
        if isinstance(values, (pa.Array, pa.ChunkedArray)):
            return values
        if isinstance(values, np.ndarray):
            return pa.array(values, from_pandas=values.dtype.kind == "f")
        return pa.array(list(values))

    return pa.table({name: column(values) for name, values in columns.items()})


def write_csv(table: Any, sink: Any) -> None:
    """CSV with a header, nulls as empty fields; quotes only when a value needs them."""
    import pyarrow.csv as pacsv

    try:
        buffer = io.BytesIO()
        pacsv.write_csv(
            table, buffer, pacsv.WriteOptions(quoting_style="none", quoting_header="none")
        )
    except Exception:  # a value needs quoting (a comma, quote or newline)
        buffer = io.BytesIO()
        pacsv.write_csv(
            table, buffer, pacsv.WriteOptions(quoting_style="needed", quoting_header="none")
        )
    sink.write(buffer.getvalue())


def write_table(path: Path, columns: Mapping[str, Any], provenance: Mapping[str, Any]) -> None:
    """Write columns (lists or numpy arrays) to CSV (plus a ``.json`` sidecar), Parquet
    (provenance in the metadata) or Excel (a provenance sheet), chosen by extension."""
    from shoutu.errors import BadRequest

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".xlsx"):
        raise BadRequest(f"{{output}} {path} must end in .csv, .parquet or .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    table = as_arrow(columns)
    if suffix == ".xlsx":
        from shoutu.io.excel import write_xlsx

        write_xlsx(path, table, provenance)
        return
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        meta = dict(table.schema.metadata or {})
        meta[PARQUET_KEY] = dumps(provenance).encode()
        # dictionary pages pay off for labels, not for continuous numbers
        labels = [
            f.name
            for f in table.schema
            if pa.types.is_string(f.type) or pa.types.is_dictionary(f.type)
        ]
        pq.write_table(table.replace_schema_metadata(meta), path, use_dictionary=labels)
        return
    with path.open("wb") as handle:
        write_csv(table, handle)
    path.with_name(path.name + ".json").write_text(dumps(provenance), encoding="utf-8")


def read_provenance(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        from shoutu.io.excel import PROVENANCE_SHEET

        book = load_workbook(path, read_only=True)
        try:
            cell = list(book[PROVENANCE_SHEET].iter_rows(values_only=True))[1][0]
        finally:
            book.close()
        found: dict[str, Any] = json.loads(str(cell))
        return found
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        result: dict[str, Any] = json.loads(meta[PARQUET_KEY])
        return result
    loaded: dict[str, Any] = json.loads(path.with_name(path.name + ".json").read_text())
    return loaded
