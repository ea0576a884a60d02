"""Replay timing: the exercise clock (pause, resume, seek, 1-3600x) and the timeline of cues it plays.

Plain Python: the exercise process asks `ExerciseClock.now()` wherever the live service asks the system
clock, and a player delivers each cue when the clock reaches it.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from service.domain.clock import Clock, SystemClock

MIN_SPEED = 1.0
MAX_SPEED = 3600.0


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"


class CueKind(StrEnum):
    """What the player does when the exercise clock reaches a cue."""

    REPORT = "report"          # a report re-fed through intake
    FIX = "fix"                # a recorded GPS fix of a unit the trainees do not play
    BREAKDOWN = "breakdown"    # a unit goes off duty (vehicle breakdown, sick crew)
    INJECT = "inject"          # a trainer's message to the desk (a phone call, a leader's order)


class ReplayError(ValueError):
    """A bad speed, seek target or cue: the caller names the field."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def check_speed(speed: float) -> float:
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ReplayError("speed", f"must be between {MIN_SPEED:g} and {MAX_SPEED:g} times real time, got {speed:g}")
    return float(speed)


class ExerciseClock:
    """Exercise time: starts paused at `origin`; runs at `speed` times the base clock; can jump ahead.

    Anchored at the last control change (exercise time, base time), so pausing and resuming never
    loses or gains time, and a speed change takes effect from that moment on.
    """

    def __init__(self, origin: datetime, speed: float, base: Clock | None = None) -> None:
        if origin.tzinfo is None:
            raise ReplayError("origin", "needs a timezone")
        self._base = base or SystemClock()
        self._lock = threading.Lock()
        self._speed = check_speed(speed)
        self._anchor = origin.astimezone(UTC)
        self._anchor_base = self._base.now()
        self._state = ClockState.PAUSED

    def now(self) -> datetime:
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        if self._state is ClockState.PAUSED:
            return self._anchor
        return self._anchor + (self._base.now() - self._anchor_base) * self._speed

    def _reanchor(self, at: datetime) -> None:
        self._anchor, self._anchor_base = at, self._base.now()

    @property
    def state(self) -> ClockState:
        return self._state

    @property
    def speed(self) -> float:
        return self._speed

    def resume(self) -> datetime:
        with self._lock:
            if self._state is ClockState.PAUSED:
                self._reanchor(self._anchor)
                self._state = ClockState.RUNNING
            return self._now()

    def pause(self) -> datetime:
        with self._lock:
            self._reanchor(self._now())
            self._state = ClockState.PAUSED
            return self._anchor

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._reanchor(self._now())
            self._speed = check_speed(speed)

    def seek(self, to: datetime) -> None:
        """Jump to `to` (forward only: what was delivered cannot be taken back)."""
        with self._lock:
            now = self._now()
            if to.tzinfo is None:
                raise ReplayError("to", "needs a timezone")
            if to < now:
                raise ReplayError("to", f"is before the exercise time {now.isoformat()}; seek only jumps ahead")
            self._reanchor(to.astimezone(UTC))

    def base_seconds_until(self, at: datetime) -> float | None:
        """Real (base-clock) seconds until exercise time `at`; None while paused."""
        with self._lock:
            if self._state is ClockState.PAUSED:
                return None
            return (at - self._now()).total_seconds() / self._speed

    def base_now(self) -> datetime:
        return self._base.now()

    def base_moment_of(self, at: datetime) -> datetime:
        """The base-clock moment at which exercise time `at` comes, if nothing changes."""
        with self._lock:
            return self._anchor_base + (at - self._anchor) / self._speed


@dataclass(frozen=True, order=True)
class Cue:
    """One thing the exercise does at exercise time `at`; `seq` keeps equal times in file order."""

    at: datetime
    seq: int
    kind: CueKind = field(compare=False)
    payload: dict[str, Any] = field(compare=False, default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "seq": self.seq, "kind": self.kind.value, "payload": self.payload}

    @staticmethod
    def from_json(item: dict[str, Any]) -> Cue:
        return Cue(datetime.fromisoformat(item["at"]), int(item["seq"]), CueKind(item["kind"]), item["payload"])


class Timeline:
    """The cues of an exercise in time order, with a cursor: each cue is handed out exactly once."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        self._cues = sorted(cues)
        self._times = [c.at for c in self._cues]
        self._cursor = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cues)

    @property
    def delivered(self) -> int:
        return self._cursor

    @property
    def start(self) -> datetime | None:
        return self._times[0] if self._times else None

    @property
    def end(self) -> datetime | None:
        return self._times[-1] if self._times else None

    def next_at(self) -> datetime | None:
        with self._lock:
            return self._times[self._cursor] if self._cursor < len(self._times) else None

    def pending_times(self, until: datetime) -> list[datetime]:
        with self._lock:
            return self._times[self._cursor:bisect_right(self._times, until, lo=self._cursor)]

    def take_due(self, until: datetime) -> list[Cue]:
        """Every undelivered cue at or before `until`, in order; they count as delivered."""
        with self._lock:
            stop = bisect_right(self._times, until, lo=self._cursor)
            due = self._cues[self._cursor:stop]
            self._cursor = stop
            return due


def steps_between(start: datetime, end: datetime, cue_times: Sequence[datetime], *,
                  every: timedelta = timedelta(seconds=30)) -> list[datetime]:
    """The moments a seek stops at between `start` and `end`: every cue's time and a regular tick, so SLA
    thresholds and staleness between cues are announced at (about) their own moment, not at the target."""
    ticks: set[datetime] = {t for t in cue_times if start < t <= end}
    t = start + every
    while t < end:
        ticks.add(t)
        t += every
    ticks.add(end)
    return sorted(ticks)
