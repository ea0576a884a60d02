"""Data access for the road network."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from service.store.models import RoadRow


def replace_roads(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(delete(RoadRow))
    if rows:
        session.execute(insert(RoadRow), [{"name": r.get("name"), "geometry_wkb": shapely.to_wkb(r["geometry"])}
                                          for r in rows])


def all_lines(*, session: Session) -> list[BaseGeometry]:
    return list(shapely.from_wkb([w for (w,) in session.execute(select(RoadRow.geometry_wkb))]))
