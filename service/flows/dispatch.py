"""Dispatch: units and their positions, lifecycle actions on cases, SLA and staleness watch.

The fleet (every unit's status and newest position) is kept in memory for instant ranking; the
database stays the record: every change is committed with its events before the fleet is updated.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from service.domain import coords
from service.domain.catalog import CATEGORIES, DEPARTMENTS, Responder
from service.domain.clock import Clock
from service.domain.errors import Conflict, FieldProblem, InvalidInput, ItemOutcome, NotFound
from service.domain.events import EventKind, NewEvent, Subject
from service.domain.lifecycle import OPEN_STATUSES, Action, ActionRequest, CaseState, CaseStatus, plan
from service.domain.recommend import Fleet, Recommendation, UnitPosition, rank
from service.domain.roads import RoadNetwork
from service.domain.sla import SlaPolicy, clocks, new_alerts, next_alert_at
from service.domain.units import SERVES, UnitStatus, UnitType, epoch_ms, from_epoch_ms
from service.store import events as event_log
from service.store import incidents as incident_store
from service.store import roads as road_store
from service.store import units as unit_store
from service.store.db import Database
from service.store.models import IncidentRow, UnitRow

# How a case action moves the unit assigned to it.
UNIT_STATUS_AFTER = {Action.DISPATCH: UnitStatus.ASSIGNED, Action.REASSIGN: UnitStatus.ASSIGNED,
                     Action.EN_ROUTE: UnitStatus.EN_ROUTE, Action.ARRIVE: UnitStatus.ON_SCENE}


@dataclass(frozen=True)
class DispatchSettings:
    sla: SlaPolicy
    arrival_radius_m: float = 50.0
    stale_after: timedelta = timedelta(minutes=5)
    track_retention: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class FixDraft:
    """A position as a sender gave it: in its own CRS, not yet tied to a unit."""

    device_id: str
    fields: dict[str, Any]   # device_time, lon, lat (sender CRS), speed_ms, heading, altitude, accuracy, battery, attributes
    crs: str | None = None


class DispatchFlow:
    def __init__(self, *, db: Database, clock: Clock, settings: DispatchSettings,
                 on_commit: Callable[[], None]) -> None:
        self._db = db
        self._clock = clock
        self.settings = settings
        self._on_commit = on_commit
        self._lock = threading.RLock()
        self.fleet = Fleet()
        self._by_device: dict[str, int] = {}
        self._position_of: dict[int, int] = {}  # unit id -> index in fleet.units
        self._fix_ms: dict[int, int] = {}
        self._sla_due: dict[int, datetime | None] = {}  # open case -> when its next SLA threshold comes
        self._sla_seen_id = 0
        self.reload()

    # --- the fleet ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Units, and the road network when one is loaded, from the record."""
        with self._db.read() as session, self._lock:
            rows = unit_store.all_units(session=session)
            lines = road_store.all_lines(session=session)
            self.fleet = Fleet([_position(r) for r in rows], roads=RoadNetwork(lines) if lines else None)
            self._by_device = {r.device_id: r.id for r in rows if r.device_id}
            self._position_of = {r.id: i for i, r in enumerate(rows)}
            self._fix_ms = {r.id: r.fix_time_ms for r in rows if r.fix_time_ms is not None}

    def unit_for_device(self, device_id: str) -> int | None:
        return self._by_device.get(device_id)

    def _update_fleet(self, rows: Sequence[UnitRow | dict[str, Any]]) -> None:
        for r in rows:
            i = self._position_of.get(r["id"] if isinstance(r, dict) else r.id)
            if i is not None:
                self.fleet.units[i] = _position(r)
        self.fleet.refresh()

    # --- positions ------------------------------------------------------------------------------
    def ingest_fixes(self, drafts: Sequence[FixDraft]) -> list[ItemOutcome]:
        """Store fixes (each once), move units to their newest fix, confirm arrivals by GPS."""
        outcomes = [ItemOutcome(index=i) for i in range(len(drafts))]
        unit_of: list[int | None] = [self._by_device.get(d.device_id) for d in drafts]
        for i, unit in enumerate(unit_of):
            if unit is None:
                outcomes[i].problems = [FieldProblem("id", f"unknown device {drafts[i].device_id!r}; "
                                                           "register it on a unit first")]
        lon, lat = self._to_storage(drafts, outcomes)
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
        with self._lock:
            newest: dict[int, dict[str, Any]] = {}
            for fix in fixes:  # late and out-of-order fixes join the track but do not move the unit
                unit = fix["unit_id"]
                if fix["time_ms"] > self._fix_ms.get(unit, -1) and \
                        fix["time_ms"] > newest.get(unit, {"time_ms": -1})["time_ms"]:
                    newest[unit] = fix
            with self._db.write() as session:
                unit_store.insert_fixes(session=session, rows=fixes)
                moved = []
                # one executemany by primary key: a statement per unit cost ~2 ms each (a replay moves 92 at once)
                session.execute(update(UnitRow), [
                    {"id": unit, "lon": fix["lon"], "lat": fix["lat"], "fix_time_ms": fix["time_ms"],
                     "speed_ms": fix["speed_ms"], "heading": fix["heading"], "battery": fix["battery"], "stale": False}
                    for unit, fix in newest.items()])
                for unit, fix in newest.items():
                    moved.append(NewEvent(EventKind.UNIT_MOVED, Subject.UNIT, str(unit), {
                        "id": unit, "lon": fix["lon"], "lat": fix["lat"], "heading": fix["heading"],
                        "speed_ms": fix["speed_ms"], "battery": fix["battery"],
                        "fix_time": _iso_ms(fix["time_ms"])}, now))
                event_log.append(session, moved)
            for unit, fix in newest.items():
                self._fix_ms[unit] = fix["time_ms"]
                u = self.fleet.units[self._position_of[unit]]
                u.lon, u.lat, u.stale = fix["lon"], fix["lat"], False
            self.fleet.refresh()
        self._on_commit()
        self._confirm_arrivals(list(newest))
        return outcomes

    def _to_storage(self, drafts: Sequence[FixDraft], outcomes: list[ItemOutcome]) -> tuple[list[float], list[float]]:
        lon = [float("nan")] * len(drafts)
        lat = [float("nan")] * len(drafts)
        groups: dict[coords.SourceCrs, list[int]] = {}
        for i, d in enumerate(drafts):
            if outcomes[i].problems:
                continue
            try:
                groups.setdefault(coords.parse_crs(d.crs), []).append(i)
            except InvalidInput as exc:
                outcomes[i].problems = exc.problems
        for crs, idx in groups.items():
            xs, ys = coords.to_storage(crs, [drafts[i].fields["lon"] for i in idx], [drafts[i].fields["lat"] for i in idx])
            ok = coords.valid_lon_lat(xs, ys)
            for j, i in enumerate(idx):
                if ok[j]:
                    lon[i], lat[i] = float(xs[j]), float(ys[j])
                else:
                    outcomes[i].problems = [FieldProblem("lat", f"not a valid position in {crs.label}")]
        return lon, lat

    def _confirm_arrivals(self, unit_ids: list[int]) -> None:
        """A dispatched unit whose fix comes within the arrival radius of its case is on scene."""
        with self._db.read() as session:
            candidates = session.execute(
                select(UnitRow.id, UnitRow.lon, UnitRow.lat, IncidentRow.id, IncidentRow.lon, IncidentRow.lat,
                       IncidentRow.version)
                .join(IncidentRow, IncidentRow.id == UnitRow.current_incident)
                .where(UnitRow.id.in_(unit_ids),
                       IncidentRow.status.in_([CaseStatus.DISPATCHED.value, CaseStatus.EN_ROUTE.value]))).all()
        for unit_id, ulon, ulat, incident_id, ilon, ilat, version in candidates:
            if ulon is None or ulat is None or ilon is None or ilat is None:
                continue
            distance = float(coords.haversine_m(ulon, ulat, ilon, ilat))
            if distance <= self.settings.arrival_radius_m:
                with contextlib.suppress(Conflict):  # an operator acted first; their word stands
                    self.act(incident_id, ActionRequest(Action.ARRIVE, actor=f"gps:unit {unit_id}", version=version,
                                                        note=f"on scene, confirmed by GPS ({distance:.0f} m)"))

    # --- lifecycle ------------------------------------------------------------------------------
    def act(self, incident_id: int, request: ActionRequest) -> dict[str, Any]:
        """Apply one lifecycle action; one writer wins, the other gets Conflict with the current state."""
        now = self._clock.now()
        with self._lock, self._db.write() as session:
            row = incident_store.get(session=session, incident_id=incident_id)
            if row is None:
                raise NotFound(f"incident {incident_id} does not exist")
            unit_type = None
            if request.unit_id is not None:
                unit = unit_store.get(session=session, unit_id=request.unit_id)
                if unit is None:
                    raise InvalidInput.one("unit_id", f"unit {request.unit_id} does not exist")
                if request.action in (Action.DISPATCH, Action.REASSIGN) and unit.status != UnitStatus.AVAILABLE:
                    raise Conflict(f"unit {unit.callsign} is {unit.status}"
                                   + (f" on case {unit.current_incident}" if unit.current_incident else ""),
                                   current={"unit_id": unit.id, "unit_status": unit.status,
                                            "unit_case": unit.current_incident})
                unit_type = unit.unit_type
                request = ActionRequest(**{**request.__dict__, "unit_type": unit_type})
            if request.action is Action.MARK_DUPLICATE and request.duplicate_of is not None and \
                    (request.duplicate_of == incident_id
                     or incident_store.get(session=session, incident_id=request.duplicate_of) is None):
                raise InvalidInput.one("duplicate_of", f"case {request.duplicate_of} cannot be the original")
            state = CaseState(CaseStatus(row.status), row.version, row.assigned_unit, dict(row.milestones),
                              {k: dict(v) for k, v in row.departments.items()})
            transition = plan(state, request, now=now, known_departments=frozenset(DEPARTMENTS))
            values: dict[str, Any] = {"status": transition.status.value, "assigned_unit": transition.assigned_unit,
                                      "milestones": transition.milestones, "departments": transition.departments,
                                      "version": row.version + 1, "updated_at": now}
            if transition.duplicate_of is not None:
                values["duplicate_of"] = transition.duplicate_of
            won = session.execute(update(IncidentRow).where(IncidentRow.id == incident_id,
                                                            IncidentRow.version == row.version).values(**values))
            if won.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict("another operator changed this case first", current={"version": row.version + 1})
            unit_events = self._move_units(session, transition, request, incident_id, now)
            unit_store.record_action(session=session, incident_id=incident_id, action=request.action.value,
                                     from_status=state.status.value, to_status=transition.status.value,
                                     actor=request.actor, note=request.note, at=now,
                                     details={k: v for k, v in {"unit_id": request.unit_id,
                                                                "departments": list(request.departments) or None,
                                                                "department": request.department,
                                                                "duplicate_of": request.duplicate_of}.items() if v})
            session.flush()
            session.refresh(row)
            record = incident_store.as_dict(row)
            record["last_action"] = {"action": request.action.value, "actor": request.actor, "note": request.note,
                                     "at": now.isoformat()}
            event_log.append(session, [NewEvent(EventKind.INCIDENT_UPDATED, Subject.INCIDENT, str(incident_id),
                                                record, now), *unit_events])
            self._sla_due[incident_id] = now  # milestones moved: the watch looks at this case again
        self._on_commit()
        return record

    def _move_units(self, session: Any, transition: Any, request: ActionRequest, incident_id: int,
                    now: Any) -> list[NewEvent]:
        changes: dict[int, dict[str, Any]] = {}
        if transition.release_unit is not None:
            changes[transition.release_unit] = {"status": UnitStatus.AVAILABLE.value, "current_incident": None}
        if transition.take_unit is not None:
            changes[transition.take_unit] = {"status": UnitStatus.ASSIGNED.value, "current_incident": incident_id}
        elif request.action in UNIT_STATUS_AFTER and transition.assigned_unit is not None:
            changes[transition.assigned_unit] = {"status": UNIT_STATUS_AFTER[request.action].value}
        events, rows = [], []
        for unit_id, values in changes.items():
            session.execute(update(UnitRow).where(UnitRow.id == unit_id)
                            .values(**values, version=UnitRow.version + 1, updated_at=now))
            unit = unit_store.get(session=session, unit_id=unit_id)
            if unit is None:
                continue
            session.refresh(unit)
            rows.append(unit_store.as_dict(unit))
            events.append(NewEvent(EventKind.UNIT_UPDATED, Subject.UNIT, str(unit_id), rows[-1], now))
        if rows:
            self._update_fleet(rows)
        return events

    def set_unit_status(self, unit_id: int, status: UnitStatus, *, version: int, actor: str) -> dict[str, Any]:
        now = self._clock.now()
        with self._lock, self._db.write() as session:
            unit = unit_store.get(session=session, unit_id=unit_id)
            if unit is None:
                raise NotFound(f"unit {unit_id} does not exist")
            if unit.version != version:
                raise Conflict("the unit changed; reload it", current=unit_store.as_dict(unit))
            if unit.current_incident is not None and status in (UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY):
                raise Conflict(f"unit {unit.callsign} is on case {unit.current_incident}; resolve or reassign it "
                               "first", current=unit_store.as_dict(unit))
            unit.status, unit.version, unit.updated_at = status.value, unit.version + 1, now
            session.flush()
            record = unit_store.as_dict(unit)
            event_log.append(session, [NewEvent(EventKind.UNIT_UPDATED, Subject.UNIT, str(unit_id),
                                                {**record, "by": actor}, now)])
            self._update_fleet([record])
        self._on_commit()
        return record

    # --- recommendation -------------------------------------------------------------------------
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

    # --- the watch: SLA warnings and breaches, stale units, track retention ---------------------
    def watch(self) -> int:
        """One pass; returns how many events it appended. Call it every second or so.

        Each open case's next SLA threshold is kept in memory, so a pass looks only at new cases and
        at cases whose threshold has come, and writes only when it has something to announce.
        """
        now = self._clock.now()
        with self._lock:
            self._discover_new_cases(now)
            due = [i for i, at in self._sla_due.items() if at is not None and at <= now]
        appended: list[NewEvent] = []
        if due:
            appended += self._announce(due, now)
        appended += self._mark_stale_units(now)
        if appended:
            self._on_commit()
        return len(appended)

    def _sla_rows(self, session: Any, where: Any) -> list[Any]:
        return list(session.execute(select(
            IncidentRow.id, IncidentRow.category, IncidentRow.priority, IncidentRow.status, IncidentRow.received_at,
            IncidentRow.milestones, IncidentRow.sla_flags, IncidentRow.micro_grid).where(where)))

    def _clocks_of(self, row: Any, now: Any) -> list[Any]:
        return clocks(category=row.category, priority=row.priority, status=CaseStatus(row.status),
                      received_at=row.received_at, milestones=row.milestones, policy=self.settings.sla, now=now)

    def _discover_new_cases(self, now: Any) -> None:
        with self._db.read() as session:
            rows = self._sla_rows(session, (IncidentRow.id > self._sla_seen_id)
                                  & IncidentRow.status.in_([s.value for s in OPEN_STATUSES]))
        for row in rows:
            self._sla_due[row.id] = next_alert_at(self._clocks_of(row, now), row.sla_flags)
            self._sla_seen_id = max(self._sla_seen_id, row.id)

    def _announce(self, ids: list[int], now: Any) -> list[NewEvent]:
        appended: list[NewEvent] = []
        with self._lock, self._db.write() as session:
            for row in self._sla_rows(session, IncidentRow.id.in_(ids)):
                if row.status not in {s.value for s in OPEN_STATUSES}:
                    self._sla_due.pop(row.id, None)
                    continue
                case_clocks = self._clocks_of(row, now)
                flags = dict(row.sla_flags)
                for c, level in new_alerts(case_clocks, flags):
                    flags[c.kind.value] = level
                    kind = EventKind.SLA_WARNING if level == "warning" else EventKind.SLA_BREACHED
                    appended.append(NewEvent(kind, Subject.INCIDENT, str(row.id), {
                        "incident_id": row.id, "clock": c.kind.value, "deadline": c.deadline.isoformat(),
                        "state": c.state.value, "micro_grid": row.micro_grid, "category": row.category}, now))
                if flags != row.sla_flags:
                    session.execute(update(IncidentRow).where(IncidentRow.id == row.id).values(sla_flags=flags))
                self._sla_due[row.id] = next_alert_at(case_clocks, flags)
            event_log.append(session, appended)
        return appended

    def _mark_stale_units(self, now: Any) -> list[NewEvent]:
        stale_before = epoch_ms(now - self.settings.stale_after)
        silent = (UnitRow.stale.is_(False)) & (UnitRow.fix_time_ms < stale_before)
        with self._db.read() as session:  # the usual answer is "none": no write transaction for that
            if session.scalar(select(UnitRow.id).where(silent).limit(1)) is None:
                return []
        with self._lock:
            with self._db.write() as session:
                stale_rows = session.scalars(select(UnitRow).where(silent)).all()
                for unit in stale_rows:
                    unit.stale = True
                    unit.version += 1
                    unit.updated_at = now
                session.flush()
                changed = [unit_store.as_dict(u) for u in stale_rows]
                appended = [NewEvent(EventKind.UNIT_UPDATED, Subject.UNIT, str(u["id"]), u, now) for u in changed]
                event_log.append(session, appended)
            if changed:
                self._update_fleet(changed)
        return appended

    def prune_tracks(self) -> int:
        with self._db.write() as session:
            return unit_store.prune_fixes(session=session,
                                          before_ms=epoch_ms(self._clock.now() - self.settings.track_retention))


def _position(r: UnitRow | dict[str, Any]) -> UnitPosition:
    d = r if isinstance(r, dict) else unit_store.as_dict(r)
    return UnitPosition(int(d["id"]), str(d["callsign"]), UnitType(d["unit_type"]), UnitStatus(d["status"]),
                        d["lon"], d["lat"], d["home_grid"], bool(d["stale"]))


def _iso_ms(ms: int) -> str:
    return from_epoch_ms(ms).isoformat()
