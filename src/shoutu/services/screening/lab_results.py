"""Lab results in: ``shoutu import results FILE`` (CSV or Parquet, the simulator's tests.parquet
columns: sample_id, tube_id, pool_size, person_id, site_id, lab_id, sample_time, result_time,
method, result, ct_n, ct_orf1ab; optional purpose, a detection channel).

Columnar all the way, so that millions of rows validate in seconds: the file is read whole
into Arrow, every rule runs over whole columns, and people are checked against the registry's
roster snapshot (``services.roster``). Problems are named by row and field: unknown person, a
tube with more samples than its pool size or with members of different results, a result
before its sample, Ct out of range or missing on a PCR positive, a sample id given twice with
different results (in the file or against results stored before). One problem and nothing is
written. Samples already stored with the same result are skipped, so re-sending a batch
changes nothing. New results go to the event store (kind ``tests``); the registry gets only
what needs a workflow (``services.pooled_workflow``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.timeutil import Window
from shoutu.domain.vocabulary import Channel, Right, TestMethod, TestOutcome
from shoutu.errors import InputError
from shoutu.events.store import read_around, write_events
from shoutu.io.columnar import RowProblems, read_columns
from shoutu.io.provenance import build_provenance, file_hash
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.guard import refusals, require
from shoutu.services.registry.roster import known, roster_ids
from shoutu.store.repositories import batches

REQUIRED = ("sample_id", "person_id", "sample_time", "result_time", "method", "result")
OPTIONAL = ("tube_id", "pool_size", "site_id", "lab_id", "ct_n", "ct_orf1ab", "purpose")
CT_RANGE = (0.0, 45.0)  # cycles: a Ct outside (0, 45] is not a reading
SCHEMA = pa.schema(
    [
        ("sample_id", pa.string()),
        ("tube_id", pa.string()),
        ("pool_size", pa.int32()),
        ("person_id", pa.int64()),
        ("site_id", pa.int64()),
        ("lab_id", pa.int64()),
        ("sample_time", pa.timestamp("us", tz="UTC")),
        ("result_time", pa.timestamp("us", tz="UTC")),
        ("method", pa.string()),
        ("result", pa.string()),
        ("ct_n", pa.float64()),
        ("ct_orf1ab", pa.float64()),
        ("purpose", pa.string()),
    ]
)


@dataclass
class ResultsBatch:
    file: str
    rows: int
    new: int
    already_stored: int
    workflow: dict[str, int] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    recovered: dict[str, int] = field(default_factory=dict)  # earlier batches finished now

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "new": self.new,
            "already_stored": self.already_stored,
            "workflow": self.workflow,
            "recovered": self.recovered,
        }


def read_results(
    path: Path, timezone: str, window: Window | None = None, encoding: str | None = None
) -> tuple[pa.Table, RowProblems]:
    """The file as a table of SCHEMA (problems so far in the checker; times outside the
    plausible ``window`` among them)."""
    table, check = read_columns(
        path, SCHEMA, REQUIRED, timezone, defaults={"pool_size": 1}, encoding=encoding
    )
    if window is not None:
        check.plausible(table, ("sample_time", "result_time"), window, timezone)
    return table, check


def validate(table: pa.Table, check: RowProblems, roster: np.ndarray) -> None:
    """Every rule over whole columns; problems go to the checker."""
    method = table["method"]
    result = table["result"]
    methods = pa.array([m.value for m in TestMethod])
    outcomes = pa.array([o.value for o in TestOutcome])
    check.rows(
        _np(pc.invert(pc.is_in(method, methods))) & _np(method.is_valid()),
        "method",
        f"is not one of {', '.join(m.value for m in TestMethod)}",
    )
    check.rows(
        _np(pc.invert(pc.is_in(result, outcomes))) & _np(result.is_valid()),
        "result",
        f"is not one of {', '.join(o.value for o in TestOutcome)}",
    )
    purpose = table["purpose"]
    channels = pa.array([c.value for c in Channel])
    check.rows(
        _np(pc.invert(pc.is_in(purpose, channels))) & _np(purpose.is_valid()),
        "purpose",
        "is not a detection channel",
    )
    people = np.asarray(table["person_id"].fill_null(-1).to_numpy())
    check.rows(~known(roster, people) & (people >= 0), "person_id", "unknown person")
    early = pc.less(table["result_time"], table["sample_time"])
    check.rows(
        _np(early.fill_null(False)), "result_time", "is before sample_time", unless=("sample_time",)
    )
    pcr_positive = _np(
        pc.and_(pc.equal(method, "pcr"), pc.equal(result, "positive")).fill_null(False)
    )
    for gene in ("ct_n", "ct_orf1ab"):
        ct = table[gene]
        check.rows(pcr_positive & _np(ct.is_null()), gene, "is missing on a PCR positive")
        low, high = CT_RANGE
        outside = pc.or_(pc.less_equal(ct, low), pc.greater(ct, high)).fill_null(False)
        check.rows(_np(outside), gene, f"is outside ({low:g}, {high:g}]")
    pools = pa.array(np.asarray(table["pool_size"].fill_null(1).to_numpy()) < 1)
    check.rows(_np(pools), "pool_size", "must be at least 1")
    _check_tubes(table, check)
    _check_duplicates(table, check)


def _np(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), bool)


def _check_tubes(table: pa.Table, check: RowProblems) -> None:
    """A PCR tube holds at most pool_size samples, all with one result."""
    pcr = _np(
        pc.and_(pc.equal(table["method"], "pcr"), table["tube_id"].is_valid()).fill_null(False)
    )
    if not pcr.any():
        return
    tubes = table.filter(pa.array(pcr)).select(["tube_id", "pool_size", "result"])
    stats = tubes.group_by("tube_id").aggregate(
        [("tube_id", "count"), ("pool_size", "max"), ("result", "count_distinct")]
    )
    over = stats.filter(pc.greater(stats["tube_id_count"], stats["pool_size_max"]))
    mixed = stats.filter(pc.greater(stats["result_count_distinct"], 1))
    ids = table["tube_id"]
    texts: dict[str, str] = {}
    for r in over.to_pylist():
        texts[r["tube_id"]] = (
            f"tube {r['tube_id']} holds {r['tube_id_count']} samples, more than its pool size "
            f"{r['pool_size_max']}"
        )
    for r in mixed.to_pylist():
        texts.setdefault(r["tube_id"], f"members of tube {r['tube_id']} have different results")
    if texts:
        hit = _np(pc.is_in(ids, pa.array(list(texts), pa.string())).fill_null(False)) & pcr
        tube_of = ids.filter(pa.array(hit)).to_pylist()
        check.rows(hit, "tube_id", [texts[t] for t in tube_of])


def _check_duplicates(table: pa.Table, check: RowProblems) -> None:
    """A sample id given twice must carry the same result."""
    if pc.count_distinct(table["sample_id"]).as_py() == table.num_rows:
        return  # every id once: nothing to compare
    stats = table.group_by("sample_id").aggregate([("result", "count_distinct")])
    clash = stats.filter(pc.greater(stats["result_count_distinct"], 1))["sample_id"]
    if len(clash):
        hit = _np(pc.is_in(table["sample_id"], clash).fill_null(False))
        check.rows(hit, "sample_id", "given again with a different result")


def _stored(ctx: ServiceContext, table: pa.Table) -> pa.Table:
    """Stored results (sample_id, result) of the batch's sample days, one day either side."""
    columns = ["sample_id", "result"]
    stored = read_around(ctx.settings.event_dir, "tests", table["sample_time"], columns)
    if stored.num_rows == 0:
        empty = pa.array([], pa.string())
        return pa.table({"sample_id": empty, "result": empty})
    return stored.select(["sample_id", "result"])


def _keys(table: pa.Table) -> pa.Array:
    """sample_id and result in one string, to compare pairs with is_in."""
    return pc.binary_join_element_wise(table["sample_id"], table["result"], "\x1f")


def import_results(
    ctx: ServiceContext,
    path: Path,
    *,
    allow_dates: bool = False,
    encoding: str | None = None,
    check_only: bool = False,
) -> ResultsBatch:
    """Validate, store and run the workflow of a results file (see the module's text);
    times outside the plausible dates are refused unless ``allow_dates``; ``check_only``:
    validate and count, write nothing. Needs the right to upload results."""
    from shoutu.services.screening.pooled_workflow import finish_pending, run_workflow

    with refusals(ctx, "tests", path.name):
        require(ctx, Right.UPLOAD_RESULTS)
    window = None if allow_dates else ctx.plausible_window()
    table, check = read_results(path, ctx.settings.timezone, window, encoding)
    # a web user uploads for the people of their capture scope only: anyone else is as
    # unknown to them as a person the registry does not hold (nothing tells which)
    validate(table, check, roster_ids(ctx, within=ctx.principal.capture))
    stored = _stored(ctx, table)
    seen = np.zeros(table.num_rows, bool)
    if stored.num_rows:
        seen = _np(pc.is_in(table["sample_id"], stored["sample_id"]).fill_null(False))
        same = _np(pc.is_in(_keys(table), _keys(stored)).fill_null(False))
        check.rows(seen & ~same, "sample_id", "stored before with a different result")
    if not check.report.ok:
        raise InputError(check.report)
    first = np.ones(table.num_rows, bool)  # the first of exact duplicates in the file
    codes = pc.dictionary_encode(table["sample_id"]).combine_chunks()
    if len(codes.dictionary) < table.num_rows:
        first[:] = False
        _, index = np.unique(codes.indices.to_numpy(zero_copy_only=False), return_index=True)
        first[index] = True
    fresh = table.filter(pa.array(first & ~seen))
    digest = file_hash(path)
    batch = ResultsBatch(path.name, table.num_rows, fresh.num_rows, int(seen.sum()))
    batch.provenance = build_provenance(
        command="import results", parameters={}, input_hashes=[digest]
    )
    if check_only:
        return batch
    recovered = finish_pending(ctx)  # batches stored before but never processed
    if recovered["batches"]:
        batch.recovered = recovered
    if fresh.num_rows:
        tag = hashlib.sha256(f"results:{digest}".encode()).hexdigest()[:16]
        with writing(ctx) as unit:  # stored first; processed when its workflow commits
            batches.stored(
                unit.conn,
                kind="tests",
                batch=tag,
                values={"file": path.name, "rows": fresh.num_rows, "stored_at": unit.now}
                | unit.stamp,
            )
        write_events(ctx.settings.event_dir, "tests", fresh, ctx.settings.timezone, tag)
        batch.workflow = run_workflow(ctx, fresh, batch=tag)
    return batch


__all__ = ["ResultsBatch", "import_results", "read_results", "validate"]
