"""One page of a boundary level for OGC API – Features: limit, offset and bbox are in the query, so a page of
a city's micro-grids reads that page (and, with a bbox, the areas whose bounding box meets it), never the
whole level."""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.domain.gridcodes import Level
from service.store.models import AreaRow

BBox = tuple[float, float, float, float]
CHUNK = 2000


def area_page(*, session: Session, level: Level, limit: int, offset: int,
              bbox: BBox | None = None) -> tuple[Sequence[AreaRow], int]:
    """The page's rows in code order and how many areas of the level match in all."""
    where = [AreaRow.level == level.value]
    if bbox is None:
        matched = session.scalar(select(func.count()).select_from(AreaRow).where(*where)) or 0
        rows = session.scalars(select(AreaRow).where(*where).order_by(AreaRow.code).limit(limit).offset(offset)).all()
        return rows, int(matched)
    min_lon, min_lat, max_lon, max_lat = bbox
    where += [AreaRow.max_lon >= min_lon, AreaRow.min_lon <= max_lon,
              AreaRow.max_lat >= min_lat, AreaRow.min_lat <= max_lat]
    # Bounding boxes meeting the bbox are candidates; the polygon itself must meet it (OGC: intersects).
    # Candidates come in chunks of codes and geometry only; full rows are read for the page alone.
    box = shapely.box(*bbox)
    page_codes: list[str] = []
    matched = 0
    last_code = ""
    while True:
        chunk = session.execute(select(AreaRow.code, AreaRow.geometry_wkb).where(*where, AreaRow.code > last_code)
                                .order_by(AreaRow.code).limit(CHUNK)).all()
        if not chunk:
            break
        hits = shapely.intersects(shapely.from_wkb([wkb for _, wkb in chunk]), box)
        for (code, _), hit in zip(chunk, hits):
            if hit:
                if offset <= matched < offset + limit:
                    page_codes.append(code)
                matched += 1
        last_code = chunk[-1][0]
    if not page_codes:
        return [], matched
    rows = session.scalars(select(AreaRow).where(AreaRow.code.in_(page_codes)).order_by(AreaRow.code)).all()
    return rows, matched
