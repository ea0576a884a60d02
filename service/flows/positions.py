"""Positions: fixes from devices stored (each once), units moved to their newest fix, arrivals confirmed by GPS."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.domain import coords
from service.domain.clock import Clock
from service.domain.errors import Conflict, FieldProblem, InvalidInput, ItemOutcome
from service.domain.events import EventKind, NewEvent, OnCommit, Subject
from service.domain.lifecycle import Action, ActionRequest, CaseStatus
from service.domain.units import epoch_ms, from_epoch_ms
from service.flows.fleet import FleetView
from service.flows.lifecycle import LifecycleFlow
from service.store import events as event_log
from service.store import units as unit_store
from service.store.db import Database


@dataclass(frozen=True)
class FixDraft:
    """A position as a sender gave it: in its own CRS, not yet tied to a unit."""

    device_id: str
    fields: dict[str, Any]   # device_time, lon, lat (sender CRS), speed_ms, heading, altitude, accuracy, battery, attributes
    crs: str | None = None


class PositionsFlow:
    def __init__(self, *, db: Database, clock: Clock, fleet: FleetView, lifecycle: LifecycleFlow,
                 arrival_radius_m: float, on_commit: OnCommit) -> None:
        self._db = db
        self._clock = clock
        self._fleet = fleet
        self._lifecycle = lifecycle
        self._arrival_radius_m = arrival_radius_m
        self._on_commit = on_commit
        self._lock = threading.Lock()

    def ingest_fixes(self, drafts: Sequence[FixDraft]) -> list[ItemOutcome]:
        """Store fixes (each once), move units to their newest fix, confirm arrivals by GPS."""
        outcomes = [ItemOutcome(index=i) for i in range(len(drafts))]
        unit_of: list[int | None] = [self._fleet.unit_for_device(d.device_id) for d in drafts]
        for i, unit in enumerate(unit_of):
            if unit is None:
                outcomes[i].problems = [FieldProblem("id", f"unknown device {drafts[i].device_id!r}; "
                                                           "register it on a unit first")]
        lon, lat = _to_storage(drafts, outcomes)
        fixes: list[dict[str, Any]] = []
        for i, d in enumerate(drafts):
            if outcomes[i].problems:
                continue
            f = d.fields
            fixes.append({"unit_id": unit_of[i], "time_ms": epoch_ms(f["device_time"]), "lon": lon[i], "lat": lat[i],
                          "speed_ms": f.get("speed_ms"), "heading": f.get("heading"), "accuracy": f.get("accuracy"),
                          "battery": f.get("battery"), "attributes": f.get("attributes") or None})
            outcomes[i].id = unit_of[i]
            outcomes[i].created = True
        if not fixes:
            return outcomes
        now = self._clock.now()
        newest: dict[int, dict[str, Any]] = {}
        for fix in fixes:  # late and out-of-order fixes join the track but do not move the unit
            unit = fix["unit_id"]
            if fix["time_ms"] > self._fleet.fix_ms(unit) and \
                    fix["time_ms"] > newest.get(unit, {"time_ms": -1})["time_ms"]:
                newest[unit] = fix
        with self._lock:
            with self._db.write() as session:
                unit_store.insert_fixes(session=session, rows=fixes)
                moved = [NewEvent(EventKind.UNIT_MOVED, Subject.UNIT, str(unit), {
                    "id": unit, "lon": fix["lon"], "lat": fix["lat"], "heading": fix["heading"],
                    "speed_ms": fix["speed_ms"], "battery": fix["battery"],
                    "fix_time": from_epoch_ms(fix["time_ms"]).isoformat()}, now)
                    for unit, fix in newest.items() if unit_store.move_to_fix(session=session, unit_id=unit, fix=fix)]
                ids = event_log.append(session, moved)
            self._on_commit(ids, moved)
        self._confirm_arrivals([int(e.subject_id) for e in moved])
        return outcomes

    def _confirm_arrivals(self, unit_ids: list[int]) -> None:
        """A dispatched unit whose fix comes within the arrival radius of its case is on scene."""
        if not unit_ids:
            return
        with self._db.read() as session:
            candidates = unit_store.arrival_candidates(
                session=session, unit_ids=unit_ids, statuses=[CaseStatus.DISPATCHED.value, CaseStatus.EN_ROUTE.value])
        for unit_id, ulon, ulat, incident_id, ilon, ilat, version in candidates:
            if ulon is None or ulat is None or ilon is None or ilat is None:
                continue
            distance = float(coords.haversine_m(ulon, ulat, ilon, ilat))
            if distance <= self._arrival_radius_m:
                with contextlib.suppress(Conflict):  # an operator acted first; their word stands
                    self._lifecycle.act(incident_id, ActionRequest(
                        Action.ARRIVE, actor=f"gps:unit {unit_id}", version=version,
                        note=f"on scene, confirmed by GPS ({distance:.0f} m)"))


def _to_storage(drafts: Sequence[FixDraft], outcomes: list[ItemOutcome]) -> tuple[list[float], list[float]]:
    crs_of: list[coords.SourceCrs | None] = []
    for i, d in enumerate(drafts):
        crs = None
        if not outcomes[i].problems:
            try:
                crs = coords.parse_crs(d.crs)
            except InvalidInput as exc:
                outcomes[i].problems = exc.problems
        crs_of.append(crs)
    lon, lat, ok = coords.points_to_storage(crs_of, [float(d.fields["lon"]) for d in drafts],
                                            [float(d.fields["lat"]) for d in drafts])
    for i, crs in enumerate(crs_of):
        if crs is not None and not ok[i]:
            outcomes[i].problems = [FieldProblem("lat", f"not a valid position in {crs.label}")]
    return lon, lat
