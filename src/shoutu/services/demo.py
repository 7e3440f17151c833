"""A small synthetic city for the demo: regions, places and people, built through the importers.

Everything here is made up and marked ``synthetic``: the province code 99 is not a real GB/T 2260
code, ID numbers carry valid GB 11643 checksums for county codes 9901xx, phones start 199.
The simulator issue replaces this generator with its own population.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from shoutu.domain.identifiers import make_resident_id
from shoutu.domain.vocabulary import IdType, KeyPopulation, PlaceType, Sex
from shoutu.io.tables import InputTable
from shoutu.services.context import ServiceContext
from shoutu.services.imports import SPECS, ImportResult, import_table
from shoutu.services.progress import Progress, Silent

PROVINCE = "990000000000"
CITY = "990100000000"
DISTRICTS = (
    ("990101", "安和区", "Anhe District"),
    ("990102", "临江区", "Linjiang District"),
    ("990103", "北山区", "Beishan District"),
    ("990104", "新港区", "Xingang District"),
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞宇浩然子涵欣怡梓轩雨桐"

# Age pyramid (China 2020 census, shares by 10-year band, rounded)
AGE_BANDS = (
    (0, 9, 0.115),
    (10, 19, 0.11),
    (20, 29, 0.12),
    (30, 39, 0.155),
    (40, 49, 0.14),
    (50, 59, 0.155),
    (60, 69, 0.115),
    (70, 79, 0.06),
    (80, 95, 0.03),
)

# (place type, how many per 10,000 residents, key population of its workers)
PLACE_MIX: tuple[tuple[PlaceType, float, KeyPopulation | None], ...] = (
    (PlaceType.SCHOOL, 2, KeyPopulation.TEACHER),
    (PlaceType.KINDERGARTEN, 2, KeyPopulation.TEACHER),
    (PlaceType.NURSING_HOME, 1, KeyPopulation.CARE_HOME),
    (PlaceType.FARMERS_MARKET, 2, KeyPopulation.MARKET),
    (PlaceType.SUPERMARKET, 4, None),
    (PlaceType.PHARMACY, 5, KeyPopulation.PHARMACY),
    (PlaceType.CLINIC, 3, KeyPopulation.MEDICAL_STAFF),
    (PlaceType.RESTAURANT, 20, None),
    (PlaceType.MALL, 1, None),
    (PlaceType.GYM, 2, None),
    (PlaceType.HOTEL, 2, KeyPopulation.HOTEL),
    (PlaceType.WORKPLACE, 30, None),
)
# One of each per city
CITY_PLACES: tuple[tuple[PlaceType, str, KeyPopulation | None], ...] = (
    (PlaceType.HOSPITAL, "市第一人民医院", KeyPopulation.MEDICAL_STAFF),
    (PlaceType.FEVER_CLINIC, "市第一人民医院发热门诊", KeyPopulation.FEVER_CLINIC_STAFF),
    (PlaceType.DESIGNATED_HOSPITAL, "市定点医院", KeyPopulation.MEDICAL_STAFF),
    (PlaceType.QUARANTINE_HOTEL, "集中隔离点一号", KeyPopulation.ISOLATION_SITE_STAFF),
    (PlaceType.RAILWAY_STATION, "演示市火车站", KeyPopulation.TRANSPORT),
    (PlaceType.AIRPORT, "演示市机场", KeyPopulation.AIRPORT_WORKER),
    (PlaceType.PORT, "演示港口岸", KeyPopulation.PORT_WORKER),
    (PlaceType.COLD_CHAIN_WAREHOUSE, "冷链物流仓库", KeyPopulation.COLD_CHAIN),
)


@dataclass
class DemoCity:
    regions: list[dict[str, Any]]
    places: list[dict[str, Any]]
    people: list[dict[str, Any]]


def _age(rng: random.Random) -> int:
    low, high, _ = rng.choices(AGE_BANDS, weights=[b[2] for b in AGE_BANDS])[0]
    return rng.randint(low, high)


def _regions(towns: int, communities: int, buildings: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"code": PROVINCE, "name_zh": "演示省", "name_en": "Demo Province"},
        {"code": CITY, "name_zh": "演示市", "name_en": "Demo City"},
    ]
    for d_index, (county, zh, en) in enumerate(DISTRICTS):
        lat0, lon0 = 31.0 + 0.1 * d_index, 121.0 + 0.1 * d_index
        rows.append(
            {"code": county + "000000", "name_zh": zh, "name_en": en, "lat": lat0, "lon": lon0}
        )
        for t in range(1, towns + 1):
            town = f"{county}{t:03d}000"
            rows.append(
                {"code": town, "name_zh": f"{zh}第{t}街道", "name_en": f"{en} Subdistrict {t}"}
            )
            for c in range(1, communities + 1):
                community = f"{county}{t:03d}{c:03d}"
                lat, lon = lat0 + 0.01 * t, lon0 + 0.005 * c
                ring = [
                    [lon, lat],
                    [lon + 0.004, lat],
                    [lon + 0.004, lat + 0.008],
                    [lon, lat + 0.008],
                    [lon, lat],
                ]
                rows.append(
                    {
                        "code": community,
                        "name_zh": f"{zh}{t}街道第{c}社区",
                        "name_en": f"{en} S{t} Community {c}",
                        "lat": lat + 0.004,
                        "lon": lon + 0.002,
                        "polygon": {"type": "Polygon", "coordinates": [ring]},
                    }
                )
                for b in range(1, buildings + 1):
                    rows.append(
                        {
                            "code": f"{community}{b:04d}",
                            "name_zh": f"{b}号楼",
                            "name_en": f"Building {b}",
                        }
                    )
    return rows


def build_demo_city(*, people: int = 10_000, seed: int = 20220320) -> DemoCity:
    """Generate the demo city's rows (deterministic for a seed)."""
    rng = random.Random(seed)
    regions = _regions(towns=3, communities=4, buildings=max(2, people // 1200))
    buildings = [r["code"] for r in regions if len(r["code"]) == 16]
    communities = [r["code"] for r in regions if r.get("polygon")]
    places: list[dict[str, Any]] = []
    staff: list[tuple[int, KeyPopulation | None]] = []
    for ptype, per_10k, key_pop in PLACE_MIX:
        for n in range(max(1, round(per_10k * people / 10_000))):
            place_id = 1000 + len(places)
            places.append(
                {
                    "place_id": place_id,
                    "name": f"{ptype.zh}{n + 1}",
                    "type": ptype,
                    "region_code": rng.choice(communities),
                    "venue_code": f"V{place_id:07d}",
                }
            )
            staff.append((place_id, key_pop))
    for ptype, name, key_pop in CITY_PLACES:
        place_id = 1000 + len(places)
        places.append(
            {
                "place_id": place_id,
                "name": name,
                "type": ptype,
                "region_code": rng.choice(communities),
                "venue_code": f"V{place_id:07d}",
            }
        )
        staff.append((place_id, key_pop))
    schools = [p["place_id"] for p in places if p["type"] == PlaceType.SCHOOL]
    kindergartens = [p["place_id"] for p in places if p["type"] == PlaceType.KINDERGARTEN]
    for place in places:  # coordinates inside the place's community
        community = next(r for r in regions if r["code"] == place["region_code"])
        place["lat"] = round(community["lat"] + rng.uniform(-0.003, 0.003), 6)
        place["lon"] = round(community["lon"] + rng.uniform(-0.0015, 0.0015), 6)

    rows: list[dict[str, Any]] = []
    sequences: dict[tuple[str, dt.date], int] = {}
    reference = dt.date(2022, 3, 20)
    while len(rows) < people:
        building = rng.choice(buildings)
        size = min(people - len(rows), rng.choices((1, 2, 3, 4, 5, 6), (18, 30, 24, 15, 8, 5))[0])
        surname = rng.choice(SURNAMES)
        for _ in range(size):
            age = _age(rng)
            born = reference - dt.timedelta(days=365 * age + rng.randint(0, 364))
            sex = rng.choice((Sex.MALE, Sex.FEMALE))
            county = building[:6]
            n = sequences.get((county, born), 0)
            sequences[(county, born)] = n + 1
            sequence = 2 * n + (1 if sex == Sex.MALE else 0)
            person_id = 100_000 + len(rows)
            workplace = school = None
            key_pop = None
            if 3 <= age <= 5 and kindergartens:
                school = rng.choice(kindergartens)
            elif 6 <= age <= 17 and schools:
                school = rng.choice(schools)
            elif 20 <= age <= 62:
                workplace, key_pop = rng.choice(staff)
            doses = rng.choices((0, 1, 2, 3), (10, 5, 45, 40))[0] if age >= 3 else 0
            rows.append(
                {
                    "person_id": person_id,
                    "name": surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                    "id_type": IdType.RESIDENT_ID,
                    "id_number": make_resident_id(county, born, sequence),
                    "phone": f"199{rng.randrange(10**8):08d}" if age >= 12 else None,
                    "sex": sex,
                    "home_region_code": building,
                    "workplace_id": workplace,
                    "school_id": school,
                    "key_population": key_pop,
                    "vaccination_doses": doses,
                    "synthetic": True,
                }
            )
    return DemoCity(regions=regions, places=places, people=rows)


def load_demo_city(
    ctx: ServiceContext, city: DemoCity, *, progress: Progress | None = None
) -> list[ImportResult]:
    """Load the demo city through the same importers as user files."""
    progress = progress or Silent()
    results = []
    for kind, rows in (("regions", city.regions), ("places", city.places), ("people", city.people)):
        if not rows:
            continue
        table = InputTable.from_records(f"demo:{kind}", rows)
        results.append(import_table(ctx, SPECS[kind], table, progress=progress))
    return results
