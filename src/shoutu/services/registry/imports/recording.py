"""The frame of the files a control service records itself (goods, shifts, environment
samples, key places' reports, closed-loop stays): the file read and validated whole by its
spec (bad rows by row and field, nothing written), its rows recorded in one unit of work, what
was done counted in a ``Recorded``, and the provenance set once the unit has committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoutu.io.provenance import build_provenance
from shoutu.io.tables import read_table
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.batch import Batch, EntitySpec, validate_table


@dataclass
class Recorded:
    """What an import of goods, shifts, environment samples, reports or stays did."""

    entity: str
    file: str
    rows: int
    recorded: int = 0
    updated: int = 0  # rows a later file corrected
    unchanged: int = 0
    episodes_opened: int = 0  # closed-loop stays left
    episodes_extended: int = 0
    positives: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    # the file's columns: a correction changes only these (a column left out is kept)
    columns: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "file": self.file,
            "rows": self.rows,
            "recorded": self.recorded,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "episodes_opened": self.episodes_opened,
            "episodes_extended": self.episodes_extended,
            "positives": self.positives,
        }


def once(batch: Batch, kind: str, columns: tuple[str, ...], named: str) -> None:
    """A problem (on ``named``) for each row whose ``columns`` repeat an earlier row's."""
    for parsed in batch.rows:
        key = tuple(parsed.values.get(c) for c in columns)
        if None not in key and (first := batch.first_seen(kind, key, parsed)) is not None:
            batch.problem(parsed, named, f"the same {kind} as row {first}")


def corrected(
    unit: Unit,
    result: Recorded,
    *,
    entity: str,
    row_id: int,
    before: dict[str, Any],
    changed: dict[str, Any],
    write: Callable[..., None],
    what: str,
) -> None:
    """A known row corrected by a file: ``write(values=…)`` its new values (with the unit's touch),
    the audit keeping what they were, counted in ``result``."""
    write(values=changed | unit.touch)
    unit.updated(
        entity, row_id, {c: before[c] for c in changed}, changed, detail=f"{what} corrected"
    )
    result.updated += 1


def reconcile(
    unit: Unit,
    result: Recorded,
    rows: Sequence[dict[str, Any]],
    *,
    known: Mapping[Any, dict[str, Any]],
    key: Callable[[dict[str, Any]], Any],
    columns: Sequence[str],
    entity: str,
    id_column: str,
    change: Callable[..., None],
    add: Callable[..., list[int]],
    what: str,
    with_change: Sequence[str] = (),
) -> None:
    """Each of a file's ``rows`` (as stored) new, the same as the ``known`` row of its ``key``
    in the file's ``columns`` (unchanged), or correcting it (``change(row_id=…, values=…)``,
    ``with_change`` columns going along, audited); the new ones added (``add(rows=…)``) and
    audited; every row counted in ``result``."""
    fresh = []
    for row in rows:
        before = known.get(key(row))
        if before is None:
            fresh.append(row)
            continue
        changed = {c: row[c] for c in columns if row[c] != before[c]}
        if not changed:
            result.unchanged += 1
            continue
        changed |= {c: row[c] for c in with_change}
        row_id = int(before[id_column])
        corrected(
            unit,
            result,
            entity=entity,
            row_id=row_id,
            before=before,
            changed=changed,
            write=lambda values, row_id=row_id: change(row_id=row_id, values=values),
            what=what,
        )
    ids = add(rows=[{**r, **unit.stamp} for r in fresh])
    unit.created(entity, ids, fresh)
    result.recorded = len(ids)


@dataclass(frozen=True)
class FileOptions:
    """How a file is read: its date format, whether bare dates pass, its text encoding."""

    date_format: str | None = None
    allow_dates: bool = False
    encoding: str | None = None


@contextmanager
def recording(
    ctx: ServiceContext,
    spec: EntitySpec,
    path: Path,
    options: FileOptions,
    *,
    command: str,
    protocol: str,
) -> Iterator[tuple[Unit, list[dict[str, Any]], Recorded]]:
    """The unit, the file's rows (each with every field of ``spec``: None where the file has no
    such column) and the result to fill in (with the file's columns);
    ``command`` and ``protocol`` go into its provenance."""
    source = read_table(path, options.encoding)
    with writing(ctx, detail=command) as unit:
        rows = validate_table(
            ctx,
            unit,
            spec,
            source,
            date_format=options.date_format,
            allow_dates=options.allow_dates,
        )
        values = [{fs.name: p.values.get(fs.name) for fs in spec.fields} for p in rows]
        result = Recorded(spec.entity, source.name, len(rows), columns=frozenset(source.columns))
        yield unit, values, result
    result.provenance = build_provenance(
        command=command,
        parameters={"protocol": protocol, "date_format": options.date_format},
        input_hashes=[source.content_hash or ""],
    )


__all__ = ["FileOptions", "Recorded", "corrected", "once", "recording"]
