"""A feed simulator: realistic reports from every channel, posted through the real HTTP endpoints.

Volume follows Puyan street (~27 cases a day, 9,729 non-police cases in the year) times a speed-up;
each channel sends its own payload shape in the CRS its senders really use (phones: GCJ-02 or BD-09,
city-management collectors: CGCS2000 Gauss-Krueger zone 40). About one report in twelve is the same
problem seen by a second channel a few minutes later, so duplicate linking shows on the map.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import shapely
from pyproj import Transformer

from service.channels.hotline12345 import SUBJECTS
from service.channels.onlinehelp import HELP_TYPES
from service.channels.police110 import ALARM_TYPES
from service.context import ServiceContext
from service.demo.street import point_in
from service.domain import coords
from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.gridcodes import Level
from service.domain.units import TYPICAL_SPEED_MS, UnitStatus, UnitType
from service.store import areas as area_store
from service.store import incidents as incident_store
from service.store import units as unit_store

CASES_PER_DAY = 27.0
SHANGHAI = timezone(timedelta(hours=8))
CHANNEL_WEIGHTS = {Channel.HOTLINE_12345: 0.35, Channel.CITY_MANAGEMENT: 0.25, Channel.POLICE_110: 0.2,
                   Channel.OPEN311: 0.12, Channel.ONLINE_HELP: 0.08}
CITY_EVENTS = [("event", "01", "02"), ("event", "01", "03"), ("event", "02", "01"), ("event", "05", "01"),
               ("event", "05", "04"), ("event", "03", "02"), ("component", "01", "03"), ("component", "01", "17"),
               ("component", "03", "05"), ("event", "04", "04")]
DESCRIPTIONS = {
    "L0101": "楼上邻居深夜拖动家具，多次沟通无果", "L0201": "小区旁KTV夜间噪音扰民", "L0302": "居民忘带钥匙被锁门外",
    "E0402": "路边自来水管破裂，水流到路面", "E0403": "闻到明显燃气味，疑似管道泄漏", "E0506": "车辆长期占用消防通道",
    "E0504": "商户在店外摆摊占用人行道", "E0501": "早市流动摊贩占道经营", "E0101": "楼顶新搭建彩钢板房",
    "E0103": "绿化带内堆积建筑垃圾", "E0104": "道路有大量泥土遗撒", "E0109": "餐馆油烟直排居民楼",
    "C0117": "路灯不亮已三天", "C0103": "雨水井盖缺失，存在安全隐患", "E0407": "下穿通道积水约20厘米",
    "L0103": "物业停车收费纠纷", "L0104": "工地拖欠农民工工资", "L0105": "健身房关门无法退费",
    "L0202": "楼道堆放杂物堵塞消防通道", "L0204": "居民将电动车推入楼道充电", "L0303": "独居老人生活困难需帮扶",
    "E0201": "小区外墙张贴大量小广告", "L0301": "老人外出未归，家属求助", "L0304": "老人在路边摔倒需要协助",
    "L0203": "小区门禁损坏，外来人员随意进出",
}


class FeedSimulator:
    def __init__(self, ctx: ServiceContext, *, base_url: str, speed: float = 600.0, seed: int = 7) -> None:
        self.ctx = ctx
        self.base_url = base_url.rstrip("/")
        self.speed = speed
        self.rng = random.Random(seed)
        self.keys = {ch: ctx.create_key(name=f"simulator {ch.value}", role=Role.FEED, channel=ch)
                     for ch in CHANNEL_WEIGHTS}
        # Positions are relayed as the center's GPS gateway would: a device id alone no longer moves a unit.
        self.gps_key = ctx.create_key(name="simulator gps", role=Role.FEED, channel=Channel.GPS_GATEWAY)
        with ctx.db.read() as session:
            rows = area_store.list_areas(session=session, level=Level.MICRO_GRID)
            self.micro_grids = [shapely.from_wkb(r.geometry_wkb) for r in rows]
            self.households = [r.households or 400 for r in rows]
        self._to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True)
        self.sent = 0
        self.failures = 0
        # A second report of the same problem reuses the first one's category.
        self._last_category: str | None = None
        self._forced_category: str | None = None

    def run_forever(self) -> None:
        time.sleep(1.0)  # let the server bind
        threading.Thread(target=self._move_forever, name="unit-simulator", daemon=True).start()
        while True:
            self.post_one()
            time.sleep(self.rng.expovariate(CASES_PER_DAY * self.speed / 86400.0))

    def _move_forever(self, every_s: float = 5.0) -> None:
        while True:
            self.move_units(every_s)
            time.sleep(every_s)

    def move_units(self, dt_s: float) -> None:
        """Dispatched units head for their case at their typical speed; the rest patrol at walking pace."""
        with self.ctx.db.read() as session:
            units = [u for u in unit_store.all_units(session=session) if u.device_id and u.lon is not None
                     and u.status != UnitStatus.OFF_DUTY.value]
            cases = {u.current_incident: incident_store.get(session=session, incident_id=u.current_incident)
                     for u in units if u.current_incident}
        now_ms = int(time.time() * 1000)
        for u in units:
            case = cases.get(u.current_incident) if u.current_incident else None
            assert u.lon is not None and u.lat is not None
            if case is not None and case.lon is not None and case.lat is not None and u.status in (UnitStatus.ASSIGNED.value,
                                                                          UnitStatus.EN_ROUTE.value):
                speed = TYPICAL_SPEED_MS[UnitType(u.unit_type)]
                lon, lat, bearing = _step_towards(u.lon, u.lat, case.lon, case.lat, speed * dt_s)
            elif self.rng.random() < 0.3:
                speed = 1.2
                bearing = self.rng.uniform(0, 360)
                lon, lat = _offset(u.lon, u.lat, bearing, speed * dt_s)
            else:
                continue
            query = urllib.parse.urlencode({"id": u.device_id, "timestamp": now_ms, "lat": f"{lat:.7f}",
                                            "lon": f"{lon:.7f}", "speed": f"{speed / 0.514444:.2f}",
                                            "bearing": f"{bearing:.0f}", "batt": 80})
            try:
                request = urllib.request.Request(f"{self.base_url}/osmand?{query}",
                                                 headers={"Authorization": f"Bearer {self.gps_key}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    response.read()
            except (urllib.error.URLError, OSError):
                self.failures += 1

    def post_one(self, now: datetime | None = None) -> None:
        now = now or datetime.now(SHANGHAI)
        channel = self.rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        area = self.rng.choices(self.micro_grids, weights=self.households)[0]
        lon, lat = point_in(area, self.rng)
        self._send(channel, lon, lat, now)
        if self.rng.random() < 1 / 12:  # someone else reports the same thing through another channel
            other = self.rng.choice([c for c in (Channel.HOTLINE_12345, Channel.OPEN311) if c is not channel])
            jitter = self.rng.uniform(-0.0004, 0.0004)
            # The second caller stands near the first, still inside the same micro-grid: a point near the
            # street's edge jittered outward would be a report from outside the jurisdiction.
            while jitter and not area.contains(shapely.Point(lon + jitter, lat + jitter)):
                jitter = jitter / 2 if abs(jitter) > 1e-7 else 0.0
            self._send(other, lon + jitter, lat + jitter, now + timedelta(minutes=self.rng.randint(2, 20)),
                       same_as_last=True)

    # --- payloads ------------------------------------------------------------------------------
    def _send(self, channel: Channel, lon: float, lat: float, at: datetime, same_as_last: bool = False) -> None:
        builders: dict[Channel, Callable[[float, float, datetime], tuple[str, Any, str]]] = {
            Channel.HOTLINE_12345: self._hotline, Channel.POLICE_110: self._police,
            Channel.CITY_MANAGEMENT: self._citymgmt, Channel.OPEN311: self._open311,
            Channel.ONLINE_HELP: self._help}
        self._forced_category = self._last_category if same_as_last else None
        path, body, content_type = builders[channel](lon, lat, min(at, datetime.now(SHANGHAI)))
        self._forced_category = None
        data = (json.dumps(body, ensure_ascii=False).encode() if content_type == "application/json"
                else urllib.parse.urlencode(body).encode())
        request = urllib.request.Request(self.base_url + path, data=data, method="POST", headers={
            "Content-Type": content_type, "Authorization": f"Bearer {self.keys[channel]}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            self.sent += 1
        except (urllib.error.URLError, OSError):
            self.failures += 1

    def _pick(self, table: dict[str, str]) -> tuple[str, str]:
        forced = self._forced_category
        matching = [(k, v) for k, v in table.items() if v == forced] if forced else []
        key, category = self.rng.choice(matching or list(table.items()))
        self._last_category = category
        return key, category

    def _description(self, category: str) -> str:
        return DESCRIPTIONS.get(category) or "现场情况需要核实处理"

    def _hotline(self, lon: float, lat: float, at: datetime) -> tuple[str, Any, str]:
        subject, category = self._pick(SUBJECTS)
        coord_type = self.rng.choice(["gcj02", "gcj02", "bd09"])
        x, y = (coords.wgs84_to_gcj02(lon, lat) if coord_type == "gcj02" else coords.wgs84_to_bd09(lon, lat))
        return "/api/v1/channels/hotline12345", {
            "order_no": f"HZ12345-{at:%Y%m%d}-{self.rng.randint(0, 999999):06d}", "accepted_at": at.isoformat(),
            "appeal_type": self.rng.choice(["投诉", "求助", "举报"]), "subject": subject,
            "content": self._description(category), "longitude": round(float(x), 6), "latitude": round(float(y), 6),
            "coord_type": coord_type, "citizen_name": self._name(), "citizen_phone": self._phone(),
            "urgency": self.rng.choices(["一般", "紧急", "特急"], weights=[0.8, 0.17, 0.03])[0]}, "application/json"

    def _police(self, lon: float, lat: float, at: datetime) -> tuple[str, Any, str]:
        code, category = self._pick(ALARM_TYPES)
        x, y = coords.wgs84_to_gcj02(lon, lat)
        return "/api/v1/channels/police110", {
            "alarm_no": f"J330108{at:%Y%m%d}{self.rng.randint(0, 99999):05d}", "alarm_time": at.isoformat(),
            "alarm_type": code, "content": self._description(category),
            "position": {"x": round(float(x), 6), "y": round(float(y), 6), "crs": "GCJ02"},
            "caller_name": self._name(), "caller_phone": self._phone(), "police_station": "浦沿派出所"}, "application/json"

    def _citymgmt(self, lon: float, lat: float, at: datetime) -> tuple[str, Any, str]:
        case_class, major, minor = self.rng.choice(CITY_EVENTS)
        forced = self._forced_category
        if forced and forced[0] in "EC":
            case_class, major, minor = ("event" if forced[0] == "E" else "component"), forced[1:3], forced[3:5]
        self._last_category = ("E" if case_class == "event" else "C") + major + minor
        x, y = self._to_gk.transform(lon, lat)
        return "/api/v1/channels/citymgmt", {
            "case_no": f"SZCG-330108-{at:%Y}-{self.rng.randint(0, 9999999):07d}", "reported_at": at.isoformat(),
            "case_class": case_class, "major_code": major, "minor_code": minor,
            "description": self._description(self._last_category),
            "position": {"x": round(x, 2), "y": round(y, 2), "crs": "EPSG:4528"},
            "collector_id": f"CJY-{self.rng.randint(1, 60):04d}"}, "application/json"

    def _open311(self, lon: float, lat: float, at: datetime) -> tuple[str, Any, str]:
        category = self._forced_category or self.rng.choice(["E0102", "E0201", "E0507", "C0117", "C0305", "L0204", "E0104"])
        self._last_category = category
        return "/open311/v2/requests.json", {
            "service_code": category, "lat": f"{lat:.6f}", "long": f"{lon:.6f}",
            "description": self._description(category), "first_name": self._name()[1:], "last_name": self._name()[0],
            "phone": self._phone(), "device_id": f"wx-{self.rng.randint(1, 5000)}",
            "attribute[client_request_id]": str(uuid.UUID(int=self.rng.getrandbits(128)))}, \
            "application/x-www-form-urlencoded"

    def _help(self, lon: float, lat: float, at: datetime) -> tuple[str, Any, str]:
        help_type, category = self._pick(HELP_TYPES)
        x, y = coords.wgs84_to_gcj02(lon, lat)
        return "/api/v1/channels/onlinehelp", {
            "request_id": f"WSQZ-{self.rng.getrandbits(32):08x}", "submitted_at": at.isoformat(), "help_type": help_type,
            "message": self._description(category),
            "position": {"x": round(float(x), 6), "y": round(float(y), 6), "crs": "GCJ02"},
            "contact_name": self._name(), "contact_phone": self._phone(),
            "source": self.rng.choice(["wechat", "binan_code"])}, "application/json"

    # --- helpers -------------------------------------------------------------------------------
    def _name(self) -> str:
        return self.rng.choice("王李张刘陈杨黄赵吴周徐孙") + self.rng.choice(["伟", "芳", "秀英", "建国", "敏", "磊"])

    def _phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(self.rng.choice("0123456789") for _ in range(9))


_M_PER_DEG = 111_320.0


def _offset(lon: float, lat: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    b = math.radians(bearing_deg)
    return (lon + metres * math.sin(b) / (_M_PER_DEG * math.cos(math.radians(lat))),
            lat + metres * math.cos(b) / _M_PER_DEG)


def _step_towards(lon: float, lat: float, to_lon: float, to_lat: float, metres: float) -> tuple[float, float, float]:
    dx = (to_lon - lon) * _M_PER_DEG * math.cos(math.radians(lat))
    dy = (to_lat - lat) * _M_PER_DEG
    distance = math.hypot(dx, dy)
    bearing = math.degrees(math.atan2(dx, dy)) % 360
    if distance <= metres:
        return to_lon, to_lat, bearing
    return (*_offset(lon, lat, bearing, metres), bearing)
