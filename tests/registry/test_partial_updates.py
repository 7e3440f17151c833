"""Nothing overwritten by accident (trust issue, items 7): a file with fewer columns updates
only its columns; an empty value clears a stored one only with allow_clear (--allow-clear),
and then it is audited; places and regions behave the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.errors import InputError
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.people import find_by_id_number, get_person

ID_1001 = "310101198001010114"  # tests/data/people.csv: 张伟, phone 13800138000


def _load(ctx: ServiceContext) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")


def test_fewer_columns_update_only_those(ctx: ServiceContext, tmp_path: Path) -> None:
    _load(ctx)
    before = get_person(ctx, 1001, reveal=True, purpose="check the update keeps the rest")
    renamed = tmp_path / "rename.csv"
    renamed.write_text("person_id,name,sex\n1001,张伟民,male\n")
    result = import_file(ctx, "people", renamed)
    assert (result.updated, result.unchanged) == (1, 0)
    after = get_person(ctx, 1001, reveal=True, purpose="check the update keeps the rest")
    assert after.name == "张伟民"
    for kept in ("id_number", "phone", "birth_date", "home_region_code", "workplace_id"):
        assert getattr(after, kept) == getattr(before, kept), kept
    assert after.key_population == before.key_population
    # the identifier still finds them, so it was not freed for someone else
    assert find_by_id_number(ctx, ID_1001).person_id == 1001


def test_an_empty_value_needs_allow_clear(ctx: ServiceContext, tmp_path: Path) -> None:
    _load(ctx)
    blank = tmp_path / "blank.csv"
    blank.write_text("person_id,phone,workplace_id\n1001,,\n")
    with pytest.raises(InputError) as refused:
        import_file(ctx, "people", blank)
    lines = refused.value.report.lines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{blank}, row 1 (line 2), field phone: is empty, which would")
    assert lines[0].endswith("(allow_clear)")
    assert get_person(ctx, 1001).phone is not None  # nothing was written
    cleared = import_file(ctx, "people", blank, allow_clear=True)
    assert cleared.updated == 1
    from shoutu.services import audit

    (event,) = [
        e
        for e in audit.recent(ctx, entity="people", entity_id="1001", limit=20)
        if e["action"] == "update"
    ]
    assert event["after"]["workplace_id"] is None and event["before"]["workplace_id"] is not None
    assert event["after"]["phone_hash"] is None and event["before"]["phone_hash"]  # audited
    assert "13800138000" not in str(event)  # as a hash or masked, never the number
    view = get_person(ctx, 1001, reveal=True, purpose="check the cleared fields")
    assert view.phone is None and view.workplace_id is None and view.id_number == ID_1001


def test_places_and_regions_keep_what_a_file_leaves_out(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    _load(ctx)
    places = tmp_path / "places.csv"
    places.write_text(
        "place_id,name,type,region_code\n1,南京路菜市场(新),farmers_market,310101002001\n"
    )
    assert import_file(ctx, "places", places).updated == 1
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name_zh\n310101000000,黄浦\n")
    assert import_file(ctx, "regions", regions).updated == 1
    from sqlalchemy import select

    from shoutu.store.tables import Place, Region, table

    with ctx.connect() as conn:
        place = conn.execute(select(table(Place)).where(table(Place).c.place_id == 1)).one()
        region = conn.execute(
            select(table(Region)).where(table(Region).c.code == "310101000000")
        ).one()
    assert place.venue_code == "SH-V-0001" and place.lat == pytest.approx(31.238)
    assert region.name_en == "Huangpu District" and region.population == 662030


def test_the_cli_names_the_flag(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _load(ctx)
    blank = tmp_path / "blank.csv"
    blank.write_text("person_id,phone\n1001,\n")
    runner = CliRunner()
    refused = runner.invoke(app, ["import", "people", str(blank)])
    assert refused.exit_code == 1
    assert "field phone: is empty" in refused.stderr and "(--allow-clear)" in refused.stderr
    done = runner.invoke(app, ["import", "people", str(blank), "--allow-clear", "--json"])
    assert done.exit_code == 0 and json.loads(done.stdout)["result"]["updated"] == 1
