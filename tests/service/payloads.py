"""Realistic channel payloads placed at a known WGS84 point, expressed in each channel's own CRS.

The GCJ-02/BD-09 shifts come from an independent implementation (PyPI `coord-convert`), never from
service.domain.coords: a payload built with the code under test would hide a wrong formula."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from coord_convert import transform as reference
from pyproj import Transformer

SHANGHAI = timezone(timedelta(hours=8))
_TO_GK40 = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True)


def now_local(minutes_ago: float = 1) -> str:
    return (datetime.now(SHANGHAI) - timedelta(minutes=minutes_ago)).isoformat()


def police110(lon: float, lat: float, alarm_no: str = "J330108202611210001", **over: Any) -> dict[str, Any]:
    x, y = reference.wgs2gcj(lon, lat)
    body = {"alarm_no": alarm_no, "alarm_time": now_local(), "alarm_type": "FJW-JF-LL",
            "content": "楼上装修噪音持续到晚上九点，双方发生争执", "address": "东冠公寓3幢",
            "position": {"x": float(x), "y": float(y), "crs": "GCJ02"}, "caller_name": "陈建国",
            "caller_phone": "13857112345", "police_station": "浦沿派出所"}
    return {**body, **over}


def hotline(lon: float, lat: float, order_no: str = "HZ12345-20261121-004512", **over: Any) -> dict[str, Any]:
    x, y = reference.wgs2bd(lon, lat)
    body = {"order_no": order_no, "accepted_at": now_local(), "appeal_type": "投诉", "subject": "占道经营",
            "content": "菜场门口摊贩占用人行道", "address": "江二社区农贸市场北门", "longitude": float(x),
            "latitude": float(y), "coord_type": "bd09", "citizen_name": "李秀英", "citizen_phone": "13905718899",
            "urgency": "一般"}
    return {**body, **over}


def citymgmt(lon: float, lat: float, case_no: str = "SZCG-330108-2026-0098123", **over: Any) -> dict[str, Any]:
    x, y = _TO_GK40.transform(lon, lat)
    body = {"case_no": case_no, "reported_at": now_local(), "case_class": "component", "major_code": "01",
            "minor_code": "03", "component_id": "3301080103000417", "description": "雨水井盖破损下陷",
            "position": {"x": x, "y": y, "crs": "EPSG:4528"}, "collector_id": "CJY-0417"}
    return {**body, **over}


def onlinehelp(lon: float, lat: float, request_id: str = "WSQZ-7f3a9c21", **over: Any) -> dict[str, Any]:
    x, y = reference.wgs2gcj(lon, lat)
    body = {"request_id": request_id, "submitted_at": now_local(), "help_type": "老人走失",
            "message": "父亲78岁，下午从冠山小区出门未归", "position": {"x": float(x), "y": float(y), "crs": "GCJ02"},
            "contact_name": "周敏", "contact_phone": "18667001234"}
    return {**body, **over}
