"""Everything one running service holds: settings, clock, database, locator, indexes, flows."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from service.domain.access import Role
from service.domain.catalog import DEPARTMENTS, Channel
from service.domain.clock import Clock, SystemClock
from service.domain.dedupe import RecentIndex
from service.domain.errors import AccessDenied
from service.domain.filing import FilingPolicy
from service.domain.geography import Locator
from service.domain.lifecycle import OPEN_STATUSES, CaseStatus
from service.domain.sla import SlaPolicy
from service.flows.audit import AuditTrail
from service.flows.dispatch import DispatchFlow, DispatchSettings
from service.flows.fleet import FleetView
from service.flows.intake import IntakeFlow
from service.flows.notify import NotifyJob, NotifySettings
from service.flows.watch import SlaSchedule
from service.flows.workflow import WorkflowFlow
from service.hub import EventHub
from service.projector import Projector
from service.settings import Settings
from service.store import areas as area_store
from service.store import coordination, migrate
from service.store import events as event_log
from service.store import incidents as incident_store
from service.store import keys as key_store
from service.store import units as unit_store
from service.store.coordination import Lease
from service.store.db import Database
from service.views import DuplicateIndexView, KeyCache, LocatorView

KEY_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name, role and (for feed keys) channel."""

    key_id: int
    name: str
    role: Role
    channel: str | None
    department: str | None = None  # a department key: the line department it answers for
    unit_id: int | None = None     # a field worker's key: the unit whose cases it works
    source: str = ""  # the client address of this request (set at the door, for the audit trail)


class ServiceContext:
    """Wires the record, the views and the flows; see service/projector.py for how views follow the log."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(settings)
        migrate.upgrade(self.db.writer)
        self.locator = LocatorView(self._build_locator)
        self.recent = DuplicateIndexView(RecentIndex(
            duplicate_radius_m=settings.duplicate_radius_m,
            duplicate_window=timedelta(minutes=settings.duplicate_window_minutes),
            repeat_radius_m=settings.repeat_radius_m,
            repeat_window=timedelta(days=settings.repeat_window_days)))
        self.filing = FilingPolicy.from_settings(settings.filing_channels, settings.filing_categories,
                                                 settings.reopen_window_days)
        sla = SlaPolicy.from_minutes(settings.sla_overrides, settings.sla_warn_fraction, self.filing)
        self.fleet = FleetView(db=self.db)
        self.sla_schedule = SlaSchedule(policy=sla)
        self.keys: KeyCache[Principal] = KeyCache(seconds=KEY_CACHE_SECONDS, key_id=lambda p: p.key_id)
        start_id = self._load_views()
        self.hub = EventHub(start_id=start_id)
        self.projector = Projector(db=self.db, start_id=start_id, publish=self.hub.publish,
                                   poll_seconds=settings.sse_poll_seconds,
                                   views=[self.recent, self.fleet, self.locator, self.sla_schedule, self.keys])
        self.intake = IntakeFlow(db=self.db, locator=self.locator, index=self.recent, clock=self.clock,
                                 catch_up=self.projector.catch_up, on_commit=self.projector.committed,
                                 report_horizon=timedelta(days=settings.report_horizon_days))
        self.dispatch = DispatchFlow(db=self.db, clock=self.clock, fleet=self.fleet, schedule=self.sla_schedule,
                                     on_commit=self.projector.committed, settings=DispatchSettings(
                                         sla=sla, arrival_radius_m=settings.arrival_radius_m,
                                         stale_after=timedelta(minutes=settings.stale_after_minutes),
                                         track_retention=timedelta(days=settings.track_retention_days)))
        self.workflow = WorkflowFlow(db=self.db, lifecycle=self.dispatch.lifecycle,
                                     photos_dir=settings.data_dir / "photos", max_photo_bytes=settings.max_photo_bytes,
                                     repeat_radius_m=settings.repeat_radius_m)
        self.intake.on_created = self.workflow.reopen_on_repeat
        self.notifier = NotifyJob(db=self.db, clock=self.clock, settings=NotifySettings(
            webhooks=settings.notify_webhooks, retry_base_seconds=settings.notify_retry_seconds))
        self.notifier.start_here()
        self.lease = Lease(self.db, "watch")
        self._listening = threading.Event()
        self.audit = AuditTrail(db=self.db, clock=self.clock)

    def _load_views(self) -> int:
        """Every view as of one event id, read in one transaction; the projector follows the log from there."""
        horizon = self.clock.now() - self.recent.index.repeat_window - timedelta(days=1)
        with self.db.read() as session:
            start_id = event_log.last_id(session)
            self.recent.load(incident_store.recent_since(session=session, since=horizon))
            open_rows = incident_store.open_sla_rows(session=session, statuses=[s.value for s in OPEN_STATUSES]
                                                     + [CaseStatus.RESOLVED.value])  # verification clocks
        self.sla_schedule.load(open_rows, self.clock.now())
        self.fleet.reload()  # idempotent against the events after start_id that it may already show
        return start_id

    def _build_locator(self) -> Locator:
        with self.db.read() as session:
            return area_store.build_locator(session=session)

    def start_following(self) -> None:
        """Follow other processes' writes: a tail thread, woken by PostgreSQL NOTIFY (or polling on SQLite)."""
        self.projector.start()
        if not self.db.is_sqlite and not self._listening.is_set():
            self._listening.set()
            self._stop_listening = threading.Event()
            threading.Thread(target=coordination.listen_for_commits, name="commit-listener", daemon=True,
                             args=(self.db, self.projector.wake, self._stop_listening)).start()

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise AccessDenied("no access key: send 'Authorization: Bearer <key>' (or api_key=<key>)",
                               authenticated=False)
        cached = self.keys.get(token)
        if cached is not None:
            return cached
        with self.db.read() as session:
            row = key_store.lookup(session=session, token=token, now=self.clock.now())
        if row is None:
            self.keys.forget(token)
            raise AccessDenied("unknown or revoked access key", authenticated=False)
        principal = Principal(row.id, row.name, Role(row.role), row.channel, row.department, row.unit_id)
        self.keys.put(token, principal)
        return principal

    def create_key(self, *, name: str, role: Role, channel: Channel | None = None,
                   department: str | None = None, unit_id: int | None = None) -> str:
        if department is not None and department not in DEPARTMENTS:
            raise ValueError(f"unknown department {department!r}; known: {', '.join(DEPARTMENTS)}")
        with self.db.write() as session:
            if unit_id is not None and unit_store.get(session=session, unit_id=unit_id) is None:
                raise ValueError(f"unit {unit_id} does not exist")
            return key_store.create(session=session, name=name, role=role, channel=channel, now=self.clock.now(),
                                    department=department, unit_id=unit_id)

    def close(self) -> None:
        if self._listening.is_set():
            self._stop_listening.set()
        self.projector.stop()
        self.lease.release()
        self.db.dispose()
