"""The leaders' cockpit: its page at /cockpit/, its one JSON summary, and the vendored browser libraries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, Reader
from service.flows import cockpit as cockpit_flow

router = APIRouter(prefix="/api/v1/cockpit", tags=["cockpit"])
WEB = Path(__file__).resolve().parents[1] / "web"
NODE_MODULES = WEB / "node_modules"
# npm packages served to the pages (their dist files and LICENSE); `npm ci` in service/web installs them.
VENDORED = ("echarts", "maplibre-gl")


@router.get("/summary", summary="Today and this week for the cockpit: counts by channel, category, status and "
            "community, SLA per stage, handled rate, repeat places, surges, units, departments, map data")
async def summary(who: Reader, ctx: ContextDep) -> Response:
    body = await run_in_threadpool(cockpit_flow.summary, db=ctx.db, policy=ctx.dispatch.settings.sla,
                                   now=ctx.clock.now())
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/names", summary="Names the cockpit shows: communities, micro-grids, categories, channels")
async def names(who: Reader, ctx: ContextDep) -> dict[str, Any]:
    return await run_in_threadpool(cockpit_flow.names, ctx.db)


def _not_installed(package: str) -> Callable[[str], JSONResponse]:
    def answer(path: str) -> JSONResponse:
        return JSONResponse({"error": {"status": 503, "message": f"the browser library {package} is not installed "
                                                                 "on this service: run `make setup` (npm ci)"}},
                            status_code=503)
    return answer


def mount(app: FastAPI) -> None:
    """The page and the libraries as static files (never a CDN: the wall works without internet)."""
    app.mount("/cockpit", StaticFiles(directory=WEB / "cockpit", html=True), name="cockpit")
    for package in VENDORED:
        if (NODE_MODULES / package).is_dir():
            app.mount(f"/web/vendor/{package}", StaticFiles(directory=NODE_MODULES / package), name=f"vendor-{package}")
        else:  # a checkout where `make setup` has not run: say so, rather than a 500 per file
            logging.getLogger(__name__).warning("%s is missing: run `make setup` (npm ci in service/web)",
                                                NODE_MODULES / package)
            app.add_api_route(f"/web/vendor/{package}/{{path:path}}", _not_installed(package), include_in_schema=False)
    app.mount("/web/common", StaticFiles(directory=WEB / "common", check_dir=False), name="web-common")
