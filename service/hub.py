"""Wakes live-stream tails when a commit appended events, so they need not poll fast."""

from __future__ import annotations

import asyncio
import contextlib


class EventHub:
    """A generation flag: `notify` (any thread) wakes every waiter of the current generation."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def notify(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Return when something was committed, or after `timeout` seconds."""
        if self._event is None:
            self.bind(asyncio.get_running_loop())
        event = self._event
        assert event is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
