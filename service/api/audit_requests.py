"""Records every state-changing request in the audit trail as it finishes: who (the key that passed the
door), from where, which operation on what, and the status it ended with."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.auth import actor_of
from service.flows.audit import AuditTrail, Outcome

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Positions stream in every few seconds per phone: a refused one is audited, an accepted one is
# already on the unit's track (the record of it), so it is not written twice.
TELEMETRY = ("/osmand", "/api/v1/positions/batch")


class AuditRequests:
    def __init__(self, app: ASGIApp, *, audit: AuditTrail) -> None:
        self.app = app
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in CHANGING:
            await self.app(scope, receive, send)
            return
        status = 0  # stays 0 when the app fails before answering (e.g. an oversized body refused outside)

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            self._record(scope, status)

    def _record(self, scope: Scope, status: int) -> None:
        path: str = scope.get("path", "")
        if 0 < status < 400 and path.startswith(TELEMETRY):
            return
        who: Any = (scope.get("state") or {}).get("principal")
        client = scope.get("client")
        source = client[0] if client else "unknown"
        actor = actor_of(who, source)
        route = scope.get("route")
        operation = f"{scope['method']} {getattr(route, 'path', path)}"
        outcome = Outcome.SUCCESS if 0 < status < 400 else Outcome.DENIED if status in (401, 403, 429) else Outcome.FAILURE
        self.audit.record(actor, operation, outcome=outcome, target=path, details={"status": status})
