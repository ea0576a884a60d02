"""Loads the demo street (boundaries, rosters, units, roads) into a record, as one boundaries change."""

from __future__ import annotations

from dataclasses import asdict

from service.context import ServiceContext
from service.demo.street import DemoStreet
from service.domain.gridcodes import Level
from service.domain.units import UnitStatus, epoch_ms
from service.flows.boundaries import changed_event
from service.store import areas as area_store
from service.store import events as event_log
from service.store import roads as road_store


def install_demo_street(ctx: ServiceContext, street: DemoStreet) -> None:
    rows = [{"code": a.code, "level": a.level, "name": a.name, "parent_code": a.parent_code,
             "households": a.households, "geometry": a.geometry} for a in street.areas]
    people = [{**asdict(p), "role": p.role.value} for p in street.people]
    teams = [{**asdict(t), "kind": t.kind.value} for t in street.teams]
    now = ctx.clock.now()
    units = [{**asdict(u), "unit_type": u.unit_type.value, "status": UnitStatus.AVAILABLE.value,
              "current_incident": None, "fix_time_ms": epoch_ms(now) if u.lon is not None else None,
              "speed_ms": None, "heading": None, "battery": None, "stale": False, "version": 1, "updated_at": now}
             for u in street.units]
    events = [changed_event(rows, now)]
    with ctx.db.write() as session:
        area_store.replace_areas(session=session, rows=rows, levels=list(Level))
        area_store.replace_roster(session=session, people=people, teams=teams, departments=street.departments)
        area_store.replace_units(session=session, units=units)
        road_store.replace_roads(session=session, rows=[{"name": None, "geometry": g} for g in street.roads])
        ids = event_log.append(session, events)
    ctx.projector.committed(ids, events)  # the locator and the fleet follow the boundaries.changed event
