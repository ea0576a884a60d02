"""What the department inbox and the field page share: a case as a restricted key sees it, and a live
stream of only the cases that key may see (the same fan-out as /api/v1/stream, filtered per client)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from service.api import present
from service.api.stream import READ_LIMIT, _read
from service.context import Principal, ServiceContext
from service.domain.catalog import CATEGORIES
from service.domain.errors import InvalidInput
from service.domain.events import EventKind, LoggedEvent
from service.domain.records import event_record

INCIDENT_EVENTS = frozenset({EventKind.INCIDENT_CREATED.value, EventKind.INCIDENT_UPDATED.value})
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"text/event-stream": {"example":
    'id: 42\nevent: incident.updated\ndata: {"id": 42, "kind": "incident.updated", ...}\n\n'}}}}


def shown(record: dict[str, Any], who: Principal, ctx: ServiceContext) -> dict[str, Any]:
    """A case as a phone page shows it: masked like any non-operator's view, with the category's name."""
    category = CATEGORIES.get(record.get("category") or "")
    return {**present.incident(record, who, ctx), "category_name": category.name_zh if category else None}


def stream_response(ctx: ServiceContext, who: Principal, last_event_id: str | None, after: int | None,
                    keep: Callable[[dict[str, Any]], bool], label: str) -> StreamingResponse:
    """Incident events whose payload `keep` accepts, from Last-Event-ID, ?after= or now."""
    if last_event_id is not None and not last_event_id.strip().isdigit():
        raise InvalidInput.one("Last-Event-ID", f"{last_event_id!r} is not an event id")
    start = int(last_event_id) if last_event_id is not None else after if after is not None else ctx.hub.last_id
    return StreamingResponse(_tail(ctx, who, start, keep, label), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _encode(events: list[LoggedEvent], who: Principal, ctx: ServiceContext) -> bytes:
    return b"".join(b"id: %d\nevent: %s\ndata: %s\n\n" % (
        e.id, e.kind.encode(), orjson.dumps(event_record(e, present.incident(e.payload, who, ctx))))
        for e in events)


async def _tail(ctx: ServiceContext, who: Principal, last: int, keep: Callable[[dict[str, Any]], bool],
                label: str) -> AsyncIterator[bytes]:
    heartbeat = ctx.settings.sse_heartbeat_seconds
    yield f"retry: 2000\n: {label} from event {last}\n\n".encode()
    last_sent = time.monotonic()
    while True:  # Starlette cancels this generator when the client goes
        events = ctx.hub.after(last, limit=READ_LIMIT)
        if events is None:
            events = await run_in_threadpool(_read, ctx, last)
        if events:
            last = events[-1].id
            mine = [e for e in events if e.kind in INCIDENT_EVENTS and keep(e.payload)]
            if mine:
                last_sent = time.monotonic()
                yield _encode(mine, who, ctx)
            if len(events) == READ_LIMIT:
                continue
        if time.monotonic() - last_sent >= heartbeat:
            last_sent = time.monotonic()
            yield b": heartbeat\n\n"
        await ctx.hub.wait(timeout=min(ctx.settings.sse_poll_seconds, heartbeat), after_id=last)
