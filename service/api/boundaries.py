"""The street's polygons: identify one area, import and export boundary files."""

from __future__ import annotations

import json
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, GisEditor, Reader
from service.domain.errors import InvalidInput, NotFound
from service.domain.gridcodes import Level
from service.flows import boundary_files
from service.flows.boundaries import replace_boundaries, replace_roads
from service.flows.boundary_files import FieldMapping, FileFormat
from service.store import areas as area_store
from service.store.geojson import area_properties
from service.store.models import AreaRow

router = APIRouter(prefix="/api/v1", tags=["boundaries"])


@router.get("/areas/{code}", summary="Identify an area: its parents, households and the staff on duty")
def identify(code: str, who: Reader, ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.read() as session:
        row = session.get(AreaRow, code)
        if row is None:
            raise NotFound(f"area {code} does not exist")
        chain = []
        parent = row.parent_code
        while parent:
            p = session.get(AreaRow, parent)
            if p is None:
                break
            chain.append({"code": p.code, "name": p.name, "level": p.level})
            parent = p.parent_code
        grid = row.code if row.level == Level.GRID else row.parent_code if row.level == Level.MICRO_GRID else None
        staff = [{"name": s.name, "role": s.role} for s in area_store.staff_of_grid(session=session, grid_code=grid)] \
            if grid else []
        return {**area_properties(row), "parents": chain, "staff": staff,
                "centroid": list(shapely.from_wkb(row.geometry_wkb).centroid.coords[0])}


@router.post("/boundaries/import", summary="Replace one level's polygons from a GeoPackage, GeoJSON or zipped Shapefile",
             description="All or nothing: every feature is checked (code structure per GB/T 30428.1, polygon "
                         "validity, known parent, no repeated code) and all problems are reported together. "
                         "The file's own CRS is honoured (e.g. CGCS2000 Gauss-Krueger); stored in EPSG:4326.")
async def import_boundaries(
        who: GisEditor, ctx: ContextDep,
        file: Annotated[UploadFile, File(description="the boundary file")],
        level: Annotated[Level, Form()],
        format: Annotated[FileFormat, Form()],
        mapping: Annotated[str, Form(description='JSON: {"code": "WGBM", "name": "WGMC", "households": "HS"}')] = "{}",
        layer: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    try:
        parsed = json.loads(mapping)
    except json.JSONDecodeError as exc:
        raise InvalidInput.one("mapping", f"not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise InvalidInput.one("mapping", "must be a JSON object")
    data = await file.read()

    def work() -> int:
        with ctx.db.read() as session:
            parents = {r.code for r in area_store.list_areas(session=session)}
        rows = boundary_files.read_boundaries(data, fmt=format, level=level, mapping=FieldMapping.parse(parsed),
                                              layer=layer, known_parents=parents)
        replace_boundaries(rows, [level], db=ctx.db, clock=ctx.clock, on_commit=ctx.projector.committed)
        return len(rows)

    count = await run_in_threadpool(work)
    return {"level": level.value, "imported": count}


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


@router.get("/boundaries/export", summary="One level's polygons as a GeoPackage, GeoJSON or zipped Shapefile")
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
