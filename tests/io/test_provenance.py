"""Provenance-stamped outputs: equal inputs give byte-identical files, never times or paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paths import DATA
from shoutu import __version__
from shoutu.errors import BadRequest
from shoutu.io.provenance import build_provenance, file_hash, read_provenance, write_table


def _provenance(out_dir: Path) -> dict[str, object]:
    return build_provenance(
        command="test",
        parameters={"window": 7, "output": out_dir / "x.csv", "alpha": 0.05},
        input_hashes=[file_hash(DATA / "regions.csv")],
        protocol=("cn-9th-2022", "ab" * 32),
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_outputs_are_byte_identical(tmp_path: Path, suffix: str) -> None:
    columns = {"date": ["2022-03-01", "2022-03-02"], "count": [3, None], "region": ["浦东", "x"]}
    paths = []
    for run in ("a", "b"):
        path = tmp_path / run / f"out{suffix}"
        write_table(path, columns, _provenance(tmp_path / run))
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    record = read_provenance(paths[0])
    assert record["shoutu_version"] == __version__
    assert record["protocol"] == {"name": "cn-9th-2022", "sha256": "ab" * 32}
    assert record["parameters"] == {"alpha": 0.05, "output": "x.csv", "window": 7}
    assert str(tmp_path) not in json.dumps(record)
    if suffix == ".csv":
        assert paths[0].read_text().splitlines() == [
            "date,count,region",
            "2022-03-01,3,浦东",
            "2022-03-02,,x",
        ]
        sidecar = paths[0].with_name("out.csv.json")
        assert sidecar.read_bytes() == paths[1].with_name("out.csv.json").read_bytes()


def test_input_hash_depends_on_content(tmp_path: Path) -> None:
    copy = tmp_path / "regions.csv"
    copy.write_bytes((DATA / "regions.csv").read_bytes())
    assert file_hash(copy) == file_hash(DATA / "regions.csv")
    copy.write_bytes(copy.read_bytes() + b"\n")
    assert file_hash(copy) != file_hash(DATA / "regions.csv")


def test_unknown_output_type(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match=r"\.csv, \.parquet or \.xlsx"):
        write_table(tmp_path / "out.txt", {"a": [1]}, {})
