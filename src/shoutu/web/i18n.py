"""The pages' language (zh or en): ``?lang=``, then the ``lang`` cookie, then Accept-Language
(default zh); and their words in both. Enumerated values take the vocabulary's labels."""

from __future__ import annotations

from fastapi import Request

from shoutu.domain.vocabulary import Labeled

LANGS = ("zh", "en")
COOKIE = "lang"

WORDS: dict[str, tuple[str, str]] = {
    "app": ("守土 疫情防控平台", "shoutu outbreak control"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "wrong_login": ("用户名或密码错误", "Wrong username or password"),
    "wrong_origin": ("请从本站登录页登录", "Log in from this site's own login page"),
    "dashboard": ("指挥中心", "Command centre"),
    "situation": ("疫情形势", "Situation"),
    "cases_total": ("累计感染者", "Infections in all"),
    "in_control": ("管控内发现", "Found in control"),
    "community": ("社会面发现", "Found in the community"),
    "imported": ("境外输入", "Imported"),
    "local": ("本土", "Local"),
    "days_since_community": ("距最近社会面病例天数", "Days since the last community case"),
    "curve": ("流行曲线", "Epidemic curve"),
    "map": ("各区病例", "Cases by district"),
    "signals": ("预警信号", "Signals"),
    "open_signals": ("待处置预警信号", "Open signals"),
    "tasks": ("任务", "Tasks"),
    "tasks_open": ("未完成任务", "Open tasks"),
    "tasks_overdue": ("逾期任务", "Overdue tasks"),
    "case": ("病例", "Case"),
    "person": ("人员", "Person"),
    "classification": ("分类", "Classification"),
    "status": ("状态", "Status"),
    "report_time": ("报告时间", "Reported"),
    "onset_time": ("发病时间", "Onset"),
    "isolation_time": ("隔离时间", "Isolated"),
    "release_time": ("解除时间", "Released"),
    "contacts": ("密切接触者", "Contacts"),
    "region": ("地区", "Region"),
    "channel": ("发现途径", "Detection"),
    "none": ("无", "None"),
    "observed": ("观察值", "Observed"),
    "threshold": ("阈值", "Threshold"),
    "method": ("方法", "Method"),
    "period": ("时段", "Period"),
    "next_step": ("下一步", "Next step"),
    "public": ("疫情通报", "Public bulletin"),
    "risk_areas": ("风险区", "Risk areas"),
    "level": ("等级", "Level"),
    "since": ("起始日期", "Since"),
    "date": ("日期", "Date"),
    "new_infections": ("新增感染者", "New infections"),
    "confirmed": ("确诊病例", "Confirmed"),
    "asymptomatic": ("无症状感染者", "Asymptomatic"),
    "language": ("English", "中文"),
    "no_areas": ("当日无风险区", "No risk areas on the day"),
    "lab": ("检测结果上传", "Lab results"),
    "worker": ("社区工作", "Community work"),
    "chain": ("传播链", "Transmission chain"),
    "four_should": ("四应四尽", "The four shoulds"),
    "four_test": ("应检尽检", "Tested as due"),
    "four_isolate": ("应隔尽隔", "Contacts controlled in time"),
    "four_treat": ("应治尽治", "Cases isolated in time"),
    "four_manage": ("应管尽管", "Managed with a follow-up"),
    "late_parties": ("进度滞后的责任方", "Parties furthest behind"),
    "self_check": ("自查：我是否与病例轨迹重合", "Self-check: was I where a case was?"),
    "exposed": (
        "您的行程与病例活动轨迹有重合，请主动向社区报告并做核酸检测",
        "Your visit overlapped a case's: tell your community and get a PCR test",
    ),
    "not_exposed": ("未发现与已公布病例轨迹重合", "No overlap with the published trajectories"),
    "minutes": ("分钟", "minutes"),
    "place": ("场所", "Place"),
    "time_in": ("到达时间", "Time in"),
    "time_out": ("离开时间", "Time out"),
    "check": ("查询", "Check"),
    "trajectories": ("已公布的病例活动轨迹", "Published case trajectories"),
    "window": ("时段", "Window"),
    "reports": ("今日健康报告", "Reports today"),
    "fever": ("发热", "Fever"),
    "temperature": ("体温（°C）", "Temperature (°C)"),
    "symptoms": ("症状", "Symptoms"),
    "submit": ("提交", "Submit"),
    "saved_offline": (
        "已保存在本机，联网后自动提交",
        "Saved on this phone; it is sent when back online",
    ),
    "sent": ("已提交", "Sent"),
    "sending": ("正在提交", "Sending"),
    "results_file": ("结果文件（CSV、Excel、Parquet）", "Results file (CSV, Excel, Parquet)"),
    "check_file": ("校验", "Check"),
    "upload": ("上传", "Upload"),
    "file_ok": ("校验通过，尚未保存", "The file is valid; nothing stored yet"),
    "file_stored": ("已保存", "Stored"),
    "row": ("行", "Row"),
    "field": ("字段", "Field"),
    "reason": ("原因", "Reason"),
    "rows": ("行数", "Rows"),
    "new_rows": ("新增", "New"),
    "already_stored": ("已存在", "Already stored"),
}


def negotiate(request: Request) -> str:
    """The language of this request."""
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGS:
        return asked
    header = request.headers.get("accept-language", "")
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, i, tag.strip().lower()[:2]))
    for _, _, tag in sorted(ranked):
        if tag in LANGS:
            return tag
    return "zh"


def words(lang: str) -> dict[str, str]:
    """Every page word in ``lang``."""
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in WORDS.items()}


def label(value: object, lang: str) -> str:
    """A vocabulary value's label in ``lang`` (other values as they are)."""
    return value.label(lang) if isinstance(value, Labeled) else str(value)


__all__ = ["COOKIE", "LANGS", "label", "negotiate", "words"]
