"""OGC API - Features (Part 1: Core, GeoJSON) for the boundary layers and incidents.

QGIS's own "WFS / OGC API - Features" provider and any GIS load these directly. The key may travel
as `api_key` in the URL (the provider cannot always send a header); the links we generate carry it on,
so paging keeps working.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
import shapely
from fastapi import APIRouter, Query, Request, Response

from service.api import present
from service.api.deps import ContextDep, Reader
from service.context import Principal, ServiceContext
from service.domain.bounds import ID_MAX
from service.domain.errors import InvalidInput, NotFound
from service.domain.gridcodes import Level
from service.store import area_pages
from service.store import areas as area_store
from service.store import incidents as incident_store
from service.store.geojson import area_features
from service.store.models import BuildingRow

router = APIRouter(prefix="/ogcapi", tags=["OGC API - Features"])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"]
COLLECTIONS: dict[str, tuple[str, Level | None]] = {
    "communities": ("社区 Communities", Level.COMMUNITY), "grids": ("网格 Grids", Level.GRID),
    "micro_grids": ("微网格 Micro-grids", Level.MICRO_GRID), "defence_zones": ("防区 Defence zones", Level.DEFENCE_ZONE),
    "patrol_zones": ("巡区 Patrol zones", Level.PATROL_ZONE), "incidents": ("事件 Incidents", None),
    "buildings": ("楼栋 Residential buildings (households)", None)}
BUILDINGS = "buildings"


def _json(body: Any, media_type: str = "application/json") -> Response:
    return Response(orjson.dumps(body), media_type=media_type)


def _link(request: Request, path: str, **params: Any) -> str:
    """An absolute link that keeps the caller's api_key, so clients following links stay authorized."""
    query = {k: v for k, v in params.items() if v is not None}
    if "api_key" in request.query_params:
        query["api_key"] = request.query_params["api_key"]
    # A client that opened the service "as of" a time (datetime on the landing URL) stays there.
    if "datetime" in request.query_params and "datetime" not in query:
        query["datetime"] = request.query_params["datetime"]
    base = str(request.base_url).rstrip("/") + "/ogcapi" + path
    return base + ("?" + urlencode(query) if query else "")


@router.get("/", summary="Landing page")
def landing(request: Request, who: Reader) -> Response:
    return _json({"title": "GridCommand", "description": "The street's boundaries and incidents",
                  "links": [{"href": _link(request, "/"), "rel": "self", "type": "application/json"},
                            {"href": str(request.base_url) + "openapi.json", "rel": "service-desc",
                             "type": "application/vnd.oai.openapi+json;version=3.0"},
                            {"href": _link(request, "/conformance"), "rel": "conformance", "type": "application/json"},
                            {"href": _link(request, "/collections"), "rel": "data", "type": "application/json"}]})


@router.get("/conformance", summary="Conformance classes")
def conformance(who: Reader) -> Response:
    return _json({"conformsTo": CONFORMANCE})


def _collection(request: Request, cid: str, bbox: list[float] | None) -> dict[str, Any]:
    title, level = COLLECTIONS[cid]
    extent: dict[str, Any] = {"spatial": {"bbox": [bbox or [-180, -90, 180, 90]], "crs": CRS84}}
    if level is not None:  # boundaries are versioned: any instant may be asked for
        extent["temporal"] = {"interval": [[None, None]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return {"id": cid, "title": title, "itemType": "feature", "crs": [CRS84], "extent": extent,
            "links": [{"href": _link(request, f"/collections/{cid}"), "rel": "self", "type": "application/json"},
                      {"href": _link(request, f"/collections/{cid}/items"), "rel": "items", "type": GEOJSON}]}


def _street_bbox(ctx: ContextDep) -> list[float] | None:
    with ctx.db.read() as session:
        street = area_store.list_areas(session=session, level=Level.STREET)
        if not street:
            return None
        return list(shapely.from_wkb(street[0].geometry_wkb).bounds)


@router.get("/collections", summary="The collections")
def collections(request: Request, who: Reader, ctx: ContextDep) -> Response:
    bbox = _street_bbox(ctx)
    return _json({"collections": [_collection(request, cid, bbox) for cid in COLLECTIONS],
                  "links": [{"href": _link(request, "/collections"), "rel": "self", "type": "application/json"}]})


@router.get("/collections/{cid}", summary="One collection")
def collection(cid: str, request: Request, who: Reader, ctx: ContextDep) -> Response:
    _known(cid)
    return _json(_collection(request, cid, _street_bbox(ctx)))


def _known(cid: str) -> None:
    if cid not in COLLECTIONS:
        raise NotFound(f"collection {cid!r} does not exist; see /ogcapi/collections")


def _parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise InvalidInput.one("bbox", "must be four numbers: minLon,minLat,maxLon,maxLat") from None
    if not all(math.isfinite(p) for p in parts):
        raise InvalidInput.one("bbox", "NaN and infinity are not coordinates")
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise InvalidInput.one("bbox", "must be four numbers: minLon,minLat,maxLon,maxLat")
    return parts[0], parts[1], parts[2], parts[3]


def _parse_instant(text: str, *, end: bool) -> datetime | None:
    if text in ("..", ""):
        return None
    try:
        if len(text) == 10:  # a full date stands for the whole (UTC) day
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput.one("datetime", f"{text!r} is not an RFC 3339 date-time or date") from None
    if value.tzinfo is None:
        raise InvalidInput.one("datetime", f"{text!r} has no time zone (end it with Z or an offset)")
    return value.astimezone(UTC)


def _parse_datetime(text: str | None) -> tuple[datetime | None, datetime | None] | None:
    """OGC API - Features Part 1 `datetime`: an instant, or an interval start/end with '..' for open."""
    if text is None:
        return None
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        start, end = _parse_instant(start_text, end=False), _parse_instant(end_text, end=True)
        if start and end and start > end:
            raise InvalidInput.one("datetime", "the interval ends before it starts")
        return start, end
    if len(text) == 10:
        return _parse_instant(text, end=False), _parse_instant(text, end=True)
    instant = _parse_instant(text, end=False)
    if instant is None:
        raise InvalidInput.one("datetime", "'..' is only allowed as one end of an interval")
    return instant, instant


def _areas(session: Any, level: Level, when: tuple[datetime | None, datetime | None] | None,
           now: datetime) -> list[Any]:
    if when is None:
        return area_store.areas_at(session=session, level=level, at=now)
    start, end = when
    if start is not None and start == end:
        return area_store.areas_at(session=session, level=level, at=start)
    return area_store.areas_during(session=session, level=level, start=start, end=end)


@router.get("/collections/{cid}/items", summary="Features, paged, with an optional bbox and datetime")
def items(cid: str, request: Request, who: Reader, ctx: ContextDep,
          limit: int = Query(1000, ge=1, le=10000), offset: int = Query(0, ge=0, le=ID_MAX),
          bbox: str | None = Query(None, description="minLon,minLat,maxLon,maxLat (CRS84)"),
          datetime_: str | None = Query(None, alias="datetime", description=(
              "Boundaries valid at an instant (2026-03-01T00:00:00Z), on a date (2026-03-01) or at some time in "
              "an interval (2026-01-01T00:00:00Z/.., ../2026-03-01T00:00:00Z); default: now. Areas carry "
              "valid_from/valid_to."))) -> Response:
    _known(cid)
    box = _parse_bbox(bbox)
    when = _parse_datetime(datetime_)
    _, level = COLLECTIONS[cid]
    with ctx.db.read() as session:
        if level is not None:
            now = ctx.clock.now()
            if when is None and not area_store.has_pending_versions(session=session, level=level, now=now):
                # The areas table is exactly today's boundaries: page (and bbox-filter) in SQL.
                rows, matched = area_pages.area_page(session=session, level=level, limit=limit, offset=offset,
                                                     bbox=box)
            else:
                versions = _areas(session, level, when, now)
                if box:
                    geoms = shapely.from_wkb([r.geometry_wkb for r in versions])
                    versions = [r for r, hit in zip(versions, shapely.intersects(geoms, shapely.box(*box))) if hit]
                matched, rows = len(versions), versions[offset:offset + limit]
            features: list[Any] = area_features(rows, validity=True)
        elif cid == BUILDINGS:
            features, matched = _building_page(session, box, limit, offset)
        else:
            features, matched = _incident_page(session, who, ctx, box, limit, offset)
    links = [{"href": _link(request, f"/collections/{cid}/items", limit=limit, offset=offset, bbox=bbox,
                            datetime=datetime_), "rel": "self", "type": GEOJSON}]
    if offset + limit < matched:
        links.append({"href": _link(request, f"/collections/{cid}/items", limit=limit, offset=offset + limit,
                                     bbox=bbox, datetime=datetime_), "rel": "next", "type": GEOJSON})
    return _json({"type": "FeatureCollection", "features": features, "numberMatched": matched,
                  "numberReturned": len(features), "links": links}, GEOJSON)


def _incident_page(session: Any, who: Principal, ctx: ServiceContext, box: tuple[float, float, float, float] | None,
                   limit: int, offset: int) -> tuple[list[Any], int]:
    rows, matched = incident_store.located_page(session=session, limit=limit, offset=offset, bbox=box)
    return [present.incident_feature(incident_store.as_dict(r), who, ctx) for r in rows], matched


def _building_feature(b: BuildingRow) -> dict[str, Any]:
    return {"type": "Feature", "id": b.code, "geometry": {"type": "Point", "coordinates": [b.lon, b.lat]},
            "properties": {"code": b.code, "micro_grid": b.micro_grid, "households": b.households}}


def _building_page(session: Any, box: tuple[float, float, float, float] | None, limit: int,
                   offset: int) -> tuple[list[Any], int]:
    rows = area_store.buildings(session=session)
    if box:
        rows = [b for b in rows if box[0] <= b.lon <= box[2] and box[1] <= b.lat <= box[3]]
    return [_building_feature(b) for b in rows[offset:offset + limit]], len(rows)


@router.get("/collections/{cid}/items/{fid}", summary="One feature")
def item(cid: str, fid: str, who: Reader, ctx: ContextDep) -> Response:
    _known(cid)
    _, level = COLLECTIONS[cid]
    with ctx.db.read() as session:
        if level is not None:
            row = area_store.get_area(session=session, code=fid)
            if row is None or row.level != level:
                raise NotFound(f"feature {fid!r} is not in {cid}")
            return _json(area_features([row], validity=True)[0], GEOJSON)
        if cid == BUILDINGS:
            building = area_store.get_building(session=session, code=fid)
            if building is None:
                raise NotFound(f"feature {fid!r} is not in {cid}")
            return _json(_building_feature(building), GEOJSON)
        incident = incident_store.get(session=session, incident_id=int(fid)) if fid.isdigit() and int(fid) <= ID_MAX else None
        if incident is None:
            raise NotFound(f"feature {fid!r} is not in {cid}")
        return _json(present.incident_feature(incident_store.as_dict(incident), who, ctx), GEOJSON)
