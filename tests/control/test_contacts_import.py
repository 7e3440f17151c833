"""`import contacts`: a bad file names every problem by row and field, writes nothing, exits
1 and prints no traceback; a good one opens episodes that `control list` shows (JSON shape,
times with their offset, test days as dates; the human table in the reader's language)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_episodes import CONTACTS, registry
from typer.testing import CliRunner

from shoutu.cli.app import app, main
from shoutu.services.context import ServiceContext
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.supervision.task_list import list_tasks

BAD = (
    "index_case_id,person_id,kind,setting,last_exposure_time,place_id,identified_time\n"
    "7,1003,close,household,2022-07-01T10:00,,2022-07-02T09:00\n"  # row 1: good
    "99,1004,close,household,2022-07-01T10:00,,\n"  # row 2: no such case
    "7,4242,close,household,2022-07-01T10:00,,\n"  # row 3: no such person
    "7,1005,cousin,household,2022-07-01T10:00,,\n"  # row 4: no such kind
    "7,1005,close,household,2022-07-41T10:00,,\n"  # row 5: no such day
    "7,1003,close,office,2022-07-01T12:00,,\n"  # row 6: row 1's contact again
    "7,1002,close,household,2022-07-01T10:00,4242,2022-06-30T10:00\n"  # row 7: place, order
)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def test_bad_rows_are_named_and_nothing_is_written(
    ctx: ServiceContext,
    cli_env: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    registry(ctx, tmp_path)
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    code, out, err = _run(["import", "contacts", str(path), "--json"], capsys)
    assert code == 1 and "Traceback" not in out + err
    problems = {(p["row"], p["field"]) for p in json.loads(out)["problems"]}
    assert problems == {
        (2, "index_case_id"),
        (3, "person_id"),
        (4, "kind"),
        (5, "last_exposure_time"),
        (6, "person_id"),
        (7, "place_id"),
        (7, "identified_time"),
    }
    assert list_episodes(ctx) == []
    assert list_tasks(ctx, subject_type="control_measures", limit=None) == []
    missing = tmp_path / "missing.csv"
    missing.write_text("index_case_id,person_id,kind,setting\n7,1003,close,household\n")
    code, out, err = _run(["import", "contacts", str(missing)], capsys)
    assert code == 1 and "last_exposure_time" in err and "Traceback" not in out + err


def test_control_list_json_and_table(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry(ctx, tmp_path)
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "import",
            "contacts",
            str(tmp_path / "contacts.csv"),
            "--protocol",
            "cn-9th-2022",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)["result"]
    assert (result["recorded"], result["episodes_opened"], result["test_tasks"]) == (2, 2, 9)
    listed = json.loads(runner.invoke(app, ["control", "list", "--json"]).stdout)
    assert list(listed) == ["episodes"]
    first = listed["episodes"][0]
    assert {
        "episode_id",
        "person_id",
        "kind",
        "reason",
        "status",
        "start",
        "planned_end",
        "stages",
    } <= set(first)
    assert first["start"].endswith("+08:00") and first["planned_end"].endswith("+08:00")
    assert set(first["stages"][0]) == {"kind", "start", "planned_end", "test_days"}
    assert first["stages"][0]["test_days"][0] == "2022-07-02"
    home = json.loads(runner.invoke(app, ["control", "list", "--kind", "home", "--json"]).stdout)
    assert [e["person_id"] for e in home["episodes"]] == [1004]
    mine = runner.invoke(
        app, ["control", "list", "--person", "1003", "--status", "active", "--json"]
    )
    assert [e["person_id"] for e in json.loads(mine.stdout)["episodes"]] == [1003]
    monkeypatch.setenv("SHOUTU_LANG", "zh")
    table = runner.invoke(app, ["control", "list"])
    assert table.exit_code == 0 and "集中隔离" in table.stdout and "计划解除" in table.stdout
    monkeypatch.setenv("SHOUTU_LANG", "en")
    table = runner.invoke(app, ["control", "list"])
    assert "Centralised quarantine" in table.stdout and "planned end" in table.stdout


def test_a_cases_contacts_page_by_page_with_their_episodes(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """The case page's contact list: each contact once across pages, in id order, with the
    episode it opened; a caller whose view does not hold the case gets 404, audited."""
    from shoutu.domain.access import ROLE_RIGHTS, Jurisdiction, Principal
    from shoutu.domain.vocabulary import Role
    from shoutu.errors import NotFound
    from shoutu.services.audit import recent
    from shoutu.services.control.contacts import import_contacts
    from shoutu.services.registry.cases import case_contacts

    registry(ctx, tmp_path)
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    import_contacts(ctx, tmp_path / "contacts.csv")
    # a re-exposure after release: a second episode for the first contact, opened later
    from shoutu.services.audit import writing
    from shoutu.store.repositories import measures as measures_repo

    (first,) = [e for e in list_episodes(ctx, person_id=1003)]
    with writing(ctx) as unit:
        again = (
            unit.conn.execute(
                measures_repo.TABLE.select().where(
                    measures_repo.TABLE.c.measure_id == first["episode_id"]
                )
            )
            .mappings()
            .one()
        )
        later = {**dict(again), "start_time": again["start_time"] + dt.timedelta(days=20)}
        later.pop("measure_id")
        measures_repo.add(unit.conn, rows=[{**later, **unit.stamp}])
    pages, after = [], None
    while True:
        rows = case_contacts(ctx, 7, limit=1, after=after)
        if not rows:
            break
        pages.append(rows)
        after = rows[-1]["contact_id"]
    shown = [r for page in pages for r in page]
    assert [len(p) for p in pages] == [1, 1]
    assert [(r["person_id"], r["kind"]) for r in shown] == [(1003, "close"), (1004, "secondary")]
    assert all(r["measure_status"] == "active" and r["measure_kind"] for r in shown)
    assert shown[0]["measure_start"] == again["start_time"] + dt.timedelta(days=20)  # latest
    assert [r["contact_id"] for r in shown] == sorted(r["contact_id"] for r in shown)
    elsewhere = ctx.acting_as(
        Principal(
            name="xuhui-epi",
            rights=ROLE_RIGHTS[Role.EPIDEMIOLOGIST],
            view=Jurisdiction(("310104",)),
            role=Role.EPIDEMIOLOGIST,
        )
    )
    with pytest.raises(NotFound):
        case_contacts(elsewhere, 7)
    assert recent(ctx, limit=1)[0]["action"] == "denied"


def test_a_community_worker_sees_the_quarantine_tests_of_its_residents(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """An episode's test tasks answer for the person's home (as `tasks reassign` would put
    them): the worker of their community lists them all, one of another district none."""
    from shoutu.domain.access import ROLE_RIGHTS, Jurisdiction, Principal
    from shoutu.domain.vocabulary import Role
    from shoutu.services.control.contacts import import_contacts
    from shoutu.services.supervision.responsible import reassign

    registry(ctx, tmp_path)
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    import_contacts(ctx, tmp_path / "contacts.csv")

    def worker(prefix: str) -> ServiceContext:
        return ctx.acting_as(
            Principal(
                name=f"worker-{prefix}",
                rights=ROLE_RIGHTS[Role.COMMUNITY_WORKER],
                view=Jurisdiction((prefix,)),
                role=Role.COMMUNITY_WORKER,
            )
        )

    everyone = list_tasks(ctx, subject_type="control_measures", limit=None)
    assert len(everyone) >= 2
    assert {t["resp_region"] for t in everyone} == {"3101010020010002"}  # both live there
    mine = list_tasks(worker("310101002001"), subject_type="control_measures", limit=None)
    assert sorted(t["task_id"] for t in mine) == sorted(t["task_id"] for t in everyone)
    assert list_tasks(worker("310104"), subject_type="control_measures", limit=None) == []
    # the episodes too: their person's home is responsible, and its supervisors see them on
    # the board once they run past their planned end
    import datetime as dt

    from shoutu.domain.access import EVERYWHERE
    from shoutu.domain.vocabulary import Right
    from shoutu.services.supervision.board import board
    from shoutu.store.repositories import measures as measures_repo

    with ctx.connect() as conn:
        episodes = measures_repo.listing(conn, within=EVERYWHERE)
    assert len(episodes) >= 2 and {e["resp_region"] for e in episodes} == {"3101010020010002"}
    late = max(e["planned_end_time"] for e in episodes).date() + dt.timedelta(days=2)
    for prefix, seen in (("310101002001", len(episodes)), ("310104", 0)):
        supervisor = Principal("supervisor", frozenset(Right), view=Jurisdiction((prefix,)))
        found = board(ctx.acting_as(supervisor), late, level="community")["parties"]
        assert sum(p["by_kind"].get("episode_past_end", {}).get("open", 0) for p in found) == seen
    assert reassign(ctx)["changed"] == []  # already where their people live
