"""The street's polygons: identify one area, import and export boundary files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, GisEditor, Reader
from service.api.errors import error_body
from service.context import ServiceContext
from service.domain.errors import InvalidInput, NotFound
from service.domain.gridcodes import Level
from service.flows import boundaries as boundary_flow
from service.flows import boundary_files
from service.flows.boundaries import Draft, TopologyRefused, replace_roads
from service.flows.boundary_files import FieldMapping, FileFormat
from service.store import areas as area_store
from service.store.geojson import area_properties

router = APIRouter(prefix="/api/v1", tags=["boundaries"])


@router.get("/areas/{code}", summary="Identify an area: its parents, households and the staff on duty")
def identify(code: str, who: Reader, ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.read() as session:
        row = area_store.get_area(session=session, code=code)
        if row is None:
            raise NotFound(f"area {code} does not exist")
        chain = []
        parent = row.parent_code
        while parent:
            p = area_store.get_area(session=session, code=parent)
            if p is None:
                break
            chain.append({"code": p.code, "name": p.name, "level": p.level})
            parent = p.parent_code
        grid = row.code if row.level == Level.GRID else row.parent_code if row.level == Level.MICRO_GRID else None
        staff = [{"name": s.name, "role": s.role} for s in area_store.staff_of_grid(session=session, grid_code=grid)] \
            if grid else []
        return {**area_properties(row), "parents": chain, "staff": staff,
                "centroid": list(shapely.from_wkb(row.geometry_wkb).centroid.coords[0])}


def _instant(text: str | None, field: str, default: datetime) -> datetime:
    if not text:
        return default
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput.one(field, f"{text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise InvalidInput.one(field, "has no time zone; send ISO 8601 with an offset, e.g. 2026-03-01T00:00+08:00")
    return value.astimezone(UTC)


def _writer(ctx: ServiceContext) -> dict[str, Any]:
    """What a boundary flow writes with: the database, the clock, the projector, the code layout."""
    return {"db": ctx.db, "clock": ctx.clock, "on_commit": ctx.projector.committed,
            "layout": ctx.settings.grid_code_layout}


def _refused(exc: TopologyRefused) -> JSONResponse:
    body = error_body(422, exc.message, exc.problems, topology=[p.as_dict() for p in exc.topology])
    return JSONResponse(body, status_code=422)


@router.post("/boundaries/import", summary="Publish one level's polygons (GeoPackage, GeoJSON, zipped Shapefile) as a revision",
             description="All or nothing: every feature is checked (code structure, polygon validity, known parent, "
                         "no repeated code), then the topology (no gaps or overlaps beyond 1 m², children inside and "
                         "covering their parents, codes in reading order). Problems answer 422 with the areas and a "
                         "location each. The file's own CRS is honoured (e.g. CGCS2000 Gauss-Krueger); stored in "
                         "EPSG:4326. `effective_at` (default now) is when the revision takes effect; `dry_run=true` "
                         "publishes nothing and answers the problems and the impact (open cases, units, rosters, "
                         "zones, households). `base_revision` makes the publish conditional: 409 naming the current "
                         "revision when another was published since.")
async def import_boundaries(
        who: GisEditor, ctx: ContextDep,
        file: Annotated[UploadFile, File(description="the boundary file")],
        level: Annotated[Level, Form()],
        format: Annotated[FileFormat, Form()],
        mapping: Annotated[str, Form(description='JSON: {"code": "WGBM", "name": "WGMC", "households": "HS"}')] = "{}",
        layer: Annotated[str | None, Form()] = None,
        effective_at: Annotated[str | None, Form(description="ISO 8601 with offset; default now")] = None,
        dry_run: Annotated[bool, Form(description="validate and preview the impact; publish nothing")] = False,
        note: Annotated[str, Form(description="why the boundaries change")] = "",
        base_revision: Annotated[int | None, Form(description="the revision this draft was edited from")] = None,
) -> Any:
    try:
        parsed = json.loads(mapping)
    except json.JSONDecodeError as exc:
        raise InvalidInput.one("mapping", f"not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise InvalidInput.one("mapping", "must be a JSON object")
    when = _instant(effective_at, "effective_at", ctx.clock.now())
    data = await file.read()

    def work() -> dict[str, Any]:
        with ctx.db.read() as session:
            parents = {r.code for r in area_store.list_areas(session=session)}
        rows = boundary_files.read_boundaries(data, fmt=format, level=level, mapping=FieldMapping.parse(parsed),
                                              layer=layer, known_parents=parents,
                                              layout=ctx.settings.grid_code_layout)
        draft = Draft(level, rows, when, note, who.name, base_revision)
        return boundary_flow.publish(draft, dry_run=dry_run, **_writer(ctx)).as_dict()

    try:
        return await run_in_threadpool(work)
    except TopologyRefused as exc:
        return _refused(exc)


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_at: datetime | None = Field(None, description="ISO 8601 with offset; default now")
    note: str = ""
    base_revision: int | None = Field(None, description="409 unless this is still the latest revision")
    dry_run: bool = False


@router.get("/boundaries/revisions", summary="Every published boundary revision, oldest first")
def list_revisions(who: Reader, ctx: ContextDep, level: Level | None = None) -> dict[str, Any]:
    return {"revisions": boundary_flow.revisions(level, db=ctx.db)}


@router.post("/boundaries/revisions/{revision_id}/rollback",
             summary="Undo a revision by publishing the state before it as a new revision",
             description="History is never rewritten: the level's polygons as they were just before the revision "
                         "took effect are validated and published as a new revision (its `rollback_of` names the "
                         "undone one).")
def rollback_revision(revision_id: int, body: RollbackRequest, who: GisEditor, ctx: ContextDep) -> Any:
    if body.effective_at is not None and body.effective_at.tzinfo is None:
        raise InvalidInput.one("effective_at", "has no time zone; send ISO 8601 with an offset")
    when = body.effective_at.astimezone(UTC) if body.effective_at else ctx.clock.now()
    try:
        return boundary_flow.rollback(revision_id, effective_at=when, note=body.note, author=who.name,
                                      base_revision=body.base_revision, dry_run=body.dry_run,
                                      **_writer(ctx)).as_dict()
    except TopologyRefused as exc:
        return _refused(exc)


@router.post("/roads/import", summary="Replace the road network ETAs are computed on",
             description="Road centre lines from a GeoPackage, GeoJSON or zipped Shapefile, in the file's own CRS. "
                         "Lines are noded where they cross. Once loaded, recommendations rank units by road distance.")
async def import_roads(who: GisEditor, ctx: ContextDep, file: Annotated[UploadFile, File()],
                       format: Annotated[FileFormat, Form()],
                       name_field: Annotated[str | None, Form()] = None,
                       layer: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    data = await file.read()

    def work() -> dict[str, Any]:
        rows = boundary_files.read_roads(data, fmt=format, name_field=name_field, layer=layer)
        replace_roads(rows, db=ctx.db, clock=ctx.clock, on_commit=ctx.projector.committed)
        network = ctx.dispatch.fleet.roads
        return {"roads": len(rows), "nodes": len(network) if network else 0,
                "edges": network.edge_count if network else 0}

    return await run_in_threadpool(work)


@router.get("/boundaries/export", summary="One level's polygons as a GeoPackage, GeoJSON or zipped Shapefile",
            response_class=Response, responses={200: {"description": "the file", "content": {
                media: {"schema": {"type": "object"} if media.endswith("json") else {"type": "string", "format": "binary"}}
                for media in boundary_files.MEDIA_TYPES.values()}}})
def export_boundaries(who: Reader, ctx: ContextDep, level: Level,
                      format: FileFormat = Query(FileFormat.GPKG)) -> Response:
    with ctx.db.read() as session:
        rows = [{"code": r.code, "name": r.name, "parent_code": r.parent_code, "households": r.households,
                 "geometry": shapely.from_wkb(r.geometry_wkb)} for r in area_store.list_areas(session=session,
                                                                                             level=level)]
    if not rows:
        raise NotFound(f"no {level.value} polygons to export")
    data = boundary_files.write_boundaries(rows, fmt=format, layer=level.value)
    suffix = "zip" if format is FileFormat.SHAPEFILE else format.value
    return Response(data, media_type=boundary_files.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{level.value}.{suffix}"'})
