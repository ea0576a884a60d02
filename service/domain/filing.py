"""Which cases are filed (立案) before they are dispatched, and the workflow's other rules.

The digital city management workflow (CJJ/T 106, GB/T 30428) runs in seven steps: information
collection, filing, dispatch, handling, handler feedback, verification and closing, evaluation. Cases
from 数字城管 go through filing; 110 transfers go straight to dispatch, as before. Which channels and
categories need filing is configuration (settings `filing_channels`, `filing_categories`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

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
