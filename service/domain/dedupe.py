"""The same problem reported twice: duplicates (near in place and time) and repeat complaints (over days).

Matching runs against an in-memory index of recent cases, keyed by category and a ~radius-sized
cell, so each new report looks at a handful of neighbours instead of querying the database. The
index is rebuilt from the database at start and updated after each commit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Recent:
    id: int
    lon: float
    lat: float
    category: str
    reported_at: datetime
    duplicate_of: int | None


@dataclass(frozen=True)
class Match:
    duplicate_of: int | None
    repeat_count: int


class RecentIndex:
    """Recent cases by (category, cell); answers duplicate and repeat questions for a new report."""

    def __init__(self, *, duplicate_radius_m: float, duplicate_window: timedelta,
                 repeat_radius_m: float, repeat_window: timedelta) -> None:
        self.duplicate_radius_m = duplicate_radius_m
        self.duplicate_window = duplicate_window
        self.repeat_radius_m = repeat_radius_m
        self.repeat_window = repeat_window
        self._cell_m = max(duplicate_radius_m, repeat_radius_m)
        self._cells: dict[tuple[str, int, int], list[Recent]] = defaultdict(list)
        self._size = 0

    def empty_like(self) -> RecentIndex:
        return RecentIndex(duplicate_radius_m=self.duplicate_radius_m, duplicate_window=self.duplicate_window,
                           repeat_radius_m=self.repeat_radius_m, repeat_window=self.repeat_window)

    def __len__(self) -> int:
        return self._size

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        cell_lat = self._cell_m / _M_PER_DEG_LAT
        cell_lon = cell_lat / max(math.cos(math.radians(lat)), 0.01)
        return math.floor(lon / cell_lon), math.floor(lat / cell_lat)

    def add(self, item: Recent) -> None:
        cx, cy = self._cell(item.lon, item.lat)
        self._cells[(item.category, cx, cy)].append(item)
        self._size += 1

    def match(self, *, lon: float, lat: float, category: str, reported_at: datetime) -> Match:
        cx, cy = self._cell(lon, lat)
        near: list[Recent] = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                near.extend(self._cells.get((category, cx + dx, cy + dy), ()))
        if not near:
            return Match(None, 0)
        # Equirectangular distance: exact to a millimetre over the few hundred metres that matter here.
        kx = _M_PER_DEG_LAT * math.cos(math.radians(lat))
        root: Recent | None = None
        repeats = 0
        for r in near:
            dist = math.hypot((r.lon - lon) * kx, (r.lat - lat) * _M_PER_DEG_LAT)
            dt = abs(reported_at - r.reported_at)
            if r.duplicate_of is None and dist <= self.duplicate_radius_m and dt <= self.duplicate_window:
                if root is None or (r.reported_at, r.id) < (root.reported_at, root.id):
                    root = r
            elif (r.duplicate_of is None and dist <= self.repeat_radius_m
                  and r.reported_at < reported_at and reported_at - r.reported_at <= self.repeat_window):
                repeats += 1
        return Match(root.id if root else None, repeats)

    def near(self, *, lon: float, lat: float, reported_at: datetime, category: str | None = None
             ) -> list[tuple[Recent, float]]:
        """Originals (not duplicates) a new report here and now would be matched to, nearest first, with
        their distance in metres: what a resident is shown before reporting the same thing again."""
        cx, cy = self._cell(lon, lat)
        kx = _M_PER_DEG_LAT * math.cos(math.radians(lat))
        categories = [category] if category is not None else sorted({k[0] for k in self._cells})
        out = []
        for cat in categories:
            for r in (r for dx in (-1, 0, 1) for dy in (-1, 0, 1) for r in self._cells.get((cat, cx + dx, cy + dy), ())):
                dist = math.hypot((r.lon - lon) * kx, (r.lat - lat) * _M_PER_DEG_LAT)
                if (r.duplicate_of is None and dist <= self.duplicate_radius_m
                        and abs(reported_at - r.reported_at) <= self.duplicate_window):
                    out.append((r, dist))
        return sorted(out, key=lambda m: m[1])

    def prune(self, now: datetime) -> None:
        """Forget what is too old to match anything any more."""
        horizon = now - max(self.repeat_window, self.duplicate_window) - timedelta(days=1)
        for key in list(self._cells):
            kept = [r for r in self._cells[key] if r.reported_at >= horizon]
            self._size -= len(self._cells[key]) - len(kept)
            if kept:
                self._cells[key] = kept
            else:
                del self._cells[key]
