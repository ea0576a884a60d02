"""A street's worth of cases for the cockpit and the reports, through the real intake and lifecycle flows."""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import shapely

from service.context import ServiceContext
from service.domain.catalog import CATEGORIES, Channel
from service.domain.errors import Conflict
from service.domain.gridcodes import Level
from service.domain.incident import IncidentDraft
from service.domain.lifecycle import Action, ActionRequest
from service.domain.units import SERVES
from service.store import areas as area_store
from service.store import incidents as incident_store
from service.store import units as unit_store

CHANNEL_WEIGHTS = {Channel.HOTLINE_12345: 5, Channel.CITY_MANAGEMENT: 4, Channel.OPEN311: 3, Channel.POLICE_110: 2,
                   Channel.ONLINE_HELP: 1, Channel.OPERATOR: 1}


def fresh_street(folder: Path, template: Path) -> Path:
    """A copy of the demo street's database whose units have just reported (as tests/conftest.py's data_dir)."""
    db = folder / "gridcommand.db"
    shutil.copy(template, db)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE units SET fix_time_ms = ? WHERE lon IS NOT NULL", (int((time.time() - 60) * 1000),))
    return folder


def micro_grid_points(ctx: ServiceContext) -> list[tuple[str, float, float]]:
    with ctx.db.read() as session:
        rows = area_store.list_areas(session=session, level=Level.MICRO_GRID)
    points = shapely.point_on_surface(shapely.from_wkb([r.geometry_wkb for r in rows]))
    return [(r.code, float(p.x), float(p.y)) for r, p in zip(rows, points)]


def drafts(rng: random.Random, *, n: int, start: datetime, end: datetime, places: list[tuple[str, float, float]],
           prefix: str, hot_share: float = 0.3) -> list[IncidentDraft]:
    """`n` reports between start and end; `hot_share` of them in a few hot micro-grids (density worth a map)."""
    hot = rng.sample(places, min(12, len(places)))
    categories = list(CATEGORIES)
    channels, weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    span = (end - start).total_seconds()
    out = []
    for i in range(n):
        _, lon, lat = rng.choice(hot) if rng.random() < hot_share else rng.choice(places)
        out.append(IncidentDraft(
            channel=rng.choices(channels, weights)[0], external_id=f"{prefix}-{i}",
            reported_at=start + timedelta(seconds=rng.uniform(0, span)), category=rng.choice(categories[:18]),
            description="现场核实处置", x=lon + rng.uniform(-0.0004, 0.0004), y=lat + rng.uniform(-0.0003, 0.0003)))
    return out


def ingest(ctx: ServiceContext, items: list[IncidentDraft], batch: int = 1000) -> list[int]:
    ids: list[int] = []
    for s in range(0, len(items), batch):
        ids.extend(o.id for o in ctx.intake.ingest(items[s:s + batch]) if o.id is not None)
    return ids


class SetClock:
    """The seed's clock: set to each moment a report arrives or an action happens."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def history(ctx: ServiceContext, clock: SetClock, items: list[IncidentDraft], rng: random.Random, *,
            share: float = 0.7) -> list[int]:
    """Reports arrive as they were made (the clock at each one's time), and a `share` of them is worked on
    like a shift would: acknowledged within a minute or two, a unit sent, on scene within 5 to 14 minutes,
    resolved and closed; some get departments whistled in. The clock ends where it began."""
    end = clock.at
    ordered = sorted(items, key=lambda d: d.reported_at)
    ids: list[int] = []
    for s in range(0, len(ordered), 50):
        chunk = ordered[s:s + 50]
        clock.at = chunk[-1].reported_at
        ids.extend(o.id for o in ctx.intake.ingest(chunk) if o.id is not None)
    with ctx.db.read() as session:
        units = [(u.id, u.unit_type) for u in unit_store.all_units(session=session)]
        received = {r.id: r.received_at for r in incident_store.get_many(session=session, ids=ids)}
    for incident_id in rng.sample(ids, int(len(ids) * share)):
        with contextlib.suppress(Conflict):  # a duplicate merged at intake cannot be worked: as in life, skip it
            _work_one(ctx, clock, incident_id, received[incident_id], units, rng, end)
    clock.at = end
    return ids


def _work_one(ctx: ServiceContext, clock: SetClock, incident_id: int, received: datetime,
              units: list[tuple[int, str]], rng: random.Random, end: datetime) -> None:
    act = ctx.dispatch.lifecycle.act

    def at(minutes: float) -> bool:
        clock.at = received + timedelta(minutes=minutes)
        return clock.at < end

    if not at(rng.uniform(0.2, 1.3)):
        return
    case = act(incident_id, ActionRequest(Action.ACKNOWLEDGE, "seed", version=_version(ctx, incident_id)))
    category = CATEGORIES[case["category"]]
    if rng.random() < 0.25 and at(rng.uniform(2, 4)):
        dept = category.department or "城管"
        case = act(incident_id, ActionRequest(Action.WHISTLE, "seed", version=case["version"], departments=(dept,)))
        if rng.random() < 0.85 and at(rng.uniform(5, 40)):
            case = act(incident_id, ActionRequest(Action.DEPARTMENT_ACKNOWLEDGE, "seed", version=case["version"],
                                                  department=dept))
    wanted = SERVES[category.responder].value
    unit = rng.choice([u for u, kind in units if kind == wanted] or [u for u, _ in units])
    if not at(rng.uniform(1.5, 3)):
        return
    case = act(incident_id, ActionRequest(Action.DISPATCH, "seed", version=case["version"], unit_id=unit))
    if not at(rng.uniform(5, 14)):
        return
    case = act(incident_id, ActionRequest(Action.ARRIVE, "seed", version=case["version"]))
    if not at(rng.uniform(20, 90)):
        return
    case = act(incident_id, ActionRequest(Action.RESOLVE, "seed", version=case["version"], note="已处置"))
    if at(rng.uniform(95, 180)):
        act(incident_id, ActionRequest(Action.CLOSE, "seed", version=case["version"], note="回访满意"))


def _version(ctx: ServiceContext, incident_id: int) -> int:
    with ctx.db.read() as session:
        row = incident_store.get(session=session, incident_id=incident_id)
        assert row is not None
        return row.version
