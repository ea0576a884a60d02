"""Data access for exercises: copy a record's street into a new record, read a recorded period, read results.

Reads of the live record here are plain SELECTs in read transactions: an exercise never writes to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.domain.gridcodes import Level
from service.store import areas as area_store
from service.store import roads as road_store
from service.store.models import (
    AreaRow,
    CaseActionRow,
    DepartmentRow,
    FixRow,
    IncidentRow,
    PersonRow,
    RoadRow,
    TeamRow,
    UnitRow,
)

_UNIT_COPY = ("id", "callsign", "name", "unit_type", "device_id", "team_code", "home_grid", "home_zone", "skills",
              "lon", "lat", "fix_time_ms", "speed_ms", "heading", "battery")


def street_of(*, session: Session) -> dict[str, Any]:
    """The street as plain rows: boundaries, rosters, units (where they last were) and roads."""
    areas = [{"code": a.code, "level": a.level, "name": a.name, "parent_code": a.parent_code,
              "households": a.households, "geometry": shapely.from_wkb(a.geometry_wkb), "attributes": a.attributes}
             for a in session.scalars(select(AreaRow).order_by(AreaRow.code))]
    people = [{"id": p.id, "name": p.name, "role": p.role, "phone": p.phone, "grid_code": p.grid_code,
               "team_code": p.team_code, "attributes": p.attributes}
              for p in session.scalars(select(PersonRow).order_by(PersonRow.id))]
    teams = [{"code": t.code, "name": t.name, "kind": t.kind, "zone_code": t.zone_code}
             for t in session.scalars(select(TeamRow).order_by(TeamRow.code))]
    departments = {d.code: d.name_en for d in session.scalars(select(DepartmentRow).order_by(DepartmentRow.code))}
    units = [{name: getattr(u, name) for name in _UNIT_COPY} for u in session.scalars(select(UnitRow).order_by(UnitRow.id))]
    roads = [{"name": name, "geometry": shapely.from_wkb(wkb)}
             for name, wkb in session.execute(select(RoadRow.name, RoadRow.geometry_wkb).order_by(RoadRow.id))]
    return {"areas": areas, "people": people, "teams": teams, "departments": departments, "units": units,
            "roads": roads}


def install_street(*, session: Session, street: dict[str, Any], now: datetime,
                   positions: dict[int, tuple[float, float, int]] | None = None,
                   held: frozenset[int] = frozenset(), hold_until: datetime | None = None) -> None:
    """Write a copied street into an empty record; every unit starts available, at `positions` when given,
    with its position dated `now` (the exercise's first moment) so none starts out stale; units in `held`
    (no track to follow, no trainee moving them) hold their position dated `hold_until`."""
    area_store.replace_areas(session=session, rows=street["areas"], levels=list(Level))
    area_store.replace_roster(session=session, people=street["people"], teams=street["teams"],
                              departments=street["departments"])
    units = []
    for u in street["units"]:
        row = {**u, "status": "available", "current_incident": None, "stale": False, "version": 1, "updated_at": now}
        if positions and u["id"] in positions:
            row["lon"], row["lat"] = positions[u["id"]][:2]
        if row["lon"] is not None:
            dated = hold_until if hold_until is not None and u["id"] in held else now
            row["fix_time_ms"] = int(dated.timestamp() * 1000)
        units.append(row)
    area_store.replace_units(session=session, units=units)
    road_store.replace_roads(session=session, rows=street["roads"])


def reports_between(*, session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The period's reports as they came in (first-seen order), with what the channel told us."""
    rows = session.scalars(select(IncidentRow).where(IncidentRow.received_at >= start, IncidentRow.received_at < end)
                           .order_by(IncidentRow.received_at, IncidentRow.id))
    return [{"id": r.id, "channel": r.channel, "external_id": r.external_id, "reported_at": r.reported_at,
             "received_at": r.received_at, "category": r.category, "description": r.description, "lon": r.lon,
             "lat": r.lat, "address": r.address, "reporter_name": r.reporter_name,
             "reporter_phone": r.reporter_phone, "priority": r.priority, "attributes": r.attributes} for r in rows]


def fixes_between(*, session: Session, since_ms: int, until_ms: int) -> list[tuple[str, int, float, float,
                                                                                   float | None, float | None]]:
    """Every fix of a unit with a device in the period: (device id, time ms, lon, lat, speed, heading)."""
    rows = session.execute(select(UnitRow.device_id, FixRow.time_ms, FixRow.lon, FixRow.lat, FixRow.speed_ms,
                                  FixRow.heading).join(UnitRow, UnitRow.id == FixRow.unit_id)
                           .where(FixRow.time_ms >= since_ms, FixRow.time_ms < until_ms,
                                  UnitRow.device_id.is_not(None)).order_by(FixRow.time_ms, FixRow.unit_id))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def positions_before(*, session: Session, at_ms: int) -> dict[int, tuple[float, float, int]]:
    """Each unit's last fix before `at_ms`: where the street's units stood when a period began."""
    last = (select(FixRow.unit_id, func.max(FixRow.time_ms).label("t")).where(FixRow.time_ms < at_ms)
            .group_by(FixRow.unit_id).subquery())
    rows = session.execute(select(FixRow.unit_id, FixRow.lon, FixRow.lat, FixRow.time_ms)
                           .join(last, (FixRow.unit_id == last.c.unit_id) & (FixRow.time_ms == last.c.t)))
    return {u: (lon, lat, t) for u, lon, lat, t in rows}


def case_histories(*, session: Session, incident_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Cases with every action on them (oldest first): what scoring and the review read."""
    query = select(IncidentRow).order_by(IncidentRow.id)
    if incident_ids is not None:
        query = query.where(IncidentRow.id.in_(list(incident_ids)))
    cases: dict[int, dict[str, Any]] = {
        r.id: {"id": r.id, "channel": r.channel, "external_id": r.external_id, "category": r.category,
               "priority": r.priority, "status": r.status, "lon": r.lon, "lat": r.lat, "grid": r.grid,
               "reported_at": r.reported_at.isoformat(), "received_at": r.received_at.isoformat(),
               "duplicate_of": r.duplicate_of, "assigned_unit": r.assigned_unit, "sla_flags": r.sla_flags,
               "milestones": r.milestones, "attributes": r.attributes, "actions": []}
        for r in session.scalars(query)}
    actions = select(CaseActionRow).order_by(CaseActionRow.id)
    if incident_ids is not None:
        actions = actions.where(CaseActionRow.incident_id.in_(list(incident_ids)))
    for a in session.scalars(actions):
        if a.incident_id in cases:
            cases[a.incident_id]["actions"].append({"action": a.action, "actor": a.actor, "at": a.at.isoformat(),
                                                    "from_status": a.from_status, "to_status": a.to_status,
                                                    "details": a.details})
    return list(cases.values())


def unit_tracks(*, session: Session, since_ms: int, until_ms: int) -> dict[int, list[tuple[int, float, float]]]:
    """Every unit's fixes in the period, for the review map and QGIS's temporal layers."""
    out: dict[int, list[tuple[int, float, float]]] = {}
    for unit, t, lon, lat in session.execute(select(FixRow.unit_id, FixRow.time_ms, FixRow.lon, FixRow.lat)
                                             .where(FixRow.time_ms >= since_ms, FixRow.time_ms < until_ms)
                                             .order_by(FixRow.unit_id, FixRow.time_ms)):
        out.setdefault(unit, []).append((t, lon, lat))
    return out


def unit_catalog(*, session: Session) -> list[dict[str, Any]]:
    return [{"id": u.id, "callsign": u.callsign, "unit_type": u.unit_type, "home_grid": u.home_grid,
             "device_id": u.device_id, "status": u.status, "lon": u.lon, "lat": u.lat}
            for u in session.scalars(select(UnitRow).order_by(UnitRow.id))]
