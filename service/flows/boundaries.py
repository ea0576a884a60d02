"""Replacing the street's polygons and rosters, with one boundaries.changed event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.context import ServiceContext
from service.domain.events import EventKind, NewEvent, Subject
from service.domain.gridcodes import CODE_LENGTH, Level, parse_code
from service.store import areas as area_store
from service.store import events as event_log
from service.store import roads as road_store


def replace_boundaries(ctx: ServiceContext, rows: Sequence[dict[str, Any]], levels: Sequence[Level]) -> None:
    """Replace the polygons of `levels` (hierarchy codes validated first; nothing changes on error)."""
    for i, r in enumerate(rows):
        if Level(r["level"]) in CODE_LENGTH:
            parse_code(r["code"], level=Level(r["level"]), field=f"features[{i}].code")
    with ctx.db.write() as session:
        area_store.replace_areas(session=session, rows=rows, levels=levels)
        event_log.append(session, [changed_event(ctx, rows)])
    ctx.boundaries_changed()


def replace_roads(ctx: ServiceContext, rows: Sequence[dict[str, Any]]) -> None:
    with ctx.db.write() as session:
        road_store.replace_roads(session=session, rows=rows)
        event_log.append(session, [NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "roads",
                                            {"levels": ["roads"], "count": len(rows)}, ctx.clock.now())])
    ctx.dispatch.reload()
    ctx.hub.notify()


def changed_event(ctx: ServiceContext, rows: Sequence[dict[str, Any]]) -> NewEvent:
    levels = sorted({Level(r["level"]).value for r in rows})
    return NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "*", {"levels": levels, "count": len(rows)},
                    ctx.clock.now())
