"""Which micro-grid, grid, community and zones a point falls in, through shapely STRtrees.

Boundaries share edges, so a point exactly on an edge intersects two (or, at a corner, more)
micro-grids. The rule: it goes to the one with the smallest code, so the same point always lands in
the same micro-grid whatever order the boundaries were loaded in.

Boundaries are versioned: each area is valid over [valid_from, valid_to). A point is located in the
boundaries valid at a given instant (the moment it was reported); without an instant, in the latest.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely import STRtree
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Area:
    """One polygon of a layer: its code, its parent codes and its geometry (lon/lat)."""

    code: str
    geometry: BaseGeometry
    grid: str | None = None
    community: str | None = None
    valid_from: datetime | None = None  # None: since the record began
    valid_to: datetime | None = None  # None: still valid

    def valid_at(self, at: datetime | None) -> bool:
        """Valid at the instant `at`; `at` None stands for 'the latest boundaries'."""
        if at is None:
            return self.valid_to is None
        return (self.valid_from is None or self.valid_from <= at) and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True)
class Placement:
    """Where one point falls; all None means outside the jurisdiction."""

    micro_grid: str | None
    grid: str | None
    community: str | None
    defence_zone: str | None
    patrol_zone: str | None

    @property
    def inside(self) -> bool:
        return self.micro_grid is not None


OUTSIDE = Placement(None, None, None, None, None)


class _Layer:
    """Polygons of one layer, sorted by code so the tree index is the code rank."""

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas = sorted(areas, key=lambda a: a.code)
        geoms = [a.geometry for a in self.areas]
        for g in geoms:
            shapely.prepare(g)
        self.tree = STRtree(geoms)

    def first_hit(self, points: NDArray[np.object_]) -> NDArray[np.int64]:
        """For each point the index of the lowest-coded area it intersects, -1 where none."""
        result = np.full(len(points), -1, dtype=np.int64)
        if not self.areas or not len(points):
            return result
        point_idx, area_idx = self.tree.query(points, predicate="intersects")
        if len(point_idx):
            # Reverse order so that, with fancy assignment keeping the last write, the smallest wins.
            order = np.lexsort((-area_idx, point_idx))
            result[point_idx[order]] = area_idx[order]
        return result


class _Snapshot:
    """The boundaries of one period between two revisions: answers 'which micro-grid and zones'.

    A micro-grid that lies wholly inside one defence zone and one patrol zone (the usual case: zones
    are drawn along community lines) carries a ready Placement, so most points cost one tree query.
    """

    def __init__(self, *, micro_grids: Sequence[Area], defence_zones: Sequence[Area] = (),
                 patrol_zones: Sequence[Area] = ()) -> None:
        self._micro = _Layer(micro_grids)
        self._defence = _Layer(defence_zones)
        self._patrol = _Layer(patrol_zones)
        self._ready: list[Placement | None] = [self._placement_of_whole(a) for a in self._micro.areas]

    def _placement_of_whole(self, area: Area) -> Placement | None:
        zones = []
        for layer in (self._defence, self._patrol):
            inside = [layer.areas[i] for i in layer.tree.query(area.geometry, predicate="intersects")
                      if shapely.relate_pattern(layer.areas[i].geometry, area.geometry, "T********")]
            if any(not z.geometry.covers(area.geometry) for z in inside):
                return None  # a zone edge crosses this micro-grid: decide point by point
            zones.append(min((z.code for z in inside), default=None))
        return Placement(area.code, area.grid, area.community, zones[0], zones[1])

    @property
    def micro_grid_count(self) -> int:
        return len(self._micro.areas)

    def locate(self, points: NDArray[np.object_]) -> list[Placement]:
        micro = self._micro.first_hit(points).tolist()
        out: list[Placement | None] = [self._ready[m] if m >= 0 else None for m in micro]
        pending = [i for i, p in enumerate(out) if p is None]
        if pending:
            subset = points[pending]
            defence = self._defence.first_hit(subset).tolist()
            patrol = self._patrol.first_hit(subset).tolist()
            for i, d, p in zip(pending, defence, patrol):
                m = micro[i]
                mg = self._micro.areas[m] if m >= 0 else None
                out[i] = OUTSIDE if mg is None and d < 0 and p < 0 else Placement(
                    micro_grid=mg.code if mg else None, grid=mg.grid if mg else None,
                    community=mg.community if mg else None,
                    defence_zone=self._defence.areas[d].code if d >= 0 else None,
                    patrol_zone=self._patrol.areas[p].code if p >= 0 else None)
        return out  # type: ignore[return-value]


Instants = datetime | Sequence[datetime | None] | None


class Locator:
    """Answers 'which micro-grid and zones' for batches of lon/lat points, at given instants.

    The record's history is cut into periods at every revision's effective time; each period's
    boundaries are indexed on first use, so locating in the present costs what it did unversioned.
    """

    def __init__(self, *, micro_grids: Sequence[Area], defence_zones: Sequence[Area] = (),
                 patrol_zones: Sequence[Area] = ()) -> None:
        self._layers = (list(micro_grids), list(defence_zones), list(patrol_zones))
        cuts = {t for layer in self._layers for a in layer for t in (a.valid_from, a.valid_to) if t is not None}
        self._cuts = sorted(cuts)
        self._periods: dict[int, _Snapshot] = {}

    def _period(self, at: datetime | None) -> int:
        return len(self._cuts) if at is None else bisect.bisect_right(self._cuts, at)

    def _snapshot(self, period: int) -> _Snapshot:
        snapshot = self._periods.get(period)
        if snapshot is None:
            # Any instant inside the period picks the same areas; its start (or None for the last) does.
            at = None if period == len(self._cuts) else self._cuts[period - 1] if period else None
            if period == 0 and self._cuts:
                def pick(a: Area) -> bool:  # before the first cut: whatever has been valid since the start
                    return a.valid_from is None
            else:
                def pick(a: Area) -> bool:
                    return a.valid_at(at)
            micro, defence, patrol = ([a for a in layer if pick(a)] for layer in self._layers)
            snapshot = _Snapshot(micro_grids=micro, defence_zones=defence, patrol_zones=patrol)
            self._periods[period] = snapshot
        return snapshot

    @property
    def micro_grid_count(self) -> int:
        return self._snapshot(len(self._cuts)).micro_grid_count

    def locate(self, lon: ArrayLike, lat: ArrayLike, at: Instants = None) -> list[Placement]:
        """Placements of the points in the boundaries valid at `at` (one instant, or one per point)."""
        points = np.atleast_1d(shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)))
        if at is None or isinstance(at, datetime):
            return self._snapshot(self._period(at)).locate(points)
        periods = [self._period(t) for t in at]
        if len(periods) != len(points):
            raise ValueError("one instant per point, or one for all")
        out: list[Placement] = [OUTSIDE] * len(points)
        for period in set(periods):
            idx = [i for i, p in enumerate(periods) if p == period]
            for i, placement in zip(idx, self._snapshot(period).locate(points[idx])):
                out[i] = placement
        return out

    def locate_one(self, lon: float, lat: float, at: datetime | None = None) -> Placement:
        return self.locate([lon], [lat], at)[0]
