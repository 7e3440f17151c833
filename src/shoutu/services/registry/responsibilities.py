"""``import responsibilities FILE``: the responsibility rules (四方责任) kept as data —
``kind, region_code[, department, unit, person]``: who answers for a kind of task (a task kind,
or ``*`` for any) in a region and below. Tasks take the rule of their kind at the nearest
region at or above their subject's (``services/supervision/responsible.py``). Known by kind
and region: the same row again changes nothing, a different one corrects it (audited); the
file is validated whole and recorded all or nothing."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from shoutu.domain.vocabulary import TaskKind
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports import fields as f
from shoutu.services.registry.imports.batch import Batch, EntitySpec
from shoutu.services.registry.imports.recording import (
    FileOptions,
    Recorded,
    once,
    reconcile,
    recording,
)
from shoutu.store.repositories import responsibilities as repo
from shoutu.store.tables import Region, Responsibility, table

VALUES = ("department", "unit", "person")
KINDS = ("*", *(k.value for k in TaskKind))


def _prepare(batch: Batch) -> None:
    batch.check_known(field_name="region_code", table=table(Region), key="code", what="region")
    for parsed in batch.rows:
        kind = parsed.values.get("kind")
        if kind is not None and kind not in KINDS:
            batch.problem(parsed, "kind", f"unknown task kind {kind!r} (known: {', '.join(KINDS)})")
        if not any(parsed.values.get(c) for c in VALUES):
            batch.problem(parsed, "department", "a rule names a department, a unit or a person")
    once(batch, "kind and region", ("kind", "region_code"), "region_code")


SPEC = EntitySpec(
    entity="responsibilities",
    table=table(Responsibility),
    key="rule_id",
    fields=(
        f.FieldSpec("kind", f.text(32), required=True),
        f.FieldSpec("region_code", f.text(16), required=True),
        f.FieldSpec("department", f.text(128)),
        f.FieldSpec("unit", f.text(128)),
        f.FieldSpec("person", f.text(128)),
    ),
    prepare=_prepare,
)


def import_responsibilities(
    ctx: ServiceContext, path: Path, *, options: FileOptions = FileOptions()
) -> Recorded:
    """Record the rules of the file (see the module), all or nothing."""
    protocol = ctx.protocol()[0].name
    with recording(
        ctx, SPEC, path, options, command="import responsibilities", protocol=protocol
    ) as (
        unit,
        values,
        result,
    ):
        reconcile(
            unit,
            result,
            values,
            known=repo.rules(unit.conn),
            key=lambda v: (v["kind"], v["region_code"]),
            columns=[c for c in VALUES if c in result.columns],
            entity="responsibilities",
            id_column="rule_id",
            change=lambda row_id, values: repo.change(unit.conn, rule_id=row_id, values=values),
            add=partial(repo.add, unit.conn),
            what="rule",
        )
    return result


__all__ = ["SPEC", "import_responsibilities"]
