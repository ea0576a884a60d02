"""Data access for the cockpit, the resident report page and the printed reports: facts, not views."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from service.domain.cockpit import CaseFacts, UnitFacts
from service.domain.gridcodes import Level
from service.domain.roster import RosterRole
from service.store.models import AreaRow, IncidentRow, PersonRow, UnitRow

_CASE_COLUMNS = (IncidentRow.id, IncidentRow.channel, IncidentRow.category, IncidentRow.status, IncidentRow.priority,
                 IncidentRow.community, IncidentRow.micro_grid, IncidentRow.lon, IncidentRow.lat,
                 IncidentRow.reported_at, IncidentRow.received_at, IncidentRow.repeat_count,
                 IncidentRow.duplicate_of, IncidentRow.milestones, IncidentRow.departments)


def case_facts(*, session: Session, start: datetime, end: datetime) -> list[CaseFacts]:
    """Every case reported in [start, end), oldest first."""
    rows = session.execute(select(*_CASE_COLUMNS).where(IncidentRow.reported_at >= start, IncidentRow.reported_at < end)
                           .order_by(IncidentRow.reported_at, IncidentRow.id))
    return [CaseFacts(*row) for row in rows]


def open_case_facts(*, session: Session, before: datetime, statuses: Sequence[str]) -> list[CaseFacts]:
    """Cases still open that were reported before `before` (yesterday's unfinished work)."""
    rows = session.execute(select(*_CASE_COLUMNS).where(IncidentRow.reported_at < before,
                                                        IncidentRow.status.in_(list(statuses))))
    return [CaseFacts(*row) for row in rows]


def window_counts(*, session: Session, windows: Sequence[tuple[datetime, datetime]]
                  ) -> list[tuple[Counter[str], Counter[str]]]:
    """Per window [start, end): cases by category and by community (one read for every window)."""
    out: list[tuple[Counter[str], Counter[str]]] = [(Counter(), Counter()) for _ in windows]
    if not windows:
        return out
    rows = session.execute(select(IncidentRow.category, IncidentRow.community, IncidentRow.reported_at).where(
        or_(*[and_(IncidentRow.reported_at >= s, IncidentRow.reported_at < e) for s, e in windows])))
    for category, community, reported_at in rows:
        for i, (s, e) in enumerate(windows):
            if s <= reported_at < e:
                out[i][0][category] += 1
                if community:
                    out[i][1][community] += 1
                break
    return out


def unit_facts(*, session: Session) -> list[UnitFacts]:
    rows = session.execute(select(UnitRow.id, UnitRow.callsign, UnitRow.unit_type, UnitRow.status, UnitRow.lon,
                                  UnitRow.lat, UnitRow.stale).order_by(UnitRow.id))
    return [UnitFacts(*row) for row in rows]


def area_names(*, session: Session, level: Level) -> dict[str, str]:
    return dict(session.execute(select(AreaRow.code, AreaRow.name).where(AreaRow.level == level.value)).all())


def micro_grid_card(*, session: Session, code: str) -> dict[str, Any] | None:
    """What a resident's page shows of a micro-grid: its name, community, centre and grid worker."""
    row = session.get(AreaRow, code)
    if row is None or row.level != Level.MICRO_GRID.value:
        return None
    grid = session.get(AreaRow, row.parent_code) if row.parent_code else None
    community = session.get(AreaRow, grid.parent_code) if grid is not None and grid.parent_code else None
    centre = shapely.from_wkb(row.geometry_wkb).point_on_surface()
    worker = None
    if grid is not None:
        worker = session.scalar(select(PersonRow.name).where(
            PersonRow.grid_code == grid.code, PersonRow.role == RosterRole.FULL_TIME_GRID_WORKER.value)
            .order_by(PersonRow.id).limit(1))
    return {"code": row.code, "name": row.name, "grid": grid.name if grid else None,
            "community": community.name if community else None, "community_code": community.code if community else None,
            "lon": round(centre.x, 7), "lat": round(centre.y, 7), "grid_worker": worker}


def incident_status(*, session: Session, incident_id: int) -> dict[str, Any] | None:
    """A case as its reporter may follow it: no personal data, no description."""
    row = session.execute(select(IncidentRow.id, IncidentRow.category, IncidentRow.status, IncidentRow.reported_at,
                                 IncidentRow.updated_at, IncidentRow.micro_grid, IncidentRow.duplicate_of)
                          .where(IncidentRow.id == incident_id)).first()
    if row is None:
        return None
    return {"id": row.id, "category": row.category, "status": row.status, "reported_at": row.reported_at.isoformat(),
            "updated_at": row.updated_at.isoformat(), "micro_grid": row.micro_grid, "duplicate_of": row.duplicate_of}


def status_of(*, session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(IncidentRow.id, IncidentRow.status).where(IncidentRow.id.in_(list(ids)))).all())


def community_sheet(*, session: Session, community_code: str) -> list[dict[str, Any]] | None:
    """A community's micro-grids, each with its grid's name and full-time grid worker, for QR labels."""
    community = session.get(AreaRow, community_code)
    if community is None or community.level != Level.COMMUNITY.value:
        return None
    grids = {r.code: r.name for r in session.scalars(select(AreaRow).where(AreaRow.parent_code == community_code,
                                                                           AreaRow.level == Level.GRID.value))}
    workers: dict[str, str] = {}
    for grid_code, name in session.execute(select(PersonRow.grid_code, PersonRow.name).where(
            PersonRow.grid_code.in_(list(grids)), PersonRow.role == RosterRole.FULL_TIME_GRID_WORKER.value)
            .order_by(PersonRow.id)):
        workers.setdefault(grid_code or "", name)
    rows = session.execute(select(AreaRow.code, AreaRow.name, AreaRow.parent_code).where(
        AreaRow.parent_code.in_(list(grids)), AreaRow.level == Level.MICRO_GRID.value).order_by(AreaRow.code))
    return [{"code": code, "name": name, "grid": grids.get(parent or ""), "grid_worker": workers.get(parent or ""),
             "community": community.name} for code, name, parent in rows]


def any_case_between(*, session: Session, start: datetime, end: datetime) -> bool:
    return session.scalar(select(IncidentRow.id).where(IncidentRow.reported_at >= start, IncidentRow.reported_at < end)
                          .limit(1)) is not None
