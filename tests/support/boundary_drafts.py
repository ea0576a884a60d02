"""Drafts of boundary revisions for tests: a micro-grid split in two, its grid renumbered in reading order."""

from __future__ import annotations

import json
from typing import Any

import shapely

from service.context import ServiceContext
from service.domain.gridcodes import Level, child_code
from service.domain.topology import reading_order
from service.flows import boundaries as boundary_flow
from service.flows.boundaries import Draft, Outcome
from service.store import areas as area_store


def current_rows(ctx: ServiceContext, level: Level) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        return [{"code": r.code, "level": level, "name": r.name, "parent_code": r.parent_code,
                 "households": r.households, "geometry": shapely.from_wkb(r.geometry_wkb)}
                for r in area_store.list_areas(session=session, level=level)]


def split_west_east(rows: list[dict[str, Any]], code: str) -> tuple[list[dict[str, Any]], list[str]]:
    """`rows` with micro-grid `code` cut into a west and an east half, its grid renumbered in reading
    order (as GIS staff do after a split); returns the rows and the halves' new codes (west, east)."""
    target = next(r for r in rows if r["code"] == code)
    grid = target["parent_code"]
    minx, miny, maxx, maxy = target["geometry"].bounds
    mid = (minx + maxx) / 2
    households = target["households"] or 0
    halves = [{**target, "geometry": target["geometry"].intersection(box), "households": h}
              for box, h in ((shapely.box(minx - 1, miny - 1, mid, maxy + 1), households // 2),
                             (shapely.box(mid, miny - 1, maxx + 1, maxy + 1), households - households // 2))]
    siblings = [r for r in rows if r["parent_code"] == grid and r["code"] != code]
    others = [r for r in rows if r["parent_code"] != grid]
    group = siblings + halves
    renumbered, codes = [], {}
    for n, i in enumerate(reading_order([r["geometry"] for r in group])):
        new_code = child_code(grid, n + 1, Level.MICRO_GRID)
        renumbered.append({**group[i], "code": new_code})
        if i >= len(siblings):
            codes[i - len(siblings)] = new_code
    return others + renumbered, [codes[0], codes[1]]


def split_rows(ctx: ServiceContext, code: str) -> tuple[list[dict[str, Any]], list[str]]:
    return split_west_east(current_rows(ctx, Level.MICRO_GRID), code)


def as_geojson(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(r["geometry"]),
         "properties": {k: (v.value if isinstance(v, Level) else v) for k, v in r.items() if k != "geometry"}}
        for r in rows]}).encode()


def publish(ctx: ServiceContext, draft: Draft, *, dry_run: bool) -> Outcome:
    """Publish (or dry-run) a draft as the API does: written through ctx's database, then projected."""
    return boundary_flow.publish(draft, dry_run=dry_run, db=ctx.db, clock=ctx.clock,
                                 on_commit=ctx.projector.committed, layout=ctx.settings.grid_code_layout)
