"""Households come from buildings: the demo street's buildings add up to each micro-grid, served as a layer."""

from __future__ import annotations

from collections import Counter

import shapely
from fastapi.testclient import TestClient

from service.context import ServiceContext
from service.demo.street import DemoStreet
from service.domain.gridcodes import Level
from service.flows.boundaries import Draft
from service.store import areas as area_store
from tests.service.conftest import Keys
from tests.support.boundary_drafts import publish, split_rows


def test_each_micro_grids_households_are_the_sum_of_its_buildings(demo: DemoStreet) -> None:
    totals: Counter[str] = Counter()
    for b in demo.buildings:
        totals[b.micro_grid] += b.households
    micro = {a.code: a for a in demo.of_level(Level.MICRO_GRID)}
    assert totals == {code: a.households for code, a in micro.items()}
    assert all(micro[b.micro_grid].geometry.contains(shapely.Point(b.lon, b.lat)) for b in demo.buildings)


def test_buildings_are_served_as_an_ogc_layer(client: TestClient, keys: Keys, demo: DemoStreet) -> None:
    r = client.get("/ogcapi/collections/buildings/items", params={"limit": 10000}, headers=keys.auth(keys.viewer))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberMatched"] == len(demo.buildings)
    assert sum(f["properties"]["households"] for f in body["features"]) == \
        sum(a.households or 0 for a in demo.of_level(Level.MICRO_GRID))


def test_a_split_drawn_without_household_counts_takes_them_from_its_buildings(ctx: ServiceContext) -> None:
    rows, halves = split_rows(ctx, "33010800300100101")
    rows = [{**r, "households": None} if r["code"] in halves else r for r in rows]
    outcome = publish(ctx, Draft(Level.MICRO_GRID, rows, ctx.clock.now(), "", "gis"), dry_run=True)
    after = {h["code"]: h["after"] for h in outcome.impact["households"]}
    with ctx.db.read() as session:
        whole = next(r.households for r in area_store.list_areas(session=session, level=Level.MICRO_GRID)
                     if r.code == "33010800300100101")
    assert after[halves[0]] + after[halves[1]] == whole
