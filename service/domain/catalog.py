"""The vocabulary every case is filed under: channels, categories, priorities, teams and departments.

Categories with codes `E` + 4 digits (events, 事件) and `C` + 4 digits (components, 部件) follow the
two-level classification of GB/T 30428.2-2013 (major class 2 digits + minor class 2 digits); the
subset below is the one the demo street and the channels use. Codes `L` + 4 digits are GridCommand's
own for grid-governance matters the standard does not cover (disputes, public security, help).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Channel(StrEnum):
    """Where a report came from (接报渠道)."""

    POLICE_110 = "police110"          # 110 非警务警情 transfers
    HOTLINE_12345 = "hotline12345"    # 12345 政务热线 work orders
    CITY_MANAGEMENT = "citymgmt"      # 数字城管 cases with GB/T 30428.2 codes
    OPEN311 = "open311"               # 居民扫码 / 小程序 through Open311 GeoReport v2
    ONLINE_HELP = "onlinehelp"        # 网上求助
    OPERATOR = "operator"             # entered by a command-center operator
    GPS_GATEWAY = "gps"               # not a case channel: the center's own GPS gateway posts positions


class Priority(IntEnum):
    URGENT = 1
    HIGH = 2
    NORMAL = 3
    LOW = 4


class Responder(StrEnum):
    """The kind of unit a case needs first."""

    PATROL = "patrol"                  # 综合巡防队
    GRID_WORKER = "grid_worker"        # 网格员
    LAW_ENFORCEMENT = "law_enforcement"  # 综合执法
    MEDIATION = "mediation"            # 调解队
    DEPARTMENT = "department"          # 条线部门


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    responder: Responder
    priority: Priority = Priority.NORMAL
    department: str | None = None  # the line department usually whistled in

    @property
    def family(self) -> str:
        return {"E": "event", "C": "component", "L": "local"}[self.code[0]]


def _c(code: str, zh: str, en: str, responder: Responder, priority: Priority = Priority.NORMAL,
       department: str | None = None) -> Category:
    return Category(code, zh, en, responder, priority, department)


R, P = Responder, Priority
CATEGORIES: dict[str, Category] = {c.code: c for c in [
    # GB/T 30428.2 events, 01 市容环境
    _c("E0101", "私搭乱建", "Illegal structure", R.LAW_ENFORCEMENT, P.NORMAL, "城管"),
    _c("E0102", "暴露垃圾", "Exposed rubbish", R.GRID_WORKER, P.NORMAL, "环卫"),
    _c("E0103", "积存垃圾渣土", "Accumulated refuse and spoil", R.GRID_WORKER, P.NORMAL, "环卫"),
    _c("E0104", "道路不洁", "Dirty road", R.GRID_WORKER, P.LOW, "环卫"),
    _c("E0109", "油烟污染", "Cooking-fume pollution", R.LAW_ENFORCEMENT, P.NORMAL, "生态环境"),
    # 02 宣传广告
    _c("E0201", "违章张贴小广告", "Illegal flyposting", R.GRID_WORKER, P.LOW, "城管"),
    _c("E0204", "非法户外广告", "Illegal outdoor advertising", R.LAW_ENFORCEMENT, P.LOW, "城管"),
    # 03 施工管理
    _c("E0301", "施工扰民", "Construction noise", R.LAW_ENFORCEMENT, P.NORMAL, "住建"),
    _c("E0302", "工地扬尘", "Construction dust", R.LAW_ENFORCEMENT, P.NORMAL, "住建"),
    _c("E0303", "道路遗撒", "Spillage on road", R.GRID_WORKER, P.NORMAL, "城管"),
    # 04 突发事件
    _c("E0401", "路面塌陷", "Road collapse", R.PATROL, P.URGENT, "城管"),
    _c("E0402", "自来水管破裂", "Burst water main", R.PATROL, P.HIGH, "水务"),
    _c("E0403", "燃气管道破裂", "Gas pipe rupture", R.PATROL, P.URGENT, "燃气"),
    _c("E0404", "下水道堵塞或破损", "Blocked or broken sewer", R.GRID_WORKER, P.NORMAL, "水务"),
    _c("E0407", "道路积水", "Flooded road", R.PATROL, P.HIGH, "城管"),
    # 05 街面秩序
    _c("E0501", "无照经营游商", "Unlicensed street vending", R.LAW_ENFORCEMENT, P.NORMAL, "城管"),
    _c("E0504", "店外经营", "Trading outside shop", R.LAW_ENFORCEMENT, P.LOW, "城管"),
    _c("E0506", "机动车乱停放", "Illegally parked vehicle", R.PATROL, P.NORMAL, "交警"),
    _c("E0507", "非机动车乱停放", "Badly parked bicycles", R.GRID_WORKER, P.LOW, "城管"),
    # GB/T 30428.2 components, 01 公用设施 / 02 道路交通 / 03 市容环境 / 04 园林绿化
    _c("C0101", "上水井盖", "Water manhole cover", R.GRID_WORKER, P.HIGH, "水务"),
    _c("C0103", "雨水井盖", "Storm-drain cover", R.GRID_WORKER, P.HIGH, "城管"),
    _c("C0117", "路灯", "Street light", R.GRID_WORKER, P.LOW, "城管"),
    _c("C0211", "交通信号灯", "Traffic light", R.PATROL, P.HIGH, "交警"),
    _c("C0301", "公共厕所", "Public toilet", R.GRID_WORKER, P.LOW, "环卫"),
    _c("C0305", "垃圾箱", "Litter bin", R.GRID_WORKER, P.LOW, "环卫"),
    _c("C0401", "古树名木", "Heritage tree", R.GRID_WORKER, P.NORMAL, "园林"),
    _c("C0404", "绿地", "Green space", R.GRID_WORKER, P.LOW, "园林"),
    # GridCommand local codes: disputes, safety and help (110 non-police work, online help)
    _c("L0101", "邻里纠纷", "Neighbour dispute", R.MEDIATION, P.NORMAL, "司法"),
    _c("L0102", "家庭纠纷", "Family dispute", R.MEDIATION, P.HIGH, "司法"),
    _c("L0103", "物业纠纷", "Property-management dispute", R.MEDIATION, P.NORMAL, "住建"),
    _c("L0104", "劳资纠纷", "Wage dispute", R.MEDIATION, P.HIGH, "人社"),
    _c("L0105", "消费纠纷", "Consumer dispute", R.MEDIATION, P.NORMAL, "市场监管"),
    _c("L0201", "噪声扰民", "Noise nuisance", R.PATROL, P.NORMAL, "生态环境"),
    _c("L0202", "消防隐患", "Fire hazard", R.PATROL, P.HIGH, "消防"),
    _c("L0203", "治安隐患", "Public-security hazard", R.PATROL, P.HIGH, "派出所"),
    _c("L0204", "电动车违规充电", "Unsafe e-bike charging", R.GRID_WORKER, P.HIGH, "消防"),
    _c("L0301", "求助-老人走失", "Help: missing elderly person", R.PATROL, P.URGENT, "派出所"),
    _c("L0302", "求助-开锁", "Help: locked out", R.PATROL, P.NORMAL, None),
    _c("L0303", "求助-困难帮扶", "Help: hardship assistance", R.GRID_WORKER, P.NORMAL, "民政"),
    _c("L0304", "求助-医疗协助", "Help: medical assistance", R.PATROL, P.URGENT, "卫健"),
]}

# The ~21 line departments that can be whistled in (吹哨报到).
DEPARTMENTS: dict[str, str] = {
    "城管": "City management", "市场监管": "Market supervision", "司法": "Justice", "住建": "Housing and construction",
    "消防": "Fire and rescue", "派出所": "Police station", "交警": "Traffic police", "环卫": "Sanitation",
    "水务": "Water affairs", "燃气": "Gas utility", "园林": "Parks and greening", "生态环境": "Ecology and environment",
    "人社": "Human resources and social security", "民政": "Civil affairs", "卫健": "Health",
    "应急管理": "Emergency management", "教育": "Education", "自然资源": "Natural resources and planning",
    "交通运输": "Transport", "文旅": "Culture and tourism", "电力": "Power utility",
}
