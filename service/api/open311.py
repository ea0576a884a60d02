"""Open311 GeoReport v2 for residents' QR-code and mini-program reports, mounted like FixMyStreet's.

JSON only (`.json` or no extension); errors are the spec's `[{"code": 400, "description": "..."}]`.
`service_code` is a GridCommand category code. Positions are WGS84 `lat`/`long` as the spec says;
a client that can only give GCJ-02 or BD-09 (WeChat, Baidu) adds `attribute[crs]=GCJ02`.
An `Idempotency-Key` header (or `attribute[client_request_id]`) makes a retried POST return the same
request instead of creating a second one.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.api import resident
from service.api.auth import Gatekeeper
from service.api.deps import bearer_token
from service.context import Principal, ServiceContext
from service.domain.access import Permission, Role, allows
from service.domain.bounds import ID_MAX, to_utc
from service.domain.catalog import CATEGORIES, Channel
from service.domain.errors import AccessDenied, GridCommandError, InvalidInput, NotFound, Throttled
from service.domain.incident import IncidentDraft
from service.domain.lifecycle import OPEN_STATUSES
from service.domain.throttle import retry_after_header
from service.store import incidents as incident_store
from service.store.models import IncidentRow

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_LISTED = 1000


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def _spec_errors(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Run a handler, turning the service's errors into the spec's error list."""
    @functools.wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> Any:
        try:
            return await handler(request, *args, **kwargs)
        except InvalidInput as exc:
            return _error(400, exc.message)
        except Throttled as exc:
            response = _error(429, exc.message)
            response.headers["Retry-After"] = retry_after_header(exc.retry_after_s)
            return response
        except AccessDenied as exc:
            return _error(403 if exc.authenticated else 401, exc.message)
        except NotFound as exc:
            return _error(404, exc.message)
        except GridCommandError as exc:
            return _error(400, exc.message)
    return wrapped


def _format(fmt: str | None) -> None:
    if fmt not in (None, "json"):
        raise InvalidInput.one("format", f"format {fmt!r} is not supported; use .json")


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.context
    return ctx


def _caller(request: Request, form: dict[str, Any] | None = None) -> Principal:
    token = (form or {}).get("api_key") or bearer_token(request)
    gatekeeper: Gatekeeper = request.app.state.gatekeeper
    return gatekeeper.authenticate(request, token)


def _readable_channel(request: Request) -> str | None:
    """Which channel's requests the caller may list: None for all (a reader's key); a feed key its own
    channel only; no key at all the residents' own Open311 requests, whose public fields carry no
    personal data (the spec's GET needs no key, and its client libraries send none)."""
    if not bearer_token(request):
        return Channel.OPEN311.value
    who = _caller(request)
    if allows(who.role, Permission.READ):
        return None
    if who.role is Role.FEED:
        return who.channel
    raise AccessDenied(f"a {who.role.value} key may not read Open311 requests", authenticated=True)


def _service(code: str) -> dict[str, Any]:
    c = CATEGORIES[code]
    return {"service_code": c.code, "service_name": c.name_zh, "description": f"{c.name_zh} / {c.name_en}",
            "metadata": False, "type": "realtime", "keywords": c.name_en.lower(), "group": c.family}


def _local(dt: datetime) -> str:
    return dt.astimezone(LOCAL_TZ).isoformat()


def _request_json(row: IncidentRow) -> dict[str, Any]:
    category = CATEGORIES.get(row.category)
    status = row.status
    return {"service_request_id": str(row.id), "status": "open" if status in OPEN_STATUSES else "closed",
            "status_notes": status, "service_name": category.name_zh if category else row.category,
            "service_code": row.category, "description": row.description,
            "agency_responsible": (category.department if category else None) or "浦沿街道综合指挥室",
            "service_notice": "", "requested_datetime": _local(row.reported_at),
            "updated_datetime": _local(row.updated_at), "expected_datetime": None, "address": row.address,
            "address_id": None, "zipcode": None, "lat": row.lat, "long": row.lon, "media_url": row.attributes.get("media_url")}


@router.get("/services", include_in_schema=False)
@router.get("/services.{fmt}", summary="Service list: every category a resident can report")
@_spec_errors
async def services(request: Request, fmt: str | None = None) -> Any:
    _format(fmt)
    return [_service(code) for code in CATEGORIES]


@router.get("/services/{code}.{fmt}", summary="Service definition (no extra attributes)")
@_spec_errors
async def service_definition(request: Request, code: str, fmt: str | None = None) -> Any:
    _format(fmt)
    if code not in CATEGORIES:
        raise NotFound(f"service_code {code!r} does not exist")
    return {"service_code": code, "attributes": []}


@router.post("/requests", include_in_schema=False)
@router.post("/requests.{fmt}", summary="Create a service request (form-encoded, api_key required)",
             openapi_extra={"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
                 "schema": {"type": "object", "required": ["api_key", "service_code", "lat", "long"], "properties": {
                     k: {"type": "string"} for k in ("api_key", "jurisdiction_id", "service_code", "lat", "long",
                                                     "address_string", "email", "device_id", "account_id",
                                                     "first_name", "last_name", "phone", "description",
                                                     "media_url")}},
                 "example": {"api_key": "gc_...", "service_code": "E0102", "lat": "30.16431", "long": "120.15322",
                             "address_string": "浦沿路与信诚路口", "description": "路口垃圾桶满溢，垃圾散落一地",
                             "first_name": "小明", "last_name": "王", "phone": "13800138000",
                             "attribute[crs]": "WGS84"}}}}})
@_spec_errors
async def create_request(request: Request, fmt: str | None = None) -> Any:
    _format(fmt)
    form = await _form(request)
    if resident.is_resident_report(form, form.get("api_key") or bearer_token(request)):  # scanned QR, no key
        try:
            form = await resident.accept(request, await request.form(), _ctx(request))  # with its photos
        except resident.TooManyReports as exc:
            return resident.too_many(exc)
    else:
        who = _caller(request, form)
        if not allows(who.role, Permission.POST_CHANNEL, key_channel=who.channel, channel=Channel.OPEN311):
            raise AccessDenied(f"a {who.role.value} key{' of channel ' + who.channel if who.channel else ''} "
                               "may not post Open311 requests", authenticated=True)
    draft = _draft(form, request.headers.get("idempotency-key"), _ctx(request).clock.now())
    ctx = _ctx(request)
    outcome = (await run_in_threadpool(ctx.intake.ingest, [draft]))[0]
    if outcome.problems:
        raise InvalidInput(outcome.problems)
    notice = ("已收到，与先前的同一问题合并处理" if outcome.duplicate_of else "已收到，指挥中心将尽快派员处置")
    return [{"service_request_id": str(outcome.id), "service_notice": notice, "account_id": form.get("account_id")}]


async def _form(request: Request) -> dict[str, Any]:
    """The POST's fields; a form-encoded body must decode as UTF-8 (a resident's text is never guessed at)."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = await request.body()
        try:
            return dict(parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict"))
        except UnicodeDecodeError:
            raise InvalidInput.one("body", "form fields must be percent-encoded UTF-8") from None
    return dict(await request.form())


def _draft(form: dict[str, Any], idempotency_key: str | None, now: datetime) -> IncidentDraft:
    def number(name: str) -> float | None:
        text = form.get(name)
        if text in (None, ""):
            return None
        try:
            return float(text)
        except ValueError:
            raise InvalidInput.one(name, f"{text!r} is not a number") from None

    code = form.get("service_code")
    if not code:
        raise InvalidInput.one("service_code", "is required")
    lat, lon = number("lat"), number("long")
    if lat is None or lon is None:
        raise InvalidInput.one("lat" if lat is None else "long",
                               "lat and long are required (this jurisdiction does not geocode address_string)")
    name = ((form.get("last_name") or "") + (form.get("first_name") or "")).strip() or None
    external = idempotency_key or form.get("attribute[client_request_id]") or f"o311-{uuid.uuid4()}"
    return IncidentDraft(
        channel=Channel.OPEN311, external_id=str(external), reported_at=now, category=str(code),
        description=str(form.get("description") or "").strip() or CATEGORIES.get(code, CATEGORIES["E0102"]).name_zh,
        x=lon, y=lat, crs=form.get("attribute[crs]") or "WGS84", address=form.get("address_string"),
        reporter_name=name, reporter_phone=form.get("phone"),
        attributes={k: form[k] for k in ("email", "device_id", "account_id", "media_url", "jurisdiction_id",
                                         "media_urls", "qr_micro_grid") if form.get(k)},
        field_names={"category": "service_code", "x": "long", "y": "lat", "crs": "attribute[crs]",
                     "external_id": "attribute[client_request_id]"})


@router.get("/requests", include_in_schema=False)
@router.get("/requests.{fmt}", summary="Service requests, with the spec's filters")
@_spec_errors
async def list_requests(request: Request, fmt: str | None = None) -> Any:
    _format(fmt)
    channel = _readable_channel(request)
    q = request.query_params
    ids: list[int] | None = None
    start = end = None
    categories: list[str] = []
    statuses_in = statuses_not_in = None
    if q.get("service_request_id"):
        given = [p.strip() for p in q["service_request_id"].split(",") if p.strip()]
        if not all(i.isdigit() and int(i) <= ID_MAX for i in given):
            raise InvalidInput.one("service_request_id", "must be comma-separated request ids")
        ids = [int(i) for i in given]
    else:
        end = _date(q.get("end_date"), "end_date") or _ctx(request).clock.now()
        start = _date(q.get("start_date"), "start_date") or end - timedelta(days=90)
        if q.get("service_code"):
            categories = q["service_code"].split(",")
        if q.get("status"):
            wanted = set(q["status"].split(","))
            if not wanted <= {"open", "closed"}:
                raise InvalidInput.one("status", "must be open, closed or both")
            open_values = [s.value for s in OPEN_STATUSES]
            if wanted == {"open"}:
                statuses_in = open_values
            elif wanted == {"closed"}:
                statuses_not_in = open_values
    ctx = _ctx(request)

    def read() -> list[dict[str, Any]]:
        with ctx.db.read() as session:
            rows = incident_store.newest_requests(
                session=session, limit=MAX_LISTED, channel=channel, ids=ids, reported_from=start, reported_to=end,
                categories=categories, statuses_in=statuses_in, statuses_not_in=statuses_not_in)
            return [_request_json(r) for r in rows]

    return await run_in_threadpool(read)


@router.get("/requests/{request_id}", include_in_schema=False)
@router.get("/requests/{request_id}.{fmt}", summary="One service request (a list of one, as the spec says)")
@_spec_errors
async def get_request(request: Request, request_id: str, fmt: str | None = None) -> Any:
    _format(fmt)
    channel = _readable_channel(request)
    if not request_id.isdigit() or int(request_id) > ID_MAX:
        raise NotFound(f"service_request_id {request_id!r} does not exist")
    ctx = _ctx(request)
    with ctx.db.read() as session:
        row = incident_store.get(session=session, incident_id=int(request_id))
        if row is None or (channel is not None and row.channel != channel):
            raise NotFound(f"service_request_id {request_id} does not exist")
        return [_request_json(row)]


def _date(text: str | None, field: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput.one(field, f"{text!r} is not a W3C date-time") from None
    value = value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    if to_utc(value) is None:
        raise InvalidInput.one(field, f"{text!r} is outside the years 1-9999 in UTC")
    return value

