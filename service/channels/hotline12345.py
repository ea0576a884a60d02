"""12345 government hotline work orders (工单), one at a time as JSON or in CSV batches."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.channels.common import Timestamp
from service.domain.catalog import Channel, Priority
from service.domain.incident import IncidentDraft

# The hotline's own subject names (诉求内容分类) -> GridCommand categories.
SUBJECTS: dict[str, str] = {
    "噪声扰民": "L0201", "施工扰民": "E0301", "占道经营": "E0504", "无证摊贩": "E0501", "违章搭建": "E0101",
    "垃圾清运": "E0103", "道路保洁": "E0104", "油烟扰民": "E0109", "路灯故障": "C0117", "井盖缺失": "C0103",
    "道路积水": "E0407", "邻里纠纷": "L0101", "物业纠纷": "L0103", "欠薪": "L0104", "消费维权": "L0105",
    "消防通道堵塞": "L0202", "电动车充电": "L0204", "困难救助": "L0303", "违停": "E0506", "小广告": "E0201",
}
URGENCY = {"特急": Priority.URGENT, "紧急": Priority.HIGH, "一般": Priority.NORMAL}
COORD_TYPES = {"wgs84": "WGS84", "gcj02": "GCJ02", "bd09": "BD09", "cgcs2000": "CGCS2000"}


class WorkOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{
        "order_no": "HZ12345-20261121-004512", "accepted_at": "2026-11-21T08:47:00+08:00",
        "appeal_type": "投诉", "subject": "占道经营", "content": "江二社区菜场门口早市摊贩占用人行道，行人只能走机动车道",
        "address": "滨江区浦沿街道江二社区农贸市场北门", "longitude": 120.15934, "latitude": 30.15822,
        "coord_type": "bd09", "citizen_name": "李秀英", "citizen_phone": "13905718899", "urgency": "一般",
        "reply_deadline": "2026-11-23T17:00:00+08:00"}]})

    order_no: str = Field(min_length=1, max_length=64, description="Work order number (工单编号)")
    accepted_at: Timestamp = Field(description="When the hotline accepted the call (受理时间)")
    appeal_type: Literal["投诉", "求助", "咨询", "建议", "举报"] = Field(description="Kind of appeal (诉求类型)")
    subject: str = Field(description="The hotline's subject name; see SUBJECTS, or a GridCommand category code")
    content: str = Field(min_length=1, max_length=4000)
    address: str | None = Field(None, max_length=256)
    longitude: float
    latitude: float
    coord_type: Literal["wgs84", "gcj02", "bd09", "cgcs2000"] = "gcj02"
    citizen_name: str | None = Field(None, max_length=64)
    citizen_phone: str | None = Field(None, max_length=32)
    urgency: Literal["特急", "紧急", "一般"] = "一般"
    reply_deadline: Timestamp | None = None


CSV_COLUMNS = list(WorkOrder.model_fields)


def to_draft(p: WorkOrder) -> IncidentDraft:
    category = SUBJECTS.get(p.subject, p.subject)
    urgency = URGENCY[p.urgency]
    return IncidentDraft(
        channel=Channel.HOTLINE_12345, external_id=p.order_no, reported_at=p.accepted_at, category=category,
        description=p.content, x=p.longitude, y=p.latitude, crs=COORD_TYPES[p.coord_type], address=p.address,
        reporter_name=p.citizen_name, reporter_phone=p.citizen_phone,
        priority=int(urgency) if urgency is not Priority.NORMAL else None,
        attributes={"appeal_type": p.appeal_type, "subject": p.subject,
                    "reply_deadline": p.reply_deadline.isoformat() if p.reply_deadline else None},
        field_names={"external_id": "order_no", "reported_at": "accepted_at", "category": "subject",
                     "description": "content", "x": "longitude", "y": "latitude", "crs": "coord_type"})
