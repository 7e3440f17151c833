"""Human-readable text in the reader's language: SHOUTU_LANG zh, en or both (Chinese then
English, the default). Codes and keys in CSV, JSON and Parquet stay English in every
language; only what people read at a terminal changes."""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from typing import Any

from shoutu.cli.output import Table
from shoutu.domain.timeutil import zone
from shoutu.domain.vocabulary import Labeled

#: column headers people read: (zh, en)
HEADERS: dict[str, tuple[str, str]] = {
    "area": ("区域", "area"),
    "area_id": ("风险区", "area"),
    "detail": ("说明", "detail"),
    "what": ("处置", "what"),
    "earliest_downgrade": ("最早降级日", "earliest downgrade"),
    "level": ("风险等级", "level"),
    "measure": ("管控措施", "measure"),
    "population": ("人口", "population"),
    "since": ("起始日", "since"),
    "case_id": ("病例", "case"),
    "category": ("类别", "category"),
    "channel": ("渠道", "channel"),
    "classification": ("分类", "classification"),
    "cluster": ("聚集", "cluster"),
    "community": ("社会面", "community"),
    "compliance": ("依从率", "compliance"),
    "count": ("数量", "count"),
    "coverage": ("覆盖率", "coverage"),
    "days": ("日期", "days"),
    "days_since_last_community_case": ("距末例社会面病例天数", "days since last community case"),
    "due": ("时限", "due"),
    "due_time": ("时限", "due"),
    "end": ("结束", "end"),
    "episode_id": ("管控编号", "episode"),
    "expected": ("应检", "expected"),
    "fever": ("发热", "fever"),
    "found_in_control": ("管控内", "in control"),
    "free": ("空余", "free"),
    "generations": ("代数", "generations"),
    "id": ("编号", "id"),
    "in_control": ("管控内", "in control"),
    "isolate": ("应隔尽隔", "contacts controlled"),
    "kind": ("类型", "kind"),
    "last_report": ("最近上报", "last report"),
    "manage": ("应管尽管", "followed up"),
    "method": ("方法", "method"),
    "missed": ("漏报", "missed"),
    "needed": ("需求", "needed"),
    "needs": ("所需场所", "needs"),
    "observed": ("观测", "observed"),
    "occupied": ("占用", "occupied"),
    "origin": ("来源", "origin"),
    "overdue": ("逾期", "overdue"),
    "own_district": ("本区", "own district"),
    "people": ("人数", "people"),
    "person_id": ("人员", "person"),
    "planned_end": ("计划解除", "planned end"),
    "pool": ("混采", "pool"),
    "positive": ("阳性", "positive"),
    "positivity": ("阳性率", "positivity"),
    "rate": ("日均新增", "new a day"),
    "reason": ("事由", "reason"),
    "received": ("已报", "received"),
    "region": ("地区", "region"),
    "region_code": ("地区", "region"),
    "report_time": ("报告时间", "reported"),
    "reports_due": ("应报", "due"),
    "resulted": ("已出结果", "resulted"),
    "rooms": ("房间", "rooms"),
    "round": ("轮次", "round"),
    "sampled": ("已采样", "sampled"),
    "samples": ("样本", "samples"),
    "scenario": ("方案", "scenario"),
    "shortage": ("短缺", "shortage"),
    "site": ("场所", "site"),
    "site_id": ("场所编号", "site id"),
    "stages": ("阶段", "stages"),
    "start": ("开始", "start"),
    "severity": ("紧急程度", "severity"),
    "responsible_level": ("责任层级", "responsible level"),
    "open": ("未办结", "open"),
    "step": ("步骤", "step"),
    "party": ("责任方", "party"),
    "done": ("完成", "done"),
    "status": ("状态", "status"),
    "subject_id": ("对象", "subject"),
    "subject_type": ("对象类型", "subject type"),
    "symptom_test_task_id": ("症状检测任务", "symptom test"),
    "symptoms": ("症状", "symptoms"),
    "task_id": ("任务", "task"),
    "temperature": ("体温", "temperature"),
    "test": ("应检尽检", "tested as due"),
    "test_days": ("检测日", "test days"),
    "threshold": ("阈值", "threshold"),
    "title": ("内容", "title"),
    "treat": ("应治尽治", "cases isolated"),
    "type": ("类型", "type"),
    "unit": ("单位", "unit"),
    "waiting": ("待分配", "waiting"),
    "zero_since": ("清零起始日", "zero since"),
}


def lang() -> str:
    """zh, en or both (SHOUTU_LANG; both when the settings cannot be read)."""
    return _lang(os.environ.get("SHOUTU_LANG"))


@lru_cache(maxsize=4)
def _lang(_variable: str | None) -> str:
    """The settings' language, read once per value of the variable (a table of 10,000 rows
    asks for every cell)."""
    try:
        from shoutu.settings import get_settings

        return get_settings().lang
    except Exception:  # a bad setting is reported elsewhere; speak both meanwhile
        return "both"


def say(zh: str, en: str) -> str:
    """The text in the reader's language."""
    chosen = lang()
    if chosen == "zh":
        return zh
    if chosen == "en":
        return en
    return f"{zh} {en}"


def label(member: Labeled) -> str:
    """A vocabulary value's label in the reader's language."""
    return say(member.zh, member.en)


def value(enum: type[Labeled], raw: Any) -> str:
    """A stored vocabulary value as people read it (unknown values as they are)."""
    try:
        return label(enum(raw))
    except ValueError:
        return str(raw)


def when(stamp: dt.datetime | None, tz: str) -> str:
    """A stored moment as people read it: local time to the minute ('' for none)."""
    return stamp.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M") if stamp else ""


def header(column: str) -> str:
    zh, en = HEADERS.get(column, (column, column))
    return say(zh, en) if zh != en else column


def table(zh: str, en: str, columns: list[str], **options: Any) -> Table:
    """A table titled and headed in the reader's language."""
    found = Table(title=say(zh, en), **options)
    for column in columns:
        found.add_column(header(column))
    return found


__all__ = ["HEADERS", "header", "label", "lang", "say", "table", "value"]
