"""GCJ-02 and BD-09 checked against implementations that are not ours (PyPI `coord-convert`, `eviltransform`),
and distances against pyproj's geodesic: a wrong sign or constant cannot pass by being self-consistent."""

from __future__ import annotations

import eviltransform
import numpy as np
import pytest
from coord_convert import transform as reference
from pyproj import Geod

from service.domain import coords

rng = np.random.default_rng(7)
# Provincial capitals, the demo street, and random points all over China.
CITIES = [(116.3975, 39.9087), (121.4737, 31.2304), (120.1551, 30.2741), (113.2644, 23.1291), (104.0665, 30.5723),
          (87.6168, 43.8256), (91.1409, 29.6456), (126.6424, 45.7567), (110.3312, 20.0319), (120.1502, 30.1655)]
POINTS = CITIES + list(zip(rng.uniform(73.0, 135.0, 300).tolist(), rng.uniform(18.0, 53.0, 300).tolist()))
DEG_PER_CM = 1e-7  # a centimetre is ~9e-8 degrees of latitude


def _ours(fn, lon: float, lat: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    x, y = fn(lon, lat)
    return float(x), float(y)


@pytest.mark.parametrize("lon,lat", CITIES)
def test_gcj02_matches_an_independent_implementation_in_each_city(lon: float, lat: float) -> None:
    assert _ours(coords.wgs84_to_gcj02, lon, lat) == pytest.approx(reference.wgs2gcj(lon, lat), abs=1e-9)
    # eviltransform uses slightly different constants: agreement to a few centimetres.
    ev_lat, ev_lon = eviltransform.wgs2gcj(lat, lon)
    assert coords.haversine_m(*_ours(coords.wgs84_to_gcj02, lon, lat), ev_lon, ev_lat) < 0.05


def test_gcj02_matches_the_reference_at_hundreds_of_random_points_vectorised() -> None:
    lon, lat = np.array(POINTS).T
    ours = np.column_stack(coords.wgs84_to_gcj02(lon, lat))
    theirs = np.array([reference.wgs2gcj(x, y) for x, y in POINTS])
    assert np.abs(ours - theirs).max() < 1e-9


def test_bd09_matches_an_independent_implementation_from_wgs84_and_from_gcj02() -> None:
    lon, lat = np.array(POINTS).T
    ours = np.column_stack(coords.wgs84_to_bd09(lon, lat))
    assert np.abs(ours - np.array([reference.wgs2bd(x, y) for x, y in POINTS])).max() < 1e-9
    g = np.column_stack(coords.gcj02_to_bd09(lon, lat))
    assert np.abs(g - np.array([reference.gcj2bd(x, y) for x, y in POINTS])).max() < 1e-9


def test_our_inverses_land_where_the_reference_forward_sends_them() -> None:
    """gcj02_to_wgs84 and bd09_to_wgs84 are exact inverses of the *reference* forward, to under a millimetre."""
    for lon, lat in POINTS:
        g = reference.wgs2gcj(lon, lat)
        assert _ours(coords.gcj02_to_wgs84, *g) == pytest.approx((lon, lat), abs=DEG_PER_CM / 10)
        b = reference.wgs2bd(lon, lat)
        assert _ours(coords.bd09_to_wgs84, *b) == pytest.approx((lon, lat), abs=DEG_PER_CM / 10)
        assert _ours(coords.bd09_to_gcj02, *b) == pytest.approx(g, abs=DEG_PER_CM / 10)


def test_channel_declared_gcj02_and_bd09_are_stored_as_the_true_wgs84_point() -> None:
    lon, lat = 120.1502, 30.1655
    for label, shifted in (("GCJ02", reference.wgs2gcj(lon, lat)), ("BD09", reference.wgs2bd(lon, lat)),
                           ("WGS84", (lon, lat)), ("CGCS2000", (lon, lat))):
        x, y = coords.to_storage(coords.parse_crs(label), [shifted[0]], [shifted[1]])
        assert (float(x[0]), float(y[0])) == pytest.approx((lon, lat), abs=DEG_PER_CM / 10), label


@pytest.mark.parametrize("lon,lat", [(72.004, 30.0), (137.8347, 30.0), (100.0, 0.8293), (100.0, 55.8271),
                                     (72.0039, 30.0), (137.8348, 30.0), (100.0, 0.8292), (100.0, 55.8272)])
def test_the_china_border_of_the_obfuscation_is_where_the_reference_puts_it(lon: float, lat: float) -> None:
    assert _ours(coords.wgs84_to_gcj02, lon, lat) == pytest.approx(reference.wgs2gcj(lon, lat), abs=1e-9)


def test_haversine_agrees_with_pyprojs_geodesic_to_half_a_percent() -> None:
    geod = Geod(ellps="WGS84")
    for (lon1, lat1), (lon2, lat2) in zip(POINTS[:40], POINTS[1:41]):
        _, _, metres = geod.inv(lon1, lat1, lon2, lat2)
        assert float(coords.haversine_m(lon1, lat1, lon2, lat2)) == pytest.approx(metres, rel=5e-3)
    # and over a street's few tens of metres, where arrival is decided
    _, _, fifty = geod.inv(120.15, 30.16, 120.15, 30.16 + 50 / 111_000)
    assert float(coords.haversine_m(120.15, 30.16, 120.15, 30.16 + 50 / 111_000)) == pytest.approx(fifty, rel=5e-3)


@pytest.mark.parametrize("lon,lat,ok", [(180.0, 90.0, True), (-180.0, -90.0, True), (180.0001, 0.0, False),
                                        (-180.0001, 0.0, False), (0.0, 90.0001, False), (0.0, -90.0001, False),
                                        (float("inf"), 0.0, False), (0.0, float("nan"), False)])
def test_only_finite_points_on_the_globe_are_valid(lon: float, lat: float, ok: bool) -> None:
    assert bool(coords.valid_lon_lat(np.array([lon]), np.array([lat]))[0]) is ok
