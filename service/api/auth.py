"""Authentication at the door: failed attempts throttled per client address, keys locked after five
failures, every failure audited, and the caller remembered on the request for the audit trail."""

from __future__ import annotations

import time
from dataclasses import replace

from fastapi import Request

from service.context import Principal, ServiceContext
from service.domain.errors import AccessDenied, Throttled
from service.domain.throttle import SlidingWindow
from service.flows.audit import Actor, AuditAction, AuditTrail, Outcome
from service.flows.keys import KeyAdmin
from service.store import keys as key_store

FAILURE_WINDOW_S = 60.0


def client_address(request: Request) -> str:
    # The service is reached directly (no proxy), so the socket's peer is the client.
    return request.client.host if request.client else "unknown"


def actor_of(who: Principal | None, source: str | None = None) -> Actor:
    if who is None:
        return Actor("anonymous", source or "unknown")
    return Actor(f"{who.role.value}:{who.name}#{who.key_id}", source or who.source or "unknown")


class Gatekeeper:
    def __init__(self, *, ctx: ServiceContext, audit: AuditTrail, keys: KeyAdmin, failures_per_minute: int) -> None:
        self._ctx = ctx
        self._audit = audit
        self._keys = keys
        self._failures = SlidingWindow(limit=failures_per_minute, window_s=FAILURE_WINDOW_S)

    def authenticate(self, request: Request, token: str | None) -> Principal:
        source = client_address(request)
        self.check_address(request)
        try:
            who = self._ctx.authenticate(token)
        except AccessDenied as exc:
            if token:  # a request with no key at all is not an attempt to guess one
                self._failed(token, source, exc)
            raise
        who = replace(who, source=source)
        request.state.principal = who
        return who

    def check_address(self, request: Request) -> None:
        """Refuse a client address that sent too many failed credentials of any kind (keys, device tokens)."""
        source = client_address(request)
        wait = self._failures.retry_after(source, time.monotonic())
        if wait is not None:
            raise Throttled(f"too many failed credentials from {source}; try again in {wait:.0f} s",
                            retry_after_s=wait)

    def device_failed(self, request: Request, device: str) -> None:
        source = client_address(request)
        self._failures.record(source, time.monotonic())
        self._audit.record(Actor("anonymous", source), AuditAction.AUTH_FAILED, outcome=Outcome.FAILURE,
                           target=f"device:{device[:32]}", details={"reason": "not a device token"})

    def _failed(self, token: str, source: str, exc: AccessDenied) -> None:
        self._failures.record(source, time.monotonic())
        self._keys.count_failure(token, source)  # a lockout reaches every key cache through the log
        until = self._keys.locked_until(token)
        prefix = key_store.prefix_of(token)
        self._audit.record(Actor("anonymous", source), AuditAction.AUTH_FAILED, outcome=Outcome.FAILURE,
                           target=f"key-prefix:{prefix}" if prefix else None,
                           details={"reason": exc.message, **({"locked_until": until.isoformat()} if until else {})})
        if until is not None:
            exc.message = (f"this key is locked until {until.isoformat()} after repeated failed attempts; "
                           "an administrator can unlock it")
            exc.args = (exc.message,)
