"""Read the SSE stream in-process through the ASGI interface: the events are formatted by the code in this
process (so mutation testing can reach it), and every read has an overall deadline, never a per-read one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any


def parse_events(text: str) -> list[dict[str, Any]]:
    """SSE blocks with data, as {"id", "event", "data" (decoded JSON)}; comments and `retry:` blocks skipped."""
    out = []
    for block in text.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":"):
                key, _, value = line.partition(": ")
                fields[key] = value
        if "data" in fields:
            fields["data"] = json.loads(fields["data"])
            out.append(fields)
    return out


async def read_stream(app: Any, headers: dict[str, str], *, query: str = "",
                      until: Callable[[str], bool], deadline_s: float = 20.0,
                      path: str = "/api/v1/stream") -> tuple[int, str]:
    """GET /api/v1/stream until `until(body so far)` holds, then disconnect. Returns (status, body).
    Raises TimeoutError after deadline_s in all, however many heartbeats arrive meanwhile."""
    body = bytearray()
    status = 0
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if status != 200 or until(body.decode()) or not message.get("more_body", False):
                done.set()

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
             "server": ("test", 80), "client": ("test", 1),
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "test", **headers}.items()]}
    await asyncio.wait_for(app(scope, receive, send), deadline_s)
    return status, body.decode()
