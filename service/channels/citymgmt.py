"""Digital city management (数字城管) cases, classified by GB/T 30428.2-2013 event and component codes.

An event case carries major + minor event class; a component case carries major + minor component
class and usually the component's 16-digit identifier (county 6 + major 2 + minor 2 + sequence 6).
Collectors' devices report in the city's projected system, so `position.crs` is often an EPSG code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from service.channels.common import Position, Timestamp
from service.domain.catalog import Channel
from service.domain.incident import IncidentDraft


class CityCase(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{
        "case_no": "SZCG-330108-2026-0098123", "reported_at": "2026-11-21T10:15:32+08:00",
        "case_class": "component", "major_code": "01", "minor_code": "03",
        "component_id": "3301080103000417", "description": "雨水井盖破损下陷，位于非机动车道",
        "address": "浦沿路与东信大道交叉口东北角", "position": {"x": 40515863.2, "y": 3339102.7, "crs": "EPSG:4528"},
        "unit_grid_code": "330108003002003", "collector_id": "CJY-0417"}]})

    case_no: str = Field(min_length=1, max_length=64, description="Case number (案件编号)")
    reported_at: Timestamp
    case_class: Literal["event", "component"] = Field(description="事件 or 部件")
    major_code: str = Field(pattern=r"^\d{2}$", description="GB/T 30428.2 major class (大类)")
    minor_code: str = Field(pattern=r"^\d{2}$", description="GB/T 30428.2 minor class (小类)")
    component_id: str | None = Field(None, pattern=r"^\d{16}$", description="Component identifier (部件标识码)")
    description: str = Field(min_length=1, max_length=4000)
    address: str | None = Field(None, max_length=256)
    position: Position
    unit_grid_code: str | None = Field(None, pattern=r"^\d{15,16}$", description=(
        "Unit grid the collector chose: DB11/T 2157-2023's 15 digits, or 16 in the older layout"))
    collector_id: str | None = Field(None, max_length=32, description="Information collector (信息采集员)")

    @field_validator("component_id")
    @classmethod
    def _component_id_matches_class(cls, value: str | None, info: ValidationInfo) -> str | None:
        major, minor = info.data.get("major_code"), info.data.get("minor_code")
        if value and info.data.get("case_class") == "component" and major and minor \
                and value[6:10] != major + minor:
            raise ValueError(f"component {value} is of class {value[6:10]}, not {major}{minor}")
        return value


def to_draft(p: CityCase) -> IncidentDraft:
    prefix = "E" if p.case_class == "event" else "C"
    return IncidentDraft(
        channel=Channel.CITY_MANAGEMENT, external_id=p.case_no, reported_at=p.reported_at,
        category=f"{prefix}{p.major_code}{p.minor_code}", description=p.description,
        x=p.position.x, y=p.position.y, crs=p.position.crs, address=p.address,
        reporter_name=p.collector_id, reporter_phone=None,
        attributes={"component_id": p.component_id, "unit_grid_code": p.unit_grid_code},
        field_names={"external_id": "case_no", "category": "minor_code", "x": "position", "y": "position",
                     "crs": "position.crs"})
