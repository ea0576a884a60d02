"""Everything one running service holds: settings, clock, database, locator, indexes, flows."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.clock import Clock, SystemClock
from service.domain.dedupe import RecentIndex
from service.domain.errors import AccessDenied
from service.domain.geography import Locator
from service.domain.sla import SlaPolicy
from service.flows.audit import AuditTrail
from service.flows.dispatch import DispatchFlow, DispatchSettings
from service.flows.intake import IntakeFlow
from service.hub import EventHub
from service.settings import Settings
from service.store import areas as area_store
from service.store import incidents as incident_store
from service.store import keys as key_store
from service.store import migrate
from service.store.db import Database

KEY_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name, role and (for feed keys) channel."""

    key_id: int
    name: str
    role: Role
    channel: str | None
    source: str = ""  # the client address of this request (set at the door, for the audit trail)


class ServiceContext:
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(settings)
        migrate.upgrade(self.db.writer)
        self.hub = EventHub()
        self._locator: Locator | None = None
        self._locator_lock = threading.Lock()
        self.recent = RecentIndex(
            duplicate_radius_m=settings.duplicate_radius_m,
            duplicate_window=timedelta(minutes=settings.duplicate_window_minutes),
            repeat_radius_m=settings.repeat_radius_m,
            repeat_window=timedelta(days=settings.repeat_window_days))
        self._load_recent()
        self.intake = IntakeFlow(db=self.db, locator=self.locator, index=self.recent, clock=self.clock,
                                 on_commit=self.hub.notify,
                                 report_horizon=timedelta(days=settings.report_horizon_days))
        self.dispatch = DispatchFlow(db=self.db, clock=self.clock, on_commit=self.hub.notify, settings=DispatchSettings(
            sla=SlaPolicy.from_minutes(settings.sla_overrides, settings.sla_warn_fraction),
            arrival_radius_m=settings.arrival_radius_m,
            stale_after=timedelta(minutes=settings.stale_after_minutes),
            track_retention=timedelta(days=settings.track_retention_days)))
        self.audit = AuditTrail(db=self.db, clock=self.clock)
        self._keys: dict[str, tuple[float, Principal]] = {}  # valid keys only: bad ones must not grow it

    def _load_recent(self) -> None:
        horizon = self.clock.now() - self.recent.repeat_window - timedelta(days=1)
        with self.db.read() as session:
            for item in incident_store.recent_since(session=session, since=horizon):
                self.recent.add(item)

    def locator(self) -> Locator:
        """The point-in-micro-grid index, built once and rebuilt after boundaries change."""
        with self._locator_lock:
            if self._locator is None:
                with self.db.read() as session:
                    self._locator = area_store.build_locator(session=session)
            return self._locator

    def boundaries_changed(self) -> None:
        with self._locator_lock:
            self._locator = None
        self.hub.notify()

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise AccessDenied("no access key: send 'Authorization: Bearer <key>' (or api_key=<key>)",
                               authenticated=False)
        now = time.monotonic()
        cached = self._keys.get(token)
        if cached is not None and now - cached[0] <= KEY_CACHE_SECONDS:
            return cached[1]
        with self.db.read() as session:
            row = key_store.lookup(session=session, token=token, now=self.clock.now())
        if row is None:
            self._keys.pop(token, None)
            raise AccessDenied("unknown or revoked access key", authenticated=False)
        principal = Principal(row.id, row.name, Role(row.role), row.channel)
        self._keys[token] = (now, principal)
        return principal

    def forget_key(self, key_id: int) -> None:
        """Drop a revoked or locked key from this process's cache at once."""
        for token, (_, cached) in list(self._keys.items()):
            if cached.key_id == key_id:
                self._keys.pop(token, None)

    def create_key(self, *, name: str, role: Role, channel: Channel | None = None) -> str:
        with self.db.write() as session:
            return key_store.create(session=session, name=name, role=role, channel=channel, now=self.clock.now())

    def close(self) -> None:
        self.db.dispose()
