"""110 non-police incident transfers: the police dispatch system hands over matters that are not police work."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from service.channels.common import Position, Timestamp
from service.domain.catalog import Channel
from service.domain.incident import IncidentDraft

# 110's own classification of non-police matters (非警务类警情) -> GridCommand categories.
ALARM_TYPES: dict[str, str] = {
    "FJW-JF-LL": "L0101",  # 纠纷-邻里
    "FJW-JF-JT": "L0102",  # 纠纷-家庭
    "FJW-JF-WY": "L0103",  # 纠纷-物业
    "FJW-JF-LZ": "L0104",  # 纠纷-劳资
    "FJW-JF-XF": "L0105",  # 纠纷-消费
    "FJW-ZS": "L0201",     # 噪声扰民
    "FJW-QZ-KS": "L0302",  # 求助-开锁
    "FJW-QZ-ZS": "L0301",  # 求助-走失
    "FJW-SZ-GS": "E0402",  # 市政-供水
    "FJW-SZ-RQ": "E0403",  # 市政-燃气
    "FJW-JT-TC": "E0506",  # 交通-违停
}


class Transfer110(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{
        "alarm_no": "J3301082026112100137", "alarm_time": "2026-11-21T21:04:10+08:00",
        "alarm_type": "FJW-JF-LL", "content": "楼上装修噪音持续到晚上九点，双方发生争执，需社区调解",
        "address": "浦沿街道东冠社区东冠公寓3幢", "position": {"x": 120.16325, "y": 30.17102, "crs": "GCJ02"},
        "caller_name": "陈建国", "caller_phone": "13857112345", "police_station": "浦沿派出所"}]})

    alarm_no: str = Field(min_length=1, max_length=64, description="110 alarm number (警情编号)")
    alarm_time: Timestamp = Field(description="When the call was received by 110 (报警时间)")
    alarm_type: str = Field(description="110 non-police type code; see ALARM_TYPES")
    content: str = Field(min_length=1, max_length=4000, description="Call summary (报警内容)")
    address: str | None = Field(None, max_length=256)
    position: Position
    caller_name: str | None = Field(None, max_length=64)
    caller_phone: str | None = Field(None, max_length=32)
    police_station: str | None = Field(None, max_length=64, description="Transferring station")


def to_draft(p: Transfer110) -> IncidentDraft:
    return IncidentDraft(
        channel=Channel.POLICE_110, external_id=p.alarm_no, reported_at=p.alarm_time,
        category=ALARM_TYPES.get(p.alarm_type, p.alarm_type), description=p.content,
        x=p.position.x, y=p.position.y, crs=p.position.crs, address=p.address,
        reporter_name=p.caller_name, reporter_phone=p.caller_phone,
        attributes={"police_station": p.police_station, "alarm_type": p.alarm_type},
        field_names={"external_id": "alarm_no", "reported_at": "alarm_time", "category": "alarm_type",
                     "description": "content", "x": "position", "y": "position", "crs": "position.crs"})
