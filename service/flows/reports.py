"""The daily and weekly reports: what the cockpit shows for a closed period, plus the cases that breached."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import shapely

from service.domain import cockpit as board
from service.domain.cockpit import Period
from service.domain.gridcodes import Level
from service.domain.sla import SlaPolicy
from service.flows import cockpit as cockpit_flow
from service.store import areas as area_store
from service.store import cockpit as cockpit_store
from service.store.db import Database


def material(*, db: Database, policy: SlaPolicy, period: Period, now: datetime) -> dict[str, Any]:
    """Everything a report prints for `period`; clocks are judged at the period's end (or now, if sooner)."""
    judged_at = min(now, period.end)
    with db.read() as session:
        cases = cockpit_store.case_facts(session=session, start=period.start, end=period.end)
        micro = area_store.list_areas(session=session, level=Level.MICRO_GRID)
        communities = area_store.list_areas(session=session, level=Level.COMMUNITY)
    return {"period": period, "judged_at": judged_at, "generated_at": now,
            "summary": cockpit_flow.period_report(cases, period, policy=policy, now=judged_at),
            "breached": board.breached(cases, policy=policy, now=judged_at),
            "repeat_places": board.repeat_places(cases),
            "departments": board.department_performance(cases),
            "micro_grids": [(r.code, shapely.from_wkb(r.geometry_wkb)) for r in micro],
            "communities": [(r.code, r.name, shapely.from_wkb(r.geometry_wkb)) for r in communities],
            "points": [(c.lon, c.lat, c.status) for c in cases if c.lon is not None],
            "names": cockpit_flow.names(db)}
