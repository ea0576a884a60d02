"""Units and their positions: the OsmAnd protocol (Traccar Client), the GPS gateway's batches,
unit status, and tracks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from service.api.bodies import json_items
from service.api.bounds import DbInt, UnitId, UtcTime
from service.api.deps import ContextDep, Dispatcher, PrincipalDep, Reader
from service.api.devices import resolve_device
from service.api.errors import problems_from_pydantic
from service.context import ServiceContext
from service.domain import bounds, osmand
from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.errors import AccessDenied, FieldProblem, InvalidInput, ItemOutcome, NotFound, Throttled
from service.domain.throttle import retry_after_header
from service.domain.units import UnitStatus, UnitType, epoch_ms, from_epoch_ms
from service.flows.dispatch import FixDraft
from service.store import units as unit_store

router = APIRouter(tags=["units and positions"])


# --- OsmAnd (Traccar Client) --------------------------------------------------------------------
async def _osmand(request: Request, ctx: ServiceContext) -> Response:
    now = ctx.clock.now()
    params = dict(request.query_params)
    body = await request.body()
    json_form = not params and bool(body) and request.headers.get("content-type", "").startswith("application/json")
    try:
        if not params and body:
            if json_form:
                fields = osmand.parse_json(orjson.loads(body), received=now)
            else:
                fields = osmand.parse_classic(dict(parse_qsl(body.decode("latin-1"))), received=now)
        else:
            fields = osmand.parse_classic(params, received=now)
    except orjson.JSONDecodeError:
        return _plain(400, "body: not valid JSON")
    except InvalidInput as exc:
        return _plain(400, exc.message)
    when = fix_time_problem(ctx, fields["device_time"], "location.timestamp" if json_form else "timestamp")
    if when is not None:
        return _plain(400, f"{when.field}: {when.reason}")
    try:
        device = await resolve_device(request, ctx, fields.pop("device_id"))
    except AccessDenied as exc:
        return _plain(403 if exc.authenticated else 401, exc.message)
    except Throttled as exc:
        response = _plain(429, exc.message)
        response.headers["Retry-After"] = retry_after_header(exc.retry_after_s)
        return response
    outcome = (await run_in_threadpool(ctx.dispatch.ingest_fixes, [FixDraft(device, fields, ctx.settings.osmand_crs)]))[0]
    if outcome.problems:
        return _plain(400, "; ".join(f"{p.field}: {p.reason}" for p in outcome.problems))
    return Response(status_code=200)


def fix_time_problem(ctx: ServiceContext, at: datetime, field: str) -> FieldProblem | None:
    """A fix from the future would freeze its unit (every real fix would look older); one from before the
    horizon is a device with an unset clock."""
    return bounds.plausible_time(at, now=ctx.clock.now(), horizon=timedelta(days=ctx.settings.fix_horizon_days),
                                 field=field, what="position")


def _plain(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type="text/plain")


OSMAND_DOC = ("Traccar Client's OsmAnd protocol, as the app sends it: GET or POST with query or form parameters "
              "(`id`, `timestamp`, `lat`, `lon` or `location`, `speed` in knots, `bearing`, `altitude`, "
              "`accuracy`, `hdop`, `batt`, `charge`, ...) or the JSON body of Traccar Client 9. A phone "
              "authenticates by its device token as `id` (POST /api/v1/units/{id}/device-token); a relaying "
              "gateway (operator or GPS feed key) may name a unit's registered device id. 200 with an empty body "
              "when stored; 400 bad value; 401 not a token; 403 sender's network not allowed; 429 over the "
              "device's rate (Retry-After).")


@router.get("/osmand", summary="Position from Traccar Client (OsmAnd protocol, GET)", description=OSMAND_DOC)
async def osmand_get(request: Request, ctx: ContextDep) -> Response:
    return await _osmand(request, ctx)


@router.post("/osmand", summary="Position from Traccar Client (OsmAnd protocol, POST)", description=OSMAND_DOC)
async def osmand_post(request: Request, ctx: ContextDep) -> Response:
    return await _osmand(request, ctx)


def osmand_app(ctx: ServiceContext, main: Any = None) -> Any:
    """A bare app answering the OsmAnd protocol at '/', for its own port (Traccar's is 5055); it shares
    the main app's doors (failed-credential and per-device windows) when given it."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    from service.api import hardening

    async def root(request: Request) -> Response:
        return await _osmand(request, ctx)

    app = Starlette(routes=[Route("/", root, methods=["GET", "POST"])])
    if main is not None:
        app.state.gatekeeper, app.state.device_gate = main.state.gatekeeper, main.state.device_gate
    else:
        hardening.open_doors(app, ctx)
    return app


# --- the GPS gateway's batches ------------------------------------------------------------------
class FixItem(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    device_id: str = Field(min_length=1, max_length=64)
    time: UtcTime
    lon: float
    lat: float
    crs: str | None = Field(None, description="WGS84 (default), GCJ02, BD09 or EPSG:<code>")
    speed_ms: float | None = Field(None, ge=0)
    heading: float | None = Field(None, ge=0, le=360)
    altitude: float | None = None
    accuracy: float | None = Field(None, ge=0)
    battery: float | None = Field(None, ge=0, le=100)


_FIXES = TypeAdapter(list[FixItem])


class FixBatchResult(BaseModel):
    accepted: int
    rejected: int
    problems: list[dict[str, str]]


@router.post("/api/v1/positions/batch", summary="Positions from the command center's GPS gateway",
             description="Each fix is kept once per unit and device time (a resent or late fix is harmless); "
                         "a unit moves to its newest fix by device time. Bad items are reported, good ones kept.",
             response_model=FixBatchResult,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"example": {
                 "items": [{"device_id": "xf01-03", "time": "2026-11-21T09:15:02+08:00", "lon": 120.1512,
                            "lat": 30.1633, "crs": "WGS84", "speed_ms": 4.2, "heading": 87, "battery": 76}]}}}}})
async def positions_batch(request: Request, who: PrincipalDep, ctx: ContextDep, response: Response) -> FixBatchResult:
    if not (who.role is Role.OPERATOR or (who.role is Role.FEED and who.channel == Channel.GPS_GATEWAY.value)):
        raise AccessDenied(f"a {who.role.value} key{' of channel ' + who.channel if who.channel else ''} "
                           "may not post positions", authenticated=True)
    raw = await json_items(request)
    if len(raw) > ctx.settings.max_batch_items * 5:
        raise InvalidInput.one("items", f"at most {ctx.settings.max_batch_items * 5} fixes per batch")
    return await run_in_threadpool(_ingest_batch, ctx, raw, response)


def _ingest_batch(ctx: ServiceContext, raw: list[Any], response: Response) -> FixBatchResult:
    problems: list[FieldProblem] = []
    rejected: set[int] = set()
    try:
        items: list[FixItem | None] = list(_FIXES.validate_python(raw))
    except ValidationError:  # the slow path only when something is wrong: find which items
        items = []
        for i, item in enumerate(raw):
            try:
                items.append(FixItem.model_validate(item))
            except ValidationError as exc:
                items.append(None)
                rejected.add(i)
                problems += [FieldProblem(f"items[{i}].{p.field}", p.reason)
                             for p in problems_from_pydantic(exc.errors())]
    for i, x in enumerate(items):
        when = fix_time_problem(ctx, x.time, f"items[{i}].time") if x is not None else None
        if when is not None:
            items[i] = None
            rejected.add(i)
            problems.append(when)
    good = [(i, x) for i, x in enumerate(items) if x is not None]
    drafts = [FixDraft(x.device_id, {"device_time": x.time, "lon": x.lon, "lat": x.lat, "speed_ms": x.speed_ms,
                                     "heading": x.heading, "altitude": x.altitude, "accuracy": x.accuracy,
                                     "battery": x.battery}, x.crs) for _, x in good]
    outcomes: list[ItemOutcome] = ctx.dispatch.ingest_fixes(drafts) if drafts else []
    for (i, _), outcome in zip(good, outcomes):
        if outcome.problems:
            rejected.add(i)
        problems += [FieldProblem(f"items[{i}].{'device_id' if p.field == 'id' else p.field}", p.reason)
                     for p in outcome.problems]
    if raw and len(rejected) == len(raw):
        response.status_code = 422
    return FixBatchResult(accepted=len(raw) - len(rejected), rejected=len(rejected),
                          problems=[p.as_dict() for p in problems])


# --- units --------------------------------------------------------------------------------------
@router.get("/api/v1/units", summary="Every unit with its status and newest position")
def list_units(who: Reader, ctx: ContextDep, unit_type: UnitType | None = None,
               status: UnitStatus | None = None) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        return [unit_store.as_dict(u) for u in unit_store.all_units(session=session)
                if (unit_type is None or u.unit_type == unit_type) and (status is None or u.status == status)]


@router.get("/api/v1/units/{unit_id}", summary="One unit")
def get_unit(unit_id: UnitId, who: Reader, ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.read() as session:
        unit = unit_store.get(session=session, unit_id=unit_id)
        if unit is None:
            raise NotFound(f"unit {unit_id} does not exist")
        return unit_store.as_dict(unit)


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: UnitStatus
    version: DbInt


@router.post("/api/v1/units/{unit_id}/status", summary="Set a unit on or off duty, busy or available")
def set_status(unit_id: UnitId, body: StatusBody, who: Dispatcher, ctx: ContextDep) -> dict[str, Any]:
    return ctx.dispatch.set_unit_status(unit_id, body.status, version=body.version, actor=f"{who.role}:{who.name}")


@router.get("/api/v1/units/{unit_id}/track", summary="A unit's track in a time window, as GeoJSON")
def track(unit_id: UnitId, who: Reader, ctx: ContextDep, since: UtcTime | None = None,
          until: UtcTime | None = None) -> dict[str, Any]:
    until_dt: datetime = until or ctx.clock.now()
    since_dt: datetime = since or until_dt - timedelta(minutes=30)
    if since_dt >= until_dt:
        raise InvalidInput.one("since", "must be before until")
    with ctx.db.read() as session:
        if unit_store.get(session=session, unit_id=unit_id) is None:
            raise NotFound(f"unit {unit_id} does not exist")
        fixes = unit_store.track(session=session, unit_id=unit_id, since_ms=epoch_ms(since_dt),
                                 until_ms=epoch_ms(until_dt))
    return {"type": "Feature", "id": unit_id,
            "geometry": {"type": "LineString", "coordinates": [[f.lon, f.lat] for f in fixes]},
            "properties": {"unit_id": unit_id, "since": since_dt.isoformat(), "until": until_dt.isoformat(),
                           "times": [from_epoch_ms(f.time_ms).isoformat() for f in fixes],
                           "speeds_ms": [f.speed_ms for f in fixes]}}

