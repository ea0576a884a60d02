"""Abuse limits for unauthenticated residents' reports: so many per address and per device per window."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 3 * 1024 * 1024
MAX_DESCRIPTION_CHARS = 500
PHOTO_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"RIFF": "webp"}  # by their first bytes


class ReportThrottle:
    """A sliding window per key (an address, a device): at most `limit` accepted reports per `window`."""

    def __init__(self, *, limit: int, window: timedelta, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: datetime) -> float | None:
        """Seconds until `key` may report again, or None (and the report is counted) when it may now."""
        with self._lock:
            times = self._seen.setdefault(key, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return (times[0] + self.window - now).total_seconds()
            times.append(now)
            if len(self._seen) > self._max_keys:  # forget the idle keys rather than grow without bound
                for stale in [k for k, t in self._seen.items() if not t or now - t[-1] >= self.window]:
                    del self._seen[stale]
            return None


def photo_kind(data: bytes) -> str | None:
    """The photo's file type from its first bytes (what the browser claims is not trusted)."""
    for magic, kind in PHOTO_TYPES.items():
        if data.startswith(magic) and (kind != "webp" or data[8:12] == b"WEBP"):
            return kind
    return None
