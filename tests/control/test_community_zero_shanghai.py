"""Community zero on Shanghai's 2022 district bulletins (issue 14): ``bihuan`` (found in
closed-loop control) is in control, ``shaicha`` (found by community screening) is community.
Each district's streaks come from the file through the command and equal a plain recount of
the JSON; a few are checked by hand against the bulletins."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from paths import PUBLIC
from shoutu.cli.app import app
from shoutu.io.community import read_community_series
from shoutu.protocols.schema import CommunityZero
from shoutu.services.control.community_zero import judge

BULLETINS = PUBLIC / "shanghai_2022_daily.json"
runner = CliRunner()


def shanghai_rows() -> list[dict[str, Any]]:
    """The bulletins as rows date,region,in_control,community (one per day and district)."""
    data = json.loads(BULLETINS.read_text(encoding="utf-8"))
    return [
        {
            "date": day,
            "region": entry["region"],
            "in_control": entry["bihuan"],
            "community": entry["shaicha"],
        }
        for day, entries in sorted(data["regions"].items())
        for entry in entries
    ]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def recount(rows: list[dict[str, Any]], day: dt.date, n: int = 3) -> dict[str, dict[str, Any]]:
    """Each district's days since its last community case and zero streak, by a plain loop."""
    community: dict[str, dict[dt.date, int]] = {}
    for row in rows:
        community.setdefault(row["region"], {})[dt.date.fromisoformat(row["date"])] = row[
            "community"
        ]
    first = min(d for days in community.values() for d in days)
    found = {}
    for region, days in community.items():
        last = None
        probe = day
        while probe >= first:
            if days.get(probe, 0) > 0:
                last = probe
                break
            probe -= dt.timedelta(days=1)
        since = None if last is None else (day - last).days
        zero = since is None or since >= n
        start = first if last is None else last + dt.timedelta(days=1)
        found[region] = {
            "status": "zero" if zero else "not_zero",
            "days_since_last_community_case": since,
            "zero_since": start.isoformat() if zero else None,
        }
    return found


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("shanghai") / "shanghai.csv", shanghai_rows())


def _judged(series: Path, day: str, *extra: str) -> dict[str, Any]:
    result = runner.invoke(
        app, ["control", "community-zero", "--series", str(series), "--date", day, "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_json_has_the_issues_shape(series: Path) -> None:
    data = _judged(series, "2022-05-16")
    assert {"date", "all_zero", "regions", "provenance"} <= set(data)
    assert data["date"] == "2022-05-16" and isinstance(data["all_zero"], bool)
    assert len(data["regions"]) == 16
    for region in data["regions"]:
        assert {"region", "status", "days_since_last_community_case", "zero_since"} <= set(region)
    assert data["provenance"]["protocol"]["name"] == "cn-9th-2022"
    assert len(data["provenance"]["protocol"]["sha256"]) == 64
    assert data["provenance"]["inputs_sha256"]


@pytest.mark.parametrize(
    "day", ["2022-03-20", "2022-04-15", "2022-05-09", "2022-05-13", "2022-05-19", "2022-06-01"]
)
def test_every_district_equals_a_plain_recount(series: Path, day: str) -> None:
    rows = shanghai_rows()
    data = _judged(series, day)
    got = {
        r["region"]: {k: r[k] for k in ("status", "days_since_last_community_case", "zero_since")}
        for r in data["regions"]
    }
    expected = recount(rows, dt.date.fromisoformat(day))
    assert got == expected
    assert data["all_zero"] == all(e["status"] == "zero" for e in expected.values())


def test_the_whole_season_equals_a_plain_recount(series: Path) -> None:
    """Every bulletin day, judged over the table in memory (the file read once)."""
    rows = shanghai_rows()
    counts, _ = read_community_series(series)
    rule = CommunityZero(days=3, basic_rate_per_100k=1.0)
    for day in sorted({r["date"] for r in rows}):
        report = judge(counts, rule, day=dt.date.fromisoformat(day), protocol=("t", "0" * 64))
        expected = recount(rows, dt.date.fromisoformat(day))
        got = {
            r.region: {
                "status": r.status.value,
                "days_since_last_community_case": r.days_since_last_community_case,
                "zero_since": None if r.zero_since is None else r.zero_since.isoformat(),
            }
            for r in report.regions
        }
        assert got == expected, day
        assert report.all_zero == all(e["status"] == "zero" for e in expected.values())


def test_all_16_districts_at_community_zero_by_may_17(series: Path) -> None:
    """Read off the bulletins: 崇明区's community case of 2022-05-13 was the last before the
    announcement (浦东新区's last, 4 cases, on 05-12); so 05-14..05-16 were the first three days
    with none anywhere. On 2022-05-17 Shanghai announced all 16 districts at community zero
    (CONTROL.md): the data says it held from 05-16, the day before, to 05-18; 青浦区's 3
    community cases of 05-19 broke it."""
    may15 = _judged(series, "2022-05-15")
    assert may15["all_zero"] is False
    chongming = {r["region"]: r for r in may15["regions"]}["崇明区"]
    assert chongming["status"] == "not_zero"
    assert chongming["days_since_last_community_case"] == 2
    for day in ("2022-05-16", "2022-05-17", "2022-05-18"):
        assert _judged(series, day)["all_zero"] is True, day
    may17 = {r["region"]: r for r in _judged(series, "2022-05-17")["regions"]}
    assert may17["崇明区"]["zero_since"] == "2022-05-14"
    assert may17["崇明区"]["days_since_last_community_case"] == 4
    assert may17["浦东新区"]["zero_since"] == "2022-05-13"
    assert may17["浦东新区"]["in_control"] > 0  # cases went on, inside control
    may19 = _judged(series, "2022-05-19")
    assert may19["all_zero"] is False
    qingpu = {r["region"]: r for r in may19["regions"]}["青浦区"]
    assert qingpu["status"] == "not_zero" and qingpu["community"] == 3
    assert qingpu["days_since_last_community_case"] == 0 and qingpu["zero_since"] is None


def test_a_population_gives_basic_zero(tmp_path: Path) -> None:
    """浦东新区 (about 5.68 million residents, 2020 census) had 1, 0, 0 and 4 community cases on
    2022-05-09..12: never zero for 3 days, but far below 1 per 100,000 (56.8 a day) on each,
    so basically at zero (基本清零) on 05-12; in mid-April (hundreds a day) not at zero."""
    rows = [
        {**r, "population": 5_681_512 if r["region"] == "浦东新区" else ""} for r in shanghai_rows()
    ]
    path = write_csv(tmp_path / "with_population.csv", rows)
    for day, status in (("2022-05-12", "basic_zero"), ("2022-04-15", "not_zero")):
        pudong = {r["region"]: r for r in _judged(path, day)["regions"]}["浦东新区"]
        assert pudong["status"] == status, day
        assert pudong["population"] == 5_681_512
    # 徐汇区's one case of 05-11 would be as far below the rate, but it has no population
    xuhui = {r["region"]: r for r in _judged(path, "2022-05-12")["regions"]}["徐汇区"]
    assert xuhui["status"] == "not_zero" and xuhui["population"] is None


def test_parquet_and_the_default_date(tmp_path: Path, series: Path) -> None:
    rows = shanghai_rows()
    table = pa.table(
        {
            "date": pa.array([dt.date.fromisoformat(r["date"]) for r in rows], pa.date32()),
            "region": [r["region"] for r in rows],
            "in_control": [r["in_control"] for r in rows],
            "community": [r["community"] for r in rows],
        }
    )
    pq.write_table(table, tmp_path / "shanghai.parquet")
    from_parquet = _judged(tmp_path / "shanghai.parquet", "2022-05-16")
    assert from_parquet["regions"] == _judged(series, "2022-05-16")["regions"]
    result = runner.invoke(app, ["control", "community-zero", "--series", str(series), "--json"])
    assert json.loads(result.stdout)["date"] == max(r["date"] for r in rows)  # the file's last


def test_the_table_speaks_the_readers_language(
    series: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOUTU_LANG", "zh")
    zh = runner.invoke(
        app, ["control", "community-zero", "--series", str(series), "--date", "2022-05-15"]
    ).stdout
    assert "清零" in zh and "未清零" in zh and "Community zero" not in zh
    monkeypatch.setenv("SHOUTU_LANG", "en")
    en = runner.invoke(
        app, ["control", "community-zero", "--series", str(series), "--date", "2022-05-15"]
    ).stdout
    assert "Not zero" in en and "all at zero: no (15/16)" in en and "清零" not in en


def test_a_city_variant_sets_its_own_rule(
    series: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule is the protocol's: a variant asking 7 days finds 崇明区 (last community case
    2022-05-13) not yet at zero on 05-16; read off the bulletins, sporadic community cases went
    on through June (the last 静安区 and 奉贤区, 06-26), so all 16 districts first had 7 days
    without one on 2022-07-03."""
    (tmp_path / "cn-9th-2022-strict.toml").write_text(
        'extends = "cn-9th-2022"\ntitle_zh = "严格"\ntitle_en = "Strict"\njurisdiction = "CN-31"\n'
        "effective_date = 2022-07-01\n[community_zero]\ndays = 7\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SHOUTU_PROTOCOL_DIR", str(tmp_path))
    strict = _judged(series, "2022-05-16", "--protocol", "cn-9th-2022-strict")
    assert strict["rule"] == {
        "protocol": "cn-9th-2022-strict",
        "days": 7,
        "basic_rate_per_100k": 1.0,
    }
    assert strict["all_zero"] is False
    assert {r["region"]: r for r in strict["regions"]}["崇明区"]["status"] == "not_zero"
    rows = shanghai_rows()
    first = next(
        day
        for day in sorted({r["date"] for r in rows})
        if day > "2022-05-19"
        and all(
            e["status"] == "zero" for e in recount(rows, dt.date.fromisoformat(day), 7).values()
        )
    )
    assert first == "2022-07-03"
    assert _judged(series, first, "--protocol", "cn-9th-2022-strict")["all_zero"] is True
    before = (dt.date.fromisoformat(first) - dt.timedelta(days=1)).isoformat()
    assert _judged(series, before, "--protocol", "cn-9th-2022-strict")["all_zero"] is False
