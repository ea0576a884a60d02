"""Intake: drafts from any channel -> normalized, placed, deduplicated, committed with their events."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from service.domain.clock import Clock
from service.domain.dedupe import Recent
from service.domain.errors import ItemOutcome
from service.domain.events import EventKind, NewEvent, OnCommit, Subject
from service.domain.geography import Locator
from service.domain.incident import REPORT_HORIZON, IncidentDraft, NormalizedIncident, normalize
from service.domain.lifecycle import CaseStatus
from service.store import coordination
from service.store import events as event_log
from service.store import incidents as incident_store
from service.store.db import Database
from service.views import DuplicateIndexView


class IntakeFlow:
    """Takes batches of drafts; every accepted item is committed (with its event) before this returns.

    Duplicate matching must see every case committed before it, by any process: the batch takes the
    intake lock inside its write transaction (serialize_intake), brings the projector up to the log
    (`catch_up`), then matches. Its own events reach the index through the projector (`on_commit`).
    """

    def __init__(self, *, db: Database, locator: Callable[[], Locator], index: DuplicateIndexView, clock: Clock,
                 catch_up: Callable[[], object], on_commit: OnCommit,
                 report_horizon: timedelta = REPORT_HORIZON) -> None:
        self._db = db
        self._report_horizon = report_horizon
        self._locator = locator
        self._index = index
        self._clock = clock
        self._catch_up = catch_up
        self._on_commit = on_commit
        self._lock = threading.Lock()  # one batch of this process at a time waits for the database lock
        # called with the records of the cases just created, after their commit (the workflow reopens a
        # closed case a new report repeats: service/flows/workflow.py)
        self.on_created: Callable[[list[dict[str, Any]]], object] | None = None

    def ingest(self, drafts: Sequence[IncidentDraft]) -> list[ItemOutcome]:
        self._catch_up()  # places reports in the boundaries as the log has them now, whoever imported them
        now = self._clock.now()
        normalized = normalize(list(drafts), locator=self._locator(), now=now, horizon=self._report_horizon)
        outcomes = [ItemOutcome(index=i) for i in range(len(drafts))]
        good: list[tuple[int, NormalizedIncident]] = []
        for i, result in enumerate(normalized):
            if isinstance(result, list):
                outcomes[i].problems = result
            else:
                good.append((i, result))
        if not good:
            return outcomes
        with self._lock:
            ids, events = self._commit(good, outcomes, now)
            self._on_commit(ids, events)
        if self.on_created is not None and events:
            self.on_created([e.payload for e in events])
        return outcomes

    def prune_index(self) -> None:
        """Forget cases too old to be matched any more (called hourly by the service's watch)."""
        self._index.prune(self._clock.now())

    def _commit(self, good: list[tuple[int, NormalizedIncident]], outcomes: list[ItemOutcome],
                now: datetime) -> tuple[list[int], list[NewEvent]]:
        with self._db.write() as session:
            coordination.serialize_intake(session)
            self._catch_up()
            existing = incident_store.find_by_external_ids(
                session=session, keys=[(n.draft.channel.value, n.draft.external_id) for _, n in good])
            fresh = {(n.draft.channel.value, n.draft.external_id) for _, n in good} - existing.keys()
            ids = iter(incident_store.allocate_ids(session=session, count=len(fresh)))
            batch_index = self._index.empty_like()  # items of this batch match each other too
            first_in_batch: dict[tuple[str, str], int] = {}
            resent_in_batch: list[tuple[int, int]] = []
            pending: list[tuple[int, dict[str, Any]]] = []
            for i, n in good:
                key = (n.draft.channel.value, n.draft.external_id)
                if key in existing:
                    outcomes[i].id = existing[key]
                elif key in first_in_batch:
                    resent_in_batch.append((i, first_in_batch[key]))
                else:
                    first_in_batch[key] = i
                    match = self._index.match(lon=n.lon, lat=n.lat, category=n.draft.category,
                                              reported_at=n.draft.reported_at)
                    local = batch_index.match(lon=n.lon, lat=n.lat, category=n.draft.category,
                                              reported_at=n.draft.reported_at)
                    row = _row(n, now, incident_id=next(ids),
                               duplicate_of=match.duplicate_of if match.duplicate_of is not None else local.duplicate_of,
                               repeat_count=match.repeat_count + local.repeat_count)
                    pending.append((i, row))
                    batch_index.add(_recent(row))
            rows = [row for _, row in pending]
            incident_store.insert_many(session=session, rows=rows)
            for (i, row) in pending:
                outcomes[i].id, outcomes[i].created, outcomes[i].duplicate_of = row["id"], True, row["duplicate_of"]
            for i, first in resent_in_batch:
                outcomes[i].id, outcomes[i].duplicate_of = outcomes[first].id, outcomes[first].duplicate_of
            events = [NewEvent(EventKind.INCIDENT_CREATED, Subject.INCIDENT, str(row["id"]),
                               incident_store.as_dict(row), now) for row in rows]
            event_ids = event_log.append(session, events)
        return event_ids, events


def _recent(row: dict[str, Any]) -> Recent:
    return Recent(row["id"], row["lon"], row["lat"], row["category"], row["reported_at"], row["duplicate_of"])


def _row(n: NormalizedIncident, now: datetime, *, incident_id: int, duplicate_of: int | None,
         repeat_count: int) -> dict[str, Any]:
    d, p = n.draft, n.placement
    return {
        "id": incident_id,
        "channel": d.channel.value, "external_id": d.external_id, "reported_at": d.reported_at, "received_at": now,
        "category": d.category, "description": d.description.strip(), "lon": n.lon, "lat": n.lat,
        "source_crs": n.source_crs, "address": d.address, "reporter_name": d.reporter_name,
        "reporter_phone": d.reporter_phone, "priority": int(n.priority),
        "status": CaseStatus.DUPLICATE.value if duplicate_of is not None else CaseStatus.RECEIVED.value,
        "outside_jurisdiction": not p.inside, "micro_grid": p.micro_grid, "grid": p.grid,
        "community": p.community, "defence_zone": p.defence_zone, "patrol_zone": p.patrol_zone,
        "duplicate_of": duplicate_of, "repeat_count": repeat_count, "attributes": d.attributes,
        "version": 1, "updated_at": now, "assigned_unit": None, "milestones": {}, "departments": {},
        "sla_flags": {},
    }
