"""The controlled vocabulary: every enumerated string shoutu reads or writes.

Each value carries a Chinese (``zh``) and an English (``en``) label. Files, tables, protocol
files and the CLI use these values; no other module spells them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self

_LOOKUPS: dict[type, dict[str, Labeled]] = {}
_SEPARATORS = re.compile(r"[,;，；、]")
_NONE = {"none", "无", "-"}


class Labeled(StrEnum):
    """A string enum whose members carry a Chinese and an English label."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en

    @classmethod
    def parse(cls, text: str) -> Self:
        """The member whose value, Chinese or English label equals ``text`` (case-insensitive)."""
        lookup = _LOOKUPS.get(cls)
        if lookup is None:
            lookup = {}
            for member in cls:
                lookup.update(
                    {member.value: member, member.en.casefold(): member, member.zh: member}
                )
            _LOOKUPS[cls] = lookup
        found = lookup.get(text.strip().casefold())
        if found is None:
            allowed = ", ".join(m.value for m in cls)
            raise ValueError(f"{text!r} is not a known {cls.__name__}; expected one of: {allowed}")
        return found  # type: ignore[return-value]

    @classmethod
    def parse_many(cls, text: str) -> tuple[Self, ...]:
        """Members separated by commas or semicolons (values, English or Chinese labels);
        empty or ``none``: none. In the vocabulary's order, each once; an unknown one is a
        ValueError."""
        parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
        if len(parts) == 1 and parts[0].casefold() in _NONE:
            return ()
        found = {cls.parse(p) for p in parts}
        return tuple(m for m in cls if m in found)


class Setting(Labeled):
    """Where an exposure happens (transmission settings; the first eight are group types)."""

    HOUSEHOLD = "household", "家庭", "Household"
    SCHOOL_CLASS = "school_class", "班级", "School class"
    OFFICE = "office", "办公室", "Office"
    WORKPLACE = "workplace", "工作单位", "Workplace"
    DORMITORY = "dormitory", "宿舍", "Dormitory"
    VENUE = "venue", "公共场所", "Venue"
    TRANSPORT = "transport", "交通工具", "Transport"
    NURSING_HOME = "nursing_home", "养老机构", "Nursing home"
    HOSPITAL = "hospital", "医疗机构", "Hospital"
    COMMUNITY = "community", "社区", "Community"
    IMPORTED = "imported", "境外输入", "Imported"


#: Settings that are also the group types of memberships (groups.parquet ``group_type``).
GROUP_TYPES: tuple[Setting, ...] = tuple(list(Setting)[:8])


class ContactKind(Labeled):
    CLOSE = "close", "密切接触者", "Close contact"
    SECONDARY = "secondary", "密接的密接", "Secondary contact"
    COMPANION = "companion", "时空伴随者", "Spatiotemporal companion"


class Channel(Labeled):
    """How a case or signal was detected."""

    FEVER_CLINIC = "fever_clinic", "发热门诊", "Fever clinic"
    ANTIGEN_SELF_TEST = "antigen_self_test", "抗原自测", "Antigen self-test"
    ROUTINE_SCREENING = "routine_screening", "常规筛查", "Routine screening"
    MASS_SCREENING = "mass_screening", "区域核酸筛查", "Mass screening"
    QUARANTINE_TESTING = "quarantine_testing", "隔离人员检测", "Quarantine testing"
    CONTACT_TRACING = "contact_tracing", "密接追踪", "Contact tracing"
    PORT_SCREENING = "port_screening", "口岸筛查", "Port screening"
    HOSPITAL = "hospital", "医疗机构就诊", "Hospital"
    OTHER = "other", "其他", "Other"


class KeyPopulation(Labeled):
    """Key-population categories with protocol-defined screening frequencies."""

    PORT_WORKER = "port_worker", "口岸工作人员", "Port worker"
    AIRPORT_WORKER = "airport_worker", "机场工作人员", "Airport worker"
    COLD_CHAIN = "cold_chain", "冷链从业人员", "Cold-chain worker"
    MEDICAL_STAFF = "medical_staff", "医务人员", "Medical staff"
    FEVER_CLINIC_STAFF = "fever_clinic_staff", "发热门诊工作人员", "Fever-clinic staff"
    ISOLATION_SITE_STAFF = "isolation_site_staff", "隔离场所工作人员", "Isolation-site staff"
    DELIVERY = "delivery", "快递外卖人员", "Delivery worker"
    LOGISTICS = "logistics", "物流人员", "Logistics worker"
    PHARMACY = "pharmacy", "药店工作人员", "Pharmacy worker"
    MARKET = "market", "农贸市场从业人员", "Market worker"
    HOTEL = "hotel", "酒店从业人员", "Hotel worker"
    TRANSPORT = "transport", "交通运输从业人员", "Transport worker"
    CARE_HOME = "care_home", "养老机构工作人员", "Care-home worker"
    TEACHER = "teacher", "教职员工", "Teacher"
    OTHER = "other", "其他重点人群", "Other key population"


class ImportRoute(Labeled):
    """How an infection enters the city (the simulator's importations)."""

    PORT_WORKER = "port_worker", "口岸工作人员", "Port worker"
    AIRPORT_WORKER = "airport_worker", "机场工作人员", "Airport worker"
    COLD_CHAIN = "cold_chain", "冷链从业人员", "Cold-chain worker"
    TRAVELLER = "traveller", "入境旅客", "Inbound traveller"


class VisitReason(Labeled):
    """Why someone visited a clinic (the sentinel channel's records)."""

    ILI = "ili", "流感样病例", "Influenza-like illness"
    OTHER = "other", "其他就诊", "Other"


class SaleCategory(Labeled):
    """Pharmacy sales monitored as a sentinel channel."""

    FEVER = "fever", "退烧药", "Fever medicine"
    COUGH = "cough", "止咳药", "Cough medicine"
    ANTIGEN_KIT = "antigen_kit", "抗原检测试剂", "Antigen test kit"


class PlaceType(Labeled):
    """Venues and key places."""

    RESIDENTIAL = "residential", "住宅小区", "Residential compound"
    SCHOOL = "school", "学校", "School"
    KINDERGARTEN = "kindergarten", "幼儿园", "Kindergarten"
    NURSING_HOME = "nursing_home", "养老院", "Nursing home"
    WORKPLACE = "workplace", "工作单位", "Workplace"
    AIRPORT = "airport", "机场", "Airport"
    RAILWAY_STATION = "railway_station", "火车站", "Railway station"
    PORT = "port", "口岸", "Port"
    COLD_CHAIN_WAREHOUSE = "cold_chain_warehouse", "冷链仓库", "Cold-chain warehouse"
    FARMERS_MARKET = "farmers_market", "农贸市场", "Farmers' market"
    SUPERMARKET = "supermarket", "超市", "Supermarket"
    PHARMACY = "pharmacy", "药店", "Pharmacy"
    CLINIC = "clinic", "诊所", "Clinic"
    FEVER_CLINIC = "fever_clinic", "发热门诊", "Fever clinic"
    HOSPITAL = "hospital", "医院", "Hospital"
    DESIGNATED_HOSPITAL = "designated_hospital", "定点医院", "Designated hospital"
    MAKESHIFT_HOSPITAL = "makeshift_hospital", "方舱医院", "Makeshift hospital"
    RESTAURANT = "restaurant", "餐馆", "Restaurant"
    MALL = "mall", "商场", "Mall"
    GYM = "gym", "健身房", "Gym"
    HOTEL = "hotel", "酒店", "Hotel"
    QUARANTINE_HOTEL = "quarantine_hotel", "集中隔离点", "Quarantine hotel"
    SAMPLING_SITE = "sampling_site", "采样点", "Sampling site"
    LAB = "lab", "检测实验室", "Laboratory"
    OTHER = "other", "其他场所", "Other place"


class TestMethod(Labeled):
    __test__ = False  # not a pytest class

    PCR = "pcr", "核酸检测", "PCR"
    ANTIGEN = "antigen", "抗原检测", "Antigen"


class VaccinationStatus(Labeled):
    """A person's COVID-19 vaccination on a day, from their doses."""

    NONE = "none", "未接种", "Not vaccinated"
    PARTIAL = "partial", "未完成全程", "Primary series not complete"
    PRIMARY = "primary", "完成全程", "Primary series complete"
    BOOSTED = "boosted", "已加强", "Boosted"
    SECOND_BOOSTER = "second_booster", "第二剂加强", "Second booster"


class LoopStatus(Labeled):
    """A closed-loop worker's status (闭环管理) on a day."""

    IN_LOOP = "in_loop", "闭环中", "In the closed loop"
    LEAVING = "leaving", "脱离闭环健康监测", "Left the loop: under monitoring"
    OFF = "off", "已脱离闭环", "Off the loop"


class EnvironmentObject(Labeled):
    """What an environment sample (环境/物品标本) was taken from."""

    COLD_CHAIN_PACKAGE = "cold_chain_package", "冷链食品外包装", "Cold-chain package"
    CONTAINER_SURFACE = "container_surface", "集装箱表面", "Container surface"
    WAREHOUSE = "warehouse", "仓库环境", "Warehouse environment"
    VEHICLE = "vehicle", "运输车辆", "Transport vehicle"
    OTHER = "other", "其他", "Other"


class TestOutcome(Labeled):
    __test__ = False

    POSITIVE = "positive", "阳性", "Positive"
    NEGATIVE = "negative", "阴性", "Negative"
    INVALID = "invalid", "无效", "Invalid"


class Sex(Labeled):
    MALE = "male", "男", "Male"
    FEMALE = "female", "女", "Female"
    UNKNOWN = "unknown", "未知", "Unknown"


class IdType(Labeled):
    """Kinds of personal identifier."""

    RESIDENT_ID = "resident_id", "居民身份证", "Resident ID card"
    PASSPORT = "passport", "护照", "Passport"
    EXTERNAL = "external", "其他证件", "External identifier"


class RegionLevel(Labeled):
    PROVINCE = "province", "省", "Province"
    CITY = "city", "市", "City"
    DISTRICT = "district", "区县", "District"
    TOWN = "town", "街道乡镇", "Town / subdistrict"
    COMMUNITY = "community", "社区村", "Community"
    BUILDING = "building", "楼栋", "Building"


class CaseClass(Labeled):
    CONFIRMED = "confirmed", "确诊病例", "Confirmed case"
    ASYMPTOMATIC = "asymptomatic", "无症状感染者", "Asymptomatic infection"
    SUSPECTED = "suspected", "疑似病例", "Suspected case"


class Severity(Labeled):
    NONE = "none", "无症状", "None"
    MILD = "mild", "轻型", "Mild"
    MODERATE = "moderate", "普通型", "Moderate"
    SEVERE = "severe", "重型", "Severe"
    CRITICAL = "critical", "危重型", "Critical"


class Origin(Labeled):
    LOCAL = "local", "本土", "Local"
    IMPORTED = "imported", "境外输入", "Imported"
    UNKNOWN = "unknown", "待查", "Not yet known"


class CaseStatus(Labeled):
    ACTIVE = "active", "在治", "Active"
    RELEASED = "released", "出院/解除隔离", "Released"
    DIED = "died", "死亡", "Died"


class ControlKind(Labeled):
    """Control-measure episodes (also the simulator's quarantine kinds)."""

    CENTRALISED = "centralised", "集中隔离", "Centralised quarantine"
    HOME = "home", "居家隔离", "Home quarantine"
    HEALTH_MONITORING = "health_monitoring", "居家健康监测", "Health monitoring"
    ISOLATION = "isolation", "隔离治疗", "Isolation of a case"
    TEMPORARY = "temporary", "临时管控", "Temporary control (positive pool, awaiting re-test)"
    # appended after the simulator's kinds (it indexes them in this order)
    POST_RELEASE_MONITORING = "post_release_monitoring", "解除后健康监测", "Post-release monitoring"
    AREA_SEALED = "area_sealed", "封控区管控", "Sealed area"
    AREA_CONTROLLED = "area_controlled", "管控区管控", "Controlled area"


class ControlStatus(Labeled):
    """Where a control episode stands. ``released`` is what was ``ended`` before episodes
    (migration 0008; an import may still say ``ended``); ``cancelled`` stays for an episode
    opened in error (it never counts as in force)."""

    PLANNED = "planned", "待管控", "Planned"
    ACTIVE = "active", "管控中", "Active"
    HELD = "held", "暂缓解除", "Held"
    RELEASED = "released", "已解除", "Released"
    CONVERTED_TO_CASE = "converted_to_case", "转为病例", "Converted to a case"
    TRANSFERRED = "transferred", "已转出", "Transferred"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "失访", "Lost to follow-up"
    CANCELLED = "cancelled", "已取消", "Cancelled"


#: statuses of an episode still under way (not yet released, converted, moved or lost)
OPEN_CONTROL_STATUSES: tuple[ControlStatus, ...] = (
    ControlStatus.PLANNED,
    ControlStatus.ACTIVE,
    ControlStatus.HELD,
)


class CommunityZeroStatus(Labeled):
    """A region's community zero (社会面清零) status on a day, by the protocol's rule."""

    ZERO = "zero", "清零", "Community zero"
    BASIC_ZERO = "basic_zero", "基本清零", "Basically zero"
    NOT_ZERO = "not_zero", "未清零", "Not zero"


class IsolationSite(Labeled):
    """Where a protocol isolates cases."""

    DESIGNATED_HOSPITAL = "designated_hospital", "定点医院", "Designated hospital"
    MAKESHIFT_HOSPITAL = "makeshift_hospital", "方舱医院", "Makeshift hospital"
    CENTRALISED_FACILITY = "centralised_facility", "集中隔离点", "Centralised facility"
    HOSPITAL = "hospital", "医院", "Hospital"
    HOME = "home", "居家", "Home"


class RiskLevel(Labeled):
    HIGH = "high", "高风险区", "High risk"
    MEDIUM = "medium", "中风险区", "Medium risk"
    LOW = "low", "低风险区", "Low risk"


class AreaStatus(Labeled):
    """A risk area's life: proposed from cases, approved (in force) or rejected, lifted."""

    PROPOSED = "proposed", "待审批", "Proposed"
    APPROVED = "approved", "已生效", "In force"
    REJECTED = "rejected", "已驳回", "Rejected"
    LIFTED = "lifted", "已解除", "Lifted"


class AreaMeasure(Labeled):
    """What a risk level means for the people in the area."""

    STAY_HOME = "stay_home", "足不出户", "Stay at home"
    STAY_IN_AREA = "stay_in_area", "人不出区", "Stay in the area"
    NO_GATHERING = "no_gathering", "严格限制聚集", "No gatherings"
    NONE = "none", "无", "None"


class SignalStatus(Labeled):
    """The CIDARS response workflow of a signal."""

    NEW = "new", "新信号", "New"
    VERIFYING = "verifying", "核实中", "Under verification"
    INVESTIGATING = "investigating", "现场调查", "Field investigation"
    CONFIRMED = "confirmed", "确认暴发", "Confirmed outbreak"
    FALSE_ALARM = "false_alarm", "排除", "False alarm"


class TaskKind(Labeled):
    REPORT = "report", "病例报告", "Case report"
    INVESTIGATION = "investigation", "流行病学调查", "Investigation"
    CONTACT_CONTROL = "contact_control", "密接管控", "Contact control"
    RESAMPLE = "resample", "单采复核", "Single-tube re-sampling"
    PCR_CONFIRMATION = "pcr_confirmation", "核酸复核", "PCR confirmation"
    QUARANTINE_TEST = "quarantine_test", "隔离期检测", "Quarantine test"
    SIGNAL_RESPONSE = "signal_response", "信号响应", "Signal response"
    HELP_REQUEST = "help_request", "求助处置", "Help request"
    RELEASE = "release", "解除隔离", "Release"
    SYMPTOM_TEST = "symptom_test", "症状检测", "Test after fever or symptoms"
    RESPONSE_PLAN = "response_plan", "应急预案处置", "Response-plan step"
    OTHER = "other", "其他", "Other"


class Symptom(Labeled):
    """Symptoms a daily health check reports (the protocol says which call for a test)."""

    FEVER = "fever", "发热", "Fever"
    COUGH = "cough", "咳嗽", "Cough"
    SORE_THROAT = "sore_throat", "咽痛", "Sore throat"
    FATIGUE = "fatigue", "乏力", "Fatigue"
    LOSS_OF_SMELL_OR_TASTE = "loss_of_smell_or_taste", "嗅(味)觉减退", "Loss of smell or taste"
    SHORTNESS_OF_BREATH = "shortness_of_breath", "呼吸困难", "Shortness of breath"
    MUSCLE_ACHE = "muscle_ache", "肌痛", "Muscle ache"
    RUNNY_NOSE = "runny_nose", "鼻塞流涕", "Runny or blocked nose"
    CONJUNCTIVITIS = "conjunctivitis", "结膜炎", "Conjunctivitis"
    DIARRHOEA = "diarrhoea", "腹泻", "Diarrhoea"
    OTHER = "other", "其他症状", "Other symptom"


class CheckChannel(Labeled):
    """How a health check was reported."""

    APP = "app", "小程序/APP", "App"
    PHONE = "phone", "电话", "Phone"
    VISIT = "visit", "上门", "Visit"
    SITE_STAFF = "site_staff", "隔离点工作人员", "Site staff"
    IMPORT = "import", "批量导入", "Batch import"


class TaskStatus(Labeled):
    """open → in_progress → done | not_executable | cancelled (open may end directly)."""

    OPEN = "open", "待办", "Open"
    DONE = "done", "已完成", "Done"
    CANCELLED = "cancelled", "已取消", "Cancelled"
    IN_PROGRESS = "in_progress", "办理中", "In progress"
    NOT_EXECUTABLE = "not_executable", "无法执行", "Cannot be done"


class DocumentKind(Labeled):
    """The documents of a control episode (``control document``)."""

    ORDER = "order", "隔离通知书", "Quarantine order"
    RELEASE = "release", "解除隔离证明", "Release certificate"


class HelpCategory(Labeled):
    """What a help request (求助) asks for; the medical ones never wait on a test result."""

    MEDICAL_EMERGENCY = "medical_emergency", "急危重症就医", "Medical emergency"
    DIALYSIS = "dialysis", "血液透析", "Dialysis"
    OBSTETRIC = "obstetric", "孕产妇就医", "Obstetric care"
    ONCOLOGY = "oncology", "肿瘤放化疗", "Cancer treatment"
    CHRONIC_MEDICINE = "chronic_medicine", "慢病配药", "Chronic medicine"
    MENTAL_HEALTH = "mental_health", "心理援助", "Mental health"
    FOOD = "food", "生活物资", "Food and necessities"
    INFANT_SUPPLIES = "infant_supplies", "婴幼儿用品", "Infant supplies"
    OTHER = "other", "其他", "Other"

    @property
    def medical(self) -> bool:
        return self not in (HelpCategory.FOOD, HelpCategory.INFANT_SUPPLIES, HelpCategory.OTHER)


class VulnerableGroup(Labeled):
    """Who is asking, when they belong to a group that needs help first."""

    ELDERLY_ALONE = "elderly_alone", "独居老人", "Elderly living alone"
    PREGNANT = "pregnant", "孕产妇", "Pregnant"
    INFANT = "infant", "婴幼儿", "Infant"
    DISABLED = "disabled", "残疾人", "Disabled"
    CHRONIC_DISEASE = "chronic_disease", "慢性病患者", "Chronic disease"
    CRITICALLY_ILL = "critically_ill", "危重病人", "Critically ill"
    OTHER = "other", "其他困难群体", "Other"


class HelpChannel(Labeled):
    HOTLINE = "hotline", "热线电话", "Hotline"
    COMMUNITY_WORKER = "community_worker", "社区工作者", "Community worker"
    APP = "app", "小程序/APP", "App"


class HelpStatus(Labeled):
    """A help request's life; ``escalated`` is a level change with a new clock, not an end."""

    RECEIVED = "received", "已受理", "Received"
    TRIAGED = "triaged", "已分级", "Triaged"
    ASSIGNED = "assigned", "已派单", "Assigned"
    IN_PROGRESS = "in_progress", "处置中", "In progress"
    RESOLVED = "resolved", "已解决", "Resolved"
    CANCELLED = "cancelled", "已撤销", "Cancelled"
    ESCALATED = "escalated", "已升级", "Escalated"


class PlanParty(Labeled):
    """Who a key place's response-plan step falls to."""

    PLACE = "place", "场所单位", "The place itself"
    COMMUNITY = "community", "社区居委会", "Community committee"
    TOWN = "town", "街道乡镇", "Town or subdistrict"
    DISTRICT_CDC = "district_cdc", "区疾控中心", "District CDC"
    DISTRICT_HEALTH = "district_health", "区卫生健康委", "District health commission"
    DISTRICT_EDUCATION = "district_education", "区教育局", "District education bureau"
    DISTRICT_CIVIL_AFFAIRS = "district_civil_affairs", "区民政局", "District civil affairs"
    MARKET_REGULATION = "market_regulation", "区市场监管局", "District market regulation"
    PORT_AUTHORITY = "port_authority", "口岸联防联控办", "Port joint prevention office"


class PlanAction(Labeled):
    """What a response-plan step does."""

    NOTIFY = "notify", "报告通知", "Notify"
    CLOSE = "close", "停课停业", "Close"
    CLOSED_LOOP = "closed_loop", "闭环管理", "Closed loop"
    SCREEN_EVERYONE = "screen_everyone", "全员核酸", "Screen everyone"
    INVESTIGATE = "investigate", "流行病学调查", "Investigate"
    DISINFECT = "disinfect", "终末消毒", "Disinfect"
    TRACE_GOODS = "trace_goods", "物品溯源", "Trace goods"
    REOPEN = "reopen", "评估复课复业", "Assess reopening"


class AuditAction(Labeled):
    CREATE = "create", "新建", "Create"
    UPDATE = "update", "修改", "Update"
    DELETE = "delete", "删除", "Delete"
    READ = "read", "查阅", "Read"
    READ_PII = "read_pii", "查阅个人信息", "Read personal data"
    LOGIN = "login", "登录", "Log in"
    LOGIN_FAILED = "login_failed", "登录失败", "Failed login"
    LOGOUT = "logout", "退出登录", "Log out"
    DENIED = "denied", "拒绝访问", "Access denied"


class Role(Labeled):
    """What a web user does (their rights follow from it, see ``domain/access.py``)."""

    ADMIN = "admin", "系统管理员", "Administrator"
    COMMANDER = "commander", "指挥部", "Command centre"
    EPIDEMIOLOGIST = "epidemiologist", "流调人员", "Epidemiologist"
    COMMUNITY_WORKER = "community_worker", "社区工作者", "Community worker"
    LAB = "lab", "检测机构", "Laboratory"
    KEY_PLACE = "key_place", "重点场所", "Key place"
    OBSERVER = "observer", "观察员", "Observer"
    API_CLIENT = "api_client", "接口客户端", "API client"


class Right(Labeled):
    """What a role may do."""

    VIEW_CASES = "view_cases", "查看病例", "View cases"
    EDIT_CASES = "edit_cases", "编辑病例", "Edit cases"
    REVEAL_PERSONAL_DATA = "reveal_personal_data", "查看个人信息", "Reveal personal data"
    ASSIGN_TASKS = "assign_tasks", "分派任务", "Assign tasks"
    UPLOAD_RESULTS = "upload_results", "上传检测结果", "Upload results"
    RESPOND_TO_SIGNALS = "respond_to_signals", "处置预警信号", "Respond to signals"
    APPROVE_RISK_AREAS = "approve_risk_areas", "审批风险区", "Approve risk areas"
    MANAGE_USERS = "manage_users", "管理用户", "Manage users"


ALL_ENUMS: tuple[type[Labeled], ...] = (
    Role,
    Right,
    AreaStatus,
    Setting,
    ContactKind,
    Channel,
    KeyPopulation,
    ImportRoute,
    VisitReason,
    SaleCategory,
    PlaceType,
    TestMethod,
    EnvironmentObject,
    LoopStatus,
    VaccinationStatus,
    TestOutcome,
    Sex,
    IdType,
    RegionLevel,
    CaseClass,
    Severity,
    Origin,
    CaseStatus,
    ControlKind,
    ControlStatus,
    CommunityZeroStatus,
    IsolationSite,
    RiskLevel,
    AreaMeasure,
    SignalStatus,
    TaskKind,
    Symptom,
    CheckChannel,
    TaskStatus,
    AuditAction,
    DocumentKind,
    HelpCategory,
    VulnerableGroup,
    HelpChannel,
    HelpStatus,
    PlanParty,
    PlanAction,
)
