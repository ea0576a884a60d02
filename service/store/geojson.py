"""GeoJSON of the street's polygons, serialized once per boundary version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import shapely

from service.store.models import AreaRow


def area_properties(row: AreaRow) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "level": row.level, "parent_code": row.parent_code,
            "households": row.households, **(row.attributes or {})}


def area_features(rows: Sequence[AreaRow]) -> list[orjson.Fragment]:
    """Features as pre-serialized JSON fragments: geometry by shapely's vectorised writer."""
    geometries = shapely.to_geojson(shapely.from_wkb([r.geometry_wkb for r in rows]), indent=None)
    return [orjson.Fragment(orjson.dumps({"type": "Feature", "id": r.code, "properties": area_properties(r),
                                          "geometry": orjson.Fragment(g)}))
            for r, g in zip(rows, geometries)]
