"""The leaders' cockpit (数字驾驶舱): what today and this week look like, from the cases and units as facts.

Plain Python: the store hands over facts, this module counts them. Days and weeks are the street's
(Asia/Shanghai); times inside are UTC.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.errors import InvalidInput
from service.domain.lifecycle import OPEN_STATUSES, CaseStatus
from service.domain.sla import ClockKind, ClockState, SlaPolicy, clocks
from service.domain.units import UnitStatus

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
HANDLED = frozenset(s.value for s in CaseStatus if s not in OPEN_STATUSES)
ON_DUTY = frozenset(s.value for s in UnitStatus if s is not UnitStatus.OFF_DUTY)
REPEAT_PLACES = 10
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class CaseFacts:
    """What the cockpit needs of one case."""

    id: int
    channel: str
    category: str
    status: str
    priority: int
    community: str | None
    micro_grid: str | None
    lon: float | None
    lat: float | None
    reported_at: datetime
    received_at: datetime
    repeat_count: int = 0
    duplicate_of: int | None = None
    milestones: Mapping[str, str] = field(default_factory=dict)
    departments: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitFacts:
    id: int
    callsign: str
    unit_type: str
    status: str
    lon: float | None
    lat: float | None
    stale: bool


@dataclass(frozen=True)
class Period:
    """A span of the street's calendar: [start, end) in UTC, with the label it is known by."""

    label: str
    start: datetime
    end: datetime

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def local_day(day: date) -> Period:
    start = datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)
    return Period(day.isoformat(), start, end)


def iso_week(year: int, week: int) -> Period:
    monday = date.fromisocalendar(year, week, 1)
    start = local_day(monday).start
    end = local_day(monday + timedelta(days=7)).start
    return Period(f"{year}-W{week:02d}", start, end)


def today(now: datetime) -> Period:
    return local_day(now.astimezone(LOCAL_TZ).date())


def this_week(now: datetime) -> Period:
    year, week, _ = now.astimezone(LOCAL_TZ).date().isocalendar()
    return iso_week(year, week)


def parse_day(text: str | None, *, now: datetime, field_name: str = "date") -> Period:
    if not text:
        return today(now)
    try:
        return local_day(date.fromisoformat(text))
    except ValueError:
        raise InvalidInput.one(field_name, f"{text!r} is not a date (YYYY-MM-DD)") from None


def parse_week(text: str | None, *, now: datetime, field_name: str = "week") -> Period:
    if not text:
        return this_week(now)
    m = WEEK_PATTERN.match(text)
    if not m:
        raise InvalidInput.one(field_name, f"{text!r} is not an ISO week (e.g. 2026-W47)")
    try:
        return iso_week(int(m.group(1)), int(m.group(2)))
    except ValueError:
        raise InvalidInput.one(field_name, f"{text!r}: that year has no week {m.group(2)}") from None


def tally(cases: Sequence[CaseFacts]) -> dict[str, Any]:
    """Counts by channel, category, status and community, and the share handled (no longer open)."""
    handled = sum(1 for c in cases if c.status in HANDLED)
    return {"total": len(cases), "handled": handled,
            "handled_rate": round(handled / len(cases), 4) if cases else None,
            "by_channel": dict(Counter(c.channel for c in cases).most_common()),
            "by_category": dict(Counter(c.category for c in cases).most_common()),
            "by_status": dict(Counter(c.status for c in cases).most_common()),
            "by_community": dict(Counter(c.community or "" for c in cases).most_common())}


ClockStates = dict[int, list[tuple[str, str]]]


def clock_states(cases: Iterable[CaseFacts], *, policy: SlaPolicy, now: datetime) -> ClockStates:
    """Each case's SLA clocks as (clock kind, state), evaluated once at `now` (a summary counts them twice)."""
    out: ClockStates = {}
    for c in cases:
        try:
            status = CaseStatus(c.status)
        except ValueError:
            continue
        out[c.id] = [(k.kind.value, k.state.value) for k in clocks(
            category=c.category, priority=c.priority, status=status, received_at=c.received_at,
            milestones=dict(c.milestones), policy=policy, now=now)]
    return out


def sla_by_stage(cases: Iterable[CaseFacts], *, policy: SlaPolicy, now: datetime,
                 states: ClockStates | None = None) -> dict[str, dict[str, Any]]:
    """Per SLA clock (acknowledge, on scene, law enforcement, mediation): met in time, late, breached, running;
    `met_rate` is met in time over every clock that has a verdict (met, late or breached)."""
    cases = list(cases)
    if states is None:
        states = clock_states(cases, policy=policy, now=now)
    out: dict[str, Counter[str]] = {k.value: Counter() for k in ClockKind}
    for c in cases:
        for kind, state in states.get(c.id, ()):
            out[kind][state] += 1
    result = {}
    for kind, counts in out.items():
        judged = counts[ClockState.MET] + counts[ClockState.MET_LATE] + counts[ClockState.BREACHED]
        result[kind] = {"met": counts[ClockState.MET], "met_late": counts[ClockState.MET_LATE],
                        "breached": counts[ClockState.BREACHED],
                        "running": counts[ClockState.RUNNING] + counts[ClockState.WARNING],
                        "met_rate": round(counts[ClockState.MET] / judged, 4) if judged else None}
    return result


def breached(cases: Iterable[CaseFacts], *, policy: SlaPolicy, now: datetime) -> list[dict[str, Any]]:
    """Cases with a clock breached or met late: which clock, and by how many minutes."""
    out = []
    for c in cases:
        try:
            status = CaseStatus(c.status)
        except ValueError:
            continue
        for clock in clocks(category=c.category, priority=c.priority, status=status, received_at=c.received_at,
                            milestones=dict(c.milestones), policy=policy, now=now):
            if clock.state in (ClockState.BREACHED, ClockState.MET_LATE):
                over = ((clock.stopped_at or now) - clock.deadline).total_seconds() / 60
                out.append({"id": c.id, "category": c.category, "community": c.community, "status": c.status,
                            "clock": clock.kind.value, "state": clock.state.value, "minutes_over": round(over, 1),
                            "received_at": c.received_at.isoformat()})
    return sorted(out, key=lambda b: -float(b["minutes_over"]))


def repeat_places(cases: Iterable[CaseFacts], *, limit: int = REPEAT_PLACES) -> list[dict[str, Any]]:
    """Micro-grids where residents complain again (repeat complaints), worst first."""
    by_place: dict[str, list[CaseFacts]] = {}
    for c in cases:
        if c.repeat_count > 0 and c.micro_grid:
            by_place.setdefault(c.micro_grid, []).append(c)
    out: list[dict[str, Any]] = []
    for code, group in sorted(by_place.items(), key=lambda kv: (-len(kv[1]), -max(c.repeat_count for c in kv[1]), kv[0])):
        newest = max(group, key=lambda c: c.reported_at)
        out.append({"micro_grid": code, "community": newest.community, "cases": len(group),
                    "repeats": max(c.repeat_count for c in group),
                    "category": Counter(c.category for c in group).most_common(1)[0][0],
                    "lon": newest.lon, "lat": newest.lat})
    return out[:limit]


def department_performance(cases: Iterable[CaseFacts]) -> list[dict[str, Any]]:
    """Line departments whistled in (吹哨报到): how often, how many reported in, median minutes to report in."""
    whistled: Counter[str] = Counter()
    minutes: dict[str, list[float]] = {}
    for c in cases:
        for dept, stamps in c.departments.items():
            whistled[dept] += 1
            at, ack = stamps.get("whistled_at"), stamps.get("acknowledged_at")
            if at and ack:
                delay = (datetime.fromisoformat(ack) - datetime.fromisoformat(at)).total_seconds() / 60
                minutes.setdefault(dept, []).append(delay)
    return [{"department": d, "whistled": n, "acknowledged": len(minutes.get(d, [])),
             "median_minutes": round(statistics.median(minutes[d]), 1) if minutes.get(d) else None}
            for d, n in whistled.most_common()]


def unit_board(units: Iterable[UnitFacts]) -> dict[str, Any]:
    """Who is on duty and who is free, by unit type."""
    units = list(units)
    on_duty = [u for u in units if u.status in ON_DUTY and not u.stale]
    by_type: dict[str, dict[str, int]] = {}
    for u in on_duty:
        row = by_type.setdefault(u.unit_type, {"on_duty": 0, "available": 0})
        row["on_duty"] += 1
        row["available"] += u.status == UnitStatus.AVAILABLE
    return {"total": len(units), "on_duty": len(on_duty),
            "available": sum(1 for u in on_duty if u.status == UnitStatus.AVAILABLE),
            "by_status": dict(Counter(u.status for u in units).most_common()), "by_type": by_type}


def density(cases: Iterable[CaseFacts]) -> dict[str, int]:
    """Cases per micro-grid: the map's colour."""
    return dict(Counter(c.micro_grid for c in cases if c.micro_grid))


def hourly(cases: Iterable[CaseFacts], period: Period) -> list[int]:
    """Cases per local hour of a day (24 numbers) or per local day of a week (7 numbers)."""
    span = period.end - period.start
    buckets = 24 if span <= timedelta(days=1, hours=1) else 7
    width = span / buckets
    out = [0] * buckets
    for c in cases:
        if period.holds(c.reported_at):
            out[min(int((c.reported_at - period.start) / width), buckets - 1)] += 1
    return out
