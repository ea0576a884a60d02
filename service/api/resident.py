"""Residents' QR reporting: the mobile page at /report/{micro-grid code}, what it reads (no key needed), and
the checks an unauthenticated report passes before it goes through the Open311 POST like any other.

A report without a key is accepted only from this page: it names the micro-grid it was scanned in
(`attribute[qr]`), is counted against its address and its device (ReportThrottle), keeps name and phone
only with `attribute[consent]=yes`, and may carry up to three photos (checked by their bytes, stored in
the data folder). Nothing else is open without a key.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from service.api.cockpit import WEB
from service.api.deps import ContextDep
from service.context import ServiceContext
from service.domain import coords
from service.domain.catalog import CATEGORIES, Channel
from service.domain.errors import InvalidInput, NotFound
from service.domain.report_limits import MAX_DESCRIPTION_CHARS, MAX_PHOTO_BYTES, MAX_PHOTOS, ReportThrottle, photo_kind
from service.store import cockpit as cockpit_store
from service.store import incidents as incident_store
from service.store import media

router = APIRouter(tags=["resident reporting"])
WEB_REPORT = WEB / "report"
QR_FIELD = "attribute[qr]"
CONSENT_FIELD = "attribute[consent]"
# What a resident's page may send; anything else in an unauthenticated report is refused by name.
RESIDENT_FIELDS = {QR_FIELD, CONSENT_FIELD, "service_code", "lat", "long", "attribute[crs]", "description",
                   "address_string", "first_name", "last_name", "phone", "device_id", "media",
                   "attribute[client_request_id]"}


class TooManyReports(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many reports from here; try again in {int(retry_after) + 1} s")
        self.retry_after = retry_after


def public_base(request: Request, ctx: ServiceContext) -> str:
    return (ctx.settings.public_base_url or str(request.base_url)).rstrip("/")


def micro_grid_card(ctx: ServiceContext, code: str) -> dict[str, Any]:
    with ctx.db.read() as session:
        card = cockpit_store.micro_grid_card(session=session, code=code)
    if card is None:
        raise NotFound(f"{code!r} is not a micro-grid of this street")
    return card


@router.get("/report/{code}", include_in_schema=False)
async def report_page(code: str, ctx: ContextDep) -> FileResponse:
    await run_in_threadpool(micro_grid_card, ctx, code)
    return FileResponse(WEB_REPORT / "index.html", media_type="text/html; charset=utf-8")


# before /api/v1/report/{code}, which would take "follow" for a micro-grid code
@router.get("/api/v1/report/follow", summary="How a resident's report is getting on, by the ticket the page kept (no key)",
            responses={404: {"description": "no report with this ticket"}})
async def report_follow(ctx: ContextDep, ticket: str = Query(..., min_length=1, max_length=64,
                                                             description="the ticket the report page kept")) -> dict[str, Any]:

    def find() -> dict[str, Any] | None:
        with ctx.db.read() as session:
            found = incident_store.find_by_external_ids(session=session, keys=[(Channel.OPEN311.value, ticket)])
            if not found:
                return None
            return cockpit_store.incident_status(session=session, incident_id=next(iter(found.values())))

    status = await run_in_threadpool(find)
    if status is None:
        raise NotFound("no report with this ticket")
    status["category_name"] = CATEGORIES[status["category"]].name_zh if status["category"] in CATEGORIES else None
    return status


@router.get("/api/v1/report/{code}", summary="What a resident's report page shows of a micro-grid (no key)")
async def report_context(code: str, ctx: ContextDep) -> dict[str, Any]:
    card = await run_in_threadpool(micro_grid_card, ctx, code)
    return {"micro_grid": card, "categories": [{"code": c.code, "name": c.name_zh, "family": c.family}
                                                for c in CATEGORIES.values()],
            "limits": {"photos": MAX_PHOTOS, "photo_bytes": MAX_PHOTO_BYTES, "description_chars": MAX_DESCRIPTION_CHARS}}


@router.get("/api/v1/report/{code}/nearby", summary="Open reports near a point that a new one would duplicate (no key)")
async def report_nearby(code: str, ctx: ContextDep,
                        lon: float | None = Query(None, ge=-180, le=180), lat: float | None = Query(None, ge=-90, le=90),
                        crs: str | None = Query(None, description="WGS84 (default) or GCJ02 / BD09 as phones give"),
                        category: str | None = Query(None)) -> dict[str, Any]:
    card = await run_in_threadpool(micro_grid_card, ctx, code)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput.one("category", f"unknown category {category!r}")
    if (lon is None) != (lat is None):
        raise InvalidInput.one("lon" if lon is None else "lat", "give both lon and lat, or neither")
    if lon is None or lat is None:
        lon, lat = card["lon"], card["lat"]
    else:
        x, y = coords.to_storage(coords.parse_crs(crs, field="crs"), [lon], [lat])
        lon, lat = float(x[0]), float(y[0])
    matches = ctx.recent.near(lon=lon, lat=lat, reported_at=ctx.clock.now(), category=category)[:5]
    with ctx.db.read() as session:
        statuses = cockpit_store.status_of(session=session, ids=[r.id for r, _ in matches])
    return {"lon": lon, "lat": lat, "nearby": [
        {"id": r.id, "category": r.category, "category_name": CATEGORIES[r.category].name_zh if r.category in CATEGORIES
         else r.category, "status": statuses.get(r.id), "reported_at": r.reported_at.isoformat(),
         "distance_m": round(d)} for r, d in matches]}


def is_resident_report(form: Mapping[str, Any], token: str | None) -> bool:
    """No key, and scanned from a micro-grid's QR code."""
    return not token and bool(form.get(QR_FIELD))


async def accept(request: Request, form: FormData, ctx: ServiceContext) -> dict[str, Any]:
    """The checks of an unauthenticated report; returns the Open311 form to file (photos stored, URLs named)."""
    unknown = sorted(set(form.keys()) - RESIDENT_FIELDS)
    if unknown:
        raise InvalidInput.one(unknown[0], "is not accepted in a report without a key")
    code = str(form.get(QR_FIELD))
    card = await run_in_threadpool(micro_grid_card, ctx, code)
    description = str(form.get("description") or "")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput.one("description", f"longer than {MAX_DESCRIPTION_CHARS} characters")
    personal = [f for f in ("first_name", "last_name", "phone") if form.get(f)]
    if personal and form.get(CONSENT_FIELD) != "yes":
        raise InvalidInput.one(personal[0], f"kept only with consent ({CONSENT_FIELD}=yes)")
    photos = [p for p in form.getlist("media") if isinstance(p, UploadFile)]
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput.one("media", f"at most {MAX_PHOTOS} photos")
    contents = []
    for i, photo in enumerate(photos):
        data = await photo.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise InvalidInput.one(f"media[{i}]", f"larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
        kind = photo_kind(data)
        if kind is None:
            raise InvalidInput.one(f"media[{i}]", "is not a JPEG, PNG or WebP photo")
        contents.append((data, kind))
    now = ctx.clock.now()
    throttles: dict[str, ReportThrottle] = request.app.state.resident_throttles
    address = request.client.host if request.client else "unknown"
    for kind, key in (("address", address), ("device", str(form.get("device_id") or ""))):
        if key:
            wait = throttles[kind].retry_after(key, now)
            if wait is not None:
                raise TooManyReports(wait)
    names = [await run_in_threadpool(media.save_photo, data_dir=ctx.settings.data_dir, data=d, kind=k)
             for d, k in contents]
    base = public_base(request, ctx)
    out: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "media" and not isinstance(v, UploadFile)}
    out.setdefault("lat", str(card["lat"]))
    out.setdefault("long", str(card["lon"]))
    out["attribute[client_request_id]"] = out.get("attribute[client_request_id]") or f"qr-{uuid.uuid4()}"
    if names:
        out["media_urls"] = [f"{base}/media/{n}" for n in names]
        out["media_url"] = out["media_urls"][0]
    out["qr_micro_grid"] = code
    return out


def too_many(exc: TooManyReports) -> JSONResponse:
    return JSONResponse([{"code": 429, "description": str(exc)}], status_code=429,
                        headers={"Retry-After": str(int(exc.retry_after) + 1)})


def install(app: FastAPI, ctx: ServiceContext) -> None:
    """The page, the photos (unguessable names) and the per-address and per-device throttles."""
    per_hour = ctx.settings.resident_reports_per_hour
    app.state.resident_throttles = {kind: ReportThrottle(limit=per_hour, window=timedelta(hours=1))
                                    for kind in ("address", "device")}
    app.mount("/media", StaticFiles(directory=media.folder(ctx.settings.data_dir)), name="media")
    app.mount("/web/report", StaticFiles(directory=WEB_REPORT), name="web-report")

