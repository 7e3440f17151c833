"""The daily bulletin's words in Chinese (NHC's wording) and English, and its pictures: an
epidemic curve (the day's new infections by report day: found inside control, in the community,
imported — stacked) and a district map of the day's new local infections, drawn from the same
figures as the text. One document, rendered as Markdown, HTML or PDF (``io.documents``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from shoutu.errors import BadRequest
from shoutu.io.charts import Area, RegionMap, Series, StackedBars
from shoutu.io.documents import (
    Metadata,
    Section,
    Table,
    render_html,
    render_markdown,
    render_pdf,
    write_pdf,
)
from shoutu.services.context import ServiceContext
from shoutu.services.public.bulletin import Bulletin, bulletin

LANGS = {"zh": "zh-CN", "en": "en"}
IN_CONTROL = (70, 130, 180)
COMMUNITY = (214, 69, 65)
IMPORTED = (160, 160, 160)
LEVELS = ("high", "medium", "low")
#: the figures each text reads, in the order it unpacks them
PARTS = (
    "confirmed",
    "asymptomatic",
    "reclassified_from_asymptomatic",
    "new_infections",
    "contacts",
    "risk_areas",
    "screening",
    "vaccination",
)


def _zh(b: Bulletin) -> Section:
    f = b.figures
    c, a, r, n, contacts, areas, screening, vax = (f[k] for k in PARTS)
    day = b.day
    zero = f["community_zero"]
    paragraphs = [
        f"{day.year}年{day.month}月{day.day}日0—24时，新增本土确诊病例{c['local']}例"
        f"（其中{r['local']}例为无症状感染者转为确诊病例），新增本土无症状感染者{a['local']}例；"
        f"新增境外输入确诊病例{c['imported']}例（其中{r['imported']}例为无症状感染者转为确诊病例），"
        f"境外输入无症状感染者{a['imported']}例。",
        f"新增本土感染者{n['local']}例，其中{f['local_in_control']}例在闭环隔离管控中发现，"
        f"{f['local_community']}例在社会面筛查中发现。"
        + (
            f"{zero['districts']}个区中{zero['districts_at_zero']}个区已实现社会面清零。"
            if zero["districts"]
            else ""
        ),
        f"当日治愈出院（解除隔离）{f['discharged']}例，死亡{f['deaths']}例，"
        f"现有在院治疗（隔离治疗）{f['in_treatment']}例。累计报告本土感染者"
        f"{f['cumulative_infections']['local']}例，境外输入感染者"
        f"{f['cumulative_infections']['imported']}例。",
        f"当日追踪到密切接触者等风险人员{contacts['traced']}人，累计{contacts['traced_total']}人；"
        f"当日解除医学观察{contacts['released']}人，尚在医学观察{contacts['under_observation']}人。",
        "现有"
        + "、".join(
            f"{name}{areas['in_force'].get(level, 0)}个"
            for level, name in zip(LEVELS, ("高风险区", "中风险区", "低风险区"), strict=True)
        )
        + f"；当日新增风险区{areas['raised']}个，降级或解除{areas['lowered_or_lifted']}个。",
        f"当日采样{screening['samples']}份（{screening['people']}人），"
        f"报告阳性结果{screening['positive']}份。",
        f"登记人口{vax['people']}人，完成全程接种{_share(vax['primary_complete_share'])}，"
        f"已加强免疫{_share(vax['boosted_share'])}。",
    ]
    return Section(
        lang="zh-CN",
        title=f"{day.month}月{day.day}日疫情通报",
        heading=(f"截至{day.year}年{day.month}月{day.day}日24时", f"依据：{f['protocol']}"),
        paragraphs=tuple(paragraphs),
        table=_table(b, ("区", "本土", "闭环内", "社会面", "境外输入", "社会面清零"), "zh"),
        charts=_charts(b, "zh"),
        notes=("数据来源：登记库中截至当日24时已发生的事件；之后到达的数据不改变本通报。",),
    )


def _en(b: Bulletin) -> Section:
    f = b.figures
    c, a, r, n, contacts, areas, screening, vax = (f[k] for k in PARTS)
    zero = f["community_zero"]
    when = b.day.strftime("%d %B %Y").lstrip("0")
    paragraphs = [
        f"From 00:00 to 24:00 on {when}: {c['local']} new local confirmed cases "
        f"({r['local']} reclassified from asymptomatic infections) and {a['local']} new local "
        f"asymptomatic infections; {c['imported']} new imported confirmed cases "
        f"({r['imported']} reclassified) and {a['imported']} imported asymptomatic infections.",
        f"Of the {n['local']} new local infections, {f['local_in_control']} were found inside "
        f"closed-loop control and {f['local_community']} by screening in the community."
        + (
            f" {zero['districts_at_zero']} of {zero['districts']} districts are at community zero."
            if zero["districts"]
            else ""
        ),
        f"{f['discharged']} discharged or released from isolation, {f['deaths']} deaths; "
        f"{f['in_treatment']} in treatment or isolation. In all, "
        f"{f['cumulative_infections']['local']} local and "
        f"{f['cumulative_infections']['imported']} imported infections reported.",
        f"{contacts['traced']} close contacts and other people at risk traced on the day "
        f"({contacts['traced_total']} in all); {contacts['released']} released from medical "
        f"observation, {contacts['under_observation']} still under medical observation.",
        "Risk areas in force: "
        + ", ".join(f"{areas['in_force'].get(level, 0)} {level}" for level in LEVELS)
        + f"; {areas['raised']} new and {areas['lowered_or_lifted']} lowered or lifted on the day.",
        f"{screening['samples']} samples taken ({screening['people']} people); "
        f"{screening['positive']} positive results reported.",
        f"Of {vax['people']} registered people, {_share(vax['primary_complete_share'])} have "
        f"completed the primary series and {_share(vax['boosted_share'])} are boosted.",
    ]
    return Section(
        lang="en",
        title=f"Daily bulletin, {when}",
        heading=(f"As of 24:00 on {when}", f"Protocol: {f['protocol']}"),
        paragraphs=tuple(paragraphs),
        table=_table(
            b, ("District", "Local", "In control", "Community", "Imported", "Community zero"), "en"
        ),
        charts=_charts(b, "en"),
        notes=(
            "Source: the registry's events up to 24:00 of the day; data arriving later does not "
            "change this bulletin.",
        ),
    )


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


ZERO_WORDS = {
    "zh": {"zero": "已清零", "basic_zero": "基本清零", "not_zero": "未清零", None: "—"},
    "en": {"zero": "zero", "basic_zero": "basically zero", "not_zero": "not zero", None: "—"},
}


def _table(b: Bulletin, headers: tuple[str, ...], lang: str) -> Table:
    name = "name_zh" if lang == "zh" else "name_en"
    rows = tuple(
        (
            str(d[name]),
            str(d["local"]),
            str(d["in_control"]),
            str(d["community"]),
            str(d["imported"]),
            ZERO_WORDS[lang].get(d["community_zero"], str(d["community_zero"])),
        )
        for d in b.districts
    )
    return Table(headers, rows, (3, 2, 2, 2, 2, 3))


def _charts(b: Bulletin, lang: str) -> tuple[StackedBars | RegionMap, ...]:
    zh = lang == "zh"
    words = (
        ("闭环内发现", "社会面发现", "境外输入") if zh else ("In control", "Community", "Imported")
    )
    curve = StackedBars(
        "每日新增感染者（按报告日）" if zh else "New infections by report day",
        tuple(p["date"] for p in b.curve),
        tuple(
            Series(label, tuple(int(p[key]) for p in b.curve), colour)
            for label, key, colour in zip(
                words,
                ("in_control", "community", "imported"),
                (IN_CONTROL, COMMUNITY, IMPORTED),
                strict=True,
            )
        ),
    )
    name = "name_zh" if zh else "name_en"
    areas = tuple(
        Area(
            str(d[name]),
            b.polygons[d["region_code"]],
            int(d["local"]),
            f"{d['in_control']}/{d['community']}",
        )
        for d in b.districts
        if d["region_code"] in b.polygons
    )
    if not areas:
        return (curve,)
    title = (
        "当日新增本土感染者（闭环内/社会面）"
        if zh
        else "New local infections of the day (in control / community)"
    )
    return curve, RegionMap(title, areas)


def sections(b: Bulletin, lang: str) -> list[Section]:
    """The bulletin in ``lang`` (zh or en)."""
    return [_zh(b) if lang == "zh" else _en(b)]


FORMATS = ("md", "html", "pdf", "json")


def render(b: Bulletin, *, lang: str = "zh", fmt: str = "md") -> bytes:
    """The bulletin in ``lang`` (zh, en) as ``fmt`` (md, html, pdf, json: the figures)."""
    if lang not in LANGS:
        raise BadRequest(f"{{lang}}: {lang!r} is not one of {', '.join(LANGS)}")
    if fmt not in FORMATS:
        raise BadRequest(f"{{format}}: {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "json":
        return (json.dumps(b.as_json(), ensure_ascii=False, indent=2) + "\n").encode()
    found = sections(b, lang)
    if fmt == "md":
        return render_markdown(found).encode()
    if fmt == "html":
        return render_html(found, title=found[0].title).encode()
    issued = dt.datetime.combine(b.day, dt.time(), dt.UTC)
    meta = Metadata(
        title=found[0].title,
        subject="疫情通报" if lang == "zh" else "Daily bulletin",
        author="shoutu",
        keywords=(b.day.isoformat(), b.figures["protocol"]),
    )
    return render_pdf(found, metadata=meta, issued=issued)


def publish(
    ctx: ServiceContext,
    day: dt.date,
    *,
    lang: str = "zh",
    fmt: str = "md",
    output: Path | None = None,
) -> tuple[Bulletin, bytes]:
    """The bulletin of ``day`` rendered (and written to ``output`` atomically, if given)."""
    found = bulletin(ctx, day)
    content = render(found, lang=lang, fmt=fmt)
    if output is not None:
        write_pdf(output, content)
    return found, content


__all__ = ["FORMATS", "LANGS", "publish", "render", "sections"]
