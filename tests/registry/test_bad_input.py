"""The foundation issue's bad-input test: one CSV with a broken ID checksum, an unknown region,
a malformed date and a duplicated row. Each is named by row and field, the exit code is 1, and
nothing is imported. Runs the real `shoutu` executable on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from paths import DATA
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.store.tables import AuditEvent, Person, table

SHOUTU = Path(sys.executable).with_name("shoutu")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SHOUTU), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _count(ctx: ServiceContext, model: type) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(model))).scalar_one())


def test_bad_people_file_is_reported_and_imports_nothing(
    ctx: ServiceContext, cli_env: dict[str, str]
) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    audit_before = _count(ctx, AuditEvent)
    bad = DATA / "people_bad.csv"

    proc = _run(["import", "people", str(bad)], cli_env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    report = proc.stderr
    assert "nothing was written" in report
    assert f"{bad}, row 2 (line 3), field id_number: bad checksum" in report
    assert (
        f"{bad}, row 3 (line 4), field home_region_code: unknown region code "
        "3101019999990001" in report
    )
    assert f"{bad}, row 4 (line 5), field birth_date: '1990-13-45' is not a date" in report
    assert f"{bad}, row 5 (line 6), field person_id: duplicate key 2001 (first at row 1)" in report
    assert _count(ctx, Person) == 0
    assert _count(ctx, AuditEvent) == audit_before

    as_json = _run(["import", "people", str(bad), "--json"], cli_env)
    assert as_json.returncode == 1
    payload = json.loads(as_json.stdout)
    found = {(p["row"], p["field"]) for p in payload["problems"]}
    assert {(2, "id_number"), (3, "home_region_code"), (4, "birth_date"), (5, "person_id")} <= found
    assert payload["ok"] is False
    assert _count(ctx, Person) == 0


def test_good_file_then_exit_codes(ctx: ServiceContext, cli_env: dict[str, str]) -> None:
    for kind in ("regions", "places", "people"):
        proc = _run(["import", kind, str(DATA / f"{kind}.csv"), "--json"], cli_env)
        assert proc.returncode == 0, proc.stderr
        payload = json.loads(proc.stdout)
        assert payload["ok"] is True and payload["result"]["entity"] == kind
        assert payload["provenance"]["inputs_sha256"]
    assert _count(ctx, Person) == 5
    usage = _run(["import", "people"], cli_env)
    assert usage.returncode == 2
    unknown = _run(["import", "vehicles", "x.csv"], cli_env)
    assert unknown.returncode == 2


def test_a_polygon_without_closed_rings_is_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    import pytest

    from shoutu.errors import InputError

    bad = tmp_path / "regions.csv"
    bad.write_text(
        "code,name_zh,polygon\n"
        '310000000000,上海市,"{""type"":""Polygon"",""coordinates"":[[]]}"\n'
        '310100000000,市辖区,"{""type"":""Polygon"",""coordinates"":[[[0,0],[1,0],[1,1]]]}"\n'
    )
    with pytest.raises(InputError) as raised:
        import_file(ctx, "regions", bad)
    assert {(p.row, p.field) for p in raised.value.report.problems} == {
        (1, "polygon"),
        (2, "polygon"),
    }
