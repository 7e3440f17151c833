"""Load a simulator run (``shoutu simulate --out DIR``) into the registry.

Regions, places and people go through the same validating importers as user files. People get
synthetic names, phones and checksum-valid resident ID numbers (derived from their id, age,
sex and building, so a run always loads the same), and are marked synthetic. The run's traced
contacts and its episodes of control (with their stages, test days and links) load with the
run's own ids (``control_rows``); a run from before contacts.parquet still loads, without
them. Case isolation is not opened for the run's cases (``services/control/isolation.py`` is
for new cases): the simulator's own isolation episodes are loaded instead. Re-importing the
same run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from shoutu.domain.identifiers import make_resident_id
from shoutu.domain.timeutil import zone
from shoutu.domain.vocabulary import CaseClass, IdType, Origin, Sex
from shoutu.errors import InputError, ValidationReport
from shoutu.events.store import EventBatch
from shoutu.io.tables import GeneratedTable, InputTable
from shoutu.progress import Progress, Silent
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.batch import ImportResult, import_table
from shoutu.services.registry.imports.specs import SPECS
from shoutu.services.registry.reclassify import record as record_reclassifications
from shoutu.services.registry.situation import SIMULATED_UNTIL
from shoutu.services.simulation import control_rows

#: the run's tables loaded by specs of their own (the run's ids, stages, links)
RUN_SPECS = {
    "contacts": control_rows.CONTACTS_SPEC,
    "control_measures": control_rows.MEASURES_SPEC,
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞宇浩然子涵欣怡梓轩雨桐"
PEOPLE_COLUMNS = [
    "person_id",
    "name",
    "id_type",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "home_region_code",
    "workplace_id",
    "school_id",
    "key_population",
    "vaccination_doses",
    "synthetic",
]


def _hash(ids: np.ndarray, salt: int) -> np.ndarray:
    z = (ids.astype(np.uint64) + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    z ^= z >> np.uint64(31)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    return z ^ (z >> np.uint64(29))


def _people(path: Path, start: dt.date) -> GeneratedTable:
    """People rows with synthetic identities, produced in chunks from people.parquet."""
    source = pq.ParquetFile(path)

    def produce(size: int | None) -> Iterator[list[dict[str, Any]]]:
        sequences: dict[tuple[str, dt.date], int] = {}
        for batch in source.iter_batches(batch_size=size or 1_000_000):
            data = batch.to_pydict()
            ids = np.asarray(data["person_id"], np.int64)
            h1, h2, h3 = _hash(ids, 1), _hash(ids, 2), _hash(ids, 3)
            rows = []
            for i, person_id in enumerate(data["person_id"]):
                sex = Sex(data["sex"][i])
                born = start - dt.timedelta(days=365 * data["age"][i] + int(h1[i] % 365))
                county = data["building_id"][i][:6]
                n = sequences.get((county, born), 0)
                sequences[(county, born)] = n + 1
                name = SURNAMES[int(h2[i] % len(SURNAMES))] + "".join(
                    GIVEN[int(h3[i] >> np.uint64(8 * k)) % len(GIVEN)]
                    for k in range(1 + int(h3[i] % 2))
                )
                rows.append(
                    {
                        "person_id": person_id,
                        "name": name,
                        "id_type": IdType.RESIDENT_ID,
                        "id_number": make_resident_id(county, born, 2 * n + (sex == Sex.MALE)),
                        "phone": f"199{int(h2[i] % 10**8):08d}" if data["age"][i] >= 12 else None,
                        "sex": sex,
                        "birth_date": born,
                        "home_region_code": data["building_id"][i],
                        "workplace_id": data["workplace_id"][i],
                        "school_id": data["school_id"][i],
                        "key_population": data["key_population"][i],
                        "vaccination_doses": data["vaccination_doses"][i],
                        "synthetic": True,
                    }
                )
            yield rows

    return GeneratedTable(str(path), PEOPLE_COLUMNS, produce)


def _cases(directory: Path, protocol: str, end: dt.datetime) -> InputTable:
    """The run's cases as registry rows (ids by report order), classified as they stand at
    the run's ``end``: confirmed once symptoms began (see ``reclassifications``)."""
    rows = pq.read_table(directory / "cases.parquet").to_pylist()
    people = pq.read_table(directory / "people.parquet", columns=["region_code"]).column(0)
    return InputTable.from_records(
        str(directory / "cases.parquet"),
        [
            {
                "case_id": index + 1,
                "person_id": row["person_id"],
                "classification": CaseClass.CONFIRMED
                if row["onset_time"] is not None and row["onset_time"] < end
                else CaseClass.ASYMPTOMATIC,
                "origin": Origin.IMPORTED if row["imported"] else Origin.LOCAL,
                "channel": row["channel"],
                "found_in_control": row["found_in_control"],
                "region_code": people[row["person_id"] - 1].as_py(),
                "infection_time": row["infection_time"],
                "onset_time": row["onset_time"],
                "sample_time": row["sample_time"],
                "report_time": row["report_time"],
                "isolation_time": row["isolation_time"],
                "protocol": protocol,
            }
            for index, row in enumerate(rows)
        ],
    )


def reclassifications(directory: Path, end: dt.datetime) -> list[dict[str, Any]]:
    """The run's 转归: a case reported before its symptoms began (an asymptomatic infection
    found by screening or in quarantine) becomes a confirmed case at its onset, when that
    falls within the run."""
    rows = pq.read_table(
        directory / "cases.parquet", columns=["onset_time", "report_time"]
    ).to_pylist()
    return [
        {
            "case_id": index + 1,
            "from_class": CaseClass.ASYMPTOMATIC,
            "to_class": CaseClass.CONFIRMED,
            "at": row["onset_time"],
        }
        for index, row in enumerate(rows)
        if row["onset_time"] is not None and row["report_time"] < row["onset_time"] < end
    ]


#: a run's files: the registry's (regions, places, people required) and the event store's,
#: each with the columns a load needs
RUN_FILES: dict[str, tuple[bool, tuple[str, ...]]] = {
    "regions.parquet": (True, ("code", "name_zh")),
    "places.parquet": (True, ("place_id", "type", "region_code")),
    "people.parquet": (True, ("person_id", "sex", "age", "building_id")),
    "cases.parquet": (False, ("person_id", "report_time", "channel", "imported")),
    "contacts.parquet": (
        False,
        ("contact_id", "index_case_id", "person_id", "kind", "setting", "last_exposure_time"),
    ),
    "quarantine.parquet": (False, ("person_id", "kind", "start_time", "end_time")),
}


def check_run(directory: Path) -> dict[str, Any]:
    """Every file of a run checked before anything is loaded: present when required, a
    readable Parquet file with the columns a load needs; the summary. All problems are
    reported at once, each naming its file."""
    from shoutu.events.store import KINDS

    report = ValidationReport()
    summary_path = directory / "summary.json"
    summary: dict[str, Any] = {}
    try:
        summary = json.loads(summary_path.read_text())
        for key, problem in _summary_problems(summary):
            report.add(str(summary_path), None, key, problem)
    except FileNotFoundError:
        report.add(str(summary_path), None, None, "file not found (is this a full simulator run?)")
    except (OSError, json.JSONDecodeError) as exc:
        report.add(str(summary_path), None, None, f"cannot be read: {exc}")
    files = {**RUN_FILES}
    files.update({f"{kind}.parquet": (False, (time,)) for kind, (time, _) in KINDS.items()})
    for name, (required, columns) in files.items():
        path = directory / name
        if not path.exists():
            if required:
                report.add(
                    str(path), None, None, "file not found (a full run, not --summary-only?)"
                )
            continue
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except Exception as exc:  # pyarrow raises several kinds for a damaged file
            report.add(str(path), None, None, f"not a readable Parquet file: {exc}")
            continue
        for column in columns:
            if column not in names:
                report.add(str(path), None, column, "required column is missing")
    if not report.ok:
        raise InputError(report)
    return summary


def _summary_problems(summary: Any) -> Iterator[tuple[str | None, str]]:
    """What a load needs of a run's summary.json: its start date, its days, the protocol
    and time zone it ran with."""
    if not isinstance(summary, dict):
        yield None, "is not a JSON object"
        return
    try:
        dt.date.fromisoformat(str(summary.get("start_date")))
    except ValueError:
        yield "start_date", f"is missing or not a date (YYYY-MM-DD): {summary.get('start_date')!r}"
    days = summary.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        yield "days", f"is missing or not a whole number of days: {days!r}"
    provenance = summary.get("provenance")
    provenance = provenance if isinstance(provenance, dict) else {}
    protocol = provenance.get("protocol")
    if not isinstance(protocol, dict) or not isinstance(protocol.get("name"), str):
        yield "provenance.protocol.name", "is missing"
    parameters = provenance.get("parameters")
    tz = parameters.get("timezone") if isinstance(parameters, dict) else None
    try:
        zone(str(tz))
    except ValueError:
        yield "provenance.parameters.timezone", f"is missing or not a time zone: {tz!r}"


def simulation_tables(directory: Path) -> list[tuple[str, InputTable]]:
    """The registry tables of a simulator run, in import order (regions, places, people, cases,
    contacts, control measures), after every file of the run is checked."""
    summary = check_run(directory)
    needed = [directory / f for f in ("regions.parquet", "places.parquet", "people.parquet")]
    start = dt.date.fromisoformat(summary["start_date"])
    protocol = summary["provenance"]["protocol"]["name"]
    end = run_end(summary)
    tables: list[tuple[str, InputTable]] = [
        ("regions", InputTable.from_records(str(needed[0]), pq.read_table(needed[0]).to_pylist())),
        ("places", InputTable.from_records(str(needed[1]), pq.read_table(needed[1]).to_pylist())),
        ("people", _people(needed[2], start)),
    ]
    if (directory / "cases.parquet").exists():
        tables.append(("cases", _cases(directory, protocol, end)))
    if (directory / "contacts.parquet").exists():
        tables.append(("contacts", control_rows.contacts(directory)))
    if (directory / "quarantine.parquet").exists():
        tables.append(("control_measures", control_rows.measures(directory, protocol, end)))
    return [(kind, table) for kind, table in tables if table.columns]  # none: nothing to load


def run_end(summary: dict[str, Any]) -> dt.datetime:
    """The end of a run (midnight after its last day, in the run's time zone), in UTC."""
    tz = zone(summary["provenance"]["parameters"]["timezone"])
    last = dt.date.fromisoformat(summary["start_date"]) + dt.timedelta(days=summary["days"])
    return dt.datetime.combine(last, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def import_simulation(
    ctx: ServiceContext, directory: Path, *, progress: Progress | None = None
) -> list[ImportResult]:
    """Import a simulator run's regions, places, people, cases, contacts and control measures
    (in that order), all in one transaction: a bad file loads nothing. The run's own isolation
    and quarantine episodes are loaded as they are: nothing is opened (no case isolation by
    ``services/control/isolation.py``, no test tasks) — see ``control_rows``."""
    tables = simulation_tables(directory)
    summary = json.loads((directory / "summary.json").read_text())
    specs = SPECS | RUN_SPECS
    with writing(ctx, detail="import") as unit:
        results = [
            import_table(ctx, specs[kind], table, progress=progress or Silent(), unit=unit)
            for kind, table in tables
        ]
        if (directory / "cases.parquet").exists():
            record_reclassifications(unit, reclassifications(directory, run_end(summary)))
        unit.put_meta(SIMULATED_UNTIL, run_end(summary).isoformat())
    return results


def load_simulation_events(ctx: ServiceContext, directory: Path) -> list[EventBatch]:
    """A run's check-ins, tests, visits and sales into the event store (idempotent)."""
    from shoutu.events.store import KINDS, write_events

    event_dir = ctx.settings.event_dir
    return [
        write_events(event_dir, kind, directory / f"{kind}.parquet", ctx.settings.timezone)
        for kind in KINDS
        if (directory / f"{kind}.parquet").exists()
    ]


@dataclass(frozen=True)
class RunImport:
    """What loading a run did: the registry imports and the event batches."""

    results: list[ImportResult]
    events: list[EventBatch]


def import_run(
    ctx: ServiceContext, directory: Path, *, progress: Progress | None = None
) -> RunImport:
    """A whole simulator run: registry tables, then events."""
    results = import_simulation(ctx, directory, progress=progress)
    return RunImport(results, load_simulation_events(ctx, directory))
