"""The live stream (Server-Sent Events tailing the event log); the snapshot it resumes from is in snapshot.py."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from service.api import present
from service.api.deps import ContextDep, Reader
from service.context import Principal, ServiceContext
from service.domain.bounds import ID_MAX
from service.domain.errors import InvalidInput
from service.domain.events import LoggedEvent
from service.domain.records import event_record
from service.store import events as event_log

router = APIRouter(prefix="/api/v1", tags=["live"])

READ_LIMIT = 500


def event_json(row: LoggedEvent, who: Principal, ctx: ServiceContext) -> dict[str, Any]:
    payload = row.payload
    if row.subject == "incident" and "reporter_name" in payload:
        payload = present.incident(payload, who, ctx)
    return event_record(row, payload)


@router.get("/stream", summary="Every change, live, as Server-Sent Events",
            description="Each event has an increasing id. Reconnect with the Last-Event-ID header (or ?after=) "
                        "to receive exactly what was missed. A comment line is sent as heartbeat.",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {"example":
                       'id: 42\nevent: incident.created\ndata: {"id": 42, "kind": "incident.created", ...}\n\n'}}}})
async def stream(request: Request, who: Reader, ctx: ContextDep,
                 last_event_id: str | None = Header(None, alias="Last-Event-ID"),
                 after: int | None = Query(None, ge=0, le=ID_MAX, description="Start after this event id")) -> StreamingResponse:
    if last_event_id is not None:
        if not last_event_id.strip().isdigit() or int(last_event_id) > ID_MAX:
            raise InvalidInput.one("Last-Event-ID", f"{last_event_id!r} is not an event id")
        start = int(last_event_id)
    elif after is not None:
        start = after
    else:
        start = ctx.hub.last_id  # what this process has applied: the client sees every event after it
    return StreamingResponse(_tail(request, ctx, who, start), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _read(ctx: ServiceContext, after: int) -> list[LoggedEvent]:
    with ctx.db.read() as session:
        return event_log.read_logged_after(session, after, limit=READ_LIMIT)


def _encode(events: list[LoggedEvent], who: Principal, ctx: ServiceContext) -> bytes:
    return b"".join(b"id: %d\nevent: %s\ndata: %s\n\n" % (e.id, e.kind.encode(), orjson.dumps(event_json(e, who, ctx)))
                    for e in events)


async def _tail(request: Request, ctx: ContextDep, who: Principal, last: int) -> AsyncIterator[bytes]:
    """Events come from the fan-out (one reader per commit for every client); only a client resuming
    from further back than the fan-out keeps reads the log itself, until it has caught up."""
    heartbeat = ctx.settings.sse_heartbeat_seconds
    audience = (who.role, who.channel)  # what a client may see depends on these only
    yield f"retry: 2000\n: stream from event {last}\n\n".encode()
    last_sent = time.monotonic()
    while True:  # Starlette cancels this generator when the client goes (it listens for the disconnect)
        events = ctx.hub.after(last, limit=READ_LIMIT)
        if events is None:
            events = await run_in_threadpool(_read, ctx, last)
        if events:
            chunk = ctx.hub.encoded(events, audience, lambda batch: _encode(batch, who, ctx))
            last = events[-1].id
            last_sent = time.monotonic()
            yield chunk
            if len(events) == READ_LIMIT:
                continue
        if time.monotonic() - last_sent >= heartbeat:
            last_sent = time.monotonic()
            yield b": heartbeat\n\n"
        await ctx.hub.wait(timeout=min(ctx.settings.sse_poll_seconds, heartbeat), after_id=last)
