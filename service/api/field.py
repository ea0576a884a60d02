"""A field worker's phone (grid worker, patrol member, law-enforcement team): the cases its unit is
assigned to, live, and its steps: en route, arrived, resolved with photos and a note. Every step may
carry an Idempotency-Key: the page's offline queue replays it after reconnecting, and a replay acts
once. The phone's position goes to POST /api/v1/field/position under the same key (the OsmAnd endpoint
wants a device token, which a browser page does not hold). The page is served at /field/."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from service.api.bounds import IncidentId, UtcTime
from service.api.deps import ContextDep, PrincipalDep
from service.api.scoped import STREAM_RESPONSES, shown, stream_response
from service.api.units import fix_time_problem
from service.api.workflow import Photos, actor_of, read_uploads
from service.context import Principal, ServiceContext
from service.domain.access import Role
from service.domain.bounds import ID_MAX
from service.domain.errors import AccessDenied, InvalidInput, NotFound
from service.domain.lifecycle import OPEN_STATUSES, Action, ActionRequest, CaseStatus
from service.flows.dispatch import FixDraft
from service.store import units as unit_store

router = APIRouter(prefix="/api/v1/field", tags=["field"])
SHOWN = [s.value for s in OPEN_STATUSES | {CaseStatus.RESOLVED}]


def field_key(who: PrincipalDep) -> Principal:
    if who.role is not Role.FIELD_WORKER or who.unit_id is None:
        raise AccessDenied(f"a {who.role.value} key has no field page; use a field worker's key", authenticated=True)
    return who


FieldWorker = Annotated[Principal, Depends(field_key)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=8, max_length=64,
                                              description="Client-made, unique per step: a replay acts once")]


class PhonePosition(BaseModel):
    """Where the browser's geolocation puts the phone (WGS84, as every browser gives it)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    time: UtcTime
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy: float | None = Field(None, ge=0)
    speed_ms: float | None = Field(None, ge=0)
    heading: float | None = Field(None, ge=0, le=360)


def _my_unit(who: Principal, ctx: ServiceContext) -> dict[str, Any] | None:
    """The unit this field worker's key is bound to, as its page shows it."""
    with ctx.db.read() as session:
        unit = unit_store.get(session=session, unit_id=who.unit_id or 0)
        return {"id": unit.id, "callsign": unit.callsign, "name": unit.name, "device_id": unit.device_id,
                "status": unit.status} if unit is not None else None


@router.post("/position", summary="The phone's position: moves this key's unit, as its GPS would")
def position(body: PhonePosition, who: FieldWorker, ctx: ContextDep) -> dict[str, Any]:
    late_or_early = fix_time_problem(ctx, body.time, "time")
    if late_or_early is not None:
        raise InvalidInput(late_or_early)
    unit = _my_unit(who, ctx)
    device_id = unit["device_id"] if unit is not None else None
    if not device_id:
        raise NotFound(f"unit {who.unit_id} has no device id to record positions under")
    fields = {"device_time": body.time, "lon": body.lon, "lat": body.lat, "accuracy": body.accuracy,
              "speed_ms": body.speed_ms, "heading": body.heading}
    outcome = ctx.dispatch.ingest_fixes([FixDraft(device_id, fields, "WGS84")])[0]
    if outcome.problems:
        raise InvalidInput(outcome.problems)
    return {"unit_id": who.unit_id, "stored": True}


@router.get("/cases", summary="This unit's assigned cases (open, or resolved awaiting verification)")
def cases(who: FieldWorker, ctx: ContextDep) -> dict[str, Any]:
    return {"unit": _my_unit(who, ctx), "items": [shown(r, who, ctx) for r in ctx.workflow.field_cases(who.unit_id or 0, SHOWN)]}


def _step(who: Principal, ctx: ServiceContext, incident_id: int, action: Action, key: str | None,
          note: str | None = None, uploads: list[tuple[str, bytes]] | None = None) -> dict[str, Any]:
    checked = ctx.workflow.check_photos(uploads or [])
    out = ctx.workflow.field_act(unit_id=who.unit_id or 0, key_id=who.key_id, incident_id=incident_id,
                                 request=ActionRequest(action=action, actor=actor_of(who), version=0, note=note),
                                 idempotency_key=key, photos=checked)
    if "incident" in out:
        out["incident"] = shown(out["incident"], who, ctx)
    return out


@router.post("/cases/{incident_id}/en_route", summary="On the way")
def en_route(incident_id: IncidentId, who: FieldWorker, ctx: ContextDep, key: IdempotencyKey = None) -> dict[str, Any]:
    return _step(who, ctx, incident_id, Action.EN_ROUTE, key)


@router.post("/cases/{incident_id}/arrive", summary="Arrived on scene")
def arrive(incident_id: IncidentId, who: FieldWorker, ctx: ContextDep, key: IdempotencyKey = None) -> dict[str, Any]:
    return _step(who, ctx, incident_id, Action.ARRIVE, key)


@router.post("/cases/{incident_id}/resolve", summary="Resolved: feedback with photos and a note",
             description="The handler's feedback (处理反馈): the case awaits verification.")
def resolve(incident_id: IncidentId, who: FieldWorker, ctx: ContextDep,
            note: Annotated[str, Form(min_length=1, max_length=2000)], photos: Photos = [],  # noqa: B006
            key: IdempotencyKey = None) -> dict[str, Any]:
    return _step(who, ctx, incident_id, Action.FEEDBACK, key, note, read_uploads(photos, ctx))


# --- the live list -------------------------------------------------------------------------------
@router.get("/stream", summary="This unit's cases, live, as Server-Sent Events",
            description="Changes to cases assigned to this unit (reporters masked). Resume with Last-Event-ID "
                        "or ?after=.", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def stream(who: FieldWorker, ctx: ContextDep, last_event_id: str | None = Header(None, alias="Last-Event-ID"),
                 after: int | None = Query(None, ge=0, le=ID_MAX, description="Start after this event id")) -> StreamingResponse:
    unit_id = who.unit_id
    return stream_response(ctx, who, last_event_id, after, lambda p: p.get("assigned_unit") == unit_id,
                           f"unit {unit_id}")
