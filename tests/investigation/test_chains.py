"""Transmission chains (investigation issue): likely infectors from exposure links and a serial
interval, generations, clusters and origin. Hagelloch 1861
(../shared/data/public/hagelloch_measles_1861.csv: households HN, school classes CL, prodrome
times tPRO, recorded infector IFTO) measures how often the inferred infector is the recorded
one."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cities import CHAIN_CITY
from conftest import City
from paths import PUBLIC
from shoutu.analytics.chains import NO_SOURCE_WEIGHT, ChainEstimator, infer_chains
from shoutu.analytics.serial_interval import SerialInterval
from shoutu.cli.app import app

HAGELLOCH = PUBLIC / "hagelloch_measles_1861.csv"
BASE = dt.datetime(1861, 10, 30, tzinfo=dt.UTC)


def test_hagelloch_infectors(tmp_path: Path) -> None:
    with HAGELLOCH.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["tPRO"] != "NA"]
    cases = tmp_path / "cases.csv"
    groups = tmp_path / "groups.csv"
    with cases.open("w") as c, groups.open("w") as g:
        c.write("case_id,onset_time\n")
        g.write("case_id,group_type,group_id\n")
        for r in rows:
            onset = BASE + dt.timedelta(days=float(r["tPRO"]))
            c.write(f"{r['PN']},{onset.isoformat()}\n")
            g.write(f"{r['PN']},household,{r['HN']}\n{r['PN']},school_class,{r['CL']}\n")
    out = tmp_path / "chains.csv"
    result = CliRunner().invoke(
        app,
        [
            "chains",
            "--cases",
            str(cases),
            "--groups",
            str(groups),
            "--si-mean",
            "11",
            "--si-sd",
            "3",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        inferred = {r["case_id"]: r for r in csv.DictReader(handle)}
    recorded = {r["PN"]: r["IFTO"] for r in rows if r["IFTO"] != "NA"}
    share = np.mean([inferred[k]["infector_id"] == v for k, v in recorded.items()])
    # the plain closest-earlier-onset rule: about 0 here (classmates fall ill hours apart);
    # the issue aims for 80%: serial interval and group weights (estimated) reach about 72%
    print(f"Hagelloch: inferred infector = recorded for {share:.1%}")
    assert share >= 0.70, share
    first = min(rows, key=lambda r: float(r["tPRO"]))
    assert inferred[first["PN"]]["origin"] == "unknown"  # the index child: no known source
    assert inferred[first["PN"]]["generation"] == "0"
    assert {r["origin"] for r in inferred.values()} <= {"local", "unknown"}
    linked = [r for r in inferred.values() if r["infector_id"]]
    assert all(0 < float(r["probability"]) <= 1 for r in linked)
    assert all(
        int(r["generation"]) == int(inferred[r["infector_id"]]["generation"]) + 1 for r in linked
    )


def test_generations_clusters_and_origin() -> None:
    """A chain a -> b -> c in a household, an imported case d with a contact e, and f alone."""
    ids = ["a", "b", "c", "d", "e", "f"]
    times = np.array([0.0, 3.0, 6.0, 1.0, 4.0, 5.0])
    imported = np.array([False, False, False, True, False, False])
    links = [(0, 1, "household"), (1, 2, "household"), (0, 2, "household"), (3, 4, "contact")]
    si = SerialInterval("gamma", mean=3.0, sd=1.0)
    chains = infer_chains(ids, times, imported, links, si)
    assert list(chains.infector) == [-1, 0, 1, -1, 3, -1]
    assert list(chains.generation) == [0, 1, 2, 0, 1, 0]
    assert chains.origin == ["unknown", "local", "local", "imported", "local", "unknown"]
    assert chains.cluster[0] == chains.cluster[1] == chains.cluster[2] == "a-household"
    assert chains.cluster[3] == chains.cluster[4] == "d-contact" and chains.cluster[5] == "f"
    assert chains.runner_up[2] == 0 and chains.probability[2] > chains.runner_up_probability[2]
    fitted = ChainEstimator(si).fit(ids, times, imported, links)
    assert list(fitted.infector_) == list(chains.infector)


def test_presymptomatic_table_and_errors() -> None:
    """An empirical table may give weight to negative days (infector's onset later)."""
    si = SerialInterval("table", days=(-1, 0, 1, 2), p=(0.2, 0.2, 0.3, 0.3))
    chains = infer_chains(
        ["x", "y"], np.array([1.0, 0.0]), np.zeros(2, bool), [(0, 1, "office")], si
    )
    assert chains.infector[1] == 0 or chains.infector[0] == 1
    with pytest.raises(ValueError, match="positive sd"):
        SerialInterval("gamma", mean=3.0, sd=0.0)


def test_bad_cases_file_names_row_and_field(tmp_path: Path) -> None:
    """A case with neither onset nor sample date is named by row and field; no output."""
    cases = tmp_path / "cases.csv"
    cases.write_text("case_id,onset_date,sample_date\n1,2022-04-01,\n2,,\n")
    out = tmp_path / "chains.csv"
    result = CliRunner().invoke(
        app,
        ["chains", "--cases", str(cases), "--si-mean", "3", "--si-sd", "1", "--output", str(out)],
    )
    assert result.exit_code == 1
    assert "cases.csv, row 2, field onset_date: no onset nor sample date" in result.stderr
    assert not out.exists()


def test_chain_graph_pages_hold_whole_clusters(tmp_path: Path, city: City) -> None:
    """`chains --graph-dir`: on simulator output, every case sits in exactly one page, pages hold
    whole clusters biggest first and stay within the page size unless one cluster is bigger,
    and every edge joins two cases of its own cluster."""
    import json

    out = city(**CHAIN_CITY)
    graph = tmp_path / "graph"
    result = CliRunner().invoke(
        app,
        [
            "chains",
            "--cases",
            str(out / "cases.parquet"),
            "--groups",
            str(out / "groups.parquet"),
            "--si-mean",
            "3.3",
            "--si-sd",
            "2",
            "--graph-dir",
            str(graph),
            "--page-size",
            "10",
            "--output",
            str(tmp_path / "chains.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / "chains.csv").open() as handle:
        chains = {r["case_id"]: r for r in csv.DictReader(handle)}
    index = json.loads((graph / "index.json").read_text())
    assert index["cases"] == len(chains) > 50 and index["pages"] > 1
    sizes = [c["size"] for c in index["index"]]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) == len(chains)
    seen: list[str] = []
    for number in range(1, index["pages"] + 1):
        page = json.loads((graph / f"page-{number:04d}.json").read_text())
        in_page = sum(c["size"] for c in page["clusters"])
        assert in_page <= 10 or len(page["clusters"]) == 1
        for cluster in page["clusters"]:
            ids = {n["id"] for n in cluster["nodes"]}
            assert len(ids) == cluster["size"]
            assert all(chains[i]["cluster_id"] == cluster["cluster_id"] for i in ids)
            assert all(e["source"] in ids and e["target"] in ids for e in cluster["edges"])
            assert len(cluster["edges"]) == sum(1 for i in ids if chains[i]["infector_id"])
            unknown = sum(1 for i in ids if chains[i]["origin"] == "unknown")
            assert cluster["no_known_source"] == unknown
            seen += ids
    assert sorted(seen) == sorted(chains)


TIANJIN = PUBLIC / "tianjin_2020_cases.csv"
NAMED = re.compile(r"\b(?:TJ\s*|cases?\s+)(\d+)", re.IGNORECASE)
FAMILY = re.compile(
    r"famil|wife|whife|husband|hunsband|son\b|daught|duaght|brother|sister|relative|mother|"
    r"in law",
    re.IGNORECASE,
)
WORK = re.compile(r"cowork|colleag|workplace|business partner", re.IGNORECASE)
MALL = re.compile(r"mall|superstore|shop|shoop|mail\b|baodi", re.IGNORECASE)
TRAVEL = re.compile(r"wuhan|hubei|train|trav|trip|dalian|hebei", re.IGNORECASE)


def _tianjin_files(folder: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The Tianjin line list (../shared/data/public/tianjin_2020_cases.csv, 135 cases, free-text
    `Infection_source`) as chains inputs: named relatives -> one household, named colleagues
    -> an office, other named cases -> contacts, mall/superstore mentions -> one venue, travel
    with no named case -> imported; onset else confirmation date, dd/mm/yyyy. Returns the cases
    each text names and the texts."""
    with TIANJIN.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    ids = {r["case_id"] for r in rows}
    household: dict[str, str] = {}

    def root(x: str) -> str:
        while household.setdefault(x, x) != x:
            x = household[x]
        return x

    named: dict[str, set[str]] = {}
    groups: list[tuple[str, str, str]] = []
    contacts: list[tuple[str, str]] = []
    cases = ["case_id,onset_date,sample_date,imported"]
    for r in rows:
        case, text = r["case_id"], r["Infection_source"] or ""
        names = {f"TJ{n}" for n in NAMED.findall(text)} & ids - {case}
        named[case] = names
        if names and FAMILY.search(text):
            for other in names:
                household[root(case)] = root(other)
        elif names and WORK.search(text):
            groups += [(c, "office", f"with-{case}") for c in (case, *names)]
        else:
            contacts += [(other, case) for other in names]
        if MALL.search(text):
            groups.append((case, "venue", "baodi-mall"))

        def iso(value: str) -> str:
            value = value.strip()
            return (
                ""
                if value in ("", "NA")
                else dt.datetime.strptime(value, "%d/%m/%Y").date().isoformat()
            )

        imported = bool(TRAVEL.search(text)) and not names
        cases.append(
            f"{case},{iso(r['symptom_onset'])},{iso(r['confirm_date'])},{str(imported).lower()}"
        )
    groups += [(c, "household", root(c)) for c in list(household)]
    (folder / "cases.csv").write_text("\n".join(cases) + "\n")
    (folder / "groups.csv").write_text(
        "case_id,group_type,group_id\n" + "".join(f"{a},{b},{c}\n" for a, b, c in groups)
    )
    (folder / "contacts.csv").write_text(
        "source_id,target_id,setting\n" + "".join(f"{a},{b},\n" for a, b in contacts)
    )
    return named, {r["case_id"]: r["Infection_source"] for r in rows}


def test_tianjin_free_text_sources(tmp_path: Path) -> None:
    """A second, messier check: where the text names source cases, the inferred infector is one
    of them for about 80%; the Baodi department-store cluster comes out as one venue cluster of
    40-odd cases; cases the text calls "unknown" whose only links fit badly are flagged as
    having no known source."""
    named, texts = _tianjin_files(tmp_path)
    out = tmp_path / "chains.csv"
    result = CliRunner().invoke(
        app,
        [
            "chains",
            "--cases",
            str(tmp_path / "cases.csv"),
            "--groups",
            str(tmp_path / "groups.csv"),
            "--contacts",
            str(tmp_path / "contacts.csv"),
            "--si-mean",
            "4.3",  # Tindale et al. 2020, Tianjin: mean serial interval 4.31 days
            "--si-sd",
            "3",
            "--si-dist",
            "normal",  # presymptomatic transmission: negative intervals allowed
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        inferred = {r["case_id"]: r for r in csv.DictReader(handle)}
    with_names = [c for c, names in named.items() if names]
    share = np.mean([inferred[c]["infector_id"] in named[c] for c in with_names])
    print(f"Tianjin: inferred infector among the named sources for {share:.1%}")
    assert len(with_names) >= 60 and share >= 0.75, share
    mall = [c for c, r in inferred.items() if r["cluster_id"].endswith("-venue")]
    assert len(mall) >= 40 and len({inferred[c]["cluster_id"] for c in mall}) == 1
    unknown = {c for c, r in inferred.items() if r["origin"] == "unknown"}
    assert {"TJ42", "TJ70", "TJ95"} <= unknown  # "unknown" in the text
    assert all(texts[c].strip().lower() != "wuhan" for c in unknown)
    assert sum(r["origin"] == "imported" for r in inferred.values()) >= 25


def test_links_that_fit_badly_give_no_known_source() -> None:
    """b falls ill 6 days before its only link a: with the default no-source weight, b has no
    known source; with weight 0 the link is taken however badly it fits."""
    si = SerialInterval("normal", mean=4.3, sd=3.0)
    times = np.array([6.0, 0.0, 9.0])
    links = [(0, 1, "office"), (0, 2, "household")]
    chains = infer_chains(["a", "b", "c"], times, np.zeros(3, bool), links, si)
    assert chains.origin == ["local", "unknown", "local"] and chains.infector[2] == 0
    assert chains.infector[0] == 1 or chains.infector[0] == -1
    forced = infer_chains(
        ["a", "b", "c"], times, np.zeros(3, bool), links, si, no_source_weight=0.0
    )
    assert forced.infector[1] == 0 and forced.origin[1] == "local"
    assert 0 < chains.probability[2] < forced.probability[2] <= 1
    # weights estimated (as `shoutu chains` does) with no source outside: the first case,
    # which no link fits (a gamma serial interval), has no posterior rather than NaN
    gamma = SerialInterval("gamma", mean=4.0, sd=1.0)
    pair = [(0, 1, "office")]
    fitted = infer_chains(
        ["a", "b"],
        np.array([0.0, 4.0]),
        np.zeros(2, bool),
        pair,
        gamma,
        no_source_weight=0.0,
        estimate_weights=True,
    )
    assert list(fitted.infector) == [-1, 0] and np.isfinite(fitted.weights["office"])
    help_text = CliRunner().invoke(app, ["chains", "--help"]).output
    assert f"[{NO_SOURCE_WEIGHT}]" in help_text
