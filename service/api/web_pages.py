"""The leaders' and residents' faces: cockpit, QR reporting and printed reports, with their static pages."""

from __future__ import annotations

from fastapi import FastAPI

from service.api import cockpit, qr, reports, resident
from service.context import ServiceContext


def install_web_pages(app: FastAPI, ctx: ServiceContext) -> None:
    for module in (cockpit, resident, qr, reports):
        app.include_router(module.router)
    cockpit.mount(app)
    resident.install(app, ctx)
