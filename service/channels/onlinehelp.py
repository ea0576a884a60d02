"""Online help requests (网上求助) from the street's public account and the 'Bin'an code' page."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.channels.common import Position, Timestamp
from service.domain.catalog import Channel
from service.domain.incident import IncidentDraft

HELP_TYPES: dict[str, str] = {"老人走失": "L0301", "开锁": "L0302", "困难帮扶": "L0303", "医疗协助": "L0304",
                              "消防隐患": "L0202", "治安隐患": "L0203"}


class HelpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{
        "request_id": "WSQZ-7f3a9c21", "submitted_at": "2026-11-21T16:02:45+08:00", "help_type": "老人走失",
        "message": "我父亲78岁，有阿尔茨海默症，下午三点从冠山小区出门未归，穿灰色外套",
        "position": {"x": 120.14873, "y": 30.16614, "crs": "GCJ02"}, "address": "冠山小区南门",
        "contact_name": "周敏", "contact_phone": "18667001234", "source": "binan_code"}]})

    request_id: str = Field(min_length=1, max_length=64)
    submitted_at: Timestamp
    help_type: str = Field(description="One of " + ", ".join(HELP_TYPES))
    message: str = Field(min_length=1, max_length=4000)
    position: Position
    address: str | None = Field(None, max_length=256)
    contact_name: str | None = Field(None, max_length=64)
    contact_phone: str | None = Field(None, max_length=32)
    source: Literal["wechat", "binan_code", "web"] = "wechat"


def to_draft(p: HelpRequest) -> IncidentDraft:
    return IncidentDraft(
        channel=Channel.ONLINE_HELP, external_id=p.request_id, reported_at=p.submitted_at,
        category=HELP_TYPES.get(p.help_type, p.help_type), description=p.message,
        x=p.position.x, y=p.position.y, crs=p.position.crs, address=p.address,
        reporter_name=p.contact_name, reporter_phone=p.contact_phone, attributes={"source": p.source},
        field_names={"external_id": "request_id", "reported_at": "submitted_at", "category": "help_type",
                     "description": "message", "x": "position", "y": "position", "crs": "position.crs"})
