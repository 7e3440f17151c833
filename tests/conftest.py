"""Fixtures: a real SQLite file and a real PostgreSQL server (started here, on loopback), and
simulated cities shared by the whole session.

Store tests take ``db_url`` (or ``ctx``) and run once per backend; pure tests run once. A test
that needs a simulator run asks ``city(**PARAMS)``: one run per parameter set per session,
read-only for the tests (they write their own files elsewhere).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

import pgserver
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.store_setup import init_store
from shoutu.settings import Settings, get_settings

if TYPE_CHECKING:
    from webworld import World

# Hypothesis checks properties, not speed (benchmarks/ measures that): no per-example deadline,
# which a busy two-core machine running two workers would miss now and then
hypothesis_settings.register_profile("shoutu", deadline=None)
hypothesis_settings.load_profile("shoutu")

DATA = Path(__file__).with_name("data")
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's SHOUTU_* settings."""
    for name in list(os.environ):
        if name.startswith("SHOUTU_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PostgresServer]:
    server = pgserver.start()
    try:
        yield server
    finally:
        server.stop()


def _fresh_pg_database(server: pgserver.PostgresServer) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    dsn = f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, dsn


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shoutu.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name, dsn = _fresh_pg_database(server)
    yield server.url(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings for an initialised store (key file created, schema migrated)."""
    built = get_settings(
        database_url=db_url,
        key_file=tmp_path / "shoutu.key",
        event_dir=tmp_path / "events",
        user="tester",
    )
    init_store(built)
    return built


@pytest.fixture
def ctx(settings: Settings) -> Iterator[ServiceContext]:
    context = open_context(settings)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment variables that point the CLI at the test store."""
    env = {
        "SHOUTU_DATABASE_URL": settings.database_url,
        "SHOUTU_KEY_FILE": str(settings.key_file),
        "SHOUTU_EVENT_DIR": str(settings.event_dir),
        "SHOUTU_USER": "cli-tester",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


City = Callable[..., Path]


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    """``city(people=…, days=…, seed=…[, scenario=…, protocol=…])``: the simulator's run
    folder for those parameters, simulated once per session."""
    from shoutu.sim.engine import run_config, simulate

    made: dict[tuple[object, ...], Path] = {}

    def get(
        *,
        people: int,
        days: int,
        seed: int,
        scenario: str = "default",
        protocol: str = "cn-9th-2022",
    ) -> Path:
        key = (people, days, seed, scenario, protocol)
        if key not in made:
            out = tmp_path_factory.mktemp("city") / "run"
            config = run_config(
                people=people, days=days, seed=seed, scenario=scenario, protocol=protocol
            )
            simulate(config, out)
            made[key] = out
        return made[key]

    return get


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> Iterator[World]:
    """The web tests' city of two districts (tests/webworld.py), on each backend."""
    from webworld import build_world

    made = build_world(settings, tmp_path)
    try:
        yield made
    finally:
        for client in made.clients:
            client.__exit__(None, None, None)
        made.ctx.close()
