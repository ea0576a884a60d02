"""GIS staff preview, before publishing, whom a grid merge or a patrol-zone merge affects: the units homed
there, the grid's roster, the teams of the zones, the zones the change crosses and the households; a
dry run changes nothing. Checked on the demo street's own units, roster and teams."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.demo.street import DemoStreet
from service.domain.gridcodes import Level
from service.store import areas as area_store
from tests.service.conftest import Keys
from tests.support.boundary_drafts import as_geojson, current_rows

KEPT, MERGED = "330108003001001", "330108003001002"  # two grids of one community, side by side
KEPT_ZONE, MERGED_ZONE = "XQ01", "XQ02"  # two patrol zones of defence zone FQ01


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as c:
        yield c


def dry_run(client: TestClient, keys: Keys, level: Level, rows: list[dict[str, Any]]) -> dict[str, Any]:
    r = client.post("/api/v1/boundaries/import", headers=keys.auth(keys.gis_editor),
                    data={"level": level.value, "format": "geojson", "dry_run": "true", "note": "merge"},
                    files={"file": (f"{level.value}.geojson", as_geojson(rows))})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["dry_run"] and body["revision"] is None
    return body


def merged(rows: list[dict[str, Any]], kept: str, gone: str) -> list[dict[str, Any]]:
    """`rows` with area `gone` drawn into its neighbour `kept` (one polygon, households added up)."""
    by_code = {r["code"]: r for r in rows}
    a, b = by_code[kept], by_code[gone]
    assert a["geometry"].intersection(b["geometry"]).length > 0  # they share a border, so the union is one piece
    union = shapely.union(a["geometry"], b["geometry"]).buffer(0)
    assert union.geom_type == "Polygon"
    households = None if a["households"] is None else a["households"] + (b["households"] or 0)
    return [{**r, "geometry": union, "households": households} if r["code"] == kept else r
            for r in rows if r["code"] != gone]


def record(ctx: ServiceContext) -> Any:
    """What a dry run must leave as it was: the boundaries of both levels, the homes of units, the roster."""
    with ctx.db.read() as session:
        areas = {(lv, r.code, r.households, r.geometry_wkb) for lv in (Level.GRID, Level.PATROL_ZONE)
                 for r in area_store.list_areas(session=session, level=lv)}
        units = [(u.id, u.home_grid, u.home_zone) for u in area_store.units_homed_in(
            session=session, grids=[KEPT, MERGED], zones=[KEPT_ZONE, MERGED_ZONE])]
        people = [(p.id, p.grid_code) for p in area_store.people_of_grids(session=session, grids=[KEPT, MERGED])]
        teams = [(t.code, t.zone_code) for t in area_store.teams_of_zones(session=session,
                                                                             zones=[KEPT_ZONE, MERGED_ZONE])]
    return areas, units, people, teams


def test_gis_editor_previews_a_grid_merge_its_units_roster_zones_and_households_and_nothing_changes(
        client: TestClient, keys: Keys, ctx: ServiceContext, demo: DemoStreet) -> None:
    grids = current_rows(ctx, Level.GRID)
    old = {r["code"]: r for r in grids}
    before = record(ctx)

    body = dry_run(client, keys, Level.GRID, merged(grids, KEPT, MERGED))
    assert body["changes"] == {"added": [], "removed": [MERGED], "changed": [KEPT]}
    # The preview also tells them the merged grid's micro-grids still need a new parent.
    orphans = sorted(r["code"] for r in current_rows(ctx, Level.MICRO_GRID) if r["parent_code"] == MERGED)
    assert not body["valid"] and orphans
    assert sorted(c for p in body["problems"] if p["kind"] == "unknown_parent" for c in p["codes"]) == orphans
    impact = body["impact"]

    # Units homed in either grid are listed, the merged grid's flagged as homed in a grid that goes away.
    homed = {u.callsign: u.home_grid for u in demo.units if u.home_grid in (KEPT, MERGED)}
    assert homed and set(homed.values()) == {KEPT, MERGED}
    assert {(u["callsign"], u["home_grid"], u["still_exists"]) for u in impact["units"]} == \
        {(callsign, grid, grid == KEPT) for callsign, grid in homed.items()}
    # So is each grid's roster: grid head, instructor, full- and part-time grid workers.
    roster = {(p.name, p.role.value, p.grid_code) for p in demo.people if p.grid_code in (KEPT, MERGED)}
    assert len(roster) >= 2 * 4
    assert {(p["name"], p["role"], p["grid"]) for p in impact["roster"]} == roster
    assert all(p["still_exists"] is (p["grid"] == KEPT) for p in impact["roster"])
    # Teams belong to patrol zones, which a grid merge does not redraw; the zones it crosses are named.
    assert impact["teams"] == []
    ground = shapely.union(old[KEPT]["geometry"], old[MERGED]["geometry"])
    crossed = sorted(r["code"] for lv in (Level.DEFENCE_ZONE, Level.PATROL_ZONE) for r in current_rows(ctx, lv)
                     if r["geometry"].intersection(ground).area > 1e-12)
    assert crossed and sorted(impact["zones"]) == crossed
    far_zones = {r["code"] for r in current_rows(ctx, Level.PATROL_ZONE)} - set(crossed)
    assert far_zones  # the preview names the crossed zones, not every zone of the street
    assert impact["households"] == [
        {"code": KEPT, "before": old[KEPT]["households"],
         "after": old[KEPT]["households"] + old[MERGED]["households"]},
        {"code": MERGED, "before": old[MERGED]["households"], "after": None}]

    assert record(ctx) == before
    assert client.get("/api/v1/boundaries/revisions", headers=keys.auth(keys.viewer)).json()["revisions"] == []


def test_gis_editor_previews_a_patrol_zone_merge_its_teams_and_units_and_nothing_changes(
        client: TestClient, keys: Keys, ctx: ServiceContext, demo: DemoStreet) -> None:
    before = record(ctx)
    body = dry_run(client, keys, Level.PATROL_ZONE, merged(current_rows(ctx, Level.PATROL_ZONE),
                                                          KEPT_ZONE, MERGED_ZONE))
    impact = body["impact"]
    teams = {(t.code, t.zone_code) for t in demo.teams if t.zone_code in (KEPT_ZONE, MERGED_ZONE)}
    assert {z for _, z in teams} == {KEPT_ZONE, MERGED_ZONE}
    assert {(t["code"], t["zone"]) for t in impact["teams"]} == teams
    homed = {u.callsign: u.home_zone for u in demo.units if u.home_zone in (KEPT_ZONE, MERGED_ZONE)}
    assert len(homed) >= 2
    assert {(u["callsign"], u["home_zone"], u["still_exists"]) for u in impact["units"]} == \
        {(callsign, zone, zone == KEPT_ZONE) for callsign, zone in homed.items()}
    assert impact["zones"] == [KEPT_ZONE, MERGED_ZONE]
    assert impact["roster"] == []  # the roster hangs on grids, which a zone merge leaves alone

    assert record(ctx) == before
    assert client.get("/api/v1/boundaries/revisions", headers=keys.auth(keys.viewer)).json()["revisions"] == []
