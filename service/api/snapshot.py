"""The snapshot the live map starts from: boundaries, units and open incidents as GeoJSON with the event id
they include, sent as it is read (a chunk of rows at a time), plus pages of open incidents for clients that
fill their layers in batches."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from service.api import present, snapshot_rows
from service.api.deps import ContextDep, Reader
from service.api.exercises import exercise_badge
from service.context import Principal, ServiceContext
from service.domain.bounds import ID_MAX
from service.domain.errors import InvalidInput
from service.domain.gridcodes import Level
from service.store import areas as area_store
from service.store import events as event_log
from service.store import snapshot_pages
from service.store import units as unit_store
from service.store.geojson import area_features

router = APIRouter(prefix="/api/v1", tags=["live"])

PAGE_LIMIT = 5000
MAX_PAGE_LIMIT = 20_000


class PageFormat(StrEnum):
    GEOJSON = "geojson"
    ROWS = "rows"


class SnapshotLayer(StrEnum):
    COMMUNITIES = "communities"
    GRIDS = "grids"
    MICRO_GRIDS = "micro_grids"
    DEFENCE_ZONES = "defence_zones"
    PATROL_ZONES = "patrol_zones"
    INCIDENTS = "incidents"
    UNITS = "units"


AREA_LAYERS = {SnapshotLayer.COMMUNITIES: Level.COMMUNITY, SnapshotLayer.GRIDS: Level.GRID,
               SnapshotLayer.MICRO_GRIDS: Level.MICRO_GRID, SnapshotLayer.DEFENCE_ZONES: Level.DEFENCE_ZONE,
               SnapshotLayer.PATROL_ZONES: Level.PATROL_ZONE}


@router.get("/snapshot", summary="Boundaries and open incidents as GeoJSON, with the event id they include",
            description="Load this, then open /api/v1/stream with Last-Event-ID = last_event_id: no gap, no repeat. "
                        "The body is streamed as it is read (service memory does not grow with the number of "
                        "cases); /api/v1/snapshot/incidents gives the open incidents in pages instead.",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/json": {"example": {
                "last_event_id": 42, "generated_at": "2026-01-01T00:00:00+00:00",
                "layers": {"incidents": {"type": "FeatureCollection", "features": []}}}}}}})
def snapshot(who: Reader, ctx: ContextDep, request: Request,
             layers: str = Query(",".join(SnapshotLayer), description="Comma-separated layer names")) -> Response:
    wanted = _parse_layers(layers)  # before the first byte: a bad name is still a 400
    badge = exercise_badge(request)  # an exercise process says so, so no client takes it for the live record
    return StreamingResponse(_snapshot_body(ctx, who, wanted, badge), media_type="application/json")


def _snapshot_body(ctx: ServiceContext, who: Principal, wanted: list[SnapshotLayer],
                   badge: dict[str, Any] | None) -> Iterator[bytes]:
    with ctx.db.read() as session:  # one transaction: every layer and the event id agree
        last = event_log.last_id(session)
        yield b'{"last_event_id":%d,"generated_at":%s,"layers":{' % (last, orjson.dumps(ctx.clock.now().isoformat()))
        for n, layer in enumerate(wanted):
            yield b'%s"%s":{"type":"FeatureCollection","features":[' % (b"," if n else b"", layer.value.encode())
            if layer in AREA_LAYERS:
                yield orjson.dumps(area_features(area_store.list_areas(session=session, level=AREA_LAYERS[layer])))[1:-1]
            elif layer is SnapshotLayer.UNITS:
                yield orjson.dumps([present.unit_feature(unit_store.as_dict(u))
                                    for u in unit_store.all_units(session=session)])[1:-1]
            else:
                for i, chunk in enumerate(snapshot_pages.open_incident_chunks(session=session)):
                    body = orjson.dumps([present.incident_feature(d, who, ctx) for d in chunk])[1:-1]
                    yield (b"," + body) if i else body
            yield b"]}"
        yield b"}" + (b',"exercise":' + orjson.dumps(badge) if badge is not None else b"") + b"}"


@router.get("/snapshot/incidents", summary="Open incidents in pages of GeoJSON features, in id order",
            description="Start with after_id=0 (the answer then counts the open incidents and gives the event id to "
                        "resume the stream from); follow next_after_id until it is null. A case changed between "
                        "pages comes in its newer state and its events again on the stream: apply by version.")
def incident_page(who: Reader, ctx: ContextDep,
                  after_id: int = Query(0, ge=0, le=ID_MAX, description="Only cases with a larger id"),
                  limit: int = Query(PAGE_LIMIT, ge=1, le=MAX_PAGE_LIMIT, description="At most this many"),
                  format: PageFormat = Query(PageFormat.GEOJSON, description="geojson: features as in /snapshot; "
                                             "rows: `columns` once and one array per case, with `breach_at` "
                                             "(epoch seconds of the nearest running SLA deadline)")) -> Response:
    with ctx.db.read() as session:
        out: dict[str, Any] = {"last_event_id": event_log.last_id(session)}
        if after_id == 0:
            out["open_incidents"] = snapshot_pages.count_open(session=session)
        if format is PageFormat.ROWS:
            rows = [r for chunk in snapshot_pages.open_incident_rows(session=session, after_id=after_id, limit=limit)
                    for r in snapshot_rows.page_rows(chunk, who, ctx)]
            out["columns"] = snapshot_rows.PAGE_COLUMNS
            out["rows"] = rows
            last = rows[-1][0] if rows else None
            count = len(rows)
        else:
            features = [present.incident_feature(d, who, ctx)
                        for chunk in snapshot_pages.open_incident_chunks(session=session, after_id=after_id,
                                                                         limit=limit)
                        for d in chunk]
            out["features"] = features
            last = features[-1]["id"] if features else None
            count = len(features)
    out["next_after_id"] = last if count == limit else None
    return Response(orjson.dumps(out), media_type="application/json")


def _parse_layers(text: str) -> list[SnapshotLayer]:
    wanted = []
    for name in filter(None, (p.strip() for p in text.split(","))):
        try:
            wanted.append(SnapshotLayer(name))
        except ValueError:
            raise InvalidInput.one("layers", f"unknown layer {name!r}; known: "
                                             + ", ".join(SnapshotLayer)) from None
    return wanted
