"""create_app(settings): the service as an ASGI application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from service import __version__
from service.api import (
    boundaries,
    channels,
    dispatch,
    errors,
    exercises,
    hardening,
    incidents,
    ogcapi,
    open311,
    stream,
    units,
    vocabulary,
)
from service.api import department as department_api
from service.api import evaluation as evaluation_api
from service.api import field as field_api
from service.api import snapshot as snapshot_api
from service.api import workflow as workflow_api
from service.api.limits import FILE_UPLOAD_PATHS, BodySizeLimit
from service.api.web_pages import install_web_pages
from service.context import ServiceContext
from service.domain.clock import Clock
from service.flows import privacy, report_schedule
from service.settings import Settings

WEB = Path(__file__).resolve().parent / "web"  # pages served as plain files: no CDN, no build step

DESCRIPTION = """
GridCommand's command-center service: the street's record (communities, grids, micro-grids, zones,
rosters), incident intake from every channel, and a live event stream.

Authenticate with `Authorization: Bearer <key>` (or `api_key=<key>`). Times are ISO 8601; stored in UTC.
Errors are `{"error": {"status", "message", "problems": [{"field", "reason"}]}}`.
"""


async def _watch(ctx: ServiceContext) -> None:
    """Jobs that must run once (SLA warnings and breaches, stale units, track retention, pseudonymising
    reporters, audit retention) run on the process holding the watch lease; another takes over within a
    few seconds when it dies. Pruning the duplicate index and flushing buffered audit records concern
    this process's own memory, so every process does them."""
    passes = 0
    while True:
        try:
            if await run_in_threadpool(ctx.lease.held):
                await run_in_threadpool(ctx.dispatch.watch)
                if passes % 3600 == 0:
                    await run_in_threadpool(lambda: privacy.hourly(db=ctx.db, clock=ctx.clock, audit=ctx.audit,
                                                                   settings=ctx.settings))
                if ctx.settings.scheduled_reports and passes % report_schedule.EVERY_PASSES == 0:
                    await run_in_threadpool(lambda: report_schedule.produce_due(
                        db=ctx.db, policy=ctx.dispatch.settings.sla, now=ctx.clock.now(), data_dir=ctx.settings.data_dir))
                await run_in_threadpool(ctx.notifier.run_once)  # outbound notifications, with retries
            else:  # keep the schedule current, to take over the watch at any moment
                await run_in_threadpool(ctx.sla_schedule.settle)
                if passes % 3600 == 0:
                    await run_in_threadpool(ctx.dispatch.prune_tracks)
            await run_in_threadpool(ctx.audit.flush)  # this process's buffered request records
            if passes % 3600 == 0:
                await run_in_threadpool(ctx.intake.prune_index)
            passes += 1
        except Exception:  # the watch must outlive a bad pass; the next one retries
            logging.getLogger(__name__).exception("watch pass failed")
        await asyncio.sleep(ctx.settings.watch_interval_seconds)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               context: ServiceContext | None = None, watch: bool = True) -> FastAPI:
    settings = settings or Settings()
    ctx = context or ServiceContext(settings, clock=clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ctx.hub.bind(asyncio.get_running_loop())
        ctx.start_following()  # other processes' writes reach this one's views and streams
        watcher = asyncio.create_task(_watch(ctx)) if watch else None
        yield
        if watcher:
            watcher.cancel()
        ctx.audit.flush()
        ctx.close()

    app = FastAPI(title="GridCommand service", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # served with local assets by api.docs
    app.state.context = ctx
    errors.install(app)
    for module in (channels, incidents, dispatch, units, stream, open311, boundaries, ogcapi, snapshot_api):
        app.include_router(module.router)
    app.include_router(vocabulary.router)
    app.include_router(exercises.router)
    hardening.install(app, ctx)
    install_web_pages(app, ctx)  # cockpit, resident QR reporting, printed reports
    app.include_router(workflow_api.router)
    app.include_router(department_api.router)
    app.include_router(evaluation_api.router)
    app.include_router(field_api.router)
    app.mount("/dept", StaticFiles(directory=WEB / "dept", html=True), name="dept")  # the department inbox
    app.mount("/field", StaticFiles(directory=WEB / "field", html=True), name="field")  # field workers' PWA

    @app.get("/health", tags=["health"], summary="Liveness; needs no key")
    def health(request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "ok", "version": __version__}
        badge = exercises.exercise_badge(request)
        if badge is not None:  # an exercise process says so, so no client takes it for the live record
            body["exercise"] = badge
        return body

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       larger={path: settings.max_file_upload_bytes for path in FILE_UPLOAD_PATHS})
    return app
