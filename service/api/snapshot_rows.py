"""Open incidents as compact rows for a live map: the columns its layer and queue show, and each case's
breach time (epoch seconds of its nearest running SLA deadline), so a client loads 100,000 cases without
parsing GeoJSON and SLA clocks case by case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from service.context import Principal, ServiceContext
from service.domain.lifecycle import CaseStatus
from service.domain.sla import SlaPolicy, clocks
from service.store.snapshot_pages import ROW_COLUMNS

# What the client receives: ROW_COLUMNS without the two SLA inputs, plus the breach time they give.
PAGE_COLUMNS = tuple(c for c in ROW_COLUMNS if c not in ("received_at", "milestones")) + ("breach_at",)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_AT = {name: i for i, name in enumerate(ROW_COLUMNS)}


class BreachTimes:
    """Epoch seconds of the nearest deadline among a case's running clocks (None when none runs).

    With no milestone yet every clock starts at reception, so the nearest deadline is reception plus an
    offset that depends on category, priority and status only: asked of the SLA rules once per kind."""

    def __init__(self, policy: SlaPolicy, now: datetime) -> None:
        self.policy = policy
        self.now = now
        self._offsets: dict[tuple[str, int, str], timedelta | None] = {}

    def __call__(self, *, category: str, priority: int, status: str, received_at: datetime,
                 milestones: dict[str, str]) -> float | None:
        if milestones:
            return breach_at(category=category, priority=priority, status=status, received_at=received_at,
                             milestones=milestones, policy=self.policy, now=self.now)
        kind = (category, priority, status)
        if kind not in self._offsets:
            self._offsets[kind] = _offset(category, priority, status, self.policy)
        offset = self._offsets[kind]
        return None if offset is None else (received_at + offset).timestamp()


def breach_at(*, category: str, priority: int, status: str, received_at: datetime, milestones: dict[str, str],
              policy: SlaPolicy, now: datetime) -> float | None:
    """Epoch seconds of the nearest deadline among the case's running clocks (None when none runs)."""
    running = [c.deadline for c in clocks(category=category, priority=priority, status=CaseStatus(status),
                                          received_at=received_at, milestones=milestones, policy=policy, now=now)
               if c.stopped_at is None]
    return min(running).timestamp() if running else None


def _offset(category: str, priority: int, status: str, policy: SlaPolicy) -> timedelta | None:
    running = [c.deadline - _EPOCH for c in clocks(category=category, priority=priority, status=CaseStatus(status),
                                                   received_at=_EPOCH, milestones={}, policy=policy, now=_EPOCH)
               if c.stopped_at is None]
    return min(running) if running else None


def page_rows(rows: list[tuple[Any, ...]], who: Principal, ctx: ServiceContext) -> list[list[Any]]:
    """Store rows -> client rows (PAGE_COLUMNS): times as ISO 8601 UTC text."""
    breach = BreachTimes(ctx.dispatch.settings.sla, ctx.clock.now())
    out = []
    received, milestones, reported = _AT["received_at"], _AT["milestones"], _AT["reported_at"]
    category, priority, status = _AT["category"], _AT["priority"], _AT["status"]
    for row in rows:
        values = list(row[:received])
        values[reported] = _iso(values[reported])
        values.append(breach(category=row[category], priority=row[priority], status=row[status],
                             received_at=_utc(row[received]), milestones=row[milestones] or {}))
        out.append(values)
    return out


def _utc(value: str | datetime) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _iso(value: str | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) >= 19 and value[10] == " ":
        return value.replace(" ", "T", 1) + "+00:00"  # SQLite's text form of a UTC time
    return _utc(value).isoformat()
