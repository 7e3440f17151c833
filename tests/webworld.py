"""A small city of two sibling districts for the web tests: regions with polygons, people,
cases and signals in each, and a user of every role scoped to each district (argon2 at a
test's cost). ``client(user)`` is a TestClient logged in as that user (a bearer token)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from shoutu.domain.vocabulary import Role
from shoutu.services.access.users import add_user
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.surveillance.signals import DetectorConfig, run_signals
from shoutu.settings import Settings
from shoutu.web.app import create_app

PASSWORD = "correct horse battery"
START = dt.date(2022, 3, 1)
DAYS = 21
#: district code → (community, building, person ids)
DISTRICTS = {
    "310101000000": ("310101002001", "3101010020010001", (1001, 1002)),
    "310104000000": ("310104003001", "3101040030010001", (2001, 2002)),
}


def _square(lon: float, lat: float) -> str:
    ring = [[lon, lat], [lon + 0.05, lat], [lon + 0.05, lat + 0.05], [lon, lat + 0.05], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _files(folder: Path) -> dict[str, Path]:
    regions = [
        "code,name_zh,name_en,population,lat,lon,polygon",
        "310000000000,上海市,Shanghai,24870895,,,",
        "310100000000,市辖区,Municipal districts,,,,",
        f"310101000000,黄浦区,Huangpu,662030,31.23,121.48,{_quoted(_square(121.45, 31.2))}",
        "310101002000,南京东路街道,Nanjing East Road,,,,",
        "310101002001,贵州路社区,Guizhou Road,8000,,,",
        "3101010020010001,贵州路1号楼,Building 1,,,,",
        f"310104000000,徐汇区,Xuhui,1113078,31.18,121.43,{_quoted(_square(121.40, 31.15))}",
        "310104003000,天平路街道,Tianping Road,,,,",
        "310104003001,永嘉路社区,Yongjia Road,6000,,,",
        "3101040030010001,永嘉路1号楼,Building 1,,,,",
    ]
    people = ["person_id,name,id_type,id_number,phone,sex,birth_date,home_region_code"]
    numbers = {1001: "310101198001010114"}
    for _, building, ids in DISTRICTS.values():
        for pid in ids:
            number = numbers.get(pid, "")
            kind = "resident_id" if number else ""
            people.append(
                f"{pid},张{pid},{kind},{number},1380013{pid:04d},male,1980-01-01,{building}"
            )
    cases = [
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "report_time,protocol"
    ]
    case_id = 0
    for community, _, ids in DISTRICTS.values():
        for offset in range(DAYS):
            for _ in range(9 if offset in (15, 16) else 1 + offset % 2):
                case_id += 1
                day = START + dt.timedelta(days=offset)
                cases.append(
                    f"{case_id},{ids[case_id % 2]},confirmed,local,fever_clinic,false,{community},"
                    f"{day}T10:00:00+08:00,cn-9th-2022"
                )
    places = [
        "place_id,name,type,region_code",
        "1,南京路菜市场,farmers_market,310101002001",
        "2,永嘉路超市,supermarket,310104003001",
    ]
    made = {}
    for name, lines in (
        ("regions", regions),
        ("places", places),
        ("people", people),
        ("cases", cases),
    ):
        made[name] = folder / f"{name}.csv"
        made[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return made


@dataclass
class World:
    ctx: ServiceContext
    app: object
    users: dict[tuple[Role, str], str] = field(default_factory=dict)  # (role, district) → name
    clients: list[TestClient] = field(default_factory=list)

    def client(self, username: str | None = None) -> TestClient:
        """A client (logged in as ``username`` with a bearer token, if given)."""
        client = TestClient(self.app, raise_server_exceptions=False)  # type: ignore[arg-type]
        client.__enter__()
        self.clients.append(client)
        if username is not None:
            answer = client.post(
                "/api/v1/session", json={"username": username, "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
            client.cookies.clear()
        return client

    def user(self, role: Role, district: str = "310101000000") -> str:
        return self.users[(role, district)]


def _investigations(ctx: ServiceContext) -> None:
    """An investigation task for each of the first five cases of each district."""
    from shoutu.domain.vocabulary import TaskKind
    from shoutu.services.audit import writing
    from shoutu.services.registry.cases import list_cases
    from shoutu.services.supervision.tasks import NewTask, Responsible, open_tasks

    protocol, _ = ctx.protocol()
    tasks = []
    for district in DISTRICTS:
        for case in list_cases(ctx, region=district, limit=5):
            tasks.append(
                NewTask(
                    TaskKind.INVESTIGATION,
                    "cases",
                    case["case_id"],
                    f"investigate case {case['case_id']}",
                    case["report_time"],
                    Responsible(region=district, unit="CDC"),
                )
            )
    with writing(ctx) as unit:
        open_tasks(unit, protocol, tasks)


#: the people under control now (close contacts exposed yesterday), one in each district
UNDER_CONTROL = {"310101000000": 1002, "310104000000": 2002}


def _contacts(ctx: ServiceContext, folder: Path) -> None:
    """A close contact in each district, exposed yesterday: in quarantine now."""
    from shoutu.domain.timeutil import utcnow
    from shoutu.services.control.contacts import import_contacts

    yesterday = (utcnow() - dt.timedelta(days=1)).replace(microsecond=0).isoformat()
    rows = ["index_case_id,person_id,kind,setting,last_exposure_time"]
    rows += [f"1,1002,close,household,{yesterday}", f"2,2002,close,household,{yesterday}"]
    path = folder / "contacts.csv"
    path.write_text("\n".join(rows) + "\n")
    import_contacts(ctx, path)


#: a case's visit to the market the day before its last report (the public self-check's)
MARKET_VISIT = ("2022-03-20T09:00:00+08:00", "2022-03-20T10:00:00+08:00")


def _checkins(ctx: ServiceContext, folder: Path) -> None:
    from shoutu.services.investigation.checkins import import_checkins

    path = folder / "checkins.csv"
    path.write_text(f"person_id,place_id,t_in,t_out\n1001,1,{MARKET_VISIT[0]},{MARKET_VISIT[1]}\n")
    import_checkins(ctx, path)


def _help(ctx: ServiceContext) -> None:
    """A help request from each district's person under control (dialysis, with a note)."""
    from shoutu.domain.timeutil import utcnow
    from shoutu.domain.vocabulary import HelpCategory
    from shoutu.services.control.help_requests import NewRequest, add_request

    for person in UNDER_CONTROL.values():
        add_request(
            ctx,
            NewRequest(
                HelpCategory.DIALYSIS,
                utcnow() - dt.timedelta(hours=1),
                person_id=person,
                note=f"needs dialysis; call 1380013{person:04d}",
            ),
        )


def build_world(settings: Settings, folder: Path) -> World:
    cheap = settings.model_copy(update={"argon2_time_cost": 1, "argon2_memory_kib": 8})
    ctx = open_context(cheap)
    for kind, path in _files(folder).items():
        import_file(ctx, kind, path)
    config = (DetectorConfig("cases_report", "ears-c2", "district"),)
    for offset in range(DAYS):
        run_signals(ctx, START + dt.timedelta(days=offset), config)
    _investigations(ctx)
    _contacts(ctx, folder)
    _checkins(ctx, folder)
    _help(ctx)
    world = World(ctx, create_app(ctx))
    for district in DISTRICTS:
        for role in Role:
            name = f"{role.value}-{district[:6]}"
            add_user(ctx, name, role=role, scope=district, password=PASSWORD)
            world.users[(role, district)] = name
    return world
