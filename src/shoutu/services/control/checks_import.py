"""``import checks``: a file of daily health checks ``person_id, check_time, temperature[,
symptoms, channel]``, recorded all or nothing by the rules of ``services/control/checks.py``.

Symptoms are a comma- or semicolon-separated list of Symptom values (or their English or
Chinese labels); the channel defaults to ``import``. Bad rows are reported all at once by row
and field and nothing is written: an unknown person, one not under control at the check's
time, a temperature outside the plausible range, an unknown symptom, a time in the future, a
report differing from the one already stored (or earlier in the file) at the same person and
time. The same report again (stored, or repeated in the file) changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import CheckChannel
from shoutu.io.provenance import build_provenance
from shoutu.io.tables import read_table
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.checks import (
    LOCK,
    Checked,
    Report,
    against_store,
    check_temperature,
    differences,
    health_rules,
    parse_symptoms,
    record,
)
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec, validate_table
from shoutu.store.repositories import locks
from shoutu.store.tables import HealthCheck, Person, table


def _temperature(value: Any, options: f.ParseOptions) -> float:
    return check_temperature(f.number()(value, options))


def _symptoms(value: Any, _: f.ParseOptions) -> tuple[Any, ...]:
    return parse_symptoms(str(value))


FIELDS = (
    f.FieldSpec("person_id", f.integer(), required=True),
    f.FieldSpec("check_time", f.timestamp, required=True),
    f.FieldSpec("temperature", _temperature, required=True),
    f.FieldSpec("symptoms", _symptoms, default=()),
    f.FieldSpec("channel", f.vocab(CheckChannel), default=CheckChannel.IMPORT),
)
_REQUIRED = ("person_id", "check_time", "temperature", "symptoms", "channel")


def _prepare(batch: Batch) -> None:
    batch.check_known(
        field_name="person_id", table=table(Person), key="person_id", what="person id"
    )
    unknown = {p.row for p in batch.report.problems if p.field == "person_id"}
    complete = [
        p
        for p in batch.rows
        if p.row not in unknown and all(p.values.get(n) is not None for n in _REQUIRED)
    ]
    reports = [Report(**{n: p.values[n] for n in _REQUIRED}) for p in complete]
    firsts: dict[tuple[int, dt.datetime], tuple[int, Report]] = batch.state.setdefault("firsts", {})
    tz = batch.ctx.settings.timezone
    stored = against_store(batch.conn, reports, now=utcnow(), tz=tz)
    for parsed, checked in zip(complete, stored, strict=True):
        report = checked.report
        problems = list(checked.problems)
        first = firsts.setdefault((report.person_id, report.check_time), (parsed.row, report))
        if first[0] != parsed.row and checked.stored is None:
            earlier = first[1]
            problems += differences(
                report,
                earlier.temperature,
                [s.value for s in earlier.symptoms],
                f"row {first[0]}",
            )
        for name, reason in problems:
            batch.problem(parsed, name, reason)
        parsed.values["_checked"] = checked


SPEC = EntitySpec(
    entity="health_checks",
    table=table(HealthCheck),
    key="check_id",  # generated: a file names checks by (person, check time)
    fields=FIELDS,
    prepare=_prepare,
)


@dataclass
class ChecksImport:
    file: str
    rows: int
    protocol: str
    recorded: int = 0
    unchanged: int = 0
    calling_for_test: int = 0  # new reports of fever or a test symptom
    tests_opened: int = 0
    tests_already_open: int = 0  # reports calling for a test while one was open
    provenance: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": "health_checks",
            "file": self.file,
            "rows": self.rows,
            "protocol": self.protocol,
            "recorded": self.recorded,
            "unchanged": self.unchanged,
            "calling_for_test": self.calling_for_test,
            "symptom_tests_opened": self.tests_opened,
            "symptom_tests_already_open": self.tests_already_open,
        }


def import_checks(
    ctx: ServiceContext,
    path: Path,
    *,
    protocol: str | None = None,
    date_format: str | None = None,
    allow_dates: bool = False,
    encoding: str | None = None,
) -> ChecksImport:
    """Record the file's health checks and open the symptom tests they call for, all or
    nothing (an InputError naming every bad row and field)."""
    loaded, _ = ctx.protocol(protocol)
    rules = health_rules(loaded)
    source = read_table(path, encoding)
    with writing(ctx, detail="import checks") as unit:
        locks.serialise(unit.conn, name=LOCK)
        rows = validate_table(
            ctx,
            unit,
            SPEC,
            source,
            date_format=date_format,
            allow_dates=allow_dates,
        )
        checked: list[Checked] = [r.values["_checked"] for r in rows]
        done = record(unit, loaded, rules, checked)
    result = ChecksImport(source.name, len(rows), loaded.name)
    for r in done:
        result.recorded += r.new
        result.unchanged += not r.new
        if r.test is not None:
            result.calling_for_test += 1
            result.tests_opened += r.test.opened
            result.tests_already_open += not r.test.opened
    result.provenance = build_provenance(
        command="import checks",
        parameters={"protocol": loaded.name, "date_format": date_format},
        input_hashes=[source.content_hash or ""],
    )
    return result


__all__ = ["FIELDS", "SPEC", "ChecksImport", "import_checks"]
