"""The cockpit's summary: facts read in one transaction, counted by service/domain/cockpit.py and surge.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from service.domain import cockpit as board
from service.domain.catalog import CATEGORIES, DEPARTMENTS, Channel
from service.domain.cockpit import CaseFacts, Period
from service.domain.gridcodes import Level
from service.domain.lifecycle import OPEN_STATUSES
from service.domain.sla import SlaPolicy
from service.domain.surge import SurgeDimension, detect
from service.store import cockpit as cockpit_store
from service.store.db import Database

SURGE_WINDOW = timedelta(hours=1)
BASELINE_DAYS = 28
MAP_POINTS = 3000  # newest open cases drawn as points; density covers the rest


def _points(cases: list[CaseFacts]) -> list[dict[str, Any]]:
    open_cases = [c for c in cases if c.status in {s.value for s in OPEN_STATUSES} and c.lon is not None]
    newest = sorted(open_cases, key=lambda c: c.reported_at, reverse=True)[:MAP_POINTS]
    return [{"id": c.id, "lon": round(c.lon or 0, 6), "lat": round(c.lat or 0, 6), "category": c.category,
             "priority": c.priority, "status": c.status} for c in newest]


def surges(*, db: Database, now: datetime, window: timedelta = SURGE_WINDOW,
           baseline_days: int = BASELINE_DAYS) -> list[dict[str, Any]]:
    """The last hour against the same hour of the day on each of the previous `baseline_days` days."""
    windows = [(now - window - timedelta(days=d), now - timedelta(days=d)) for d in range(baseline_days + 1)]
    with db.read() as session:
        counts = cockpit_store.window_counts(session=session, windows=windows)
    (now_categories, now_communities), history = counts[0], counts[1:]
    found = (detect(dimension=SurgeDimension.CATEGORY, current=now_categories, history=[h[0] for h in history])
             + detect(dimension=SurgeDimension.COMMUNITY, current=now_communities, history=[h[1] for h in history]))
    return [s.as_dict() for s in sorted(found, key=lambda s: -s.ratio)]


def period_report(cases: list[CaseFacts], period: Period, *, policy: SlaPolicy, now: datetime,
                  states: board.ClockStates | None = None) -> dict[str, Any]:
    inside = [c for c in cases if period.holds(c.reported_at)]
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat(),
            **board.tally(inside), "buckets": board.hourly(inside, period),
            "sla": board.sla_by_stage(inside, policy=policy, now=now, states=states),
            "density": board.density(inside)}


def names(db: Database) -> dict[str, dict[str, str]]:
    with db.read() as session:
        communities = cockpit_store.area_names(session=session, level=Level.COMMUNITY)
        micro_grids = cockpit_store.area_names(session=session, level=Level.MICRO_GRID)
    return {"communities": communities, "micro_grids": micro_grids,
            "categories": {c.code: c.name_zh for c in CATEGORIES.values()},
            "channels": {c.value: CHANNEL_NAMES.get(c, c.value) for c in Channel if c is not Channel.GPS_GATEWAY},
            "departments": {d: d for d in DEPARTMENTS}}


CHANNEL_NAMES = {Channel.POLICE_110: "110 警情", Channel.HOTLINE_12345: "12345 热线", Channel.CITY_MANAGEMENT: "数字城管",
                 Channel.OPEN311: "居民扫码", Channel.ONLINE_HELP: "网上求助", Channel.OPERATOR: "指挥室录入"}


def summary(*, db: Database, policy: SlaPolicy, now: datetime) -> dict[str, Any]:
    """Today and this week, SLA per stage, repeat places, surges, units, departments, and the map's data."""
    day, week = board.today(now), board.this_week(now)
    start = min(day.start, week.start)
    with db.read() as session:
        cases = cockpit_store.case_facts(session=session, start=start, end=max(day.end, week.end))
        carried = cockpit_store.open_case_facts(session=session, before=start,
                                                statuses=[s.value for s in OPEN_STATUSES])
        units = cockpit_store.unit_facts(session=session)
    states = board.clock_states(cases, policy=policy, now=now)
    return {"generated_at": now.isoformat(), "today": period_report(cases, day, policy=policy, now=now, states=states),
            "week": period_report(cases, week, policy=policy, now=now, states=states),
            "carried_over_open": len(carried),
            "repeat_places": board.repeat_places(c for c in cases if week.holds(c.reported_at)),
            "surges": surges(db=db, now=now),
            "units": board.unit_board(units),
            "departments": board.department_performance(c for c in cases if week.holds(c.reported_at)),
            "cases": _points(cases + carried),
            "unit_positions": [{"id": u.id, "callsign": u.callsign, "unit_type": u.unit_type, "status": u.status,
                                "lon": u.lon, "lat": u.lat} for u in units if u.lon is not None and not u.stale]}
