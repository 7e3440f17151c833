"""`shoutu control`: control of the outbreak — episodes of control, community zero (社会面清零)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shoutu.cli import i18n
from shoutu.cli.output import emit_json, err, errors_as_exit, out, parse, parse_time
from shoutu.cli.state import state
from shoutu.domain.vocabulary import CommunityZeroStatus, ControlKind, ControlStatus

app = typer.Typer(
    rich_markup_mode=None,
    help="Control: episodes of quarantine and isolation; community zero (社会面清零) per region.",
    no_args_is_help=True,
)

COLUMNS = [
    "region",
    "status",
    "days_since_last_community_case",
    "zero_since",
    "community",
    "in_control",
]


EPISODE_COLUMNS = ["episode_id", "person_id", "kind", "status", "start", "planned_end", "reason"]


@app.command("list")
def list_episodes(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="Only episodes of this status (e.g. active, released).")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only episodes of this kind (e.g. centralised, home).")
    ] = None,
    person: Annotated[int | None, typer.Option(help="Only this person's episodes.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Episodes of control (all, without filters), oldest first: kind, reason, status, start,
    planned end and the stages with their test days."""
    from shoutu.services.control import episode_list as service

    with errors_as_exit(json):
        wanted_status = parse("status", ControlStatus.parse, status) if status else None
        wanted_kind = parse("kind", ControlKind.parse, kind) if kind else None
        found = service.list_episodes(
            state(ctx).context(), status=wanted_status, kind=wanted_kind, person_id=person
        )
    if json:
        emit_json({"episodes": found})
        return
    table = i18n.table("管控", "Episodes of control", [*EPISODE_COLUMNS, "stages"])
    for episode in found:
        stages = "; ".join(
            f"{i18n.value(ControlKind, s['kind'])} → {s['planned_end'][:16]}"
            f" ({', '.join(d[5:] for d in s['test_days'])})"
            for s in episode["stages"]
        )
        table.add_row(
            str(episode["episode_id"]),
            str(episode["person_id"]),
            i18n.value(ControlKind, episode["kind"]),
            i18n.value(ControlStatus, episode["status"]),
            (episode["start"] or "")[:16],
            (episode["planned_end"] or "")[:16],
            episode["reason"],
            stages,
        )
    out.print(table)


@app.command("community-zero")
def community_zero(
    ctx: typer.Context,
    series: Annotated[
        Path | None,
        typer.Option(
            "--series",
            help="A file date,region,in_control,community[,population] (CSV, Excel or "
            "Parquet; regions are any labels; no store needed) [the registry's cases].",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="The day judged (YYYY-MM-DD) [the file's last date; for the registry today, "
            "or a simulated city's last day].",
        ),
    ] = None,
    level: Annotated[
        str,
        typer.Option(help="Regions of the registry at this level (ignored with --series)."),
    ] = "district",
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose community_zero rule applies [SHOUTU_PROTOCOL]."),
    ] = None,
    date_format: Annotated[
        str | None, typer.Option(help="strptime format of the file's dates [ISO].")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Per region: days since the last community case (社会面, found outside control) and
    the status by the protocol's rule — zero (清零: no community case on each of its days,
    3 in 2022 practice), basic_zero (基本清零: below its rate per 100,000 residents on each of
    those days; needs a population) or not_zero — and whether every region is at zero."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.control import community_zero as service

    with errors_as_exit(json):
        day = parse("date", parse_date, date) if date else None
        context = state(ctx).context()
        if series is not None:
            report = service.from_file(
                context, series, day=day, protocol=protocol, date_format=date_format
            )
        else:
            report = service.from_registry(context, day=day, level=level, protocol=protocol)
    if json:
        emit_json(report.as_json())
        return
    print_community_zero(report.as_json())


def print_community_zero(data: dict[str, Any]) -> None:
    """A community zero report (its JSON form) as a table and a verdict."""
    rule, regions = data["rule"], data["regions"]
    table = i18n.table(
        f"社会面清零 — {data['date']}（{rule['protocol']}：连续 {rule['days']} 天）",
        f"Community zero — {data['date']} ({rule['protocol']}: {rule['days']} days)",
        COLUMNS,
    )
    for region in regions:
        table.add_row(
            region["region"],
            i18n.value(CommunityZeroStatus, region["status"]),
            *("—" if region[c] is None else str(region[c]) for c in COLUMNS[2:]),
        )
    out.print(table)
    at_zero = sum(r["status"] == CommunityZeroStatus.ZERO.value for r in regions)
    share = f"{at_zero}/{len(regions)}"
    out.print(
        i18n.say(
            f"全部清零：{'是' if data['all_zero'] else '否'}（{share}）",
            f"all at zero: {'yes' if data['all_zero'] else 'no'} ({share})",
        ),
        markup=False,
    )
    for warning in data["warnings"]:
        err.print(f"warning: {warning}", markup=False, highlight=False)


RELEASE_COLUMNS = ["episode_id", "person_id", "kind", "what", "detail"]


@app.command("release")
def release(
    ctx: typer.Context,
    date: Annotated[
        str, typer.Option("--date", help="The day released (YYYY-MM-DD): rules hold by its end.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what a run would do; write nothing.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Release every episode whose rule holds by the end of the day (a quarantine stage's
    days over, each test day negative; a case's isolation by the protocol's release rule,
    then its post-release monitoring opens), move finished stages on, and hold with the
    reason those that should end and cannot (a missed or positive test, Ct below the
    threshold)."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.control.release import run_release

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        run = run_release(state(ctx).context(), date=day, dry_run=dry_run)
    data = run.as_json()
    if json:
        emit_json(data)
        return
    table = i18n.table(
        f"解除隔离 — {data['date']}{'（预演）' if dry_run else ''}",
        f"Release — {data['date']}{' (dry run)' if dry_run else ''}",
        RELEASE_COLUMNS,
    )
    for what, zh, en, detail in (
        ("released", "解除", "released", "end"),
        ("advanced", "转段", "next stage", "to"),
        ("held", "暂缓", "held", "reason"),
    ):
        for e in data[what]:
            shown = e[detail]
            if what == "advanced":
                shown = i18n.value(ControlKind, shown)
            table.add_row(
                str(e["episode_id"]),
                str(e["person_id"]),
                i18n.value(ControlKind, e["kind"]),
                i18n.say(zh, en),
                str(shown),
            )
    out.print(table)
    out.print(
        i18n.say(
            f"解除 {len(data['released'])}，转段 {len(data['advanced'])}，暂缓 "
            f"{len(data['held'])}；解除后健康监测 {data['post_release_monitoring_opened']}",
            f"released {len(data['released'])}, next stage {len(data['advanced'])}, held "
            f"{len(data['held'])}; post-release monitoring opened "
            f"{data['post_release_monitoring_opened']}",
        ),
        markup=False,
    )


@app.command("coverage")
def coverage(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day counted (YYYY-MM-DD).")],
    level: Annotated[str, typer.Option(help="Regions at this level (people by home).")] = (
        "district"
    ),
    output_lists: Annotated[
        Path | None,
        typer.Option(
            "--output-lists",
            help="Write one CSV per list of who was not covered (masked names; audited).",
        ),
    ] = None,
    list_limit: Annotated[
        int, typer.Option(min=0, help="People of each list in the JSON (the files hold all).")
    ] = 1000,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """The four "should" rates (四应) per region on the day — 应检尽检 tested as due, 应隔尽隔
    contacts under control in time, 应治尽治 cases isolated in time, 应管尽管 managed with a
    follow-up — each with its numerator and denominator, and who was not."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.control import coverage as service

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        report = service.coverage(
            state(ctx).context(), date=day, level=level, lists_dir=output_lists, limit=list_limit
        )
    data = report.as_json()
    if json:
        emit_json(data)
        return
    print_coverage(data)
    for name in service.LISTS:
        zh, en = service.LABELS[name]
        missed = data["missed"][name]
        if missed:
            out.print(i18n.say(f"{zh}：{missed} 人未达", f"{en}: {missed} not"), markup=False)
    if data["lists_dir"]:
        out.print(i18n.say(f"名单：{data['lists_dir']}", f"lists: {data['lists_dir']}"))


def print_coverage(data: dict[str, Any]) -> None:
    """The four rates per region (a coverage report's JSON form) as a table."""
    from shoutu.services.control.coverage import LISTS

    names = LISTS
    table = i18n.table(
        f"四应 — {data['date']}（{data['protocol']}）",
        f"The four shoulds — {data['date']} ({data['protocol']})",
        ["region", *names],
    )

    def cell(rate: dict[str, Any]) -> str:
        shown = "—" if rate["rate"] is None else f"{rate['rate']:.1%}"
        return f"{rate['met']}/{rate['due']} {shown}"

    for region in data["regions"]:
        table.add_row(region["region"] or "—", *(cell(region[n]) for n in names))
    table.add_row(i18n.say("合计", "total"), *(cell(data["totals"][n]) for n in names))
    out.print(table)


def print_episodes_in_force(day: str, counts: dict[str, int]) -> None:
    """Episodes in force at the end of a day, by kind."""
    table = i18n.table(f"在管人员 — {day}", f"Under control — {day}", ["kind", "people"])
    for kind, n in counts.items():
        table.add_row(i18n.value(ControlKind, kind), f"{n:,}")
    out.print(table)


@app.command("check")
def check(
    ctx: typer.Context,
    person: Annotated[int, typer.Argument(help="The person reporting (their person id).")],
    temperature: Annotated[float, typer.Option(help="Body temperature in °C (34–43), e.g. 37.9.")],
    symptoms: Annotated[
        str,
        typer.Option(
            help="Symptoms, comma- or semicolon-separated (e.g. cough,fever or 咳嗽;发热); "
            "empty or none: none."
        ),
    ] = "",
    time: Annotated[
        str | None,
        typer.Option("--time", help="When it was reported (ISO 8601; naive: local time) [now]."),
    ] = None,
    channel: Annotated[
        str, typer.Option(help="How it was reported: app, phone, visit, site_staff, import.")
    ] = "app",
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose health_checks rules apply [SHOUTU_PROTOCOL]."),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Record one health check (居家健康监测) of a person under control: it links to the
    episode in force at its time. Fever (at or above the protocol's fever temperature) or
    one of its test symptoms opens a symptom test, due within the protocol's hours, unless
    one is open. The same report again changes nothing; a different one at the same time is
    refused (exit 5), as is a person not under control then."""
    from shoutu.domain.vocabulary import CheckChannel, Symptom
    from shoutu.services.control import checks as service

    with errors_as_exit(json):
        context = state(ctx).context()
        at = parse_time("time", time, context.settings.timezone)
        result = service.record_check(
            context,
            person,
            temperature=temperature,
            symptoms=parse("symptoms", service.parse_symptoms, symptoms),
            at=at,
            channel=parse("channel", CheckChannel.parse, channel),
            protocol=protocol,
        )
    data = result.as_json()
    if json:
        emit_json(data)
        return
    said = ", ".join(i18n.value(Symptom, s) for s in data["symptoms"]) or "—"
    out.print(
        f"check {data['check_id']}: person {data['person_id']} at {data['check_time'][:16]} — "
        f"{data['temperature']:g} °C, {said} (episode {data['episode_id']}, "
        f"{i18n.value(ControlKind, data['kind'])}, {data['protocol']})"
        + ("" if data["recorded"] else " — unchanged"),
        markup=False,
    )
    test = data["symptom_test"]
    if test is not None and test["opened"]:
        out.print(
            f"  symptom test task {test['task_id']} opened ({', '.join(data['test_reasons'])}),"
            f" due {test['due'][:16]}",
            markup=False,
        )
    if data["note"]:
        out.print(f"  {data['note']}", markup=False)


CHECK_COLUMNS = [
    "person_id",
    "episode_id",
    "kind",
    "reports_due",
    "received",
    "missed",
    "temperature",
    "fever",
    "symptoms",
    "symptom_test_task_id",
]


@app.command("checks")
def checks(
    ctx: typer.Context,
    date: Annotated[
        str | None, typer.Option("--date", help="The local day (YYYY-MM-DD) [today].")
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose reports a day and fever apply [SHOUTU_PROTOCOL]."),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Health checks of a day: for everyone under control for any part of it (an episode
    starting or ending that day still owes the day's reports), the reports due, received and
    missed, the latest temperature, fever, symptoms and any open symptom test; those who
    missed a report or reported fever or symptoms first. The read is audited."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.domain.vocabulary import Symptom
    from shoutu.services.control import check_days as service

    with errors_as_exit(json):
        day = parse("date", parse_date, date) if date else None
        report = service.check_day(state(ctx).context(), day, protocol=protocol)
    data = report.as_json()
    if json:
        emit_json(data)
        return
    table = i18n.table(
        f"健康监测 — {data['date']}（{data['protocol']}：每日 {data['reports_per_day']} 次）",
        f"Health checks — {data['date']} ({data['protocol']}: {data['reports_per_day']} a day)",
        CHECK_COLUMNS,
    )
    for row in data["people"]:
        table.add_row(
            str(row["person_id"]),
            str(row["episode_id"]),
            i18n.value(ControlKind, row["kind"]),
            str(row["due"]),
            str(row["received"]),
            str(row["missed"]),
            "—" if row["temperature"] is None else f"{row['temperature']:g}",
            i18n.say("是", "yes") if row["fever"] else "",
            ", ".join(i18n.value(Symptom, s) for s in row["symptoms"]),
            "" if row["symptom_test_task_id"] is None else str(row["symptom_test_task_id"]),
        )
    out.print(table)
    totals = data["totals"]
    out.print(
        i18n.say(
            f"{totals['people']} 人，漏报 {totals['people_missed']} 人（{totals['missed']} 次），"
            f"发热 {totals['people_fever']} 人，有症状 {totals['people_symptoms']} 人",
            f"{totals['people']} people, {totals['people_missed']} missed a report "
            f"({totals['missed']} reports), {totals['people_fever']} with fever, "
            f"{totals['people_symptoms']} with symptoms",
        ),
        markup=False,
    )


@app.command("document")
def document(
    ctx: typer.Context,
    episode_id: Annotated[
        int | None, typer.Argument(help="The episode (see `control list`).", show_default=False)
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="order (隔离通知书, quarantine order) or release (解除隔离证明, release "
            "certificate; the episode must be released).",
        ),
    ] = None,
    lang: Annotated[
        str, typer.Option(help="zh, en or both (Chinese first, English below).")
    ] = "both",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="The PDF to write [NUMBER.pdf here].")
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option(help="Why: shows the name and identifier unmasked (audited)."),
    ] = None,
    issued: Annotated[
        str | None, typer.Option(help="The issue date printed (YYYY-MM-DD) [today].")
    ] = None,
    all_released: Annotated[
        bool,
        typer.Option(
            "--all-released", help="A release certificate for every episode released on --date."
        ),
    ] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="With --all-released: the day (YYYY-MM-DD).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="With --all-released: the folder written.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """An episode's quarantine order (隔离通知书) or release certificate (解除隔离证明) as
    PDF, in Chinese and English: the person (masked without --purpose), the reason, the
    measure and site, the stages with their test days, the protocol and the issuer; the
    certificate also the period, the rule and samples it was released on and the
    monitoring that follows. Every document issued is audited."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.domain.vocabulary import DocumentKind
    from shoutu.services.control.documents import issue

    with errors_as_exit(json):
        which = parse("kind", DocumentKind.parse, kind) if kind else None
        day = parse("date", parse_date, date) if date else None
        issue_day = parse("issued", parse_date, issued) if issued else None
        done = issue(
            state(ctx).context(),
            episode_id=episode_id,
            kind=which,
            all_released=all_released,
            date=day,
            out=out_file,
            out_dir=out_dir,
            lang=lang,
            purpose=purpose,
            issued=issue_day,
        )
    if json:
        if all_released:
            emit_json({"date": date, "documents": [d.as_json() for d in done]})
        else:
            emit_json(done[0].as_json())
        return
    for d in done:
        title = d.data["title"]
        out.print(
            i18n.say(
                f"{title['zh']} {d.data['number']}（第 {d.data['episode_id']} 号管控）→ {d.path}",
                f"{title['en']} {d.data['number']} (episode {d.data['episode_id']}) → {d.path}",
            ),
            markup=False,
        )
    if all_released:
        out.print(i18n.say(f"共 {len(done)} 份", f"{len(done)} certificates"), markup=False)


# sites and rooms (集中隔离点、方舱): their commands live in control_sites.py
from shoutu.cli import control_sites  # noqa: E402

app.command("assign")(control_sites.assign)
app.command("sites")(control_sites.sites)
# closed-loop staff (闭环管理): the day's view lives with its import in imports_ports.py
from shoutu.cli import imports_ports  # noqa: E402

app.command("loop")(imports_ports.loop)
