"""Coordinate systems that reports arrive in, and conversion to the one stored CRS.

Everything is stored as longitude/latitude in EPSG:4326. CGCS2000 (EPSG:4490) and WGS84 differ by a
few centimetres, below any reporting accuracy, so both are taken as-is. GCJ-02 (the obfuscated system
of WeChat and most Chinese phone maps) and BD-09 (Baidu) are not EPSG systems: their published forward
formulas are implemented here and inverted by fixed-point iteration to well under a millimetre. Any
other system is named by an EPSG code and converted with pyproj, e.g. EPSG:4528 (CGCS2000 3-degree
Gauss-Krueger zone 40, central meridian 120 E, the zone of Hangzhou).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from service.domain.errors import InvalidInput

STORAGE_EPSG = 4326

FloatArray = NDArray[np.float64]


class NamedCrs(StrEnum):
    """Names accepted beside EPSG codes."""

    WGS84 = "WGS84"
    CGCS2000 = "CGCS2000"
    GCJ02 = "GCJ02"
    BD09 = "BD09"


_ALIASES = {
    "WGS84": NamedCrs.WGS84, "WGS-84": NamedCrs.WGS84, "EPSG:4326": NamedCrs.WGS84, "CRS84": NamedCrs.WGS84,
    "CGCS2000": NamedCrs.CGCS2000, "EPSG:4490": NamedCrs.CGCS2000,
    "GCJ02": NamedCrs.GCJ02, "GCJ-02": NamedCrs.GCJ02, "GCJ": NamedCrs.GCJ02,
    "BD09": NamedCrs.BD09, "BD-09": NamedCrs.BD09, "BD09LL": NamedCrs.BD09,
}


@dataclass(frozen=True)
class SourceCrs:
    """A parsed CRS declaration: one of the named systems, or an EPSG code for pyproj."""

    named: NamedCrs | None = None
    epsg: int | None = None

    @property
    def label(self) -> str:
        return self.named.value if self.named else f"EPSG:{self.epsg}"


def parse_crs(text: str | None, *, field: str = "crs") -> SourceCrs:
    """Parse a CRS declaration ("GCJ02", "BD-09", "EPSG:4528", ...); None means WGS84."""
    if text is None or not str(text).strip():
        return SourceCrs(named=NamedCrs.WGS84)
    key = str(text).strip().upper().replace(" ", "")
    if key.startswith("URN:OGC:DEF:CRS:EPSG::"):
        key = "EPSG:" + key.rsplit(":", 1)[1]
    if key in _ALIASES:
        return SourceCrs(named=_ALIASES[key])
    if key.startswith("EPSG:") and key[5:].isdigit():
        code = int(key[5:])
        _transformer(code, field)  # validates the code now, with the field in the message
        return SourceCrs(epsg=code)
    raise InvalidInput.one(field, f"unknown CRS {text!r}; use WGS84, CGCS2000, GCJ02, BD09 or EPSG:<code>")


@lru_cache(maxsize=64)
def _transformer(epsg: int, field: str = "crs") -> Transformer:
    try:
        crs = CRS.from_epsg(epsg)
    except CRSError:
        raise InvalidInput.one(field, f"EPSG:{epsg} is not a known coordinate reference system") from None
    return Transformer.from_crs(crs, CRS.from_epsg(STORAGE_EPSG), always_xy=True)


# --- GCJ-02 -------------------------------------------------------------------------------------
# The published obfuscation: offsets computed on the Krasovsky ellipsoid, applied only inside China.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323


def _outside_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
             + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
             + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _gcj_offset(lon_a, lat_a)
    return lon_a + d_lon, lat_a + d_lat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Invert GCJ-02 by fixed-point iteration; converges to ~1e-10 degrees (sub-millimetre)."""
    return _invert(wgs84_to_gcj02, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


# --- BD-09 --------------------------------------------------------------------------------------
_X_PI = math.pi * 3000.0 / 180.0


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Invert BD-09 exactly by iteration (the usual closed-form inverse is off by up to ~1 m)."""
    return _invert(gcj02_to_bd09, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _invert(forward, lon: FloatArray, lat: FloatArray,  # type: ignore[no-untyped-def]
            *, tolerance_deg: float = 1e-10, max_rounds: int = 30) -> tuple[FloatArray, FloatArray]:
    # The offsets vary slowly (metres per kilometre), so x <- x - (f(x) - target) converges fast.
    x, y = lon.copy(), lat.copy()
    for _ in range(max_rounds):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x -= ex
        y -= ey
        if float(np.max(np.abs(ex), initial=0.0)) < tolerance_deg and \
                float(np.max(np.abs(ey), initial=0.0)) < tolerance_deg:
            break
    return x, y


# --- one entry point ----------------------------------------------------------------------------
def to_storage(crs: SourceCrs, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert x/y (longitude/latitude, or easting/northing for projected EPSG codes) to stored lon/lat."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if crs.named in (NamedCrs.WGS84, NamedCrs.CGCS2000):
        return xa, ya
    if crs.named is NamedCrs.GCJ02:
        return gcj02_to_wgs84(xa, ya)
    if crs.named is NamedCrs.BD09:
        return bd09_to_wgs84(xa, ya)
    assert crs.epsg is not None
    lon, lat = _transformer(crs.epsg).transform(xa, ya)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def points_to_storage(crs_of: Sequence[SourceCrs | None], x: Sequence[float], y: Sequence[float]
                      ) -> tuple[list[float], list[float], list[bool]]:
    """Many points, each in its own CRS (None: skip it), to stored lon/lat, converted per CRS in one
    vectorised call (a batch usually has one or two systems). Returns lon, lat (NaN when skipped or
    invalid) and whether each is a valid position. The one conversion path for cases and fixes."""
    lon = [float("nan")] * len(crs_of)
    lat = [float("nan")] * len(crs_of)
    ok = [False] * len(crs_of)
    groups: dict[SourceCrs, list[int]] = {}
    for i, crs in enumerate(crs_of):
        if crs is not None:
            groups.setdefault(crs, []).append(i)
    for crs, idx in groups.items():
        xs, ys = to_storage(crs, [x[i] for i in idx], [y[i] for i in idx])
        valid = valid_lon_lat(xs, ys)
        for j, i in enumerate(idx):
            if valid[j]:
                lon[i], lat[i], ok[i] = float(xs[j]), float(ys[j]), True
    return lon, lat, ok


def geometries_to_storage(geometries: Any, source: CRS) -> Any:
    """Shapely geometries from a file's CRS to the stored one (boundary and road files)."""
    import shapely

    if source.equals(CRS.from_epsg(STORAGE_EPSG)):
        return geometries
    transformer = _file_transformer(source.to_wkt())
    return shapely.transform(geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=16)
def _file_transformer(wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(wkt), CRS.from_epsg(STORAGE_EPSG), always_xy=True)


def valid_lon_lat(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    """Finite and on the globe: a conversion of a nonsense projected coordinate yields inf."""
    ok: NDArray[np.bool_] = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
    return ok


EARTH_RADIUS_M = 6371008.8


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> FloatArray:
    """Great-circle distance in metres (vectorised)."""
    p1, p2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return distance
