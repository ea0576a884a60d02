"""The stream fan-out: the projector publishes each applied batch once; every stream client of this
process takes its events from here instead of reading the database on every wake-up."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

from service.domain.events import LoggedEvent

KEEP_EVENTS = 5000
KEEP_ENCODED = 64
# Stream clients are woken at most once in this interval: the commits of a burst reach every client
# in one wake-up (each wake-up costs every client a write).
# 50 ms is far under what an operator notices and under the 250 ms cross-process aim.
FANOUT_DELAY_S = 0.05


class EventHub:
    """The newest events in id order, and a generation flag that wakes every waiting client."""

    def __init__(self, *, start_id: int = 0, keep: int = KEEP_EVENTS) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._lock = threading.Lock()
        self._events: deque[LoggedEvent] = deque(maxlen=keep)
        self._last = start_id
        self._encoded: OrderedDict[tuple[int, int, Hashable], bytes] = OrderedDict()
        self._wake_pending = False
        self._last_wake = 0.0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    @property
    def last_id(self) -> int:
        return self._last

    def publish(self, batch: list[LoggedEvent]) -> None:
        """Called by the projector (any thread), in id order, once per applied batch."""
        if not batch:
            return
        with self._lock:
            self._events.extend(batch)
            self._last = batch[-1].id
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake_soon)

    def _wake_soon(self) -> None:
        """At once after a quiet spell (a millisecond lets the writer's answer leave first); during a
        burst, at the end of the interval since the last wake-up."""
        if not self._wake_pending and self._loop is not None:
            self._wake_pending = True
            self._loop.call_later(max(0.001, self._last_wake + FANOUT_DELAY_S - self._loop.time()), self._wake)

    def notify(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
                loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self._wake_pending = False
        if self._loop is not None:
            self._last_wake = self._loop.time()
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    def after(self, last: int, *, limit: int) -> list[LoggedEvent] | None:
        """Up to `limit` events after id `last`; None when they are older than this fan-out keeps."""
        with self._lock:
            if last >= self._last:
                return []
            if not self._events or last + 1 < self._events[0].id:
                return None
            start = last + 1 - self._events[0].id
            return list(itertools.islice(self._events, start, start + limit))

    def encoded(self, batch: list[LoggedEvent], audience: Hashable,
                encode: Callable[[list[LoggedEvent]], bytes]) -> bytes:
        """The bytes of `batch` for one audience (e.g. a role), encoded once for every client alike."""
        key = (batch[0].id, batch[-1].id, audience)
        with self._lock:
            cached = self._encoded.get(key)
        if cached is not None:
            return cached
        data = encode(batch)
        with self._lock:
            self._encoded[key] = data
            while len(self._encoded) > KEEP_ENCODED:
                self._encoded.popitem(last=False)
        return data

    async def wait(self, timeout: float, *, after_id: int | None = None) -> None:
        """Return when an event after `after_id` is here (or, without it, at the next publish), or after `timeout`."""
        if self._event is None:
            self.bind(asyncio.get_running_loop())
        if after_id is not None and self._last > after_id:
            return
        event = self._event
        assert event is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):  # not wait_for: that makes a task per wait, per client
                await event.wait()
