"""Jobs that must run once across all processes (under a lease): SLA warnings and breaches, stale
units, track retention; and the SLA schedule view they read.

The schedule is a projection of the log (created and updated cases come and go by their events);
the watch may only postpone a case it has just looked at. An announcement is claimed in the
database first (unique per case, clock and level), so even two holders at once announce it once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.domain.clock import Clock
from service.domain.events import EventKind, LoggedEvent, NewEvent, OnCommit, Subject
from service.domain.lifecycle import OPEN_STATUSES, CaseStatus
from service.domain.sla import SlaPolicy, clocks, new_alerts, next_alert_at
from service.domain.units import epoch_ms
from service.store import events as event_log
from service.store import incidents as incident_store
from service.store import units as unit_store
from service.store.db import Database

# a resolved case still runs its verification clock (service/domain/sla.py, stage clocks)
OPEN = frozenset(s.value for s in OPEN_STATUSES | {CaseStatus.RESOLVED})
SLA_EVENTS = frozenset({EventKind.SLA_WARNING.value, EventKind.SLA_BREACHED.value})


@dataclass(frozen=True)
class WatchSettings:
    sla: SlaPolicy
    stale_after: timedelta = timedelta(minutes=5)
    track_retention: timedelta = timedelta(days=90)


class SlaSchedule:
    """Each open case's next SLA threshold, so a watch pass looks only at the cases whose time has come."""

    def __init__(self, *, policy: SlaPolicy) -> None:
        self._policy = policy
        self._lock = threading.Lock()
        self._due: dict[int, datetime | None] = {}
        self._new: list[tuple[dict[str, Any], datetime]] = []

    def load(self, rows: list[Any], now: datetime) -> None:
        """Open cases from the tables, at start."""
        with self._lock:
            for row in rows:
                self._due[row.id] = next_alert_at(sla_clocks(row, self._policy, now), row.sla_flags)

    def apply(self, event: LoggedEvent) -> None:
        if event.kind == EventKind.INCIDENT_CREATED:
            if event.payload["status"] in OPEN:
                with self._lock:  # clocks are worked out by the watch (settle), off the writer's path
                    self._new.append((event.payload, event.occurred_at))
        elif event.kind == EventKind.INCIDENT_UPDATED:
            with self._lock:
                if event.payload.get("status") in OPEN:  # milestones moved: the watch looks at this case again
                    self._due[int(event.payload["id"])] = event.occurred_at
                else:
                    self._due.pop(int(event.payload["id"]), None)
        elif event.kind in SLA_EVENTS:
            with self._lock:
                self._due[int(event.payload["incident_id"])] = event.occurred_at

    def settle(self) -> None:
        """Work out the next threshold of the cases created since the last call."""
        with self._lock:
            new, self._new = self._new, []
        due = {}
        for p, at in new:
            case_clocks = clocks(category=p["category"], priority=p["priority"], status=CaseStatus(p["status"]),
                                 received_at=datetime.fromisoformat(p["received_at"]),
                                 milestones=p.get("milestones") or {}, policy=self._policy, now=at,
                                 channel=p.get("channel"), departments=p.get("departments"))
            due[int(p["id"])] = next_alert_at(case_clocks, {})
        with self._lock:
            for incident_id, when in due.items():
                self._due.setdefault(incident_id, when)  # an update that came since wins

    def due(self, now: datetime) -> list[int]:
        self.settle()
        with self._lock:
            return [i for i, at in self._due.items() if at is not None and at <= now]

    def postpone(self, incident_id: int, until: datetime | None) -> None:
        with self._lock:
            if until is None:
                self._due.pop(incident_id, None)
            elif incident_id in self._due:
                self._due[incident_id] = until


def sla_clocks(row: Any, policy: SlaPolicy, now: datetime) -> list[Any]:
    return clocks(category=row.category, priority=row.priority, status=CaseStatus(row.status),
                  received_at=row.received_at, milestones=row.milestones, policy=policy, now=now,
                  channel=getattr(row, "channel", None), departments=getattr(row, "departments", None))


class WatchJobs:
    def __init__(self, *, db: Database, clock: Clock, settings: WatchSettings, schedule: SlaSchedule,
                 on_commit: OnCommit) -> None:
        self._db = db
        self._clock = clock
        self.settings = settings
        self._schedule = schedule
        self._on_commit = on_commit

    def watch(self) -> int:
        """One pass; returns how many events it appended. Run it every second or so, on one process."""
        now = self._clock.now()
        appended = 0
        due = self._schedule.due(now)
        if due:
            appended += self._announce(due, now)
        appended += self._mark_stale_units(now)
        return appended

    def _announce(self, ids: list[int], now: datetime) -> int:
        appended: list[NewEvent] = []
        later: dict[int, datetime | None] = {}
        with self._db.write() as session:
            for row in incident_store.sla_rows(session=session, incident_ids=ids):
                if row.status not in OPEN:
                    later[row.id] = None
                    continue
                case_clocks = sla_clocks(row, self.settings.sla, now)
                flags = dict(row.sla_flags)
                for c, level in new_alerts(case_clocks, flags):
                    flags[c.kind.value] = level
                    if not incident_store.claim_announcement(session=session, incident_id=row.id,
                                                             clock=c.kind.value, level=level, at=now):
                        continue  # announced already, by this or another process
                    kind = EventKind.SLA_WARNING if level == "warning" else EventKind.SLA_BREACHED
                    appended.append(NewEvent(kind, Subject.INCIDENT, str(row.id), {
                        "incident_id": row.id, "clock": c.kind.value, "deadline": c.deadline.isoformat(),
                        "state": c.state.value, "micro_grid": row.micro_grid, "category": row.category}, now))
                if flags != row.sla_flags:
                    incident_store.set_sla_flags(session=session, incident_id=row.id, flags=flags)
                later[row.id] = next_alert_at(case_clocks, flags)
            event_ids = event_log.append(session, appended)
        for incident_id, at in later.items():
            self._schedule.postpone(incident_id, at)
        self._on_commit(event_ids, appended)
        return len(appended)

    def _mark_stale_units(self, now: datetime) -> int:
        before_ms = epoch_ms(now - self.settings.stale_after)
        with self._db.read() as session:  # the usual answer is "none": no write transaction for that
            if not unit_store.any_silent(session=session, before_ms=before_ms):
                return 0
        with self._db.write() as session:
            changed = unit_store.mark_stale(session=session, before_ms=before_ms, now=now)
            appended = [NewEvent(EventKind.UNIT_UPDATED, Subject.UNIT, str(u["id"]), u, now) for u in changed]
            ids = event_log.append(session, appended)
        self._on_commit(ids, appended)
        return len(appended)

    def prune_tracks(self) -> int:
        with self._db.write() as session:
            return unit_store.prune_fixes(session=session,
                                          before_ms=epoch_ms(self._clock.now() - self.settings.track_retention))
