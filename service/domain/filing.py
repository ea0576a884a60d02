"""Which cases are filed (立案) before they are dispatched, and the workflow's other rules.

The digital city management workflow (CJJ/T 106, GB/T 30428) runs in seven steps: information
collection, filing, dispatch, handling, handler feedback, verification and closing, evaluation. Cases
from 数字城管 go through filing; 110 transfers go straight to dispatch, as before. Which channels and
categories need filing is configuration (settings `filing_channels`, `filing_categories`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.domain.catalog import Channel

DEFAULT_FILING_CHANNELS = frozenset({Channel.CITY_MANAGEMENT.value})
DEFAULT_REOPEN_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class FilingPolicy:
    """Cases of these channels, or of these categories (from any channel), are filed before dispatch."""

    channels: frozenset[str] = field(default=DEFAULT_FILING_CHANNELS)
    categories: frozenset[str] = frozenset()
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW

    def needs_filing(self, channel: str | None, category: str | None) -> bool:
        return (channel is not None and channel in self.channels) or (
            category is not None and category in self.categories)

    @classmethod
    def from_settings(cls, channels: list[str], categories: list[str], reopen_window_days: float) -> FilingPolicy:
        return cls(frozenset(channels), frozenset(categories), timedelta(days=reopen_window_days))


@dataclass(frozen=True)
class ClosedCase:
    id: int
    category: str
    lon: float
    lat: float
    closed_at: datetime


M_PER_DEG_LAT = 111_320.0


class RepeatFinder:
    """Closed cases by (category, cell): which one a new report repeats, if any. A report repeats a case of
    its category within `radius_m`, closed before the report arrived and no longer than `window` before;
    the nearest wins, then the latest closed."""

    def __init__(self, closed: Sequence[ClosedCase], *, radius_m: float, window: timedelta) -> None:
        self.radius_m, self.window = radius_m, window
        self._cells: dict[tuple[str, int, int], list[ClosedCase]] = {}
        for c in closed:
            self._cells.setdefault((c.category, *self._cell(c.lon, c.lat)), []).append(c)

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        size_lat = self.radius_m / M_PER_DEG_LAT
        return math.floor(lon / (size_lat / max(math.cos(math.radians(lat)), 0.01))), math.floor(lat / size_lat)

    def repeated(self, *, category: str, lon: float, lat: float, arrived_at: datetime) -> ClosedCase | None:
        if not self._cells:
            return None
        cx, cy = self._cell(lon, lat)
        kx = M_PER_DEG_LAT * math.cos(math.radians(lat))
        best: tuple[float, float, int, ClosedCase] | None = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for c in self._cells.get((category, cx + dx, cy + dy), ()):
                    distance = math.hypot((c.lon - lon) * kx, (c.lat - lat) * M_PER_DEG_LAT)
                    if distance <= self.radius_m and c.closed_at <= arrived_at <= c.closed_at + self.window:
                        key = (distance, -c.closed_at.timestamp(), c.id, c)
                        best = key if best is None or key[:3] < best[:3] else best
        return best[3] if best else None
