"""A district command center's demo: N streets side by side, each with its own codes, none overlapping."""

from __future__ import annotations

from pathlib import Path

import shapely

from service.context import ServiceContext
from service.demo.install import install_demo_street
from service.demo.street import DemoStreet, build, build_district
from service.domain.gridcodes import Level, parse_code
from service.settings import Settings


def test_a_district_of_streets_has_its_own_codes_and_no_overlaps(tmp_path: Path, demo: DemoStreet) -> None:
    district = build_district(3)
    assert len(district.of_level(Level.MICRO_GRID)) == 3 * 928 and len(district.of_level(Level.STREET)) == 3
    codes = [a.code for a in district.areas]
    assert len(codes) == len(set(codes))
    streets = district.of_level(Level.STREET)
    assert [s.code for s in streets] == ["330108003", "330108004", "330108005"]
    union = shapely.union_all([s.geometry for s in streets])
    assert abs(sum(s.geometry.area for s in streets) - union.area) < 1e-12  # side by side, not on top
    by_code = {a.code: a for a in district.areas}
    for micro in district.of_level(Level.MICRO_GRID)[::97]:
        parse_code(micro.code, level=Level.MICRO_GRID)
        assert by_code[micro.parent_code].geometry.buffer(1e-9).contains(micro.geometry)
    assert len({u.callsign for u in district.units}) == len(district.units)
    # The district goes into a record like the one street does.
    ctx = ServiceContext(Settings(data_dir=tmp_path))
    try:
        install_demo_street(ctx, build_district(2))
        assert ctx.locator().locate_one(*shapely.Point(streets[1].geometry.representative_point()).coords[0]) \
            .micro_grid.startswith("330108004")
    finally:
        ctx.close()


def test_a_district_of_one_street_is_the_demo_street(demo: DemoStreet) -> None:
    one = build_district(1)
    assert [a.code for a in one.areas] == [a.code for a in demo.areas] == [a.code for a in build().areas]
    assert all(a.geometry.equals(b.geometry) for a, b in zip(one.areas[::50], demo.areas[::50]))
