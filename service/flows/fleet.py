"""The fleet view: every unit's status, newest position and current case, kept for instant ranking.

A projection of the event log (see service/projector.py): `unit.moved` moves a unit, `unit.updated`
replaces its record, `boundaries.changed` (units and roads replaced) reloads it from the tables.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from service.domain.catalog import CATEGORIES, Responder
from service.domain.events import EventKind, LoggedEvent
from service.domain.recommend import Fleet, Recommendation, UnitPosition, rank
from service.domain.roads import RoadNetwork
from service.domain.units import SERVES, UnitStatus, UnitType, epoch_ms
from service.store import roads as road_store
from service.store import units as unit_store
from service.store.db import Database
from service.store.models import IncidentRow


class FleetView:
    def __init__(self, *, db: Database) -> None:
        self._db = db
        self._lock = threading.RLock()
        self.fleet = Fleet()
        self._by_device: dict[str, int] = {}
        self._position_of: dict[int, int] = {}  # unit id -> index in fleet.units
        self._fix_ms: dict[int, int] = {}
        self._version: dict[int, int] = {}
        self.current_case: dict[int, int | None] = {}
        self._dirty = False

    def reload(self) -> None:
        """Units, and the road network when one is loaded, from the tables."""
        with self._db.read() as session:
            rows = unit_store.all_units(session=session)
            lines = road_store.all_lines(session=session)
        with self._lock:
            self.fleet = Fleet([_position(unit_store.as_dict(r)) for r in rows],
                               roads=RoadNetwork(lines) if lines else None)
            self._by_device = {r.device_id: r.id for r in rows if r.device_id}
            self._position_of = {r.id: i for i, r in enumerate(rows)}
            self._fix_ms = {r.id: r.fix_time_ms for r in rows if r.fix_time_ms is not None}
            self._version = {r.id: r.version for r in rows}
            self.current_case = {r.id: r.current_incident for r in rows}

    def apply(self, event: LoggedEvent) -> None:
        if event.kind == EventKind.UNIT_MOVED:
            self._moved(event.payload)
        elif event.kind == EventKind.UNIT_UPDATED:
            self._updated(event.payload)
        elif event.kind == EventKind.BOUNDARIES_CHANGED:
            self.reload()

    def _moved(self, p: dict[str, Any]) -> None:
        unit, at = int(p["id"]), _ms(p["fix_time"])
        with self._lock:
            i = self._position_of.get(unit)
            if i is None or at <= self._fix_ms.get(unit, -1):  # a fix older than the one shown moves nothing
                return
            self._fix_ms[unit] = at
            u = self.fleet.units[i]
            u.lon, u.lat, u.stale = p["lon"], p["lat"], False
            self._dirty = True

    def _updated(self, p: dict[str, Any]) -> None:
        unit = int(p["id"])
        with self._lock:
            i = self._position_of.get(unit)
            if i is None:  # a unit this view has not seen: the tables know it
                self.reload()
                return
            if int(p["version"]) < self._version.get(unit, 0):
                return
            self._version[unit] = int(p["version"])
            self.current_case[unit] = p.get("current_incident")
            if p.get("device_id"):
                self._by_device[p["device_id"]] = unit
            if p.get("fix_time"):
                self._fix_ms[unit] = max(self._fix_ms.get(unit, -1), _ms(p["fix_time"]))
            self.fleet.units[i] = _position(p)
            self._dirty = True

    def batch_done(self) -> None:
        """The ranking arrays are rebuilt once per applied batch, not once per moved unit."""
        with self._lock:
            if self._dirty:
                self._dirty = False
                self.fleet.refresh()

    def unit_for_device(self, device_id: str) -> int | None:
        return self._by_device.get(device_id)

    def fix_ms(self, unit_id: int) -> int:
        return self._fix_ms.get(unit_id, -1)

    def recommend(self, incident: IncidentRow, *, limit: int = 10) -> list[Recommendation]:
        if incident.lon is None or incident.lat is None:
            return []
        category = CATEGORIES.get(incident.category)
        needed = SERVES[category.responder if category else Responder.PATROL]
        if "escalated" in incident.milestones and "law_enforcement_linked" not in incident.milestones:
            needed = UnitType.LAW_ENFORCEMENT
        with self._lock:
            return rank(self.fleet, lon=incident.lon, lat=incident.lat, needed=needed, case_grid=incident.grid,
                        limit=limit)


def _position(d: dict[str, Any]) -> UnitPosition:
    return UnitPosition(int(d["id"]), str(d["callsign"]), UnitType(d["unit_type"]), UnitStatus(d["status"]),
                        d["lon"], d["lat"], d["home_grid"], bool(d["stale"]))


def _ms(iso: str) -> int:
    return epoch_ms(datetime.fromisoformat(iso))
