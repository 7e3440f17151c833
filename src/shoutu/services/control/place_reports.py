"""Key places' daily monitoring reports (重点场所每日报告), by the protocol's ``key_places``: the
place types that report every day and the hour of the next day a report is due by.

``import place-reports FILE``: ``place_id, report_date, symptomatic, disinfected[, expected,
present, absent, absent_ill, absence_reasons, received_time]`` — one report per place and
local day, from a place of a reporting type (else refused by row and field, nothing written);
the same report again changes nothing, a different one corrects it (audited with what it
was). ``received_time`` defaults to the import's moment.

``places reports --date D``: every place of the reporting types, its report for D or none —
late when received after the due time, overdue when still missing after it (as of ``at``) —
with attendance, absences for illness and their share of those expected, symptomatic people
and disinfection; the counts for the day. The detectors read two channels from the reports:
``school_absence_ill`` (absences for illness at schools and kindergartens) and
``key_place_symptomatic`` (symptomatic people reported by any key place).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

from shoutu.domain.timeutil import zone
from shoutu.errors import BadRequest
from shoutu.protocols.schema import KeyPlaces, Protocol
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
from shoutu.store.repositories import cold_chain as repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.tables import PlaceReport, table

COUNTS = ("expected", "present", "absent", "absent_ill", "symptomatic")
VALUES = (*COUNTS, "disinfected", "absence_reasons")


def rules_of(protocol: Protocol) -> KeyPlaces:
    if protocol.key_places is None:
        raise BadRequest(f"protocol {protocol.name} sets no key places' daily reports")
    return protocol.key_places


def _spec(rules: KeyPlaces) -> EntitySpec:
    types = {t.value for t in rules.daily_report_types}

    def prepare(batch: Batch) -> None:
        wanted = sorted({p.values["place_id"] for p in batch.rows if "place_id" in p.values})
        kinds = places_repo.types_of(batch.conn, place_ids=wanted)
        for parsed in batch.rows:
            values = parsed.values
            place = values.get("place_id")
            if place is not None and place not in kinds:
                batch.problem(parsed, "place_id", f"unknown place {place}")
            elif place is not None and kinds[place] not in types:
                batch.problem(
                    parsed,
                    "place_id",
                    f"place {place} is a {kinds[place]}: it sends no daily report",
                )
            ill, absent = values.get("absent_ill"), values.get("absent")
            if ill is not None and absent is not None and ill > absent:
                batch.problem(parsed, "absent_ill", f"is more than absent ({absent})")
        once(batch, "place and day", ("place_id", "report_date"), "report_date")

    return EntitySpec(
        entity="place reports",
        table=table(PlaceReport),
        key="report_id",
        fields=(
            f.FieldSpec("place_id", f.integer(), required=True),
            f.FieldSpec("report_date", f.date, required=True),
            f.FieldSpec("symptomatic", f.integer(0, 10**6), required=True),
            f.FieldSpec("disinfected", f.boolean, required=True),
            *(f.FieldSpec(c, f.integer(0, 10**6)) for c in ("expected", "present", "absent")),
            f.FieldSpec("absent_ill", f.integer(0, 10**6)),
            f.FieldSpec("absence_reasons", f.text(500)),
            f.FieldSpec("received_time", f.timestamp),
        ),
        prepare=prepare,
    )


def import_place_reports(
    ctx: ServiceContext,
    path: Path,
    *,
    protocol: str | None = None,
    options: FileOptions = FileOptions(),
) -> Recorded:
    """Record key places' daily reports (see the module), all or nothing."""
    loaded, _ = ctx.protocol(protocol)
    spec = _spec(rules_of(loaded))
    command = "import place-reports"
    with recording(ctx, spec, path, options, command=command, protocol=loaded.name) as (
        unit,
        values,
        result,
    ):
        stored = repo.reports_of(
            unit.conn,
            place_ids=sorted({v["place_id"] for v in values}),
            days=sorted({v["report_date"] for v in values}),
        )
        for v in values:
            v["received_time"] = v["received_time"] or unit.now
        reconcile(
            unit,
            result,
            values,
            known=stored,
            key=lambda v: (v["place_id"], v["report_date"]),
            columns=[c for c in VALUES if c in result.columns],
            entity="place_reports",
            id_column="report_id",
            change=lambda row_id, values: repo.change_report(
                unit.conn, report_id=row_id, values=values
            ),
            add=partial(repo.add_reports, unit.conn),
            what="report",
            with_change=("received_time",),  # the correction's receipt
        )
    return result


def reports_day(
    ctx: ServiceContext,
    day: dt.date,
    *,
    at: dt.datetime | None = None,
    protocol: str | None = None,
) -> dict[str, Any]:
    """Every reporting key place's report for ``day`` as of ``at`` (see the module)."""
    loaded, _ = ctx.protocol(protocol)
    rules = rules_of(loaded)
    tz = ctx.settings.timezone
    due = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(rules.report_due_hour), zone(tz)
    ).astimezone(dt.UTC)
    now = at or dt.datetime.now(dt.UTC)
    with ctx.connect() as conn:
        places = places_repo.of_types(conn, types=[t.value for t in rules.daily_report_types])
        reports = repo.reports_of(conn, place_ids=[int(p["place_id"]) for p in places], days=[day])
    rows = []
    for place in places:
        report = reports.get((int(place["place_id"]), day))
        row: dict[str, Any] = {
            "place_id": int(place["place_id"]),
            "name": place["name"],
            "type": getattr(place["type"], "value", str(place["type"])),
            "region_code": place["region_code"],
        }
        if report is None:
            row["status"] = "overdue" if now > due else "due"
        else:
            row["status"] = "late" if report["received_time"] > due else "received"
            row.update({c: report[c] for c in VALUES})
            expected = report["expected"]
            row["absent_ill_share"] = (
                round((report["absent_ill"] or 0) / expected, 4) if expected else None
            )
        rows.append(row)
    counts = {
        s: sum(1 for r in rows if r["status"] == s) for s in ("received", "late", "due", "overdue")
    }
    return {
        "date": day.isoformat(),
        "protocol": loaded.name,
        "due": due.isoformat(),
        "as_of": now.isoformat(),
        "counts": counts,
        "places": rows,
    }


__all__ = ["import_place_reports", "reports_day", "rules_of"]
