"""The batch import flow shared by every registry file.

A file is one batch: all of it is imported or none of it. It streams in chunks, inside one
transaction:

1. parse each row with the entity's field specs (problems name file, row, line and field) and
   refuse natural keys seen earlier in the file;
2. let the entity check the chunk against the registry and build database rows;
3. while the file is clean, write the chunk: insert new keys, update changed ones, leave
   identical ones untouched (so re-importing a file changes nothing); an update changes only
   the columns the file has (a file of ``person_id,name`` leaves the rest of each person as it
   was), and an empty value clears a stored one only with ``allow_clear``; audit every write (one
   write unit, ``services.audit``); a table whose ids the platform also generates has its id
   sequence moved past the file's ids;
4. after the first problem, keep validating (so the report names every bad row) but write no
   more; at the end any problem rolls the transaction back and raises InputError.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table

from shoutu.domain.timeutil import local_date, utcnow
from shoutu.errors import BadRequest, InputError, ValidationReport
from shoutu.io.tables import InputTable, Row, missing_column
from shoutu.progress import Progress, Silent
from shoutu.services.audit import Unit, writing
from shoutu.services.audit_content import Masks, jsonable
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.fields import FieldSpec, ParseOptions, is_blank
from shoutu.store.repositories import entities

CHUNK_ROWS = 50_000


@dataclass
class ParsedRow:
    row: int
    line: int | None
    values: dict[str, Any]
    blank: frozenset[str] = frozenset()  # the file's fields left empty on this row


@dataclass
class Batch:
    """One chunk, as an entity's ``prepare`` step sees it and fills it in."""

    ctx: ServiceContext
    conn: Connection
    name: str
    rows: list[ParsedRow]
    report: ValidationReport
    state: dict[str, Any]  # kept across the chunks of one file (e.g. identifiers seen so far)
    db_rows: list[dict[str, Any]] = field(default_factory=list)
    options: ParseOptions | None = None
    columns: frozenset[str] = frozenset()  # the file's columns
    allow_clear: bool = False
    prefix: str = ""  # how problems name this batch's fields (``person.`` for a case's person)

    def problem(self, parsed: ParsedRow, field_name: str | None, reason: str) -> None:
        named = None if field_name is None else self.prefix + field_name
        self.report.add(self.name, parsed.row, named, reason, parsed.line)

    def count(self, what: str, number: int) -> None:
        """Add to the file's count of ``what`` (rows of other tables it wrote)."""
        counts: dict[str, int] = self.state.setdefault("_counts", {})
        counts[what] = counts.get(what, 0) + number

    def first_seen(self, kind: str, value: Any, parsed: ParsedRow) -> int | None:
        """The row where ``value`` of ``kind`` first appeared in this file, if not this one."""
        seen: dict[Any, int] = self.state.setdefault(kind, {})
        first = seen.setdefault(value, parsed.row)
        return None if first == parsed.row else first

    def not_before(self, parsed: ParsedRow, later: str, earlier: str) -> None:
        """A problem when ``later`` comes before ``earlier`` (both given)."""
        values = parsed.values
        first, then = values.get(earlier), values.get(later)
        if first is not None and then is not None and then < first:
            self.problem(parsed, later, f"is before {earlier}")

    def check_known(
        self,
        *,
        field_name: str,
        table: Table,
        key: str,
        also_known: set[Any] | None = None,
        what: str,
    ) -> None:
        """Report rows whose ``field_name`` names no row of ``table`` (nor ``also_known``)."""
        wanted = {r.values[field_name] for r in self.rows if r.values.get(field_name) is not None}
        known = set(also_known or ())
        missing = wanted - known
        if missing:
            known |= entities.existing_keys(self.conn, table=table, key=key, keys=sorted(missing))
        for parsed in self.rows:
            value = parsed.values.get(field_name)
            if value is not None and value not in known:
                self.problem(parsed, field_name, f"unknown {what} {value}")


@dataclass(frozen=True)
class EntitySpec:
    entity: str
    table: Table
    key: str
    fields: tuple[FieldSpec, ...]
    prepare: Callable[[Batch], None]
    # columns that differ even when the value is equal (ciphertexts)
    compare_exclude: frozenset[str] = frozenset()
    insert_order: Callable[[dict[str, Any]], Any] | None = None
    # Turns a prepared row into the stored row, only for rows that will be written (e.g. it
    # encrypts personal data, so unchanged rows are never re-encrypted). Keys starting "_" are
    # working values for it: never compared, audited or stored.
    finalize: Callable[[ServiceContext, dict[str, Any]], dict[str, Any]] | None = None
    # None: the whole file is one chunk (rows may refer to rows further down, as regions do)
    chunk_rows: int | None = CHUNK_ROWS
    # the platform also generates ids of this table: move its sequence past the file's ids
    generated_ids: bool = False
    # stored columns a file column also sets (e.g. an ID number sets its hash and ciphertext);
    # a stored column is otherwise set by the file column of its name
    sets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # personal values the audit trail holds only masked (column -> mask)
    audit_masks: Masks = field(default_factory=dict)
    # columns an update may not change (whose record it is): a file that would move a case
    # to another person names another system's ids, and is refused
    immutable: frozenset[str] = frozenset()
    # Writes the rows this chunk's rows refer to and fills in their ids (the people of
    # line-list cases), in the same unit, once the chunk is clean.
    before_write: Callable[[Unit, Batch], None] | None = None

    def given(self, columns: Collection[str]) -> frozenset[str]:
        """The stored columns a file with ``columns`` sets (the key always)."""
        found = {self.key, *columns}
        for column in columns:
            found |= self.sets.get(column, frozenset())
        return frozenset(found)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


@dataclass
class ImportResult:
    entity: str
    file: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    ignored_columns: list[str]
    provenance: dict[str, Any] = field(default_factory=dict)
    related: dict[str, int] = field(default_factory=dict)  # e.g. people_inserted

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "ignored_columns": self.ignored_columns,
            **self.related,
        }


def _parse_chunk(
    spec: EntitySpec,
    table: InputTable,
    chunk: list[Row],
    options: ParseOptions,
    report: ValidationReport,
    seen_keys: dict[Any, int],
) -> list[ParsedRow]:
    # Rows with unparseable fields go on to the registry checks (with those fields None), so
    # one report names every problem in the file.
    present = [f for f in spec.fields if f.name in table.columns]
    defaults = {f.name: f.default for f in spec.fields if f.name not in table.columns}
    parsed_rows: list[ParsedRow] = []
    for row_number, line, raw in chunk:
        values = dict(defaults)
        blank: set[str] = set()
        for spec_field in present:
            value = raw.get(spec_field.name)
            if is_blank(value):
                if spec_field.required:
                    report.add(table.name, row_number, spec_field.name, "is required", line)
                values[spec_field.name] = spec_field.default
                blank.add(spec_field.name)
                continue
            try:
                values[spec_field.name] = spec_field.parser(value, options)
            except ValueError as exc:
                hint = getattr(exc, "parameter", None)  # the option that would accept it
                report.add(table.name, row_number, spec_field.name, str(exc), line, hint)
                values[spec_field.name] = None
        key = values.get(spec.key)
        if key is not None:
            first = seen_keys.setdefault(key, row_number)
            if first != row_number:
                report.add(
                    table.name,
                    row_number,
                    spec.key,
                    f"duplicate key {key} (first at row {first})",
                    line,
                )
        parsed_rows.append(ParsedRow(row_number, line, values, frozenset(blank)))
    return parsed_rows


def _begin(
    ctx: ServiceContext,
    spec: EntitySpec,
    table: InputTable,
    date_format: str | None,
    allow_dates: bool,
    timezone: str | None,
) -> tuple[ParseOptions, ValidationReport]:
    """How a file's values are read (naive times local to ``timezone``, default the
    configured one; event dates in the plausible window unless ``allow_dates``), after its
    header is checked for the spec's required columns (an InputError naming each missing);
    a date format that is no strptime format is a BadRequest."""
    if date_format is not None and "%" not in date_format:
        raise BadRequest(
            f"{{date_format}} {date_format!r} is not a strptime format (e.g. %Y/%m/%d)"
        )
    options = ParseOptions(
        date_format=date_format,
        timezone=timezone or ctx.settings.timezone,
        window=None if allow_dates else ctx.plausible_window(),
        today=local_date(utcnow(), ctx.settings.timezone),
    )
    report = ValidationReport()
    for column in spec.required:
        if column not in table.columns:
            report.add(table.name, None, column, missing_column(column, table.columns))
    if not report.ok:
        raise InputError(report)
    return options, report


def import_table(
    ctx: ServiceContext,
    spec: EntitySpec,
    table: InputTable,
    *,
    date_format: str | None = None,
    progress: Progress | None = None,
    allow_clear: bool = False,
    allow_dates: bool = False,
    unit: Unit | None = None,
    timezone: str | None = None,
) -> ImportResult:
    """Validate and write one file; raises InputError (writing nothing) on any problem.
    Updates change the file's columns only; ``allow_clear`` lets an empty value clear one.
    Its own transaction, or the caller's ``unit`` (several files, all or nothing). Event
    dates outside the plausible window are refused unless ``allow_dates``. Naive times are
    local to ``timezone`` (default: the configured one)."""
    progress = progress or Silent()
    options, report = _begin(ctx, spec, table, date_format, allow_dates, timezone)
    seen_keys: dict[Any, int] = {}
    state: dict[str, Any] = {}
    rows = inserted = updated = 0
    given = spec.given(table.columns)
    progress.stage(f"importing {table.name}", None)
    with nullcontext(unit) if unit is not None else writing(ctx, detail="import") as unit:
        for chunk in table.chunks(spec.chunk_rows, report):
            parsed = _parse_chunk(spec, table, chunk, options, report, seen_keys)
            batch = Batch(
                ctx,
                unit.conn,
                table.name,
                parsed,
                report,
                state,
                options=options,
                columns=frozenset(table.columns),
                allow_clear=allow_clear,
            )
            spec.prepare(batch)
            rows += len(parsed)
            if report.ok and spec.before_write is not None:
                spec.before_write(unit, batch)
            if report.ok:
                chunk_inserted, chunk_updated = _write(
                    unit, spec, batch, given=given, allow_clear=allow_clear
                )
                inserted += chunk_inserted
                updated += chunk_updated
                unit.flush()
            progress.advance(len(chunk))
        if not report.ok:
            raise InputError(report)  # leaving the block rolls back what was written
        if spec.generated_ids and inserted:
            entities.advance_sequence(unit.conn, table=spec.table, key=spec.key)
    known = {f.name for f in spec.fields}
    return ImportResult(
        entity=spec.entity,
        file=table.name,
        rows=rows,
        inserted=inserted,
        updated=updated,
        unchanged=rows - inserted - updated,
        ignored_columns=[c for c in table.columns if c not in known],
        related=dict(state.get("_counts", {})),
    )


def write_generated(unit: Unit, spec: EntitySpec, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows whose ids the database gives (``spec.key`` left out), audited; returns
    the new ids in the rows' order."""
    finalize = spec.finalize or (lambda _ctx, row: row)
    stored = [
        {k: v for k, v in finalize(unit.ctx, row).items() if k != spec.key} | unit.stamp
        for row in rows
    ]
    ids = entities.insert_generated(unit.conn, table=spec.table, key=spec.key, rows=stored)
    audited = [
        jsonable({**row, spec.key: key}, spec.compare_exclude, spec.audit_masks)
        for row, key in zip(rows, ids, strict=True)
    ]
    unit.created(spec.entity, ids, audited)
    return ids


def write_rows(
    unit: Unit, spec: EntitySpec, batch: Batch, *, given: frozenset[str]
) -> tuple[int, int]:
    """Insert or update a prepared batch of ``spec`` (for an entity written beside another's
    import); (inserted, updated)."""
    return _write(unit, spec, batch, given=given, allow_clear=batch.allow_clear)


def validate_table(
    ctx: ServiceContext,
    unit: Unit,
    spec: EntitySpec,
    table: InputTable,
    *,
    date_format: str | None = None,
    allow_dates: bool = False,
) -> list[ParsedRow]:
    """Parse and check a whole file by ``spec`` (its ``prepare`` checks the registry) without
    writing it: for files a service records itself (contacts open episodes). Raises
    InputError naming every bad row and field."""
    options, report = _begin(ctx, spec, table, date_format, allow_dates, None)
    rows: list[ParsedRow] = []
    state: dict[str, Any] = {}
    seen_keys: dict[Any, int] = {}
    for chunk in table.chunks(None, report):
        parsed = _parse_chunk(spec, table, chunk, options, report, seen_keys)
        spec.prepare(Batch(ctx, unit.conn, table.name, parsed, report, state, options=options))
        rows += parsed
    if not report.ok:
        raise InputError(report)
    return rows


def _write(
    unit: Unit, spec: EntitySpec, batch: Batch, *, given: frozenset[str], allow_clear: bool
) -> tuple[int, int]:
    """Insert new keys; update the ``given`` columns of changed rows. An empty value that
    would clear a stored one is a problem unless ``allow_clear`` (nothing is written then)."""
    conn, rows = unit.conn, batch.db_rows
    assert len(rows) == len(batch.rows), "prepare makes one stored row per parsed row"
    existing = entities.fetch_by_keys(
        conn, table=spec.table, key=spec.key, keys=[r[spec.key] for r in rows]
    )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    pending: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    hidden = spec.compare_exclude
    compared = [c for c in (rows[0] if rows else ()) if c in given and c not in hidden]
    compared = [c for c in compared if c[0] != "_"]
    finalize = spec.finalize or (lambda _ctx, row: row)
    for parsed, row in zip(batch.rows, rows, strict=True):
        key = row[spec.key]
        before = existing.get(key)
        if before is None:
            inserts.append({**finalize(unit.ctx, row), **unit.stamp})
            unit.created(spec.entity, [key], [jsonable(row, hidden, spec.audit_masks)])
            continue
        changed = [c for c in compared if before.get(c) != row[c]]
        if not changed:
            continue
        for name in sorted(spec.immutable.intersection(changed)):
            batch.report.add(
                batch.name,
                parsed.row,
                name,
                f"{spec.entity} {key} is {name} {before.get(name)}'s: a file cannot give it to "
                f"{row[name]} (are these another system's ids? give ids this store has not used)",
                parsed.line,
            )
        if not allow_clear:
            for name in sorted(parsed.blank):
                cleared = [
                    c
                    for c in (name, *spec.sets.get(name, ()))
                    if c in changed and before.get(c) is not None
                ]
                if cleared:
                    batch.report.add(
                        batch.name,
                        parsed.row,
                        name,
                        f"is empty, which would clear the stored value of {spec.entity} {key}; "
                        "leave the column out to keep it, or allow clearing",
                        parsed.line,
                        parameter="allow_clear",
                    )
        pending.append((key, row, {c: before.get(c) for c in changed}))
    if not batch.report.ok:
        return 0, 0
    for key, row, old in pending:
        stored = finalize(unit.ctx, row)
        updates.append({c: v for c, v in stored.items() if c in given} | unit.touch)
        unit.updated(
            spec.entity,
            key,
            jsonable(old, hidden, spec.audit_masks),
            jsonable({c: row[c] for c in old}, hidden, spec.audit_masks),
        )
    if spec.insert_order is not None:
        inserts.sort(key=spec.insert_order)
    entities.insert_rows(conn, table=spec.table, rows=inserts)
    entities.update_rows(conn, table=spec.table, key=spec.key, rows=updates)
    return len(inserts), len(updates)
