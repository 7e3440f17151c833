"""The daily bulletin (command issue): every figure of each day of a simulated city equals a
plain recount from the simulator's files; the figures of a day do not move when data for the
next day arrives; zh and en texts; a PDF whose first page pdftoppm renders; the CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from cities import LOCKDOWN_CITY
from conftest import City
from shoutu.cli.app import app
from shoutu.domain.vocabulary import CaseClass
from shoutu.services.context import ServiceContext
from shoutu.services.public.bulletin import bulletin
from shoutu.services.public.bulletin_text import render
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.reclassify import reclassify
from shoutu.services.simulation.importer import import_run

TZ = ZoneInfo("Asia/Shanghai")
QUARANTINE = {"centralised", "home", "health_monitoring"}


def _day(t: dt.datetime | None) -> dt.date | None:
    return None if t is None else t.astimezone(TZ).date()


def _files(run: Path) -> dict[str, Any]:
    summary = json.loads((run / "summary.json").read_text())
    start = dt.date.fromisoformat(summary["start_date"])
    return {
        "end_of_run": dt.datetime.combine(
            start + dt.timedelta(days=summary["days"]), dt.time(), TZ
        ),
        "homes": pq.read_table(run / "people.parquet", columns=["building_id"])
        .column(0)
        .to_pylist(),
        "cases": pq.read_table(run / "cases.parquet").to_pylist(),
        "traced": [
            _day(t)
            for t in pq.read_table(run / "contacts.parquet", columns=["identified_time"])
            .column(0)
            .to_pylist()
        ],
        "episodes": pq.read_table(run / "quarantine.parquet").to_pylist(),
        "tests": pq.read_table(
            run / "tests.parquet", columns=["person_id", "sample_time", "result_time", "result"]
        ).to_pylist(),
    }


def _recount(files: dict[str, Any], day: dt.date) -> dict[str, object]:
    """The bulletin's figures of ``day`` counted straight from the run's files."""
    end_of_run, homes = files["end_of_run"], files["homes"]
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), TZ)
    counts: Counter[str] = Counter()
    districts: Counter[tuple[str, str]] = Counter()
    for case in files["cases"]:
        origin = "imported" if case["imported"] else "local"
        onset, report = case["onset_time"], case["report_time"]
        if onset is not None and report < onset < end_of_run and _day(onset) == day:
            counts[f"reclassified_{origin}"] += 1
            counts[f"confirmed_{origin}"] += 1
        if _day(report) != day:
            continue
        counts[f"new_{origin}"] += 1
        confirmed = onset is not None and onset <= report
        counts[f"{'confirmed' if confirmed else 'asymptomatic'}_{origin}"] += 1
        district = homes[case["person_id"] - 1][:6] + "000000"
        districts[(district, origin)] += 1
        if origin == "local":
            where = "in_control" if case["found_in_control"] else "community"
            counts[where] += 1
            districts[(district, where)] += 1
    traced, tests = files["traced"], files["tests"]
    observed = [e for e in files["episodes"] if e["kind"] in QUARANTINE]
    sampled = [t for t in tests if _day(t["sample_time"]) == day]
    return {
        "counts": counts,
        "districts": districts,
        "traced": sum(d == day for d in traced),
        "traced_total": sum(d is not None and d <= day for d in traced),
        "under_observation": sum(e["start_time"] < end and e["end_time"] >= end for e in observed),
        "released": sum(
            _day(e["end_time"]) == day and e["end_time"] <= end_of_run for e in observed
        ),
        "samples": len(sampled),
        "people": len({t["person_id"] for t in sampled}),
        "positive": sum(_day(t["result_time"]) == day and t["result"] == "positive" for t in tests),
    }


def test_every_figure_equals_a_recount_of_the_simulators_files(
    ctx: ServiceContext, city: City
) -> None:
    run = city(**LOCKDOWN_CITY)
    import_run(ctx, run)
    summary = json.loads((run / "summary.json").read_text())
    start = dt.date.fromisoformat(summary["start_date"])
    seen: Counter[str] = Counter()
    files = _files(run)
    for offset in range(summary["days"]):
        day = start + dt.timedelta(days=offset)
        found = bulletin(ctx, day)
        f, want = found.figures, _recount(files, day)
        counts = want["counts"]
        assert isinstance(counts, Counter)
        for origin in ("local", "imported"):
            assert f["new_infections"][origin] == counts[f"new_{origin}"], (day, origin)
            assert f["confirmed"][origin] == counts[f"confirmed_{origin}"], (day, origin)
            assert f["asymptomatic"][origin] == counts[f"asymptomatic_{origin}"], (day, origin)
            assert (
                f["reclassified_from_asymptomatic"][origin] == counts[f"reclassified_{origin}"]
            ), (day, origin)
        assert f["local_in_control"] == counts["in_control"], day
        assert f["local_community"] == counts["community"], day
        districts = want["districts"]
        assert isinstance(districts, Counter)
        for row in found.districts:
            for key in ("local", "imported", "in_control", "community"):
                assert row[key] == districts[(row["region_code"], key)], (day, row, key)
        for key in ("traced", "traced_total", "under_observation", "released"):
            assert f["contacts"][key] == want[key], (day, key)
        for key in ("samples", "people", "positive"):
            assert f["screening"][key] == want[key], (day, key)
        # the curve ends on the day and holds every infection reported so far
        assert found.curve[-1]["date"] == day.isoformat()
        assert sum(p["in_control"] + p["community"] + p["imported"] for p in found.curve) == sum(
            f["cumulative_infections"].values()
        )
        seen.update({k: v for k, v in counts.items() if v})
    # the city exercises what is counted: local, imported, in control, community, 转归
    assert {"new_local", "new_imported", "in_control", "community"} <= set(seen)
    assert seen["reclassified_local"] + seen["reclassified_imported"] > 0


def _csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_days_figures_do_not_move_when_the_next_days_data_arrives(
    ctx: ServiceContext, city: City, tmp_path: Path
) -> None:
    run = city(**LOCKDOWN_CITY)
    import_run(ctx, run)
    cases = pq.read_table(run / "cases.parquet").to_pylist()
    # a local asymptomatic infection that is still asymptomatic: reclassify it the next day
    case_id, case = next(
        (i + 1, c) for i, c in enumerate(cases) if c["onset_time"] is None and not c["imported"]
    )
    day = _day(case["report_time"])
    assert day is not None
    before = bulletin(ctx, day).as_json()
    next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(10), TZ)
    reclassify(ctx, case_id, to=CaseClass.CONFIRMED, at=next_day)
    person = cases[0]["person_id"]
    import_file(
        ctx,
        "cases",
        _csv(
            tmp_path / "late.csv",
            "case_id,person_id,classification,origin,channel,found_in_control,report_time,"
            f"protocol\n9001,{person},confirmed,local,fever_clinic,false,"
            f"{next_day.isoformat()},cn-9th-2022\n",
        ),
    )
    after = bulletin(ctx, day).as_json()
    before.pop("provenance"), after.pop("provenance")
    assert after == before
    later = bulletin(ctx, day + dt.timedelta(days=1)).figures
    assert later["reclassified_from_asymptomatic"]["local"] >= 1
    assert later["new_infections"]["local"] >= 1


@pytest.fixture
def loaded(ctx: ServiceContext, city: City) -> tuple[ServiceContext, dt.date]:
    run = city(**LOCKDOWN_CITY)
    import_run(ctx, run)
    cases = pq.read_table(run / "cases.parquet").to_pylist()
    busiest = Counter(_day(c["report_time"]) for c in cases).most_common(1)[0][0]
    assert busiest is not None
    return ctx, busiest


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_texts_in_chinese_and_english_carry_the_figures(
    loaded: tuple[ServiceContext, dt.date],
) -> None:
    ctx, day = loaded
    found = bulletin(ctx, day)
    f = found.figures
    zh = render(found, lang="zh", fmt="md").decode()
    en = render(found, lang="en", fmt="md").decode()
    assert f"{day.month}月{day.day}日疫情通报" in zh
    assert f"新增本土确诊病例{f['confirmed']['local']}例" in zh
    assert f"其中{f['local_in_control']}例在闭环隔离管控中发现" in zh
    assert f"{f['local_community']}例在社会面筛查中发现" in zh
    assert f"{f['confirmed']['local']} new local confirmed cases" in en
    assert "Daily bulletin" in en and "疫情" not in en
    html = render(found, lang="en", fmt="html").decode()
    assert html.count("<svg") == 2 and "http" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )  # the curve and the map, nothing fetched from outside
    assert json.loads(render(found, fmt="json"))["new_infections"] == f["new_infections"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_pdf_opens_and_its_first_page_renders(
    loaded: tuple[ServiceContext, dt.date], tmp_path: Path
) -> None:
    ctx, day = loaded
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(render(bulletin(ctx, day), lang="zh", fmt="pdf"))
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "疫情通报" in text and "闭环隔离管控中发现" in text
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is installed by `make sysdeps`"
    subprocess.run(
        [pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    from PIL import Image

    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    reds = sum(n for n, (r, g, b) in colours if r > 180 and g < 120 and b < 120)
    blues = sum(n for n, (r, g, b) in colours if b > 150 and r < 110)
    assert reds + blues > 50  # the curve's bars are painted on the first page


def test_cli_bulletin_and_reclassify(cli_env: dict[str, str], city: City, tmp_path: Path) -> None:
    runner = CliRunner()
    run = city(**LOCKDOWN_CITY)
    loaded = runner.invoke(app, ["import", "simulation", str(run)], env=cli_env)
    assert loaded.exit_code == 0, loaded.output
    cases = pq.read_table(run / "cases.parquet").to_pylist()
    day = _day(cases[-1]["report_time"])
    assert day is not None
    refused = runner.invoke(app, ["bulletin", "--date", str(day), "--format", "pdf"], env=cli_env)
    assert refused.exit_code == 2 and "--output" in refused.stderr
    out = tmp_path / "b.html"
    done = runner.invoke(
        app,
        ["bulletin", "--date", str(day), "--format", "html", "--output", str(out), "--json"],
        env=cli_env,
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["figures"]["date"] == str(day) and "<svg" in out.read_text()
    md = runner.invoke(app, ["bulletin", "--date", str(day), "--lang", "en"], env=cli_env)
    assert md.exit_code == 0 and md.stdout.startswith("# Daily bulletin")
    case_id = next(i + 1 for i, c in enumerate(cases) if c["onset_time"] is None)
    changed = runner.invoke(
        app, ["cases", "reclassify", str(case_id), "--to", "confirmed", "--json"], env=cli_env
    )
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout)["from"] == "asymptomatic"
    again = runner.invoke(
        app, ["cases", "reclassify", str(case_id), "--to", "confirmed"], env=cli_env
    )
    assert again.exit_code != 0 and "already confirmed" in again.stderr


def test_a_suspected_case_counts_when_it_is_confirmed(ctx: ServiceContext, tmp_path: Path) -> None:
    """Suspected → confirmed is a new infection on the day of the change, not a 转归."""
    from paths import DATA

    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    import_file(
        ctx,
        "cases",
        _csv(
            tmp_path / "suspected.csv",
            "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
            "report_time,protocol\n"
            "7,1001,suspected,local,fever_clinic,false,310101002001,2022-03-10T10:00:00+08:00,"
            "cn-9th-2022\n",
        ),
    )
    reclassify(ctx, 7, to=CaseClass.CONFIRMED, at=dt.datetime(2022, 3, 11, 9, tzinfo=TZ))
    first = bulletin(ctx, dt.date(2022, 3, 10)).figures
    assert first["new_infections"]["local"] == 0 and first["cumulative_infections"]["local"] == 0
    second = bulletin(ctx, dt.date(2022, 3, 11))
    figures = second.figures
    assert figures["new_infections"]["local"] == 1 and figures["confirmed"]["local"] == 1
    assert figures["reclassified_from_asymptomatic"]["local"] == 0
    assert figures["cumulative_infections"]["local"] == 1 and figures["in_treatment"] == 1
    assert [(p["date"], p["community"]) for p in second.curve] == [("2022-03-11", 1)]
    district = {d["region_code"]: d["local"] for d in second.districts}
    assert district["310101000000"] == 1
