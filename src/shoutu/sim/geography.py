"""Demo City's map: districts, towns, communities and buildings with region codes and polygons.

Communities are squares on a grid (about 1 km); towns and districts are runs of communities.
Codes follow the national scheme under the fictional province 99 (not a GB/T 2260 code).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shoutu.sim.params import PopulationParams

PROVINCE = "990000000000"
CITY = "990100000000"
ORIGIN = (31.0, 121.0)  # south-west corner (lat, lon)
CELL = 0.01  # degrees per community square


@dataclass
class Geography:
    community_codes: list[str]
    community_town: np.ndarray  # (C,) town index
    community_district: np.ndarray  # (C,) district index
    community_lat: np.ndarray
    community_lon: np.ndarray
    town_codes: list[str]
    district_codes: list[str]
    building_codes: list[str] = field(default_factory=list)
    building_community: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    building_lat: np.ndarray = field(default_factory=lambda: np.empty(0))
    building_lon: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def n_communities(self) -> int:
        return len(self.community_codes)


def _square(lat: float, lon: float, size: float) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def layout(n_people: int, params: PopulationParams) -> Geography:
    """Communities for ``n_people`` on a grid, grouped into towns and districts."""
    n_comm = max(1, math.ceil(n_people / params.people_per_community))
    width = math.ceil(math.sqrt(n_comm))
    index = np.arange(n_comm)
    town = index // params.communities_per_town
    district = town // params.towns_per_district
    lat = ORIGIN[0] + (index // width) * CELL + CELL / 2
    lon = ORIGIN[1] + (index % width) * CELL + CELL / 2
    district_codes = [f"9901{d + 1:02d}000000" for d in range(int(district.max()) + 1)]
    town_codes, community_codes = [], []
    first_town_of_district: dict[int, int] = {}
    for t in range(int(town.max()) + 1):
        d = int(district[index[town == t][0]])
        first_town_of_district.setdefault(d, t)
        town_codes.append(f"{district_codes[d][:6]}{t - first_town_of_district[d] + 1:03d}000")
    first_comm_of_town: dict[int, int] = {}
    for c in range(n_comm):
        t = int(town[c])
        first_comm_of_town.setdefault(t, c)
        community_codes.append(f"{town_codes[t][:9]}{c - first_comm_of_town[t] + 1:03d}")
    return Geography(
        community_codes=community_codes,
        community_town=town.astype(np.int32),
        community_district=district.astype(np.int32),
        community_lat=lat,
        community_lon=lon,
        town_codes=town_codes,
        district_codes=district_codes,
    )


def add_buildings(geo: Geography, households_per_community: np.ndarray, per_building: int) -> None:
    """Buildings in each community, enough for its households, on a sub-grid of the square."""
    counts = np.maximum(1, np.ceil(households_per_community / per_building)).astype(np.int64)
    community = np.repeat(np.arange(geo.n_communities, dtype=np.int32), counts)
    within = np.arange(len(community)) - np.repeat(np.cumsum(counts) - counts, counts)
    side = np.ceil(np.sqrt(counts[community]))
    step = CELL / (side + 1)
    geo.building_community = community
    geo.building_lat = geo.community_lat[community] - CELL / 2 + step * (within // side + 1)
    geo.building_lon = geo.community_lon[community] - CELL / 2 + step * (within % side + 1)
    geo.building_codes = [
        f"{geo.community_codes[c]}{w + 1:04d}" for c, w in zip(community, within, strict=True)
    ]


def regions_table(geo: Geography, building_population: np.ndarray) -> list[dict[str, Any]]:
    """The region tree as import rows: province, city, districts, towns, communities, buildings."""
    comm_pop = np.bincount(
        geo.building_community, weights=building_population, minlength=geo.n_communities
    ).astype(np.int64)
    rows: list[dict[str, Any]] = [
        {
            "code": PROVINCE,
            "name_zh": "演示省",
            "name_en": "Demo Province",
            "population": int(comm_pop.sum()),
        },
        {
            "code": CITY,
            "name_zh": "演示市",
            "name_en": "Demo City",
            "population": int(comm_pop.sum()),
            "lat": float(geo.community_lat.mean()),
            "lon": float(geo.community_lon.mean()),
        },
    ]

    def area(members: np.ndarray) -> dict[str, Any]:
        polygons = [
            [
                _square(
                    float(geo.community_lat[c] - CELL / 2),
                    float(geo.community_lon[c] - CELL / 2),
                    CELL,
                )
            ]
            for c in members
        ]
        return {
            "population": int(comm_pop[members].sum()),
            "lat": round(float(geo.community_lat[members].mean()), 6),
            "lon": round(float(geo.community_lon[members].mean()), 6),
            "polygon": json.dumps({"type": "MultiPolygon", "coordinates": polygons}),
        }

    for d, code in enumerate(geo.district_codes):
        rows.append(
            {
                "code": code,
                "name_zh": f"第{d + 1}区",
                "name_en": f"District {d + 1}",
                **area(np.flatnonzero(geo.community_district == d)),
            }
        )
    for t, code in enumerate(geo.town_codes):
        rows.append(
            {
                "code": code,
                "name_zh": f"第{t + 1}街道",
                "name_en": f"Subdistrict {t + 1}",
                **area(np.flatnonzero(geo.community_town == t)),
            }
        )
    for c, code in enumerate(geo.community_codes):
        lat, lon = float(geo.community_lat[c]), float(geo.community_lon[c])
        rows.append(
            {
                "code": code,
                "name_zh": f"第{c + 1}社区",
                "name_en": f"Community {c + 1}",
                "population": int(comm_pop[c]),
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "polygon": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [_square(lat - CELL / 2, lon - CELL / 2, CELL)],
                    }
                ),
            }
        )
    for b, code in enumerate(geo.building_codes):
        rows.append(
            {
                "code": code,
                "name_zh": f"{code[-4:].lstrip('0')}号楼",
                "name_en": f"Building {code[-4:].lstrip('0')}",
                "population": int(building_population[b]),
                "lat": round(float(geo.building_lat[b]), 6),
                "lon": round(float(geo.building_lon[b]), 6),
            }
        )
    return rows
