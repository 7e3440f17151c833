"""The simulator's files: Parquet with provenance in the metadata, check-ins streamed per day;
the control files (``contacts.parquet``, ``quarantine.parquet``'s stages) by ``control_files``.

Columns follow the simulator issue's layouts (more columns may follow the listed ones). Ids:
``person_id = index + 1``, ``place_id = index + 1``; group ids are strings (H households,
C school classes, O offices, D dormitories, W workplaces, N nursing homes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shoutu.domain.vocabulary import PlaceType, SaleCategory, Setting, Sex, VisitReason
from shoutu.io.provenance import PARQUET_KEY, dumps
from shoutu.sim import geography
from shoutu.sim.areas import micros
from shoutu.sim.contacts import ContactLog
from shoutu.sim.control import KINDS, Episodes
from shoutu.sim.control_files import (
    CONTACT_COLUMNS,
    case_ids,
    case_index,
    contacts_table,
    episode_columns,
)
from shoutu.sim.population import KEY_POPULATIONS, PLACE_TYPES, City
from shoutu.sim.schedule import CheckIns
from shoutu.sim.testing import CHANNELS, METHODS, OUTCOMES
from shoutu.sim.transmission import SETTINGS, TRACEABLE, NewInfections

UTC_US = pa.timestamp("us", tz="UTC")


def _prefixed(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Strings like H00000042, built by Arrow kernels (much faster than numpy.char)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers.astype(np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _ids(prefix: str, index: np.ndarray, width: int) -> pa.Array:
    """Group ids like H00000042 (null where index < 0)."""
    text = _prefixed(prefix, np.maximum(index, 0), width)
    return pc.if_else(pa.array(index < 0), pa.scalar(None, pa.string()), text)


def _optional_int(index: np.ndarray) -> pa.Array:
    return pa.array(index.astype(np.int64) + 1, pa.int64(), mask=index < 0)


def _labels(values: list[Any], index: np.ndarray) -> pa.Array:
    """Vocabulary values by index (null where index < 0), dictionary-decoded to strings."""
    dictionary = pa.array([str(v) for v in values], pa.string())
    indices = pa.array(np.maximum(index, 0).astype(np.int32), mask=index < 0)
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())


class Writer:
    """Writes one run's files into ``out_dir``; day 0 is ``first`` (midnight: ``day0_utc``)."""

    def __init__(
        self,
        out_dir: Path,
        provenance: dict[str, Any],
        day0_utc: dt.datetime,
        summary_only: bool,
        first: dt.date,
    ) -> None:
        self.out_dir = out_dir
        self.meta = {PARQUET_KEY: dumps(provenance).encode()}
        self.provenance = provenance
        self.day0_us = int(day0_utc.timestamp() * 1_000_000)
        self.summary_only = summary_only
        self.first = first
        self.case_lookup = case_ids(np.empty(0, np.int64))  # set by cases()
        self.contact_case = np.empty(0, np.int64)  # each contact's case index, by contacts()
        self._streams: dict[str, pq.ParquetWriter] = {}
        out_dir.mkdir(parents=True, exist_ok=True)

    def _write(self, name: str, table: pa.Table) -> None:
        pq.write_table(table.replace_schema_metadata(self.meta), self.out_dir / name)

    def city(self, city: City, regions: list[dict[str, Any]]) -> None:
        if self.summary_only:
            return
        n = city.n
        person_id = pa.array(np.arange(1, n + 1, dtype=np.int64))
        community = city.geo.building_community[city.building]
        building_codes = np.asarray(city.geo.building_codes)
        community_codes = np.asarray(city.geo.community_codes)
        self._write(
            "people.parquet",
            pa.table(
                {
                    "person_id": person_id,
                    "age": pa.array(city.age.astype(np.int16)),
                    "sex": _labels([Sex.FEMALE, Sex.MALE], city.sex.astype(np.int32)),
                    "household_id": _ids("H", city.household, 8),
                    "building_id": pa.array(building_codes[city.building]),
                    "region_code": pa.array(community_codes[community]),
                    "workplace_id": _optional_int(city.workplace),
                    "office_id": _ids("O", city.office, 7),
                    "school_class_id": _ids("C", city.school_class, 6),
                    "key_population": _labels(
                        KEY_POPULATIONS, city.key_population.astype(np.int32)
                    ),
                    "school_id": _optional_int(city.school),
                    "dormitory_id": _ids("D", city.dormitory, 6),
                    "nursing_home_id": _optional_int(city.nursing_home),
                    "vaccination_doses": pa.array(city.doses.astype(np.int8)),
                }
            ),
        )
        place_id = np.arange(1, city.n_places + 1, dtype=np.int64)
        types = city.place_type.astype(np.int32)
        ordinal = np.zeros(city.n_places, np.int64)
        for t in np.unique(types):
            sel = types == t
            ordinal[sel] = np.arange(1, int(sel.sum()) + 1)
        names = [f"{PLACE_TYPES[t].zh}{k}" for t, k in zip(types, ordinal, strict=True)]
        self._write(
            "places.parquet",
            pa.table(
                {
                    "place_id": pa.array(place_id),
                    "type": _labels(PLACE_TYPES, types),
                    "region_code": pa.array(community_codes[city.place_community]),
                    "lat": pa.array(np.round(city.place_lat, 6)),
                    "lon": pa.array(np.round(city.place_lon, 6)),
                    "name": pa.array(names, pa.string()),
                    "venue_code": _prefixed("V", place_id, 8),
                    "capacity": pa.array(city.place_size.astype(np.int32)),
                }
            ),
        )
        self._write("groups.parquet", _groups(city))
        columns = ["code", "name_zh", "name_en", "population", "lat", "lon", "polygon"]
        self._write(
            "regions.parquet", pa.table({c: pa.array([r.get(c) for r in regions]) for c in columns})
        )

    def _append(self, name: str, table: pa.Table) -> None:
        """Append a day's rows to a file written day by day (one row group a day)."""
        if name not in self._streams:
            self._streams[name] = pq.ParquetWriter(
                self.out_dir / name, table.schema.with_metadata(self.meta)
            )
        self._streams[name].write_table(table)

    def _times(self, days: np.ndarray) -> pa.Array:
        """Timestamps from times in days since day 0 (inf = null), to the microsecond."""
        finite = np.isfinite(days)
        return pa.array(self.day0_us + np.where(finite, micros(days), 0), UTC_US, mask=~finite)

    def checkins(self, day: int, rows: CheckIns) -> None:
        if self.summary_only:
            return
        base = self.day0_us + day * 86_400_000_000
        self._append(
            "checkins.parquet",
            pa.table(
                {
                    "person_id": pa.array(rows.person.astype(np.int64) + 1),
                    "place_id": pa.array(rows.place.astype(np.int64) + 1),
                    "t_in": pa.array(base + rows.t_in.astype(np.int64) * 60_000_000, UTC_US),
                    "t_out": pa.array(base + rows.t_out.astype(np.int64) * 60_000_000, UTC_US),
                }
            ),
        )

    def infections(self, new: NewInfections, onset: np.ndarray) -> None:
        """Ground truth: who infected whom, where and when."""
        if self.summary_only or len(new) == 0:
            return
        setting = np.asarray([s.value for s in SETTINGS])[new.setting]
        traceable = np.isin(setting, [s.value for s in TRACEABLE])
        self._append(
            "truth_infections.parquet",
            pa.table(
                {
                    "infectee_id": pa.array(new.person + 1),
                    "infector_id": pa.array(new.infector + 1, pa.int64(), mask=new.infector < 0),
                    "setting": pa.array(setting, pa.string()),
                    "place_id": pa.array(new.place + 1, pa.int64(), mask=new.place < 0),
                    "infection_time": self._times(new.time),
                    "traceable": pa.array(traceable),
                    "onset_time": self._times(onset),
                }
            ),
        )

    def tests(self, rows: dict[str, np.ndarray]) -> None:
        """One day's samples: PCR (single or pooled tubes) and antigen tests."""
        if self.summary_only:
            return
        antigen = rows["tube_id"] < 0
        self._append(
            "tests.parquet",
            pa.table(
                {
                    "sample_id": _prefixed("S", rows["sample_id"], 10),
                    "tube_id": _ids("T", np.where(antigen, -1, rows["tube_id"]), 10),
                    "pool_size": pa.array(rows["pool_size"].astype(np.int32)),
                    "person_id": pa.array(rows["person"].astype(np.int64) + 1),
                    "site_id": _optional_int(rows["site"]),
                    "lab_id": _optional_int(rows["lab"]),
                    "sample_time": self._times(rows["sample_time"]),
                    "result_time": self._times(rows["result_time"]),
                    "method": _labels(METHODS, rows["method"].astype(np.int32)),
                    "result": _labels(OUTCOMES, rows["result"].astype(np.int32)),
                    "ct_n": pa.array(rows["ct_n"], pa.float64(), mask=np.isnan(rows["ct_n"])),
                    "ct_orf1ab": pa.array(
                        rows["ct_orf1ab"], pa.float64(), mask=np.isnan(rows["ct_orf1ab"])
                    ),
                    "purpose": _labels(CHANNELS, rows["purpose"].astype(np.int32)),
                }
            ),
        )

    def cases(self, rows: dict[str, np.ndarray] | None) -> None:
        if self.summary_only:
            return
        rows = rows or {
            k: np.empty(0)
            for k in (
                "person",
                "infection_time",
                "onset_time",
                "sample_time",
                "report_time",
                "isolation_time",
                "channel",
                "found_in_control",
                "imported",
            )
        }
        order = np.lexsort((rows["person"], rows["report_time"]))
        rows = {k: v[order] for k, v in rows.items()}
        self.case_lookup = case_ids(rows["person"].astype(np.int64))
        self._write(
            "cases.parquet",
            pa.table(
                {
                    "person_id": pa.array(rows["person"].astype(np.int64) + 1),
                    "infection_time": self._times(rows["infection_time"]),
                    "onset_time": self._times(rows["onset_time"]),
                    "sample_time": self._times(rows["sample_time"]),
                    "report_time": self._times(rows["report_time"]),
                    "isolation_time": self._times(rows["isolation_time"]),
                    "channel": _labels(CHANNELS, rows["channel"].astype(np.int32)),
                    "found_in_control": pa.array(rows["found_in_control"].astype(bool)),
                    "imported": pa.array(rows["imported"].astype(bool)),
                    "case_id": pa.array(np.arange(1, len(order) + 1, dtype=np.int64)),
                }
            ),
        )

    def contacts(self, log: ContactLog) -> None:
        """The contacts traced (after ``cases``: contacts name their index case's id)."""
        if self.summary_only:
            return
        rows = log.merged() or {k: np.empty(0, np.int64) for k in CONTACT_COLUMNS}
        self.contact_case = case_index(self.case_lookup, rows["case"])
        self._write("contacts.parquet", contacts_table(rows, self.case_lookup, self.day0_us))

    def episodes(self, episodes: Episodes) -> None:
        if self.summary_only:
            return
        self._write(
            "quarantine.parquet",
            pa.table(
                {
                    "person_id": pa.array(np.asarray(episodes.person, np.int64) + 1),
                    "kind": _labels(KINDS, np.asarray(episodes.kind, np.int32)),
                    "start_time": self._times(np.asarray(episodes.start, float)),
                    "end_time": self._times(np.asarray(episodes.end, float)),
                    "reason": pa.array(episodes.reason, pa.string()),
                    **episode_columns(
                        episodes, self.case_lookup, self.contact_case, self.day0_us, self.first
                    ),
                }
            ),
        )

    def visits(self, rows: dict[str, np.ndarray] | None) -> None:
        if self.summary_only:
            return
        rows = rows or {k: np.empty(0, np.int64) for k in ("person", "place", "time", "reason")}
        order = np.argsort(rows["time"], kind="stable")
        self._write(
            "visits.parquet",
            pa.table(
                {
                    "person_id": pa.array(rows["person"][order].astype(np.int64) + 1),
                    "place_id": pa.array(rows["place"][order].astype(np.int64) + 1),
                    "time": self._times(rows["time"][order].astype(float)),
                    "reason": _labels(list(VisitReason), rows["reason"][order].astype(np.int32)),
                }
            ),
        )

    def sales(self, rows: dict[str, np.ndarray] | None) -> None:
        if self.summary_only:
            return
        rows = rows or {k: np.empty(0, np.int64) for k in ("place", "time", "category", "quantity")}
        order = np.argsort(rows["time"], kind="stable")
        self._write(
            "sales.parquet",
            pa.table(
                {
                    "place_id": pa.array(rows["place"][order].astype(np.int64) + 1),
                    "time": self._times(rows["time"][order].astype(float)),
                    "category": _labels(
                        list(SaleCategory), rows["category"][order].astype(np.int32)
                    ),
                    "quantity": pa.array(rows["quantity"][order].astype(np.int32)),
                }
            ),
        )

    def areas(self, rows: dict[str, list[Any]]) -> None:
        """The risk areas the lockdown imposed: one row per area and level held, from its
        first day to the first day without it (null: still in force when the run ended)."""
        if self.summary_only:
            return

        def dates(days: list[int | None]) -> pa.Array:
            return pa.array(
                [None if d is None else self.first + dt.timedelta(days=d) for d in days],
                pa.date32(),
            )

        self._write(
            "areas.parquet",
            pa.table(
                {
                    "area_id": pa.array(rows["area"], pa.int64()),
                    "region_code": pa.array(rows["code"], pa.string()),
                    "level": pa.array(rows["level"], pa.string()),
                    "start_date": dates(rows["start"]),
                    "end_date": dates(rows["end"]),
                    "reason": pa.array(rows["reason"], pa.string()),
                }
            ),
        )

    def daily(self, columns: dict[str, Any]) -> None:
        self._write("daily.parquet", pa.table(columns))

    def close(self, summary: dict[str, Any]) -> None:
        for stream in self._streams.values():
            stream.close()
        payload = {**summary, "provenance": self.provenance}
        (self.out_dir / "summary.json").write_text(dumps(payload), encoding="utf-8")


def _groups(city: City) -> pa.Table:
    """Memberships an investigator would learn: one row per person and group."""
    person_ids, types, ids = [], [], []
    place_type = city.place_type
    nursing = np.where(
        city.nursing_home >= 0,
        city.nursing_home,
        np.where(
            (city.workplace >= 0)
            & (
                place_type[np.maximum(city.workplace, 0)]
                == PLACE_TYPES.index(PlaceType.NURSING_HOME)
            ),
            city.workplace,
            -1,
        ),
    )
    for setting, prefix, index, width in (
        (Setting.HOUSEHOLD, "H", city.household, 8),
        (Setting.SCHOOL_CLASS, "C", city.school_class, 6),
        (Setting.OFFICE, "O", city.office, 7),
        (Setting.WORKPLACE, "W", city.workplace + 1, 7),
        (Setting.DORMITORY, "D", city.dormitory, 6),
        (Setting.NURSING_HOME, "N", nursing + 1, 7),
    ):
        valid = index >= (1 if prefix in "WN" else 0)
        who = np.flatnonzero(valid)
        person_ids.append(who.astype(np.int64) + 1)
        types.append(pa.array(np.full(len(who), setting.value, dtype=object), pa.string()))
        ids.append(_prefixed(prefix, index[who], width))
    return pa.table(
        {
            "person_id": pa.array(np.concatenate(person_ids)),
            "group_type": pa.concat_arrays(types),
            "group_id": pa.concat_arrays(ids),
        }
    )


def building_population(city: City) -> np.ndarray:
    return np.bincount(city.building, minlength=len(city.geo.building_codes))


__all__ = ["Writer", "building_population", "geography"]
