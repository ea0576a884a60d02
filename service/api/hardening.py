"""Wires the service's doors into an app: authentication with throttling and lockout, the device gate,
the audit trail of requests, the key and audit routes, and the offline API docs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from service.api import audit, devices, docs, keys, openapi_doc
from service.api.audit_requests import AuditRequests
from service.api.auth import Gatekeeper
from service.api.devices import DeviceGate
from service.context import ServiceContext
from service.flows.keys import KeyAdmin, KeyPolicy


def open_doors(app: Any, ctx: ServiceContext) -> None:
    """The state every door reads: app.state.key_admin, .gatekeeper and .device_gate."""
    key_admin = KeyAdmin(db=ctx.db, clock=ctx.clock, audit=ctx.audit,
                         policy=KeyPolicy(lockout=timedelta(minutes=ctx.settings.key_lockout_minutes)),
                         on_commit=ctx.projector.committed)
    app.state.key_admin = key_admin
    app.state.gatekeeper = Gatekeeper(ctx=ctx, audit=ctx.audit, keys=key_admin,
                                      failures_per_minute=ctx.settings.auth_failures_per_minute)
    app.state.device_gate = DeviceGate(ctx.settings)


def install(app: FastAPI, ctx: ServiceContext) -> None:
    open_doors(app, ctx)
    for module in (keys, audit, devices):
        app.include_router(module.router)
    docs.install(app)
    openapi_doc.document_errors(app)
    app.add_middleware(AuditRequests, audit=ctx.audit)
