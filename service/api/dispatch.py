"""Operating on cases: lifecycle actions, their history, unit recommendations and coverage."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from service.api import present
from service.api.bounds import DbInt, IncidentId
from service.api.deps import ContextDep, Dispatcher, Reader
from service.domain.errors import InvalidInput, NotFound
from service.domain.gridcodes import Level
from service.domain.lifecycle import Action, ActionRequest, VerifyOutcome
from service.domain.recommend import best_eta
from service.flows.patrol import patrol_coverage
from service.store import areas as area_store
from service.store import incidents as incident_store
from service.store import units as unit_store

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"action": "dispatch", "version": 2, "unit_id": 17, "note": "最近的巡防队员"},
        {"action": "whistle", "version": 4, "departments": ["城管", "市场监管"], "note": "占道经营需联合执法"},
        {"action": "mark_duplicate", "version": 1, "duplicate_of": 812}]})

    action: Action
    version: DbInt = Field(description="The case version you saw; a stale one gets 409 with the current state")
    note: str | None = Field(None, max_length=2000)
    unit_id: DbInt | None = Field(None, description="dispatch / reassign: the unit to send")
    departments: list[str] = Field(default_factory=list, description="whistle: line departments to call in")
    department: str | None = Field(None, description="department_acknowledge: which department reports")
    duplicate_of: DbInt | None = Field(None, description="mark_duplicate: the original case")
    outcome: VerifyOutcome | None = Field(None, description="verify: pass (closes) or fail (returns to the handler)")
    reason: str | None = Field(None, max_length=2000, description="reject (not_in_scope, not_verifiable, duplicate, "
                               "insufficient_information, other), send_back, verify fail, reopen: why")
    minutes: int | None = Field(None, ge=1, le=60 * 24 * 90, description="request_more_time: how many minutes more")


@router.post("/incidents/{incident_id}/actions", summary="A lifecycle action on a case",
             description="Checked against the case's status (409 with the current state and the allowed actions "
                         "otherwise) and its version (two operators at once: one wins, the other gets 409). "
                         "Recorded with actor, time and note, and appended to the live stream.",
             responses={409: {"description": "illegal transition or someone acted first"}})
def act(incident_id: IncidentId, body: ActionBody, who: Dispatcher, ctx: ContextDep) -> dict[str, Any]:
    record = ctx.dispatch.act(incident_id, ActionRequest(
        action=body.action, actor=f"{who.role.value}:{who.name}", version=body.version, note=body.note,
        unit_id=body.unit_id, departments=tuple(body.departments), department=body.department,
        duplicate_of=body.duplicate_of, outcome=body.outcome, reason=body.reason, minutes=body.minutes))
    return present.incident(record, who, ctx)


@router.get("/incidents/{incident_id}/history", summary="Every action on a case, oldest first")
def history(incident_id: IncidentId, who: Reader, ctx: ContextDep) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        if incident_store.get(session=session, incident_id=incident_id) is None:
            raise NotFound(f"incident {incident_id} does not exist")
        return unit_store.history(session=session, incident_id=incident_id)


@router.get("/incidents/{incident_id}/recommendations", summary="Available units ranked by ETA, with reasons")
def recommendations(incident_id: IncidentId, who: Reader, ctx: ContextDep,
                    limit: int = Query(10, ge=1, le=100)) -> dict[str, Any]:
    with ctx.db.read() as session:
        row = incident_store.get(session=session, incident_id=incident_id)
        if row is None:
            raise NotFound(f"incident {incident_id} does not exist")
        ranked = ctx.dispatch.recommend(row, limit=limit)
    return {"incident_id": incident_id, "units": [r.__dict__ for r in ranked]}


@router.get("/coverage/reachability", summary="Micro-grids no available unit can reach in time right now")
def reachability(who: Reader, ctx: ContextDep, minutes: float = Query(10, gt=0, le=120, allow_inf_nan=False)) -> dict[str, Any]:
    with ctx.db.read() as session:
        rows = area_store.list_areas(session=session, level=Level.MICRO_GRID)
    centroids = shapely.centroid(shapely.from_wkb([r.geometry_wkb for r in rows]))
    lons, lats = shapely.get_x(centroids), shapely.get_y(centroids)
    eta = best_eta(ctx.dispatch.fleet, lons=np.asarray(lons), lats=np.asarray(lats))
    late = [{"code": r.code, "name": r.name, "best_eta_s": None if np.isinf(e) else round(float(e))}
            for r, e in zip(rows, eta) if e > minutes * 60]
    return {"minutes": minutes, "micro_grids": len(rows), "unreachable": late}


@router.get("/coverage/patrol", summary="A day's grid patrol: micro-grids each grid worker's track visited, and not")
async def patrol(who: Reader, ctx: ContextDep, day: date = Query(description="local date, Asia/Shanghai"),
                 grid: str | None = Query(None, description="one grid code; all grids when absent")) -> dict[str, Any]:
    start = datetime.combine(day, datetime.min.time(), LOCAL_TZ)
    if day in (date.min, date.max):  # its local midnight or the next one falls outside the years 1-9999 in UTC
        raise InvalidInput.one("day", f"{day.isoformat()} is outside the calendar this service can count in")
    return await run_in_threadpool(lambda: patrol_coverage(db=ctx.db, locator=ctx.locator(), start=start,
                                                           end=start + timedelta(days=1), grid=grid))
