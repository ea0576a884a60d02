"""The smaller projections of the event log: duplicate index, locator, key cache (see service/projector.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from service.domain.dedupe import Match, Recent, RecentIndex
from service.domain.events import EventKind, LoggedEvent
from service.domain.geography import Locator

P = TypeVar("P")


class DuplicateIndexView:
    """Recent cases for duplicate and repeat matching: `incident.created` adds one."""

    def __init__(self, index: RecentIndex) -> None:
        self.index = index
        self._lock = threading.Lock()

    def apply(self, event: LoggedEvent) -> None:
        if event.kind != EventKind.INCIDENT_CREATED:
            return
        p = event.payload
        if p.get("lon") is None or p.get("lat") is None:
            return
        with self._lock:
            self.index.add(Recent(int(p["id"]), p["lon"], p["lat"], p["category"],
                                  datetime.fromisoformat(p["reported_at"]), p.get("duplicate_of")))

    def load(self, items: list[Recent]) -> None:
        with self._lock:
            for item in items:
                self.index.add(item)

    def match(self, *, lon: float, lat: float, category: str, reported_at: datetime) -> Match:
        with self._lock:
            return self.index.match(lon=lon, lat=lat, category=category, reported_at=reported_at)

    def near(self, *, lon: float, lat: float, reported_at: datetime, category: str | None = None
             ) -> list[tuple[Recent, float]]:
        with self._lock:
            return self.index.near(lon=lon, lat=lat, reported_at=reported_at, category=category)

    def empty_like(self) -> RecentIndex:
        return self.index.empty_like()

    def prune(self, now: datetime) -> None:
        """Forget cases too old to match: each process prunes its own copy (nothing in the database changes)."""
        with self._lock:
            self.index.prune(now)

    def __len__(self) -> int:
        return len(self.index)


class LocatorView:
    """The point-in-micro-grid index over every boundary revision (each area with its validity, so a
    report is placed by the boundaries of its time): built on first use, dropped on `boundaries.changed`
    (a published revision or rollback, in whichever process) and so rebuilt from the tables on next use."""

    def __init__(self, build: Callable[[], Locator]) -> None:
        self._build = build
        self._locator: Locator | None = None
        self._lock = threading.Lock()

    def apply(self, event: LoggedEvent) -> None:
        if event.kind == EventKind.BOUNDARIES_CHANGED:
            with self._lock:
                self._locator = None

    def __call__(self) -> Locator:
        with self._lock:
            if self._locator is None:
                self._locator = self._build()
            return self._locator


class KeyCache(Generic[P]):
    """Valid keys seen lately (bad ones must not grow it); `key.revoked` or `key.locked` drops a key in every
    process at once."""

    def __init__(self, *, seconds: float, key_id: Callable[[P], int]) -> None:
        self._seconds = seconds
        self._key_id = key_id
        self._lock = threading.Lock()
        self._by_token: dict[str, tuple[float, P]] = {}

    def get(self, token: str) -> P | None:
        with self._lock:
            cached = self._by_token.get(token)
        if cached is None or time.monotonic() - cached[0] > self._seconds:
            return None
        return cached[1]

    def put(self, token: str, principal: P) -> None:
        with self._lock:
            self._by_token[token] = (time.monotonic(), principal)

    def forget(self, token: str) -> None:
        with self._lock:
            self._by_token.pop(token, None)

    def apply(self, event: LoggedEvent) -> None:
        if event.kind in (EventKind.KEY_REVOKED, EventKind.KEY_LOCKED):
            key_id = int(event.payload["key_id"])
            with self._lock:
                for token in [t for t, (_, p) in self._by_token.items() if self._key_id(p) == key_id]:
                    del self._by_token[token]
