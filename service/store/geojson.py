"""GeoJSON of the street's polygons, serialized once per boundary version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import shapely

from service.store.models import AreaRow, AreaVersionRow


def area_properties(row: AreaRow | AreaVersionRow) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "level": row.level, "parent_code": row.parent_code,
            "households": row.households, **(row.attributes or {})}


def _validity(row: AreaRow | AreaVersionRow) -> dict[str, Any]:
    valid_to = row.valid_to if isinstance(row, AreaVersionRow) else None
    return {"valid_from": row.valid_from.isoformat() if row.valid_from else None,
            "valid_to": valid_to.isoformat() if valid_to else None}


def area_features(rows: Sequence[AreaRow | AreaVersionRow], *, validity: bool = False) -> list[orjson.Fragment]:
    """Features as pre-serialized JSON fragments: geometry by shapely's vectorised writer.

    With `validity`, each carries its validity interval, and a version other than the current one is
    identified as code@valid_from so the versions of one area stay distinct features."""
    geometries = shapely.to_geojson(shapely.from_wkb([r.geometry_wkb for r in rows]), indent=None)
    out = []
    for r, g in zip(rows, geometries):
        properties = {**area_properties(r), **_validity(r)} if validity else area_properties(r)
        fid = r.code if not isinstance(r, AreaVersionRow) else f"{r.code}@{properties.get('valid_from') or 'start'}"
        out.append(orjson.Fragment(orjson.dumps({"type": "Feature", "id": fid, "properties": properties,
                                                 "geometry": orjson.Fragment(g)})))
    return out
