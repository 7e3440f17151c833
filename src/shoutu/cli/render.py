"""Human-readable rendering of service results, in the reader's language (``cli.i18n``)."""

from __future__ import annotations

from typing import Any

from shoutu.cli.i18n import say, value
from shoutu.cli.output import Table, out
from shoutu.domain.vocabulary import (
    ControlKind,
    KeyPopulation,
    Labeled,
    PlaceType,
    RegionLevel,
    RiskLevel,
    SignalStatus,
)

SECTIONS: tuple[tuple[str, tuple[str, str], type[Labeled]], ...] = (
    ("regions", ("行政区划", "Regions"), RegionLevel),
    ("places", ("场所", "Places"), PlaceType),
    ("key_populations", ("重点人群", "Key populations"), KeyPopulation),
    ("under_control", ("在管人员", "Under control"), ControlKind),
    ("risk_areas", ("风险区", "Risk areas"), RiskLevel),
    ("signals", ("预警信号", "Signals"), SignalStatus),
)


def print_situation(data: dict[str, Any]) -> None:
    cases = data["cases"]
    head = Table(
        title=f"{say('疫情态势', 'Situation')} — {data['as_of']} ({data['protocol']})",
        show_header=False,
    )
    head.add_column("item")
    head.add_column("value", justify="right")
    head.add_row(say("人口", "People"), f"{data['people']:,}")
    head.add_row("  " + say("其中合成", "of which synthetic"), f"{data['synthetic_people']:,}")
    head.add_row(say("病例", "Cases"), f"{cases['total']:,}")
    head.add_row(
        "  " + say("本土 / 境外输入", "local / imported"),
        f"{cases['local']:,} / {cases['imported']:,}",
    )
    head.add_row(
        "  " + say("管控内 / 社会面", "in control / community"),
        f"{cases['found_in_control']:,} / {cases['found_in_community']:,}",
    )
    days = cases["days_since_last_community_case"]
    head.add_row(
        say("社会面清零天数", "Days since last community case"),
        "—" if days is None else str(days),
    )
    head.add_row(
        say("任务 待办 / 逾期", "Tasks open / overdue"),
        f"{data['tasks']['open']:,} / {data['tasks']['overdue']:,}",
    )
    out.print(head)
    for key, (zh, en), enum in SECTIONS:
        counts = data[key]
        if not counts:
            continue
        section = Table(title=say(zh, en), show_header=False)
        section.add_column("label")
        section.add_column("count", justify="right")
        for raw, count in counts.items():
            section.add_row(value(enum, raw), f"{count:,}")
        out.print(section)


def print_analytics(data: dict[str, Any]) -> None:
    """The demo's R_t curve and space-time clusters."""
    rt = data.get("rt", [])
    if not rt:
        out.print(
            f"R_t: no 7-day window has the {data.get('rt_min_cases', 11)} local cases "
            "EpiEstim's rule asks for",
            markup=False,
        )
    else:
        table = Table(
            title=say(
                "再生数 R_t（7天窗口，EpiEstim 方法）", "R_t (7-day windows, EpiEstim method)"
            )
        )
        for column in ("window", "mean", "95% CrI"):
            table.add_column(column, justify="right")
        for row in rt:
            table.add_row(
                f"{row['date_start']} – {row['date_end']}",
                f"{row['mean']:.2f}",
                f"{row['q025']:.2f}–{row['q975']:.2f}",
            )
        out.print(table)
    clusters = data.get("clusters", [])
    table = Table(
        title=say("时空聚集（p ≤ 0.05，近7天）", "Space-time clusters (p ≤ 0.05, last 7 days)")
    )
    for column in ("center", "regions", "days", "observed", "expected", "p", "recurrence"):
        table.add_column(column)
    for c in clusters:
        table.add_row(
            c["center_region"],
            str(len(c["regions"].split(";"))),
            f"{c['start_date']} – {c['end_date']}",
            str(c["observed"]),
            f"{c['expected']:.1f}",
            f"{c['p_value']:.3f}",
            f"{c['recurrence_days']:.0f} days",
        )
    if not clusters:
        table.add_row("none", "", "", "", "", "", "")
    out.print(table)


def print_screening(data: dict[str, Any]) -> None:
    """The demo's testing: positivity by kind, mass-screening coverage, key populations."""
    if not data:
        return
    table = Table(title=say("检测：按类型的阳性率", "Tests: positivity by kind"))
    for column in ("kind", "samples", "positive", "positivity"):
        table.add_column(column, justify="right")
    for row in data.get("positivity", []):
        table.add_row(
            row["kind"], f"{row['samples']:,}", f"{row['positive']:,}", f"{row['positivity']:.3%}"
        )
    out.print(table)
    rounds = data.get("rounds", [])
    if rounds:
        campaign = data["campaign"]
        table = Table(
            title=say("区域核酸筛查", "Mass screening")
            + f" {campaign['region']}: coverage by round "
            f"(areas not yet clear: {data.get('areas_not_clear', 0)})"
        )
        for column in ("round", "start", "expected", "sampled", "coverage", "positive"):
            table.add_column(column, justify="right")
        for r in rounds:
            table.add_row(
                str(r["round"]),
                r["start"][:16],
                f"{r['expected']:,}",
                f"{r['sampled']:,}",
                f"{r['coverage']:.1%}",
                f"{r['positive']:,}",
            )
        out.print(table)
    keys = data.get("key_populations", [])
    if keys:
        table = Table(
            title=say(
                "重点人群：常规筛查，近7天", "Key populations: routine screening, last 7 days"
            )
        )
        for column in ("category", "people", "compliance", "overdue"):
            table.add_column(column, justify="right")
        for row in keys:
            share = "—" if row["compliance"] is None else f"{row['compliance']:.1%}"
            table.add_row(str(row["key"]), f"{row['people']:,}", share, f"{row['overdue']:,}")
        out.print(table)


def print_trajectories(data: dict[str, Any]) -> None:
    """The demo's public trajectories, in one line (no person, no count)."""
    if not data:
        return
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in data["types"])
    out.print(
        f"公开轨迹 Public trajectories: {data['windows']:,} de-identified place windows at "
        f"{data['places']:,} places ({kinds}); check yourself with `shoutu self-check`",
        markup=False,
    )


def print_chains(data: dict[str, Any]) -> None:
    """The demo's transmission clusters (likely infectors from groups and serial interval)."""
    if not data:
        return
    table = Table(
        title=say("传播链", "Transmission clusters") + f" — {data['cases']:,} cases, "
        f"{data['no_known_source']:,} with no known source, {data['imported']:,} imported"
    )
    for column in ("cluster (first case-setting)", "cases", "generations"):
        table.add_column(column, justify="right")
    for row in data["clusters"]:
        table.add_row(row["cluster"], f"{row['cases']:,}", str(row["generations"]))
    out.print(table)
