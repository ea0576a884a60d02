"""Dispatch, by capability: positions (flows/positions.py), case lifecycle (flows/lifecycle.py), the
watch jobs (flows/watch.py) and the fleet with its recommendation (flows/fleet.py).

`DispatchFlow` only wires them together for the service context and keeps the one entry point the
routers and tests use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from service.domain.clock import Clock
from service.domain.errors import ItemOutcome
from service.domain.events import OnCommit
from service.domain.lifecycle import ActionRequest
from service.domain.recommend import Fleet, Recommendation
from service.domain.sla import SlaPolicy
from service.domain.units import UnitStatus
from service.flows.fleet import FleetView
from service.flows.lifecycle import UNIT_STATUS_AFTER, LifecycleFlow
from service.flows.positions import FixDraft, PositionsFlow
from service.flows.watch import SlaSchedule, WatchJobs, WatchSettings
from service.store.db import Database
from service.store.models import IncidentRow

__all__ = ["UNIT_STATUS_AFTER", "DispatchFlow", "DispatchSettings", "FixDraft"]


@dataclass(frozen=True)
class DispatchSettings:
    sla: SlaPolicy
    arrival_radius_m: float = 50.0
    stale_after: timedelta = timedelta(minutes=5)
    track_retention: timedelta = timedelta(days=90)


class DispatchFlow:
    def __init__(self, *, db: Database, clock: Clock, settings: DispatchSettings, fleet: FleetView,
                 schedule: SlaSchedule, on_commit: OnCommit) -> None:
        self.settings = settings
        self.fleet_view = fleet
        self.lifecycle = LifecycleFlow(db=db, clock=clock, on_commit=on_commit, filing=settings.sla.filing)
        self.positions = PositionsFlow(db=db, clock=clock, fleet=fleet, lifecycle=self.lifecycle,
                                       arrival_radius_m=settings.arrival_radius_m, on_commit=on_commit)
        self.jobs = WatchJobs(db=db, clock=clock, schedule=schedule, on_commit=on_commit, settings=WatchSettings(
            sla=settings.sla, stale_after=settings.stale_after, track_retention=settings.track_retention))

    @property
    def fleet(self) -> Fleet:
        return self.fleet_view.fleet

    def unit_for_device(self, device_id: str) -> int | None:
        return self.fleet_view.unit_for_device(device_id)

    def ingest_fixes(self, drafts: Sequence[FixDraft]) -> list[ItemOutcome]:
        return self.positions.ingest_fixes(drafts)

    def act(self, incident_id: int, request: ActionRequest) -> dict[str, Any]:
        return self.lifecycle.act(incident_id, request)

    def set_unit_status(self, unit_id: int, status: UnitStatus, *, version: int, actor: str) -> dict[str, Any]:
        return self.lifecycle.set_unit_status(unit_id, status, version=version, actor=actor)

    def recommend(self, incident: IncidentRow, *, limit: int = 10) -> list[Recommendation]:
        return self.fleet_view.recommend(incident, limit=limit)

    def watch(self) -> int:
        return self.jobs.watch()

    def prune_tracks(self) -> int:
        return self.jobs.prune_tracks()
