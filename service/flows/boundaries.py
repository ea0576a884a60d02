"""Replacing the street's polygons and rosters, with one boundaries.changed event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from service.context import ServiceContext
from service.demo_street import DemoStreet
from service.domain.events import EventKind, NewEvent, Subject
from service.domain.gridcodes import CODE_LENGTH, Level, parse_code
from service.domain.units import UnitStatus, epoch_ms
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
    with ctx.db.write() as session:
        area_store.replace_areas(session=session, rows=rows, levels=list(Level))
        area_store.replace_roster(session=session, people=people, teams=teams, departments=street.departments)
        area_store.replace_units(session=session, units=units)
        road_store.replace_roads(session=session, rows=[{"name": None, "geometry": g} for g in street.roads])
        event_log.append(session, [_changed(ctx, rows)])
    ctx.boundaries_changed()
    ctx.dispatch.reload()


def replace_boundaries(ctx: ServiceContext, rows: Sequence[dict[str, Any]], levels: Sequence[Level]) -> None:
    """Replace the polygons of `levels` (hierarchy codes validated first; nothing changes on error)."""
    for i, r in enumerate(rows):
        if Level(r["level"]) in CODE_LENGTH:
            parse_code(r["code"], level=Level(r["level"]), field=f"features[{i}].code")
    with ctx.db.write() as session:
        area_store.replace_areas(session=session, rows=rows, levels=levels)
        event_log.append(session, [_changed(ctx, rows)])
    ctx.boundaries_changed()


def replace_roads(ctx: ServiceContext, rows: Sequence[dict[str, Any]]) -> None:
    with ctx.db.write() as session:
        road_store.replace_roads(session=session, rows=rows)
        event_log.append(session, [NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "roads",
                                            {"levels": ["roads"], "count": len(rows)}, ctx.clock.now())])
    ctx.dispatch.reload()
    ctx.hub.notify()


def _changed(ctx: ServiceContext, rows: Sequence[dict[str, Any]]) -> NewEvent:
    levels = sorted({Level(r["level"]).value for r in rows})
    return NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "*", {"levels": levels, "count": len(rows)},
                    ctx.clock.now())
