"""Plausibility (trust issue, item 18): results, check-ins and case times in 1900 or 2099, a
365-day check-in, a birth in the future (or inside an ID number) are refused by row and field;
the window is SHOUTU_PLAUSIBLE_DATES (default 2000-01-01..tomorrow, so 2020-2022 data load as
they are) and --allow-dates lets older history in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.domain.identifiers import make_resident_id
from shoutu.domain.timeutil import parse_window
from shoutu.errors import InputError
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.checkins import import_checkins
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.screening.lab_results import import_results

RESULTS_HEADER = "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result\n"


def _load(ctx: ServiceContext) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")


def test_the_window() -> None:
    today = dt.date(2026, 12, 1)
    window = parse_window("2000-01-01..tomorrow", today)
    assert (window.low, window.high) == (dt.date(2000, 1, 1), dt.date(2026, 12, 2))
    assert dt.date(2022, 4, 1) in window and dt.date(1999, 12, 31) not in window
    with pytest.raises(ValueError, match=r"FROM\.\.TO"):
        parse_window("2000", today)


def test_results_from_1900_and_2099_are_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    _load(ctx)
    path = tmp_path / "results.csv"
    path.write_text(
        RESULTS_HEADER
        + "s1,t1,1,1001,2022-04-01T08:00,2022-04-01T12:00,pcr,negative\n"
        + "s2,t2,1,1001,1900-04-01T08:00,1900-04-01T12:00,antigen,positive\n"
        + "s3,t3,1,1002,2099-04-01T08:00,2099-04-01T12:00,antigen,negative\n"
    )
    with pytest.raises(InputError) as refused:
        import_results(ctx, path)
    lines = refused.value.report.lines()
    assert lines[0].startswith(
        "results.csv, row 2 (line 3), field sample_time: 1900-04-01 is outside the plausible"
    )
    assert lines[0].endswith("(allow_dates)")
    assert {line.split(", field ")[1].split(":")[0] for line in lines} == {
        "sample_time",
        "result_time",
    }
    assert len(lines) == 4
    done = import_results(ctx, path, allow_dates=True)
    assert done.new == 3


def test_long_and_ancient_checkins_are_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    _load(ctx)
    path = tmp_path / "checkins.csv"
    path.write_text(
        "person_id,place_id,t_in,t_out\n"
        "1001,1,2022-04-01T08:00,2022-04-01T09:00\n"
        "1001,1,2022-04-01T08:00,2023-04-01T08:00\n"
        "1002,1,1900-01-01T08:00,1900-01-01T09:00\n"
    )
    with pytest.raises(InputError) as refused:
        import_checkins(ctx, path)
    lines = refused.value.report.lines()
    assert any("row 2 (line 3), field t_out: is more than 24 hours after t_in" in x for x in lines)
    assert any("row 3 (line 4), field t_in: 1900-01-01 is outside" in x for x in lines)


def test_births_in_the_future_are_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    future = make_resident_id("310101", dt.date.today() + dt.timedelta(days=400), 3)
    path = tmp_path / "people.csv"
    path.write_text(
        "person_id,id_number,birth_date\n"
        f"1,{future},\n"
        "2,,2099-01-01\n"
        "3,,1850-05-01\n"
        "4,,1950-05-01\n"
    )
    with pytest.raises(InputError) as refused:
        import_file(ctx, "people", path)
    lines = refused.value.report.lines()  # in row order
    assert [line.split(": ")[0].split(", ", 1)[1] for line in lines] == [
        "row 1 (line 2), field id_number",
        "row 2 (line 3), field birth_date",
        "row 3 (line 4), field birth_date",
    ]


def test_cases_outside_the_window_and_the_cli_flag(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _load(ctx)
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"
        "1,1001,confirmed,local,fever_clinic,false,1999-03-01T10:00,cn-9th-2022\n"
    )
    with pytest.raises(InputError, match="1 problem"):
        import_file(ctx, "cases", path)
    runner = CliRunner()
    results = tmp_path / "results.csv"
    results.write_text(
        RESULTS_HEADER + "s9,t9,1,1001,1999-04-01T08:00,1999-04-01T12:00,pcr,negative\n"
    )
    refused = runner.invoke(app, ["import", "results", str(results)])
    assert refused.exit_code == 1 and "(--allow-dates)" in refused.stderr
    assert runner.invoke(app, ["import", "results", str(results), "--allow-dates"]).exit_code == 0


def test_a_bad_check_in_is_reported_once_in_row_order(ctx: ServiceContext, tmp_path: Path) -> None:
    """A time that is not a time is not also "empty"; a 1900 entry is not also "more than 24
    hours"; the problems come in row order, each showing the value."""
    _load(ctx)
    path = tmp_path / "c.csv"
    path.write_text(
        "person_id,place_id,t_in,t_out\n"
        "1001,1,2022-04-01T08:00,2022-04-01T07:00\n"
        "1001,1,2022-04-01T08:00,2022-04-03T09:00\n"
        "1001,1,1900-04-01T08:00,2022-04-01T09:00\n"
        "1001,1,banana,2022-04-01T09:00\n"
    )
    with pytest.raises(InputError) as refused:
        import_checkins(ctx, path)
    lines = refused.value.report.lines()
    expected = [
        "c.csv, row 1 (line 2), field t_out: is before t_in",
        "c.csv, row 2 (line 3), field t_out: is more than 24 hours after t_in",
        "c.csv, row 3 (line 4), field t_in: 1900-04-01 is outside the plausible dates 2000-01-01..",
        "c.csv, row 4 (line 5), field t_in: 'banana' is not a timestamp",
    ]
    assert len(lines) == len(expected)
    assert all(line.startswith(start) for line, start in zip(lines, expected, strict=True))
