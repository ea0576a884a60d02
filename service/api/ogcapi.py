"""OGC API - Features (Part 1: Core, GeoJSON) for the boundary layers and incidents.

QGIS's own "WFS / OGC API - Features" provider and any GIS load these directly. The key may travel
as `api_key` in the URL (the provider cannot always send a header); the links we generate carry it on,
so paging keeps working.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
import shapely
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func, select

from service.api import present
from service.api.deps import ContextDep, Reader
from service.context import Principal, ServiceContext
from service.domain.errors import InvalidInput, NotFound
from service.domain.gridcodes import Level
from service.store import area_pages
from service.store import areas as area_store
from service.store import incidents as incident_store
from service.store.geojson import area_features
from service.store.models import AreaRow, IncidentRow

router = APIRouter(prefix="/ogcapi", tags=["OGC API - Features"])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"]
COLLECTIONS: dict[str, tuple[str, Level | None]] = {
    "communities": ("社区 Communities", Level.COMMUNITY), "grids": ("网格 Grids", Level.GRID),
    "micro_grids": ("微网格 Micro-grids", Level.MICRO_GRID), "defence_zones": ("防区 Defence zones", Level.DEFENCE_ZONE),
    "patrol_zones": ("巡区 Patrol zones", Level.PATROL_ZONE), "incidents": ("事件 Incidents", None)}


def _json(body: Any, media_type: str = "application/json") -> Response:
    return Response(orjson.dumps(body), media_type=media_type)


def _link(request: Request, path: str, **params: Any) -> str:
    """An absolute link that keeps the caller's api_key, so clients following links stay authorized."""
    query = {k: v for k, v in params.items() if v is not None}
    if "api_key" in request.query_params:
        query["api_key"] = request.query_params["api_key"]
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
    title, _ = COLLECTIONS[cid]
    return {"id": cid, "title": title, "itemType": "feature", "crs": [CRS84],
            "extent": {"spatial": {"bbox": [bbox or [-180, -90, 180, 90]], "crs": CRS84}},
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
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise InvalidInput.one("bbox", "must be four numbers: minLon,minLat,maxLon,maxLat")
    return parts[0], parts[1], parts[2], parts[3]


@router.get("/collections/{cid}/items", summary="Features, paged, with an optional bbox")
def items(cid: str, request: Request, who: Reader, ctx: ContextDep,
          limit: int = Query(1000, ge=1, le=10000), offset: int = Query(0, ge=0),
          bbox: str | None = Query(None, description="minLon,minLat,maxLon,maxLat (CRS84)")) -> Response:
    _known(cid)
    box = _parse_bbox(bbox)
    _, level = COLLECTIONS[cid]
    with ctx.db.read() as session:
        if level is not None:
            rows, matched = area_pages.area_page(session=session, level=level, limit=limit, offset=offset, bbox=box)
            features: list[Any] = area_features(rows)
        else:
            features, matched = _incident_page(session, who, ctx, box, limit, offset)
    links = [{"href": _link(request, f"/collections/{cid}/items", limit=limit, offset=offset, bbox=bbox),
              "rel": "self", "type": GEOJSON}]
    if offset + limit < matched:
        links.append({"href": _link(request, f"/collections/{cid}/items", limit=limit, offset=offset + limit,
                                     bbox=bbox), "rel": "next", "type": GEOJSON})
    return _json({"type": "FeatureCollection", "features": features, "numberMatched": matched,
                  "numberReturned": len(features), "links": links}, GEOJSON)


def _incident_page(session: Any, who: Principal, ctx: ServiceContext, box: tuple[float, float, float, float] | None,
                   limit: int, offset: int) -> tuple[list[Any], int]:
    where = [IncidentRow.lon.is_not(None)]
    if box:
        where += [IncidentRow.lon.between(box[0], box[2]), IncidentRow.lat.between(box[1], box[3])]
    matched = session.scalar(select(func.count()).select_from(IncidentRow).where(*where))
    rows = session.scalars(select(IncidentRow).where(*where).order_by(IncidentRow.id).limit(limit).offset(offset))
    return [present.incident_feature(incident_store.as_dict(r), who, ctx) for r in rows], int(matched or 0)


@router.get("/collections/{cid}/items/{fid}", summary="One feature")
def item(cid: str, fid: str, who: Reader, ctx: ContextDep) -> Response:
    _known(cid)
    _, level = COLLECTIONS[cid]
    with ctx.db.read() as session:
        if level is not None:
            row = session.get(AreaRow, fid)
            if row is None or row.level != level:
                raise NotFound(f"feature {fid!r} is not in {cid}")
            return _json(area_features([row])[0], GEOJSON)
        incident = incident_store.get(session=session, incident_id=int(fid)) if fid.isdigit() else None
        if incident is None:
            raise NotFound(f"feature {fid!r} is not in {cid}")
        return _json(present.incident_feature(incident_store.as_dict(incident), who, ctx), GEOJSON)
