"""``shoutu chains``: transmission chains over files (cases, groups, contacts).

CASES (CSV or Parquet): ``case_id`` (or the simulator's ``person_id``), ``onset_date`` or
``onset_time``, optional ``sample_date``/``sample_time`` (used when onset is empty) and
``imported`` (true/false). GROUPS: ``case_id`` (or ``person_id``), ``group_type``,
``group_id`` (the simulator's ``groups.parquet`` as is). CONTACTS: ``source_id``,
``target_id``, ``setting``. The analysis is ``analytics.chains``: the settings' weights
estimated from the data by default (``ESTIMATE_WEIGHTS``), optionally a community setting
among the cases who belong to no group but a household (``analytics.chains_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.analytics.chains import NO_SOURCE_WEIGHT, infer_chains
from shoutu.analytics.chains_settings import community_links
from shoutu.analytics.serial_interval import SerialInterval
from shoutu.errors import BadRequest, InputError, options_checked
from shoutu.io.columnar import read_arrow
from shoutu.io.provenance import build_provenance, file_hash
from shoutu.services.investigation.chain_graph import DEFAULT_PAGE_SIZE, ChainGraph

#: Estimate the settings' weights from the data (EM, ``analytics.chains_settings``) unless
#: told otherwise: against the fixed prior weights it found more of Hagelloch's recorded
#: infectors (72.3% against 71.7% with its classes, 68.5% against 67.9% without the
#: preschool one) and of Tianjin's named sources (89.9% against 87.0%), and as many of the
#: simulator's true infectors (44.9%).
ESTIMATE_WEIGHTS = True


def _days(column: pa.ChunkedArray, name: str) -> np.ndarray:
    """Days since 1970-01-01 (fractional for timestamps); NaN where empty."""
    if pa.types.is_date(column.type):
        values = pc.cast(column, pa.int32()).to_numpy(zero_copy_only=False)
        return np.asarray(values, float)
    if pa.types.is_timestamp(column.type):
        micros = pc.cast(column.cast(pa.timestamp("us", tz="UTC")), pa.int64())
        return np.asarray(micros.to_numpy(zero_copy_only=False), float) / 86_400e6
    if pa.types.is_null(column.type):
        return np.full(len(column), np.nan)
    raise InputError.single(name, f"dates must be dates or timestamps, not {column.type}")


#: Coordinate columns of the cases, planar (x, y: any unit, the kernel's scale is in it) or
#: geographic (degrees, projected to km on the cases' mean latitude: a town's or a region's
#: extent, where the distortion is small).
PLANAR = ("x", "y")
GEOGRAPHIC = (("lat", "lon"), ("latitude", "longitude"))
_EARTH_KM = 6371.0


def _coordinates(cases: pa.Table) -> tuple[np.ndarray | None, str]:
    """The cases' places (n x 2, NaN where empty) and the columns read ("" for none)."""

    def values(name: str) -> np.ndarray:
        column = pc.cast(cases[name], pa.float64())
        return np.asarray(column.to_numpy(zero_copy_only=False), float)

    if all(c in cases.column_names for c in PLANAR):
        return np.column_stack([values(c) for c in PLANAR]), ",".join(PLANAR)
    for lat_name, lon_name in GEOGRAPHIC:
        if lat_name in cases.column_names and lon_name in cases.column_names:
            lat, lon = values(lat_name), values(lon_name)
            middle = np.radians(np.nanmean(lat)) if np.isfinite(lat).any() else 0.0
            x = np.radians(lon) * np.cos(middle) * _EARTH_KM
            return np.column_stack([x, np.radians(lat) * _EARTH_KM]), f"{lat_name},{lon_name}"
    return None, ""


def _first(table: pa.Table, names: tuple[str, ...], name: str, required: bool = True) -> str:
    for column in names:
        if column in table.column_names:
            return column
    if required:
        raise InputError.single(name, f"needs a column {' or '.join(names)}")
    return ""


@dataclass(frozen=True)
class ChainsOutput:
    columns: dict[str, Any]  # the output columns
    days: np.ndarray  # each case's onset (or sampling), days since 1970-01-01
    settings: list[str]  # the infector link's setting ("" for none)
    provenance: dict[str, Any] = field(default_factory=dict)

    def graph(self, page_size: int = DEFAULT_PAGE_SIZE) -> ChainGraph:
        with options_checked():
            return ChainGraph(self.columns, self.days, self.settings, page_size)

    @property
    def no_known_source(self) -> int:
        return sum(1 for o in self.columns["origin"] if o == "unknown")


def serial_interval(
    *,
    mean: float | None = None,
    sd: float | None = None,
    dist: str = "gamma",
    table: pa.Table | None = None,
) -> SerialInterval:
    """A parametric serial interval (``mean``, ``sd``, ``dist``) or an empirical one from a
    ``day,p`` table (days may be zero or negative)."""
    with options_checked():
        if table is not None:
            for column in ("day", "p"):
                if column not in table.column_names:
                    raise InputError.single("serial interval", f"needs a column {column}")
            days = tuple(int(v) for v in table["day"].to_pylist())
            p = tuple(float(v) for v in table["p"].to_pylist())
            return SerialInterval("table", days=days, p=p)
        if mean is None or sd is None:
            raise BadRequest("give {si_mean} and {si_sd}, or {si_distr}")
        return SerialInterval(dist, mean=mean, sd=sd)


def chains_file(
    cases: Path,
    *,
    si_mean: float | None = None,
    si_sd: float | None = None,
    si_dist: str = "gamma",
    si_distr: Path | None = None,
    groups: Path | None = None,
    contacts: Path | None = None,
    no_source_weight: float = NO_SOURCE_WEIGHT,
    estimate_weights: bool = ESTIMATE_WEIGHTS,
    community: bool = False,
) -> ChainsOutput:
    """Chains over files: read them, call :func:`chains`, with the files' hashes."""
    si = serial_interval(
        mean=si_mean, sd=si_sd, dist=si_dist, table=read_arrow(si_distr) if si_distr else None
    )
    inputs = [p for p in (cases, groups, contacts, si_distr) if p is not None]
    return chains(
        read_arrow(cases),
        si,
        groups=read_arrow(groups) if groups is not None else None,
        contacts=read_arrow(contacts) if contacts is not None else None,
        no_source_weight=no_source_weight,
        estimate_weights=estimate_weights,
        community=community,
        names=(str(cases), str(groups), str(contacts)),
        input_hashes=[file_hash(p) for p in inputs],
    )


def chains(
    cases: pa.Table,
    si: SerialInterval,
    *,
    groups: pa.Table | None = None,
    contacts: pa.Table | None = None,
    no_source_weight: float = NO_SOURCE_WEIGHT,
    estimate_weights: bool = ESTIMATE_WEIGHTS,
    community: bool = False,
    names: tuple[str, str, str] = ("cases", "groups", "contacts"),
    input_hashes: list[str] | None = None,
) -> ChainsOutput:
    """Likely infector, generation, cluster and origin of each case. CASES: ``case_id`` (or
    ``person_id``), ``onset_date`` or ``onset_time``, optional ``sample_date``/``sample_time``
    (used when onset is empty) and ``imported``; GROUPS: ``case_id`` (or ``person_id``),
    ``group_type``, ``group_id``; CONTACTS: ``source_id``, ``target_id``, ``setting``.
    ``estimate_weights``: the settings' weights from the data (else the fixed defaults);
    ``community``: link the cases whose only groups are households (setting
    ``community``); with coordinates in CASES (``x``, ``y`` or ``lat``, ``lon``) those links
    weigh a distance kernel (``analytics.chains_settings``)."""
    cases_name, groups_name, contacts_name = names
    id_column = _first(cases, ("case_id", "person_id"), cases_name)
    ids = [str(v) for v in cases[id_column].to_pylist()]
    onset_column = _first(cases, ("onset_time", "onset_date"), cases_name)
    times = _days(cases[onset_column], cases_name)
    sample_column = _first(cases, ("sample_time", "sample_date"), cases_name, required=False)
    if sample_column:
        times = np.where(np.isnan(times), _days(cases[sample_column], cases_name), times)
    if np.isnan(times).any():
        row = int(np.flatnonzero(np.isnan(times))[0]) + 1
        raise InputError.single(
            cases_name, "no onset nor sample date", row=row, field_name=onset_column
        )
    imported = (
        np.asarray(cases["imported"].fill_null(False).to_numpy(zero_copy_only=False), bool)
        if "imported" in cases.column_names
        else np.zeros(len(ids), bool)
    )
    index = {case: i for i, case in enumerate(ids)}
    links: list[tuple[int, int, str]] = []
    if groups is not None:
        member = _first(groups, ("case_id", "person_id"), groups_name)
        for column in ("group_type", "group_id"):
            _first(groups, (column,), groups_name)
        by_group: dict[tuple[str, str], list[int]] = {}
        for case, kind, group in zip(
            groups[member].to_pylist(),
            groups["group_type"].to_pylist(),
            groups["group_id"].to_pylist(),
            strict=True,
        ):
            i = index.get(str(case))
            if i is not None and group is not None:
                by_group.setdefault((str(kind), str(group)), []).append(i)
        for (kind, _), found in by_group.items():
            links += [(a, b, kind) for x, a in enumerate(found) for b in found[x + 1 :]]
        if community:
            kinds: list[set[str]] = [set() for _ in ids]
            for (kind, _), found in by_group.items():
                for i in found:
                    kinds[i].add(kind)
            with options_checked():
                links += community_links(kinds)
    if contacts is not None:
        for column in ("source_id", "target_id", "setting"):
            _first(contacts, (column,), contacts_name)
        for source, target, setting in zip(
            contacts["source_id"].to_pylist(),
            contacts["target_id"].to_pylist(),
            contacts["setting"].to_pylist(),
            strict=True,
        ):
            a, b = index.get(str(source)), index.get(str(target))
            if a is not None and b is not None:
                links.append((a, b, "contact" if setting is None else str(setting)))
    try:
        coordinates, placed_by = _coordinates(cases)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputError.single(cases_name, f"coordinates must be numbers ({exc})") from exc
    with options_checked():
        result = infer_chains(
            ids,
            times,
            imported,
            links,
            si,
            no_source_weight=no_source_weight,
            estimate_weights=estimate_weights,
            coordinates=coordinates,
        )

    def name(i: int) -> str | None:
        return ids[i] if i >= 0 else None

    columns = {
        "case_id": ids,
        "infector_id": [name(int(i)) for i in result.infector],
        "probability": np.round(result.probability, 6),
        "runner_up_id": [name(int(i)) for i in result.runner_up],
        "runner_up_probability": np.round(result.runner_up_probability, 6),
        "generation": result.generation,
        "cluster_id": result.cluster,
        "origin": result.origin,
    }
    provenance = build_provenance(
        command="chains",
        parameters={
            "si_dist": si.kind,
            "si_mean": None if si.kind == "table" else si.mean,
            "si_sd": None if si.kind == "table" else si.sd,
            "no_source_weight": no_source_weight,
            "estimate_weights": estimate_weights,
            "community": community,
            "coordinates": placed_by if result.spatial_scale is not None else None,
            "spatial_scale": result.spatial_scale,
        },
        input_hashes=input_hashes or [],
    )
    return ChainsOutput(columns, times, result.setting, provenance)


__all__ = ["ChainsOutput", "chains", "chains_file", "serial_interval"]
