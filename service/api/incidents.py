"""Reading incidents: one, or a filtered page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from service.api import present
from service.api.bounds import IncidentId, Offset, UtcTime
from service.api.deps import ContextDep, Reader
from service.domain.catalog import Channel
from service.domain.errors import NotFound
from service.domain.lifecycle import OPEN_STATUSES, CaseStatus
from service.store import incidents as incident_store

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.get("/{incident_id}", summary="One incident")
def get_incident(incident_id: IncidentId, who: Reader, ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.read() as session:
        row = incident_store.get(session=session, incident_id=incident_id)
        if row is None:
            raise NotFound(f"incident {incident_id} does not exist")
        return present.incident(incident_store.as_dict(row), who, ctx)


@router.get("", summary="Incidents, newest first, with filters")
def list_incidents(who: Reader, ctx: ContextDep,
                   status: list[CaseStatus] | None = Query(None),
                   open_only: bool = Query(False, alias="open"),
                   channel: Channel | None = None, category: str | None = None,
                   micro_grid: str | None = None, grid: str | None = None, community: str | None = None,
                   since: UtcTime | None = None, until: UtcTime | None = None,
                   limit: int = Query(100, ge=1, le=5000), offset: Offset = 0) -> dict[str, Any]:
    statuses = set(status or []) | (set(OPEN_STATUSES) if open_only else set())
    with ctx.db.read() as session:
        found = incident_store.newest(session=session, limit=limit, offset=offset, statuses=[s.value for s in statuses],
                                      channel=channel.value if channel is not None else None, category=category,
                                      micro_grid=micro_grid, grid=grid, community=community, since=since, until=until)
        rows = [present.incident(incident_store.as_dict(r), who, ctx) for r in found]
    return {"items": rows, "limit": limit, "offset": offset}
