"""`shoutu control assign` and `shoutu control sites`: quarantine and isolation sites, their
rooms, who is held where, and the rooms needed in the coming days (registered on the
`control` group by `cli/control.py`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoutu.cli import i18n
from shoutu.cli.output import emit_json, err, errors_as_exit, out, parse
from shoutu.cli.state import state
from shoutu.domain.vocabulary import ControlKind, PlaceType

Protocol = Annotated[
    str | None, typer.Option(help="Protocol that says where cases go [SHOUTU_PROTOCOL].")
]
IsolationDays = Annotated[
    float | None,
    typer.Option(
        "--isolation-days",
        help="Days an isolation with no planned end is taken to last [the median length of "
        "the released isolation episodes; without any, the protocol's last isolation test "
        "day; else to the end of the forecast].",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


def assign(
    ctx: typer.Context,
    episodes: Annotated[
        list[int] | None, typer.Argument(help="Episodes to assign to --site (by hand).")
    ] = None,
    site: Annotated[
        int | None, typer.Option("--site", help="The site (a place id) to assign them to.")
    ] = None,
    auto: Annotated[
        bool,
        typer.Option(
            "--auto",
            help="Give every open episode needing a room on --date without a site one: the "
            "right type, own district first, then the nearest.",
        ),
    ] = False,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="The day (YYYY-MM-DD) [today]; by hand, the day through which an open "
            "isolation holds its room [its planned end].",
        ),
    ] = None,
    protocol: Protocol = None,
    isolation_days: IsolationDays = None,
    json: Json = False,
) -> None:
    """Assign quarantine and isolation sites to episodes: EPISODE_ID… --site PLACE_ID by hand
    (refused when the site has no free room for a stay), or --auto for a day (those left
    without a room are listed with the reason)."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.errors import BadRequest
    from shoutu.services.control import sites as service

    with errors_as_exit(json):
        day = parse("date", parse_date, date) if date else None
        context = state(ctx).context()
        if auto:
            if episodes or site is not None:
                raise BadRequest("{auto} assigns every episode needing a room: no ids, no {site}")
            done = service.assign_auto(
                context, day, protocol=protocol, isolation_days=isolation_days
            )
        else:
            if not episodes or site is None:
                raise BadRequest("give EPISODE_ID… and {site}, or {auto}")
            done = service.assign(
                context,
                episodes,
                site,
                day=day,
                protocol=protocol,
                isolation_days=isolation_days,
            )
    data = done.as_json()
    if json:
        emit_json(data)
        return
    print_assigned(data)


def print_assigned(data: dict[str, Any]) -> None:
    """An assignment (its JSON form) as tables."""
    when = f" — {data['date']}" if data["date"] else ""
    table = i18n.table(
        f"隔离场所分配{when}",
        f"Sites assigned{when}",
        ["episode_id", "person_id", "kind", "site_id", "site", "type", "region", "own_district"],
    )
    for row in data["assigned"]:
        own = row["own_district"]
        table.add_row(
            str(row["episode_id"]),
            str(row["person_id"]),
            i18n.value(ControlKind, row["kind"]),
            str(row["site_id"]),
            row["site"],
            i18n.value(PlaceType, row["type"]),
            row["region"],
            "" if own is None else i18n.say("是", "yes") if own else i18n.say("否", "no"),
        )
    if not data["assigned"]:
        table.add_row("—", *[""] * 7)
    out.print(table)
    counts = data["counts"]
    out.print(
        i18n.say(
            f"已分配 {counts['assigned']}，原已在此 {counts['unchanged']}，"
            f"无房 {counts['without_room']}",
            f"assigned {counts['assigned']}, already there {counts['unchanged']}, "
            f"without a room {counts['without_room']}",
        ),
        markup=False,
    )
    if data["without_room"]:
        short = i18n.table(
            "无房可分（缺口）",
            "Without a room (the shortage)",
            ["episode_id", "person_id", "kind", "needs", "region", "days", "reason"],
        )
        for row in data["without_room"]:
            short.add_row(
                str(row["episode_id"]),
                str(row["person_id"]),
                i18n.value(ControlKind, row["kind"]),
                i18n.value(PlaceType, row["needs"]) if row["needs"] else "",
                row["region"] or "",
                f"{row['first_day']}..{row['last_day'] or ''}",
                row["detail"],
            )
        out.print(short)
    for warning in data["warnings"]:
        err.print(f"warning: {warning}", markup=False, highlight=False)


def sites(
    ctx: typer.Context,
    date: Annotated[
        str | None, typer.Option("--date", help="The day looked at (YYYY-MM-DD) [today].")
    ] = None,
    days: Annotated[
        int, typer.Option("--days", help="Days of forecast after --date.", min=1, max=366)
    ] = 7,
    protocol: Protocol = None,
    isolation_days: IsolationDays = None,
    json: Json = False,
) -> None:
    """Quarantine and isolation sites: rooms, occupied and free on --date; per type and
    district the rooms held on each of the 7 days up to it, those waiting for a room, and the
    rooms needed each of the next --days days (stays in progress, plus new ones at the last 7
    days' rate) with the first day of shortage and its gap."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.control import site_report as service

    with errors_as_exit(json):
        day = parse("date", parse_date, date) if date else None
        report = service.site_report(
            state(ctx).context(),
            day,
            days=days,
            protocol=protocol,
            isolation_days=isolation_days,
        )
    data = report.as_json()
    if json:
        emit_json(data)
        return
    print_sites(data)


def _numbers(values: list[Any]) -> str:
    return " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def print_sites(data: dict[str, Any]) -> None:
    """A site report (its JSON form) as tables and the shortages."""
    day = data["date"]
    table = i18n.table(
        f"隔离场所 — {day}",
        f"Quarantine and isolation sites — {day}",
        ["site_id", "site", "type", "region", "rooms", "occupied", "free"],
    )
    for s in data["sites"]:
        table.add_row(
            str(s["site_id"]),
            s["name"],
            i18n.value(PlaceType, s["type"]),
            s["region"],
            *("—" if s[c] is None else str(s[c]) for c in ("rooms", "occupied", "free")),
        )
    if not data["sites"]:
        table.add_row("—", *[""] * 6)
    out.print(table)
    first = data["by_type"][0]["forecast"][0]["date"] if data["by_type"] else ""
    groups = i18n.table(
        f"房间：近7天占用与未来{data['days']}天需求（{first} 起）",
        f"Rooms: held over 7 days and needed over {data['days']} (from {first})",
        ["type", "region", "rooms", "occupied", "waiting", "rate", "needed", "shortage"],
    )
    for g in data["by_type"]:
        gap = g["shortage_gap"]
        groups.add_row(
            i18n.value(PlaceType, g["type"]),
            g["region"] or i18n.say("全部", "all"),
            str(g["rooms"]),
            _numbers([o["rooms"] for o in g["occupied"]]),
            str(g["waiting"]),
            f"{g['arrival_rate']:g}",
            _numbers([f["needed"] for f in g["forecast"]]),
            f"{g['shortage_date']} (−{gap:g})" if g["shortage_date"] else "",
        )
    out.print(groups)
    assumed = data["assumptions"]
    window, length = assumed["rate_window_days"], assumed["isolation_days"]
    source, centralised = assumed["isolation_days_from"], assumed["centralised_days"]
    zh_length = "至预测期末" if length is None else f"{length:g} 天"
    en_length = "to the forecast's end" if length is None else f"{length:g} days"
    out.print(
        i18n.say(
            f"假设：新增按近{window}天日均；集中隔离 {centralised} 天；"
            f"无计划结束的隔离治疗 {zh_length}（{source}）",
            f"assumed: new stays at the mean of the last {window} days; centralised "
            f"quarantine {centralised} days; an isolation with no planned end {en_length} "
            f"({source})",
        ),
        markup=False,
    )
    for g in data["by_type"]:
        if g["shortage_date"]:
            kind, when, gap = PlaceType(g["type"]), g["shortage_date"], g["shortage_gap"]
            out.print(
                i18n.say(
                    f"短缺：{kind.zh} {g['region'] or '全部'} 自 {when} 起缺 {gap:g} 间",
                    f"shortage: {kind.en} {g['region'] or 'all'} from {when}, {gap:g} rooms short",
                ),
                markup=False,
            )


__all__ = ["assign", "print_assigned", "print_sites", "sites"]
