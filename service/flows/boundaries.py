"""Replacing the street's polygons and rosters, with one boundaries.changed event.

Writes rows and the event in one transaction, then hands the event to `on_commit` (the projector:
the locator and the fleet follow it, in this and every other process)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from service.domain.clock import Clock
from service.domain.events import EventKind, NewEvent, OnCommit, Subject
from service.domain.gridcodes import CODE_LENGTH, Level, parse_code
from service.store import areas as area_store
from service.store import events as event_log
from service.store import roads as road_store
from service.store.db import Database


def replace_boundaries(rows: Sequence[dict[str, Any]], levels: Sequence[Level], *, db: Database, clock: Clock,
                       on_commit: OnCommit) -> None:
    """Replace the polygons of `levels` (hierarchy codes validated first; nothing changes on error)."""
    for i, r in enumerate(rows):
        if Level(r["level"]) in CODE_LENGTH:
            parse_code(r["code"], level=Level(r["level"]), field=f"features[{i}].code")
    events = [changed_event(rows, clock.now())]
    with db.write() as session:
        area_store.replace_areas(session=session, rows=rows, levels=levels)
        ids = event_log.append(session, events)
    on_commit(ids, events)


def replace_roads(rows: Sequence[dict[str, Any]], *, db: Database, clock: Clock, on_commit: OnCommit) -> None:
    events = [NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "roads", {"levels": ["roads"], "count": len(rows)},
                       clock.now())]
    with db.write() as session:
        road_store.replace_roads(session=session, rows=rows)
        ids = event_log.append(session, events)
    on_commit(ids, events)


def changed_event(rows: Sequence[dict[str, Any]], now: datetime) -> NewEvent:
    levels = sorted({Level(r["level"]).value for r in rows})
    return NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "*", {"levels": levels, "count": len(rows)}, now)
