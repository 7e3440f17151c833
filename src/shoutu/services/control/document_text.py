"""The words of an episode's documents, in Chinese and English: the reason, the site, the
issuer and the release rule as labels (``{"zh", "en"}``), and each language's version of the
quarantine order (隔离通知书) or the release certificate (解除隔离证明) as sections for
``io/documents.py``, from the document's data (``services/control/documents.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from shoutu.domain.vocabulary import (
    CaseClass,
    ContactKind,
    ControlKind,
    ControlStatus,
    DocumentKind,
    IdType,
    IsolationSite,
    Labeled,
    Setting,
    TestOutcome,
)
from shoutu.io.documents import Metadata, Section, Table
from shoutu.protocols.schema import Protocol

Label = dict[str, str]
LANG_TAGS = {"zh": "zh-CN", "en": "en"}


def both(zh: str, en: str) -> Label:
    return {"zh": zh, "en": en}


def labels(member: Labeled) -> Label:
    return both(member.zh, member.en)


def _when(iso: str | None) -> str:
    """A local ISO time as the documents show it: 2022-07-01 10:00."""
    return iso[:16].replace("T", " ") if iso else "—"


def _a(noun: str) -> str:
    """An English noun with its article: a close contact, an asymptomatic infection."""
    word = noun.lower()
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def reason(
    row: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
    case: Mapping[str, Any] | None,
    arrival: Mapping[str, Any] | None,
    when: Callable[[Any], str],
) -> Label:
    """Why the episode holds the person: a contact of case N (its kind, setting and last
    exposure), an arrival, a case; else the stored reason."""
    if contact is not None:
        kind = ContactKind(contact["kind"])
        setting = Setting(contact["setting"])
        case_id = contact["index_case_id"]
        last = contact["last_exposure_date"].isoformat()
        return both(
            f"病例 {case_id} 的{kind.zh}（{setting.zh}，末次暴露 {last}）",
            f"{_a(kind.en)} of case {case_id} ({setting.en.lower()}, last exposed {last})",
        )
    if arrival is not None:
        at = when(arrival["arrival_time"])
        origin = arrival["origin_country"]
        return both(
            f"入境人员（{at} 入境" + (f"，来自 {origin}）" if origin else "）"),
            f"an inbound traveller (arrived {at}" + (f" from {origin})" if origin else ")"),
        )
    if case is not None:
        found, case_id = CaseClass(case["classification"]), case["case_id"]
        return both(f"{found.zh}（病例 {case_id}）", f"{_a(found.en)} (case {case_id})")
    return both(str(row["reason"]), str(row["reason"]))


def site(row: Mapping[str, Any], place: Mapping[str, Any] | None) -> Label:
    """Where: the site's place (name), the stored site (a protocol site or free text), else
    what the episode's first kind implies (a centralised facility, home)."""
    stored = row["site"]
    shown: Label | None = None
    if stored:
        try:
            shown = labels(IsolationSite.parse(str(stored)))
        except ValueError:
            shown = both(str(stored), str(stored))
    if place is not None:
        name = str(place["name"])
        return (
            both(f"{name}（{shown['zh']}）", f"{name} ({shown['en']})")
            if shown
            else both(name, name)
        )
    if shown is not None:
        return shown
    first = (row["stages"] or [{"kind": str(row["kind"])}])[0]["kind"]
    implied = (
        IsolationSite.CENTRALISED_FACILITY
        if first == ControlKind.CENTRALISED.value
        else IsolationSite.HOME
    )
    return labels(implied)


def issuer(row: Mapping[str, Any], region: Mapping[str, Any] | None) -> Label:
    """Who issues: the episode's responsible unit, department and territory (with the
    responsible officer), else the person's district."""
    zh = [str(row[c]) for c in ("resp_unit", "resp_department") if row.get(c)]
    en = list(zh)
    if region is not None:
        zh.append(str(region["name_zh"]))
        en.append(str(region["name_en"] or region["name_zh"]))
    if row.get("resp_person"):
        zh.append(f"责任人 {row['resp_person']}")
        en.append(f"officer {row['resp_person']}")
    return both("，".join(zh) or "—", ", ".join(en) or "—")


def release_rule(protocol: Protocol, isolation: bool) -> Label:
    """The rule an episode is released on, in the protocol's values."""
    if not isolation:
        return both(
            "隔离期满，每个检测日均有阴性核酸结果（漏检日以其后的阴性结果补足）",
            "its days over and a negative PCR sample for each test day (a missed day made "
            "up by a later negative)",
        )
    rules = protocol.release
    zh: list[str] = []
    en: list[str] = []
    if rules.negative_tests:
        n, hours = rules.negative_tests, rules.min_interval_hours
        zh.append(f"连续 {n} 次核酸检测（采样间隔 ≥ {hours} 小时）阴性")
        en.append(f"{n} PCR samples at least {hours} h apart, each negative")
        if rules.ct_threshold is not None and rules.genes:
            zh[-1] += f"或 {'、'.join(rules.genes)} 基因 Ct 值均 ≥ {rules.ct_threshold:g}"
            en[-1] += f" or with Ct ≥ {rules.ct_threshold:g} on {' and '.join(rules.genes)}"
    if rules.min_days_after_onset:
        zh.append(f"发病（或隔离）后满 {rules.min_days_after_onset} 天")
        en.append(f"{rules.min_days_after_onset} days after onset (or isolation)")
    if rules.symptom_free_days:
        zh.append(f"症状消失满 {rules.symptom_free_days} 天")
        en.append(f"{rules.symptom_free_days} days without symptoms")
    if protocol.isolation.min_days:
        zh.append(f"隔离满 {protocol.isolation.min_days} 天")
        en.append(f"at least {protocol.isolation.min_days} days of isolation")
    return both("；".join(zh) or "—", "; ".join(en) or "—")


def _sample(sample: Mapping[str, Any], lang: str) -> str:
    """A sample as shown: its id, when it was taken, the result and any Ct values."""
    shown = TestOutcome.parse(str(sample["result"])).label(lang)
    cts = [
        f"{gene} {sample[key]:g}"
        for gene, key in (("N", "ct_n"), ("ORF1ab", "ct_orf1ab"))
        if sample[key] is not None
    ]
    if cts:
        shown += f"（Ct {'、'.join(cts)}）" if lang == "zh" else f" (Ct {', '.join(cts)})"
    return f"{sample['sample_id']} {_when(sample['sample_time'])} {shown}"


def _days(days: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(days) or "—"


def _kinds(data: Mapping[str, Any], lang: str) -> str:
    """The episode's measures in order: 集中隔离 → 居家健康监测; Centralised quarantine then
    health monitoring."""
    shown = [m[lang] for m in data["measures"]]
    if lang == "zh":
        return " → ".join(shown)
    return " then ".join([shown[0], *(s.lower() for s in shown[1:])])


def _stages(data: Mapping[str, Any], lang: str) -> Table:
    zh = lang == "zh"
    headers = (
        ("阶段", "开始", "预计结束", "核酸检测日")
        if zh
        else (
            "Stage",
            "Start",
            "Planned end",
            "PCR test days",
        )
    )
    rows = tuple(
        (
            ControlKind(s["kind"]).label(lang),
            _when(s["start"]),
            _when(s["planned_end"]),
            _days(s["test_days"], lang),
        )
        for s in data["stages"]
    )
    return Table(headers, rows, (3, 3, 3, 5))


def _person(data: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """The person's name and identifier (its kind and number) as shown."""
    person = data["person"]
    if not person["id_number"]:
        return person["name"] or "—", ""
    kind = IdType(person["id_type"]).label(lang) if person["id_type"] else ""
    return person["name"] or "—", f"{kind} {person['id_number']}".strip()


def _named(name: str, identifier: str, lang: str) -> str:
    """王**（居民身份证 310***********013X）; Wang (Passport E1234…)."""
    if not identifier:
        return name
    return f"{name}（{identifier}）" if lang == "zh" else f"{name} ({identifier})"


def _order(data: Mapping[str, Any], lang: str) -> Section:
    zh = lang == "zh"
    name, identifier = _person(data, lang)
    protocol = data["protocol"]
    title = protocol["title_zh"] if zh else protocol["title_en"]
    isolation = data["measures"][0]["kind"] == ControlKind.ISOLATION.value
    reason, where, kinds = data["reason"][lang], data["site"][lang], _kinds(data, lang)
    start, end = _when(data["start"]), _when(data["planned_end"])
    checks = data["health_checks_per_day"]
    if zh:
        body = f"根据《{title}》，你因系{reason}，自 {start} 起实施{kinds}（{where}），"
        body += (
            f"符合解除隔离标准（{data['release_rule']['zh']}）后解除。"
            if isolation
            else f"预计至 {end} 解除。"
        )
        body += "期间请按下表接受核酸检测"
        body += f"，每日报告体温和症状{checks}次" if checks else ""
        body += "，未经许可不得离开。"
    else:
        body = (
            f"Under the {title}, as {reason} you are placed under {kinds.lower()} ({where}) "
            f"from {start}, "
        )
        body += (
            f"until you meet the release rule ({data['release_rule']['en']}). "
            if isolation
            else f"planned to end {end}. "
        )
        body += "Please give a PCR sample on each test day below"
        body += f", report your temperature and symptoms {checks} times a day" if checks else ""
        body += ", and do not leave without permission."
    status = ControlStatus(data["status"]).label(lang)
    basis = (
        f"{title}（{protocol['name']}，{protocol['effective_date']} 起施行）"
        if zh
        else (f"{title} ({protocol['name']}, in force from {protocol['effective_date']})")
    )
    rows = (
        ("姓名", "Name", name),
        ("证件", "Identifier", identifier or "—"),
        ("事由", "Reason", reason),
        ("管控措施", "Measure", kinds),
        ("地点", "Site", where),
        ("开始时间", "Start", start),
        ("预计解除", "Planned end", "—" if isolation else end),
        ("当前状态", "Status", status),
        ("依据", "Protocol", basis),
    )
    fields = tuple((zh_label if zh else en_label, value) for zh_label, en_label, value in rows)
    notes: tuple[str, ...] = ()
    if data["previous_planned_end"]:
        before = _when(data["previous_planned_end"])
        notes = (
            (f"因再次暴露，预计解除时间由 {before} 延至 {end}。",)
            if zh
            else (f"Extended after a further exposure: planned end {before} moved to {end}.",)
        )
    return _section(
        data,
        lang,
        (f"{_named(name, identifier, lang)}{'：' if zh else ':'}", body),
        fields,
        _stages(data, lang),
        notes,
    )


def _release(data: Mapping[str, Any], lang: str) -> Section:
    zh = lang == "zh"
    name, identifier = _person(data, lang)
    protocol = data["protocol"]
    title = protocol["title_zh"] if zh else protocol["title_en"]
    reason, where, kinds = data["reason"][lang], data["site"][lang], _kinds(data, lang)
    start, end = _when(data["start"]), _when(data["end"])
    joined = ("；" if zh else "; ").join(_sample(s, lang) for s in data["samples"])
    shown = joined or ("无记录" if zh else "none on record")
    follow = data["follow_up"]
    if follow is None:
        after = "无" if zh else "none"
    elif zh:
        after = (
            f"{ControlKind(follow['kind']).zh} {_when(follow['start'])} 至 "
            f"{_when(follow['planned_end'])}，核酸检测日 {_days(follow['test_days'], lang)}"
        )
    else:
        after = (
            f"{ControlKind(follow['kind']).en.lower()} from {_when(follow['start'])} to "
            f"{_when(follow['planned_end'])}, PCR test days {_days(follow['test_days'], lang)}"
        )
    if zh:
        body = (
            f"兹证明 {_named(name, identifier, lang)} 因系{reason}，于 {start} 至 {end} 实施"
            f"{kinds}（{where}），已符合《{title}》规定的解除条件，予以解除。"
        )
    else:
        body = (
            f"This certifies that {_named(name, identifier, lang)}, placed under {kinds.lower()} "
            f"({where}) as {reason} from {start} to {end}, has met the release rule of the "
            f"{title} and is released."
        )
    rows = (
        ("姓名", "Name", name),
        ("证件", "Identifier", identifier or "—"),
        ("事由", "Reason", reason),
        ("解除措施", "Released from", kinds),
        ("地点", "Site", where),
        ("起止时间", "Period", f"{start} 至 {end}" if zh else f"{start} to {end}"),
        ("解除依据", "Released on", data["release_rule"][lang]),
        ("核酸检测", "PCR samples", shown),
        ("后续管理", "Follow-up", after),
    )
    fields = tuple((zh_label if zh else en_label, value) for zh_label, en_label, value in rows)
    return _section(data, lang, (body,), fields, None, ())


def _section(
    data: Mapping[str, Any],
    lang: str,
    paragraphs: tuple[str, ...],
    fields: tuple[tuple[str, str], ...],
    table: Table | None,
    notes: tuple[str, ...],
) -> Section:
    kind = DocumentKind(data["kind"])
    zh = lang == "zh"
    heading = (
        f"编号：{data['number']}　　签发日期：{data['issued']}"
        if zh
        else f"No. {data['number']} · issued {data['issued']}"
    )
    closing = (
        (f"签发单位：{data['issuer']['zh']}", f"签发日期：{data['issued']}")
        if zh
        else (f"Issued by: {data['issuer']['en']}", f"Date: {data['issued']}")
    )
    return Section(
        LANG_TAGS[lang],
        kind.label(lang),
        (heading,),
        paragraphs,
        fields,
        table,
        notes,
        closing,
    )


def sections(data: Mapping[str, Any], langs: Sequence[str]) -> list[Section]:
    """The document in each of ``langs`` (zh, en), in that order."""
    write = _order if data["kind"] == DocumentKind.ORDER.value else _release
    return [write(data, lang) for lang in langs]


def metadata(data: Mapping[str, Any]) -> Metadata:
    kind = DocumentKind(data["kind"])
    return Metadata(
        title=f"{kind.zh} {kind.en} {data['number']}",
        subject=f"episode {data['episode_id']}",
        author=data["issuer"]["en"],
        keywords=(kind.value, data["number"]),
    )


__all__ = ["both", "issuer", "labels", "metadata", "reason", "release_rule", "sections", "site"]
