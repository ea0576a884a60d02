"""A field worker's phone (grid worker, patrol member, law-enforcement team): the cases its unit is
assigned to, live, and its steps: en route, arrived, resolved with photos and a note. Every step may
carry an Idempotency-Key: the page's offline queue replays it after reconnecting, and a replay acts
once. The phone's position goes to the OsmAnd endpoint (/osmand) with the unit's device id, like
Traccar Client. The page is served at /field/."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Form, Header, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from service.api import present
from service.api.deps import ContextDep, PrincipalDep
from service.api.stream import READ_LIMIT, _read
from service.api.workflow import Photos, actor_of, read_uploads
from service.context import Principal, ServiceContext
from service.domain.access import Role
from service.domain.catalog import CATEGORIES
from service.domain.errors import AccessDenied, InvalidInput
from service.domain.events import EventKind, LoggedEvent
from service.domain.lifecycle import OPEN_STATUSES, Action, ActionRequest, CaseStatus
from service.domain.records import event_record
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


def _shown(record: dict[str, Any], who: Principal, ctx: ServiceContext) -> dict[str, Any]:
    category = CATEGORIES.get(record.get("category") or "")
    return {**present.incident(record, who, ctx), "category_name": category.name_zh if category else None}


@router.get("/cases", summary="This unit's assigned cases (open, or resolved awaiting verification)")
def cases(who: FieldWorker, ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.read() as session:
        unit = unit_store.get(session=session, unit_id=who.unit_id or 0)
        me = {"id": unit.id, "callsign": unit.callsign, "name": unit.name, "device_id": unit.device_id,
              "status": unit.status} if unit is not None else None
    return {"unit": me, "items": [_shown(r, who, ctx) for r in ctx.workflow.field_cases(who.unit_id or 0, SHOWN)]}


def _step(who: Principal, ctx: ServiceContext, incident_id: int, action: Action, key: str | None,
          note: str | None = None, uploads: list[tuple[str, bytes]] | None = None) -> dict[str, Any]:
    checked = ctx.workflow.check_photos(uploads or [])
    out = ctx.workflow.field_act(unit_id=who.unit_id or 0, key_id=who.key_id, incident_id=incident_id,
                                 request=ActionRequest(action=action, actor=actor_of(who), version=0, note=note),
                                 idempotency_key=key, photos=checked)
    if "incident" in out:
        out["incident"] = _shown(out["incident"], who, ctx)
    return out


@router.post("/cases/{incident_id}/en_route", summary="On the way")
def en_route(incident_id: int, who: FieldWorker, ctx: ContextDep, key: IdempotencyKey = None) -> dict[str, Any]:
    return _step(who, ctx, incident_id, Action.EN_ROUTE, key)


@router.post("/cases/{incident_id}/arrive", summary="Arrived on scene")
def arrive(incident_id: int, who: FieldWorker, ctx: ContextDep, key: IdempotencyKey = None) -> dict[str, Any]:
    return _step(who, ctx, incident_id, Action.ARRIVE, key)


@router.post("/cases/{incident_id}/resolve", summary="Resolved: feedback with photos and a note",
             description="The handler's feedback (处理反馈): the case awaits verification.")
def resolve(incident_id: int, who: FieldWorker, ctx: ContextDep,
            note: Annotated[str, Form(min_length=1, max_length=2000)], photos: Photos = [],  # noqa: B006
            key: IdempotencyKey = None) -> dict[str, Any]:
    return _step(who, ctx, incident_id, Action.FEEDBACK, key, note, read_uploads(photos, ctx))


# --- the live list -------------------------------------------------------------------------------
INCIDENT_EVENTS = frozenset({EventKind.INCIDENT_CREATED.value, EventKind.INCIDENT_UPDATED.value})


@router.get("/stream", summary="This unit's cases, live, as Server-Sent Events",
            description="Changes to cases assigned to this unit (reporters masked). Resume with Last-Event-ID "
                        "or ?after=.", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {"example":
                       'id: 42\nevent: incident.updated\ndata: {"id": 42, "kind": "incident.updated", ...}\n\n'}}}})
async def stream(who: FieldWorker, ctx: ContextDep,
                 last_event_id: str | None = Header(None, alias="Last-Event-ID"),
                 after: int | None = Query(None, ge=0, description="Start after this event id")) -> StreamingResponse:
    if last_event_id is not None and not last_event_id.strip().isdigit():
        raise InvalidInput.one("Last-Event-ID", f"{last_event_id!r} is not an event id")
    start = int(last_event_id) if last_event_id is not None else after if after is not None else ctx.hub.last_id
    return StreamingResponse(_tail(ctx, who, start), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _mine(event: LoggedEvent, unit_id: int) -> bool:
    return event.kind in INCIDENT_EVENTS and event.payload.get("assigned_unit") == unit_id


async def _tail(ctx: ServiceContext, who: Principal, last: int) -> AsyncIterator[bytes]:
    heartbeat = ctx.settings.sse_heartbeat_seconds
    unit_id = who.unit_id or 0
    yield f"retry: 2000\n: unit {unit_id} from event {last}\n\n".encode()
    last_sent = time.monotonic()
    while True:  # Starlette cancels this generator when the client goes
        events = ctx.hub.after(last, limit=READ_LIMIT)
        if events is None:
            events = await run_in_threadpool(_read, ctx, last)
        if events:
            last = events[-1].id
            mine = [e for e in events if _mine(e, unit_id)]
            if mine:
                last_sent = time.monotonic()
                yield b"".join(b"id: %d\nevent: %s\ndata: %s\n\n" % (
                    e.id, e.kind.encode(), orjson.dumps(event_record(e, present.incident(e.payload, who, ctx))))
                    for e in mine)
            if len(events) == READ_LIMIT:
                continue
        if time.monotonic() - last_sent >= heartbeat:
            last_sent = time.monotonic()
            yield b": heartbeat\n\n"
        await ctx.hub.wait(timeout=min(ctx.settings.sse_poll_seconds, heartbeat), after_id=last)
