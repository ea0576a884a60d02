"""Counting what a client may do in a window: failed logins per address, positions per device."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass
class SlidingWindow:
    """At most `limit` events per `window_s` seconds per key; times are a monotonic clock's seconds.

    Memory is bounded: a key whose events have all aged out is dropped, and past `max_keys` the
    oldest keys are forgotten (a flood of fresh addresses cannot grow it without end)."""

    limit: int
    window_s: float
    max_keys: int = 100_000
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: str, now: float) -> float | None:
        """Seconds until `key` may act again, or None when it may act now."""
        with self._lock:
            events = self._trim(key, now)
            if events is None or len(events) < self.limit:
                return None
            return max(events[0] + self.window_s - now, 0.001)

    def record(self, key: str, now: float) -> None:
        with self._lock:
            events = self._trim(key, now)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._events.pop(next(iter(self._events)))
                events = self._events[key] = deque()
            events.append(now)
            while len(events) > self.limit:
                events.popleft()

    def take(self, key: str, now: float) -> float | None:
        """Record an event unless the key is over its limit; returns the wait when it is."""
        wait = self.retry_after(key, now)
        if wait is None:
            self.record(key, now)
        return wait

    def _trim(self, key: str, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events


def retry_after_header(seconds: float) -> str:
    """Retry-After is whole seconds; round up so a client that obeys it is let in."""
    return str(max(1, math.ceil(seconds)))
