"""Every point lands in exactly one micro-grid, the demo street nests exactly like Puyan's."""

from __future__ import annotations

from collections import Counter

import numpy as np
import shapely
from shapely.geometry import box
from shapely.ops import unary_union

from service.demo.street import DemoStreet
from service.domain.geography import Area, Locator
from service.domain.gridcodes import Level


def test_a_point_on_a_shared_edge_always_goes_to_the_same_micro_grid() -> None:
    west, east = Area("3301080030010001 02", box(0, 0, 1, 1)), Area("3301080030010001 01", box(1, 0, 2, 1))
    for order in ([west, east], [east, west]):
        locator = Locator(micro_grids=order)
        assert locator.locate_one(1.0, 0.5).micro_grid == "3301080030010001 01"
        assert locator.locate_one(1.0, 1.0).micro_grid == "3301080030010001 01"  # a corner too


def test_a_point_outside_the_street_is_placed_nowhere_but_kept_by_the_caller() -> None:
    locator = Locator(micro_grids=[Area("a", box(0, 0, 1, 1))])
    placement = locator.locate_one(5.0, 5.0)
    assert not placement.inside and placement.micro_grid is None


def test_demo_street_has_puyans_counts(demo: DemoStreet) -> None:
    levels = Counter(a.level for a in demo.areas)
    assert (levels[Level.COMMUNITY], levels[Level.GRID], levels[Level.MICRO_GRID]) == (25, 173, 928)
    assert (levels[Level.DEFENCE_ZONE], levels[Level.PATROL_ZONE]) == (5, 10)
    roles = Counter(p.role.value for p in demo.people)
    assert roles["grid_head"] == 150 and roles["full_time_grid_worker"] == 173
    assert roles["part_time_grid_worker"] == 173 and roles["grid_instructor"] == 136
    assert roles["patrol_member"] == 92
    street = demo.of_level(Level.STREET)[0].geometry
    assert street.contains(shapely.Point(120.15, 30.16))  # Binjiang, Hangzhou


def test_demo_micro_grids_tile_the_street_with_no_gap_and_no_overlap(demo: DemoStreet) -> None:
    street = demo.of_level(Level.STREET)[0].geometry
    micro = [a.geometry for a in demo.of_level(Level.MICRO_GRID)]
    union = unary_union(micro)
    assert union.symmetric_difference(street).area < street.area * 1e-9
    assert abs(sum(g.area for g in micro) - street.area) < street.area * 1e-9  # sum == union: no overlap


def test_every_demo_micro_grid_lies_inside_its_grid_and_every_grid_inside_its_community(demo: DemoStreet) -> None:
    by_code = {a.code: a for a in demo.areas}
    for level in (Level.MICRO_GRID, Level.GRID):
        for area in demo.of_level(level):
            parent = by_code[area.parent_code]
            assert area.code.startswith(parent.code)
            assert parent.geometry.buffer(1e-9).contains(area.geometry)


def test_demo_micro_grids_hold_300_to_500_households(demo: DemoStreet) -> None:
    households = [a.households for a in demo.of_level(Level.MICRO_GRID)]
    assert min(households) >= 300 and max(households) <= 500


def test_locator_places_random_points_like_a_brute_force_search(demo: DemoStreet) -> None:
    micro = demo.of_level(Level.MICRO_GRID)
    locator = Locator(micro_grids=[Area(a.code, a.geometry, a.parent_code) for a in micro])
    minx, miny, maxx, maxy = demo.of_level(Level.STREET)[0].geometry.bounds
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)
    for placement, x, y in zip(locator.locate(lon, lat), lon, lat):
        hits = sorted(a.code for a in micro if a.geometry.intersects(shapely.Point(x, y)))
        assert placement.micro_grid == (hits[0] if hits else None)


def test_a_micro_grid_straddling_a_zone_boundary_is_decided_point_by_point() -> None:
    micro = [Area("m1", box(0, 0, 2, 1), "g", "c")]
    zones = [Area("FQ01", box(0, 0, 1, 1)), Area("FQ02", box(1, 0, 2, 1))]
    locator = Locator(micro_grids=micro, defence_zones=zones)
    assert locator.locate_one(0.5, 0.5).defence_zone == "FQ01"
    assert locator.locate_one(1.5, 0.5).defence_zone == "FQ02"
    assert locator.locate_one(1.0, 0.5).defence_zone == "FQ01"  # on the zone edge: smallest code


def test_zones_apply_outside_the_micro_grids_too() -> None:
    locator = Locator(micro_grids=[Area("m1", box(0, 0, 1, 1))], patrol_zones=[Area("XQ01", box(0, 0, 3, 3))])
    placement = locator.locate_one(2, 2)
    assert placement.micro_grid is None and placement.patrol_zone == "XQ01"


def test_demo_zones_are_found_for_every_point_like_a_brute_force_search(demo: DemoStreet) -> None:
    micro = demo.of_level(Level.MICRO_GRID)
    defence = demo.of_level(Level.DEFENCE_ZONE)
    locator = Locator(micro_grids=[Area(a.code, a.geometry, a.parent_code) for a in micro],
                      defence_zones=[Area(a.code, a.geometry) for a in defence])
    minx, miny, maxx, maxy = demo.of_level(Level.STREET)[0].geometry.bounds
    rng = np.random.default_rng(4)
    lon, lat = rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)
    for placement, x, y in zip(locator.locate(lon, lat), lon, lat):
        hits = sorted(a.code for a in defence if a.geometry.intersects(shapely.Point(x, y)))
        assert placement.defence_zone == (hits[0] if hits else None)
