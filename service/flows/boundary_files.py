"""Real boundaries in and out: GeoPackage, GeoJSON and zipped Shapefile, with a field mapping.

An import is all or nothing: a street with half its micro-grids replaced is worse than the old one,
so every feature is checked first and the problems are reported together, naming feature and field.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon

from service.domain import coords
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.gridcodes import CODE_LENGTH, PARENT_LEVEL, Level, parse_code


class FileFormat(StrEnum):
    GPKG = "gpkg"
    GEOJSON = "geojson"
    SHAPEFILE = "shp"


DRIVERS = {FileFormat.GPKG: "GPKG", FileFormat.GEOJSON: "GeoJSON", FileFormat.SHAPEFILE: "ESRI Shapefile"}
MEDIA_TYPES = {FileFormat.GPKG: "application/geopackage+sqlite3", FileFormat.GEOJSON: "application/geo+json",
               FileFormat.SHAPEFILE: "application/zip"}
TARGET_FIELDS = ("code", "name", "parent_code", "households")


@dataclass
class FieldMapping:
    """Which attribute of the file holds each of our fields; unmapped fields use our own names."""

    source: dict[str, str] = field(default_factory=dict)

    def column(self, target: str) -> str:
        return self.source.get(target, target)

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> FieldMapping:
        raw = raw or {}
        unknown = [k for k in raw if k not in TARGET_FIELDS]
        if unknown:
            raise InvalidInput.one("mapping", f"unknown target field(s) {unknown}; map any of {list(TARGET_FIELDS)}")
        return cls({k: str(v) for k, v in raw.items()})


def read_boundaries(data: bytes, *, fmt: FileFormat, level: Level, mapping: FieldMapping,
                    layer: str | None = None, known_parents: set[str] | None = None) -> list[dict[str, Any]]:
    """Parse a boundary file into area rows in the stored CRS; raises InvalidInput with every problem."""
    names, values, geoms = _read_file(data, fmt, layer)
    missing = [mapping.column(t) for t in ("code", "name") if mapping.column(t) not in values]
    if missing:
        raise InvalidInput.one("mapping", f"the file has no attribute(s) {missing}; it has {names}")

    def value(target: str, i: int) -> Any:
        column = values.get(mapping.column(target))
        v = None if column is None else column[i]
        return None if v is None or (isinstance(v, float) and np.isnan(v)) else v

    rows: list[dict[str, Any]] = []
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, geom in enumerate(geoms):
        where = f"features[{i}]"
        code = str(value("code", i) or "").strip()
        try:
            if level in CODE_LENGTH:
                parse_code(code, level=level, field=f"{where}.{mapping.column('code')}")
            elif not code:
                raise InvalidInput.one(f"{where}.{mapping.column('code')}", "is empty")
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        if code in seen:
            problems.append(FieldProblem(f"{where}.{mapping.column('code')}", f"code {code} appears twice"))
        seen.add(code)
        if geom is None or not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
            problems.append(FieldProblem(f"{where}.geometry", "must be a polygon"))
            continue
        if not geom.is_valid:
            problems.append(FieldProblem(f"{where}.geometry", f"invalid polygon: {shapely.is_valid_reason(geom)}"))
            continue
        parent = value("parent_code", i)
        if parent is None and level in PARENT_LEVEL and level in CODE_LENGTH:
            parent = code[: CODE_LENGTH[PARENT_LEVEL[level]]]
        if known_parents is not None and level in (Level.GRID, Level.MICRO_GRID) and parent not in known_parents:
            problems.append(FieldProblem(f"{where}.{mapping.column('parent_code')}",
                                         f"parent {parent} is not a known {PARENT_LEVEL[level].value}"))
        households = value("households", i)
        rows.append({"code": code, "level": level, "name": str(value("name", i) or code), "parent_code": parent,
                     "households": int(households) if households is not None else None, "geometry": geom})
    if problems:
        raise InvalidInput(problems)
    return rows


def read_roads(data: bytes, *, fmt: FileFormat, name_field: str | None = None,
               layer: str | None = None) -> list[dict[str, Any]]:
    """Road centre lines in the stored CRS; every feature must be a line."""
    names, values, geoms = _read_file(data, fmt, layer)
    if name_field and name_field not in values:
        raise InvalidInput.one("name_field", f"the file has no attribute {name_field!r}; it has {names}")
    problems = [FieldProblem(f"features[{i}].geometry", "must be a line")
                for i, g in enumerate(geoms) if g is None or g.geom_type not in ("LineString", "MultiLineString")]
    if problems:
        raise InvalidInput(problems)
    return [{"name": str(values[name_field][i]) if name_field and values[name_field][i] is not None else None,
             "geometry": g} for i, g in enumerate(geoms)]


def _read_file(data: bytes, fmt: FileFormat, layer: str | None) -> tuple[list[str], dict[str, Any], Any]:
    """Attribute names, attribute columns and geometries (in EPSG:4326) of a vector file."""
    from pyogrio.raw import read  # GDAL is loaded only by whoever imports files

    with tempfile.TemporaryDirectory() as tmp:
        path = _materialize(data, fmt, Path(tmp))
        try:
            meta, _, wkb, columns = read(path, layer=layer)
        except Exception as exc:  # GDAL's own errors name the file problem well
            raise InvalidInput.one("file", f"cannot read as {fmt.value}: {exc}") from None
    names = list(meta["fields"])
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object))
    source_crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else CRS.from_epsg(4326)
    geoms = coords.geometries_to_storage(geoms, source_crs)
    return names, dict(zip(names, columns)), geoms


def write_boundaries(rows: list[dict[str, Any]], *, fmt: FileFormat, layer: str) -> bytes:
    """Areas (code, name, parent_code, households, geometry) -> file bytes; a Shapefile comes zipped."""
    from pyogrio.raw import write

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.{fmt.value}"
        options: dict[str, Any] = {}
        if fmt is FileFormat.GPKG:
            options["dataset_options"] = {"VERSION": "1.2"}  # readable by QGIS 3.22's GDAL
        if fmt is FileFormat.SHAPEFILE:
            options["encoding"] = "UTF-8"
        multi = any(isinstance(r["geometry"], MultiPolygon) for r in rows)
        write(str(path), np.array([shapely.to_wkb(r["geometry"]) for r in rows], dtype=object),
              [np.array([r.get(k) for r in rows], dtype=object) for k in ("code", "name", "parent_code")]
              + [np.array([r.get("households") or 0 for r in rows], dtype=np.int64)],
              ["code", "name", "parent_code", "households"], layer=layer, driver=DRIVERS[fmt],
              geometry_type="MultiPolygon" if multi else "Polygon", promote_to_multi=multi, crs="EPSG:4326",
              **options)
        if fmt is not FileFormat.SHAPEFILE:
            return path.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for part in Path(tmp).iterdir():
                z.write(part, part.name)
        return buffer.getvalue()


def _materialize(data: bytes, fmt: FileFormat, folder: Path) -> str:
    if fmt is not FileFormat.SHAPEFILE:
        path = folder / f"upload.{fmt.value}"
        path.write_bytes(data)
        return str(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.extractall(folder)
    except zipfile.BadZipFile:
        raise InvalidInput.one("file", "a Shapefile is uploaded as a .zip of its .shp, .shx, .dbf and .prj") from None
    shp = sorted(folder.rglob("*.shp"))
    if not shp:
        raise InvalidInput.one("file", "the zip holds no .shp file")
    return str(shp[0])
