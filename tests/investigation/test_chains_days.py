"""Transmission chains from registry-style inputs: Hagelloch 1861 as a registry holds it — each
case's onset (whole-day prodrome dates PRO, or the fractional prodrome times tPRO), households
for everyone and school classes for pupils only (no class for the preschool children) — and
the likelihood's refinements on hand-made cases: a household's first case as source, ties to
the earlier source, setting weights estimated from the data."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from paths import PUBLIC
from shoutu.analytics.chains import ChainEstimator, infer_chains
from shoutu.analytics.serial_interval import SerialInterval
from shoutu.io.columnar import read_arrow

HAGELLOCH = PUBLIC / "hagelloch_measles_1861.csv"
BASE = dt.datetime(1861, 10, 30, tzinfo=dt.UTC)
SI = SerialInterval("gamma", mean=11, sd=3)  # as tests/test_chains.py
# Shares reached (of the 184 children with a recorded infector), the settings' weights
# estimated from the data (the default): 70.7% on whole days, 68.5% on fractional times (fixed
# weights: 70.7% and 67.9%). With the community setting (``community=True``: the preschool
# children, in no group but their household, linked with one another, its weight estimated:
# about half a classmate pair's) 75.5% and 72.3%; with the households' coordinates too (the
# community links weigh a distance kernel, scale estimated) 76.1% and 74.5%. The tie on a
# whole day goes to the lower index, the file's order: in random orders the community
# setting reaches 74.0% on whole days (and the spatial term 74.9%).
# 29 of the recorded infectors share no group with their child (preschool children of other
# households), so 84.2% is the most a method linking groups only can reach. Most other misses
# are second-generation classmates (15 of 25 on whole days): the chronicler names a pupil ill
# 7 to 9 days before the child where the serial interval prefers one ill 10 days before, as
# well fitting (the recorded infectors' own lags in a class are 9.9 +- 1.4 days), or one of
# several pupils ill the same day (tPRO's fractions spread the children evenly within their
# PRO day, no clock time was recorded in 1861, so on fractional times such ties fall by chance).
# Tried for the issue's goal (75% on both, default settings) and left out, as whole days /
# fractional with the community setting: no weights reach it — the best of a grid over the
# household, class and community weights gives 76.6% / 72.8%; nor serial intervals — the
# recorded pairs' own (gamma 10.4 +- 1.9 days) 73.9% / 71.7%, a class interval shifted by -1
# to +2 days at most as now; exposure at home after the onset 2 to 4.5 days 73.9-76.1% /
# 72.3-72.8% (3, the default, 75.5% / 72.3%); a transmission time shared by a source's
# offspring (its infectious day at school) 50-70%, no better than none (68.5%, both in a
# normal approximation of the interval); community links between all cases 63% /
# 64%, or between the household-only cases and everyone 70% / 69%; weights per exposure felt
# (the serial interval's distribution at each pair's lag, a hazard model's escape) instead of
# per pair: the same shares. Fractional times taken to the day give the whole-day figures,
# but the gain is all the file order's on the day's ties (a 1-day resolution without rounding
# to the day: 72.3%), and the data cannot tell tPRO's fractions from noise (the likelihood of
# the times rounded to the day against the precise ones: +0.4 +- 1.0 log units on fractions
# drawn anew within the days, -1.3 on tPRO) nor from a simulator's true times (about as even
# within the day). tPRO's draw is about the average: on fractions drawn anew, 72.9% +- 1.2
# (40 draws). Nor the community as the source of last resort by default (the cases no group
# explains take the household-only cases as candidates, every other case's candidates as they
# are): 75.5% / 71.7%, but two of Tianjin's cases whose text says "unknown" then get a source
# among the city's household-only cases (probabilities 0.35 and 0.06), and a test of it
# against the epidemic curve (a mixture of the community's serial-interval-lagged onsets and
# the curve, the share estimated) does not prefer the community for Hagelloch's preschool
# children either: the community as a whole explains their onsets worse than the curve.
# The community setting by default: Tianjin's named sources 89.9% -> 81.2% (its
# household-only cases are a city's, not neighbours) and the simulator's true infectors
# 37.6% -> 36.2% and 36.2% -> 35.1% (two runs of 20,000 people for 30 days without control,
# every symptomatic infection a case).
FLOOR = {"whole-days": 0.70, "fractional": 0.68}
COMMUNITY_FLOOR = {"whole-days": 0.75, "fractional": 0.72}
SPATIAL_FLOOR = {"whole-days": 0.76, "fractional": 0.74}


def _hagelloch(
    folder: Path, whole: bool, places: bool = False
) -> tuple[Path, Path, dict[str, str]]:
    """cases.csv (``case_id,onset_date`` from PRO, or ``case_id,onset_time`` from tPRO; with
    ``places`` also the household's ``x,y``), groups.csv (household for everyone,
    school_class unless preschool) and the recorded infectors."""
    with HAGELLOCH.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["PRO"] != "NA"]
    cases, groups = folder / "cases.csv", folder / "groups.csv"
    with cases.open("w") as c, groups.open("w") as g:
        header = "case_id,onset_date" if whole else "case_id,onset_time"
        c.write(header + (",x,y\n" if places else "\n"))
        g.write("case_id,group_type,group_id\n")
        for r in rows:
            onset = r["PRO"] if whole else (BASE + dt.timedelta(days=float(r["tPRO"]))).isoformat()
            place = f",{r['x.loc']},{r['y.loc']}" if places else ""
            c.write(f"{r['PN']},{onset}{place}\n")
            g.write(f"{r['PN']},household,{r['HN']}\n")
            if r["CL"] != "preschool":
                g.write(f"{r['PN']},school_class,{r['CL']}\n")
    return cases, groups, {r["PN"]: r["IFTO"] for r in rows if r["IFTO"] != "NA"}


def _plain_rule(cases: Path, groups: Path) -> dict[str, str]:
    """The plain rule: the same-group case whose onset lies closest to one mean serial
    interval earlier (the first such in the file on a tie). The issue's "closest earlier
    onset" read literally names a same-generation classmate a day before (8% on these data);
    this reading is the strongest plain rule we found (55% on whole days, 52% fractional)."""
    with cases.open() as handle:
        reader = csv.reader(handle)
        next(reader)
        onset = {case: dt.datetime.fromisoformat(when) for case, when in reader}
    members: dict[tuple[str, str], list[str]] = {}
    with groups.open() as handle:
        for r in csv.DictReader(handle):
            members.setdefault((r["group_type"], r["group_id"]), []).append(r["case_id"])
    best: dict[str, tuple[float, str]] = {}
    for group in members.values():
        for case in group:
            for other in group:
                lag = (onset[case] - onset[other]).total_seconds() / 86_400
                miss = abs(lag - SI.mean)
                if lag > 0 and (case not in best or miss < best[case][0]):
                    best[case] = (miss, other)
    return {case: other for case, (_, other) in best.items()}


@pytest.mark.parametrize("community", [False, True])
@pytest.mark.parametrize("kind", ["whole-days", "fractional"])
def test_hagelloch_registry_inputs(tmp_path: Path, kind: str, community: bool) -> None:
    """Through the file service, as `shoutu chains` runs: the inferred infector is the recorded
    one for at least the floor, and more often than by the plain rule (by 15 points)."""
    from shoutu.services.investigation.chains import chains

    cases, groups, recorded = _hagelloch(tmp_path, kind == "whole-days")
    result = chains(read_arrow(cases), SI, groups=read_arrow(groups), community=community)
    inferred = dict(zip(result.columns["case_id"], result.columns["infector_id"], strict=True))
    share = float(np.mean([inferred[k] == v for k, v in recorded.items()]))
    rule = _plain_rule(cases, groups)
    plain = float(np.mean([rule.get(k) == v for k, v in recorded.items()]))
    label = f"{kind}{', community' if community else ''}"
    print(f"Hagelloch, {label}: inferred = recorded for {share:.1%}; plain rule {plain:.1%}")
    assert share >= (COMMUNITY_FLOOR if community else FLOOR)[kind], share
    assert plain > 0.5 and share > plain + 0.15


@pytest.mark.parametrize("kind", ["whole-days", "fractional"])
def test_hagelloch_spatial_term(tmp_path: Path, kind: str) -> None:
    """With the households' coordinates (x, y) the community links weigh a distance kernel,
    its scale estimated from the data: more recorded infectors found (reported apart from the
    issue's goal, which is for onsets and groups alone)."""
    from shoutu.services.investigation.chains import chains

    cases, groups, recorded = _hagelloch(tmp_path, kind == "whole-days", places=True)
    result = chains(read_arrow(cases), SI, groups=read_arrow(groups), community=True)
    inferred = dict(zip(result.columns["case_id"], result.columns["infector_id"], strict=True))
    share = float(np.mean([inferred[k] == v for k, v in recorded.items()]))
    parameters = result.provenance["parameters"]
    scale = parameters["spatial_scale"]
    print(f"Hagelloch, {kind}, community + spatial: {share:.1%} (kernel scale {scale:.0f})")
    assert parameters["coordinates"] == "x,y" and 10 < scale < 300
    assert share >= SPATIAL_FLOOR[kind], share


def test_spatial_kernel_prefers_the_neighbour() -> None:
    """Preschool children of different households: n and f fall ill on day 0, n next door to
    t, f far away, and t on day 10; the other pairs place the kernel's scale. Without
    coordinates n and f fit as well (the tie goes to the lower index, f); with them t's
    infector is n, and the scale is estimated between the shortest and longest distances."""
    from shoutu.analytics.chains_settings import community_links

    si = SerialInterval("gamma", mean=10.0, sd=2.0)
    ids = ["f", "n", "t", "u", "v"]
    times = np.array([0.0, 0.0, 10.0, 10.0, 20.0])
    places = np.array([[500.0, 0.0], [0.0, 0.0], [5.0, 0.0], [490.0, 0.0], [495.0, 0.0]])
    links = community_links([{"household"}] * len(ids))
    imported = np.zeros(len(ids), bool)
    bare = infer_chains(ids, times, imported, links, si, estimate_weights=True)
    assert bare.infector[2] == 0 and bare.spatial_scale is None
    placed = ChainEstimator(si, estimate_weights=True).fit(ids, times, imported, links, places)
    assert placed.infector_[2] == 1 and placed.setting_[2] == "community"
    assert placed.infector_[3] == 0 and ids[placed.infector_[4]] in ("t", "u")
    assert placed.spatial_scale_ is not None and 5 <= placed.spatial_scale_ <= 500
    with_nan = places.copy()
    with_nan[4] = np.nan  # v's place unknown: its links weigh the kernel's mean
    partly = infer_chains(ids, times, imported, links, si, coordinates=with_nan)
    assert partly.infector[2] == 1 and partly.infector[4] in (2, 3)


def test_geographic_coordinates_are_projected_to_km() -> None:
    """lat, lon columns are degrees, projected to km on the cases' mean latitude; x, y are
    taken as they are; none, no spatial term."""
    import pyarrow as pa

    from shoutu.services.investigation.chains import _coordinates

    places, columns = _coordinates(pa.table({"lat": [60.0, 60.01], "lon": [10.0, 10.02]}))
    assert columns == "lat,lon" and places is not None
    north, east = places[1] - places[0]
    assert east == pytest.approx(1.112, abs=0.01) and north == pytest.approx(1.112, abs=0.01)
    planar, named = _coordinates(pa.table({"x": [1, 2], "y": [3.0, None]}))
    assert named == "x,y" and planar is not None and np.isnan(planar[1, 1])
    assert _coordinates(pa.table({"case_id": ["a"]})) == (None, "")


@pytest.mark.xfail(strict=True, reason="70.7% / 68.5%; with --community 75.5% / 72.3%")
def test_hagelloch_issue_goal(tmp_path: Path) -> None:
    """The issue's goal, 75% on both whole days and fractional times, not reached (with the
    community setting, on whole days only)."""
    from shoutu.services.investigation.chains import chains

    shares = []
    for whole in (True, False):
        folder = tmp_path / str(whole)
        folder.mkdir()
        cases, groups, recorded = _hagelloch(folder, whole)
        result = chains(read_arrow(cases), SI, groups=read_arrow(groups))
        inferred = dict(zip(result.columns["case_id"], result.columns["infector_id"], strict=True))
        shares.append(np.mean([inferred[k] == v for k, v in recorded.items()]))
    assert min(shares) >= 0.75, shares


def test_household_first_case_stays_the_source() -> None:
    """p falls ill on day 0, q on day 3, i on day 12 (serial interval 10 +- 2 days). Among
    classmates i was infected by q (lag 9, near the mode; p's 12 is less likely); in a
    household p was ill at home for days after its onset, so i's lag of 12 from p fits as well
    as the 9 from q and the earlier case is the source."""
    si = SerialInterval("gamma", mean=10.0, sd=2.0)
    ids, times, imported = ["p", "q", "i"], np.array([0.0, 3.0, 12.0]), np.zeros(3, bool)
    for setting, source in (("household", 0), ("school_class", 1)):
        links = [(0, 1, setting), (0, 2, setting), (1, 2, setting)]
        chains = infer_chains(ids, times, imported, links, si)
        assert chains.infector[2] == source, setting
        assert chains.runner_up[2] == 1 - source and chains.setting[2] == setting
    links = [(0, 1, "household"), (0, 2, "household"), (1, 2, "household")]
    bare = infer_chains(ids, times, imported, links, si, exposure_days={}, resolution=0)
    assert bare.infector[2] == 1  # the bare serial interval at the lag


def test_whole_days_tie_goes_to_the_earlier_source() -> None:
    """Two office colleagues fell ill 5 and 3 days before t (normal serial interval 4 +- 1, so
    both fit equally): the earlier is the infector, whatever the links' order, and the two
    share the probability."""
    si = SerialInterval("normal", mean=4.0, sd=1.0)
    times = np.array([5.0, 3.0, 8.0])  # later source first
    for links in ([(0, 2, "office"), (1, 2, "office")], [(1, 2, "office"), (0, 2, "office")]):
        chains = infer_chains(["late", "early", "t"], times, np.zeros(3, bool), links, si)
        assert chains.infector[2] == 1 and chains.runner_up[2] == 0
        assert chains.probability[2] == pytest.approx(chains.runner_up_probability[2])
    # two colleagues ill the same day may have fallen ill hours apart: a candidate link; at
    # the same instant, no (a gamma serial interval is positive)
    gamma = SerialInterval("gamma", mean=2.0, sd=1.0)
    pair = [(0, 1, "office")]
    dated = infer_chains(["a", "b"], np.array([0.0, 0.0]), np.zeros(2, bool), pair, gamma)
    timed = infer_chains(["a", "b"], np.array([0.5, 0.5]), np.zeros(2, bool), pair, gamma)
    assert list(dated.infector) == [1, 0] and list(timed.infector) == [-1, -1]
    assert 0 < dated.probability[0] == dated.probability[1] < 1


def test_weights_estimated_from_the_data() -> None:
    """A class: a spreader (day 0) and forty pupils ill on day 10, each with a sibling ill the
    same day (no transmission at home); one more pupil, x, ill on day 20, whose sibling y and
    classmates fell ill on day 10. The prior weights (household 3, class 1) blame y; estimated
    from the data, a household pair transmits less than a class pair here, and x's infector is
    a classmate."""
    si = SerialInterval("gamma", mean=10.0, sd=2.0)
    pupils = 40
    ids = ["spreader", *(f"p{k}" for k in range(pupils)), *(f"s{k}" for k in range(pupils))]
    ids += ["x", "y"]
    times = np.array([0.0] + [10.0] * (2 * pupils) + [20.0, 10.0])
    x, y = len(ids) - 2, len(ids) - 1
    klass = [0, *range(1, pupils + 1), x]
    links = [(a, b, "school_class") for i, a in enumerate(klass) for b in klass[i + 1 :]]
    links += [(k, pupils + k, "household") for k in range(1, pupils + 1)]
    links.append((y, x, "household"))
    imported = np.zeros(len(ids), bool)
    fixed = infer_chains(ids, times, imported, links, si)
    assert fixed.infector[x] == y and fixed.weights["household"] == 3.0
    fitted = ChainEstimator(si, estimate_weights=True).fit(ids, times, imported, links)
    assert fitted.weights_["household"] < 0.8 < 1 < fitted.weights_["school_class"]
    assert ids[fitted.infector_[x]] == "p0" and fitted.setting_[x] == "school_class"
    assert all(ids[fitted.infector_[k]] == "spreader" for k in range(1, pupils + 1))
    assert fitted.origin_[y] == "unknown"  # its only link fell ill 10 days after it


def test_community_links_the_cases_in_no_group_but_a_household(tmp_path: Path) -> None:
    """Two preschool children of different households, b ill 10 days after a, and a pupil c
    ill the same day as a: with ``community`` b's infector is a (the community setting links
    the cases whose only groups are households, not the pupil); without, b has no known
    source."""
    import pyarrow as pa

    from shoutu.analytics.chains_settings import COMMUNITY, community_links
    from shoutu.services.investigation.chains import chains

    memberships = [{"household"}, {"household", "school_class"}, set(), {"household"}]
    assert community_links(memberships) == [(0, 3, COMMUNITY)]
    assert community_links([{"household"}, {"household"}]) == [(0, 1, COMMUNITY)]
    assert community_links([{"household"}, set(), {"school_class"}]) == []
    cases = pa.table(
        {
            "case_id": ["a", "b", "c"],
            "onset_date": pa.array([0, 10, 0], pa.int32()).cast(pa.date32()),
        }
    )
    groups = pa.table(
        {
            "case_id": ["a", "b", "c", "c"],
            "group_type": ["household", "household", "household", "school_class"],
            "group_id": ["h1", "h2", "h3", "k1"],
        }
    )
    si = SerialInterval("gamma", mean=10.0, sd=2.0)
    linked = chains(cases, si, groups=groups, community=True)
    assert linked.columns["infector_id"] == [None, "a", None]
    assert linked.settings[1] == COMMUNITY and linked.provenance["parameters"]["community"]
    alone = chains(cases, si, groups=groups)
    assert alone.columns["infector_id"] == [None, None, None]
    assert alone.columns["origin"] == ["unknown"] * 3
    # the command line: --community, and --fixed-weights for the default weights
    from typer.testing import CliRunner

    from shoutu.cli.app import app

    (tmp_path / "cases.csv").write_text(
        "case_id,onset_date\na,2024-03-01\nb,2024-03-11\nc,2024-03-01\n"
    )
    (tmp_path / "groups.csv").write_text(
        "case_id,group_type,group_id\na,household,h1\nb,household,h2\nc,household,h3\n"
        "c,school_class,k1\n"
    )
    out = tmp_path / "chains.csv"
    options = ["--si-mean", "10", "--si-sd", "2", "--output", str(out)]
    files = ["--cases", str(tmp_path / "cases.csv"), "--groups", str(tmp_path / "groups.csv")]
    for flags, infector in ((["--community", "--fixed-weights"], "a"), ([], "")):
        result = CliRunner().invoke(app, ["chains", *files, *options, *flags])
        assert result.exit_code == 0, result.output
        with out.open() as handle:
            rows = {r["case_id"]: r for r in csv.DictReader(handle)}
        assert rows["b"]["infector_id"] == infector, flags


def test_the_community_setting_refuses_a_city_of_homebound_cases() -> None:
    """Every pair of household-only cases is a community link: beyond the limit the setting
    is refused, before memory runs out."""
    from shoutu.analytics.chains_settings import MAX_COMMUNITY_CASES, community_links

    few = community_links([{"household"}] * 4 + [{"household", "school_class"}])
    assert len(few) == 6  # the four household-only cases, pairwise
    with pytest.raises(ValueError, match="community"):
        community_links([{"household"}] * (MAX_COMMUNITY_CASES + 1))
