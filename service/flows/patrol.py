"""The "365 days" duty: which micro-grids of their own grid each grid worker's track visited in a day."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np

from service.domain.geography import Locator
from service.domain.gridcodes import Level
from service.domain.units import UnitType, epoch_ms
from service.store import areas as area_store
from service.store import units as unit_store
from service.store.db import Database


def patrol_coverage(*, db: Database, locator: Locator, start: datetime, end: datetime, grid: str | None
                    ) -> dict[str, Any]:
    with db.read() as session:
        workers = [u for u in unit_store.all_units(session=session)
                   if u.unit_type == UnitType.GRID_WORKER and u.home_grid and (grid is None or u.home_grid == grid)]
        micro = area_store.list_areas(session=session, level=Level.MICRO_GRID)
        fixes = unit_store.tracks_between(session=session, unit_ids=[u.id for u in workers],
                                          since_ms=epoch_ms(start), until_ms=epoch_ms(end))
    by_unit: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for unit_id, _, lon, lat in fixes:
        by_unit[unit_id].append((lon, lat))
    micro_of_grid: dict[str, list[str]] = defaultdict(list)
    for m in micro:
        micro_of_grid[m.parent_code or ""].append(m.code)
    report = []
    for w in workers:
        points = by_unit.get(w.id, [])
        visited: set[str] = set()
        if points:
            arr = np.asarray(points)
            visited = {p.micro_grid for p in locator.locate(arr[:, 0], arr[:, 1]) if p.micro_grid}
        own = micro_of_grid.get(w.home_grid or "", [])
        report.append({"unit_id": w.id, "callsign": w.callsign, "name": w.name, "grid": w.home_grid,
                       "fixes": len(points), "visited": sorted(m for m in own if m in visited),
                       "not_visited": sorted(m for m in own if m not in visited)})
    return {"from": start.isoformat(), "to": end.isoformat(), "workers": report}
