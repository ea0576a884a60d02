"""Reports arrive in GCJ-02, BD-09, WGS84 or Gauss-Krueger; all must land where they really are."""

from __future__ import annotations

import numpy as np
import pytest

from service.domain import coords
from service.domain.errors import InvalidInput

rng = np.random.default_rng(1)
# Points across China (the obfuscation only applies there) and densely around Hangzhou.
LON = np.concatenate([rng.uniform(74, 134, 2000), rng.uniform(120.10, 120.20, 2000)])
LAT = np.concatenate([rng.uniform(18, 53, 2000), rng.uniform(30.10, 30.22, 2000)])


def test_gcj02_shifts_hangzhou_by_about_half_a_kilometre() -> None:
    glon, glat = coords.wgs84_to_gcj02(120.15, 30.16)
    assert 400 < coords.haversine_m(120.15, 30.16, glon, glat) < 700


def test_gcj02_inverse_is_accurate_to_under_5_cm() -> None:
    back_lon, back_lat = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(LON, LAT))
    assert coords.haversine_m(LON, LAT, back_lon, back_lat).max() < 0.05


def test_bd09_inverse_is_accurate_to_under_5_cm() -> None:
    back_lon, back_lat = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(LON, LAT))
    assert coords.haversine_m(LON, LAT, back_lon, back_lat).max() < 0.05


def test_gcj02_leaves_points_outside_china_unchanged() -> None:
    lon, lat = coords.wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    assert lon.tolist() == [2.35, -74.0] and lat.tolist() == [48.85, 40.7]


def test_gauss_krueger_zone_40_converts_with_pyproj() -> None:
    # Zone 40's false easting carries the zone number: 40 500 000 m is the central meridian, 120 E.
    lon, lat = coords.to_storage(coords.parse_crs("EPSG:4528"), [40_500_000.0], [3_337_000.0])
    assert lon[0] == pytest.approx(120.0, abs=1e-9)
    assert 30.1 < lat[0] < 30.2


@pytest.mark.parametrize("text,label", [("gcj-02", "GCJ02"), ("BD09", "BD09"), ("CGCS2000", "CGCS2000"),
                                        ("EPSG:4490", "CGCS2000"), (None, "WGS84"), ("epsg:4528", "EPSG:4528"),
                                        ("urn:ogc:def:crs:EPSG::4528", "EPSG:4528")])
def test_crs_declarations_are_understood(text: str | None, label: str) -> None:
    assert coords.parse_crs(text).label == label


@pytest.mark.parametrize("text", ["MARS", "EPSG:999999", "EPSG:abc"])
def test_unknown_crs_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        coords.parse_crs(text, field="position.crs")
    assert err.value.problems[0].field == "position.crs"
