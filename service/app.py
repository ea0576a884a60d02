"""create_app(settings): the service as an ASGI application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service import __version__
from service.api import boundaries, channels, errors, incidents, ogcapi, open311, stream
from service.api.limits import BodySizeLimit
from service.context import ServiceContext
from service.domain.clock import Clock
from service.settings import Settings

DESCRIPTION = """
GridCommand's command-center service: the street's record (communities, grids, micro-grids, zones,
rosters), incident intake from every channel, and a live event stream.

Authenticate with `Authorization: Bearer <key>` (or `api_key=<key>`). Times are ISO 8601; stored in UTC.
Errors are `{"error": {"status", "message", "problems": [{"field", "reason"}]}}`.
"""


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               context: ServiceContext | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = context or ServiceContext(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ctx.hub.bind(asyncio.get_running_loop())
        yield
        ctx.close()

    app = FastAPI(title="GridCommand service", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.context = ctx
    errors.install(app)
    for module in (channels, incidents, stream, open311, boundaries, ogcapi):
        app.include_router(module.router)

    @app.get("/health", tags=["health"], summary="Liveness; needs no key")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
