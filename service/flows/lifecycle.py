"""Case lifecycle: an operator's (or a GPS arrival's) action on a case, and a unit's own status.

Writes rows and their events in one transaction, then hands the events to `on_commit` (the
projector), which returns once this process's views show the change. Touches no view itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from service.domain.catalog import DEPARTMENTS
from service.domain.clock import Clock
from service.domain.errors import Conflict, InvalidInput, NotFound
from service.domain.events import EventKind, NewEvent, OnCommit, Subject
from service.domain.filing import FilingPolicy
from service.domain.lifecycle import Action, ActionRequest, CaseState, CaseStatus, Transition, plan
from service.domain.units import UnitStatus
from service.store import events as event_log
from service.store import incidents as incident_store
from service.store import units as unit_store
from service.store import workflow as workflow_store
from service.store.db import Database

# Work done in the action's own transaction (e.g. recording its photos): given the session, the
# incident id and the time, returns what to add to the case record's `last_action`.
AlsoInTransaction = Callable[[Any, int, datetime], dict[str, Any]]

# How a case action moves the unit assigned to it.
UNIT_STATUS_AFTER = {Action.DISPATCH: UnitStatus.ASSIGNED, Action.REASSIGN: UnitStatus.ASSIGNED,
                     Action.EN_ROUTE: UnitStatus.EN_ROUTE, Action.ARRIVE: UnitStatus.ON_SCENE}


class LifecycleFlow:
    def __init__(self, *, db: Database, clock: Clock, on_commit: OnCommit, filing: FilingPolicy | None = None) -> None:
        self._db = db
        self._clock = clock
        self._on_commit = on_commit
        self._lock = threading.Lock()
        self.filing = filing or FilingPolicy()

    def act(self, incident_id: int, request: ActionRequest, *, also: AlsoInTransaction | None = None
            ) -> dict[str, Any]:
        """Apply one lifecycle action; one writer wins, the other gets Conflict with the current state."""
        now = self._clock.now()
        with self._lock:
            with self._db.write() as session:
                row = incident_store.get(session=session, incident_id=incident_id)
                if row is None:
                    raise NotFound(f"incident {incident_id} does not exist")
                if request.unit_id is not None:
                    unit = unit_store.get(session=session, unit_id=request.unit_id)
                    if unit is None:
                        raise InvalidInput.one("unit_id", f"unit {request.unit_id} does not exist")
                    if request.action in (Action.DISPATCH, Action.REASSIGN) and unit.status != UnitStatus.AVAILABLE:
                        raise Conflict(f"unit {unit.callsign} is {unit.status}"
                                       + (f" on case {unit.current_incident}" if unit.current_incident else ""),
                                       current={"unit_id": unit.id, "unit_status": unit.status,
                                                "unit_case": unit.current_incident})
                    request = ActionRequest(**{**request.__dict__, "unit_type": unit.unit_type})
                if request.action is Action.MARK_DUPLICATE and request.duplicate_of is not None and \
                        (request.duplicate_of == incident_id
                         or incident_store.get(session=session, incident_id=request.duplicate_of) is None):
                    raise InvalidInput.one("duplicate_of", f"case {request.duplicate_of} cannot be the original")
                feedback_actor = (workflow_store.last_actor(session=session, incident_id=incident_id,
                                                            action=Action.FEEDBACK.value)
                                  if request.action is Action.VERIFY else None)
                state = CaseState(CaseStatus(row.status), row.version, row.assigned_unit, dict(row.milestones),
                                  {k: dict(v) for k, v in row.departments.items()},
                                  needs_filing=self.filing.needs_filing(row.channel, row.category),
                                  feedback_actor=feedback_actor)
                transition = plan(state, request, now=now, known_departments=frozenset(DEPARTMENTS),
                                  reopen_window=self.filing.reopen_window)
                values: dict[str, Any] = {"status": transition.status.value,
                                          "assigned_unit": transition.assigned_unit,
                                          "milestones": transition.milestones, "departments": transition.departments,
                                          "version": row.version + 1, "updated_at": now}
                if transition.duplicate_of is not None:
                    values["duplicate_of"] = transition.duplicate_of
                if not incident_store.update_if_version(session=session, incident_id=incident_id,
                                                        version=row.version, values=values):
                    raise Conflict("another operator changed this case first", current={"version": row.version + 1})
                unit_events = _move_units(session, transition, request, incident_id, now)
                unit_store.record_action(session=session, incident_id=incident_id, action=request.action.value,
                                         from_status=state.status.value, to_status=transition.status.value,
                                         actor=request.actor, note=request.note, at=now,
                                         details={k: v for k, v in {"unit_id": request.unit_id,
                                                                    "departments": list(request.departments) or None,
                                                                    "department": request.department,
                                                                    "duplicate_of": request.duplicate_of,
                                                                    "outcome": request.outcome,
                                                                    "reason": request.reason,
                                                                    "minutes": request.minutes}.items() if v})
                extra = also(session, incident_id, now) if also is not None else {}
                session.flush()
                session.refresh(row)
                record = incident_store.as_dict(row)
                record["last_action"] = {"action": request.action.value, "actor": request.actor,
                                         "note": request.note, "at": now.isoformat(),
                                         **({"department": request.department} if request.department else {}),
                                         **({"outcome": request.outcome.value} if request.outcome else {}),
                                         **({"reason": request.reason} if request.reason else {}), **extra}
                events = [NewEvent(EventKind.INCIDENT_UPDATED, Subject.INCIDENT, str(incident_id), record, now),
                          *unit_events]
                ids = event_log.append(session, events)
            self._on_commit(ids, events)
        return record

    def set_unit_status(self, unit_id: int, status: UnitStatus, *, version: int, actor: str) -> dict[str, Any]:
        now = self._clock.now()
        with self._lock:
            with self._db.write() as session:
                unit = unit_store.get(session=session, unit_id=unit_id)
                if unit is None:
                    raise NotFound(f"unit {unit_id} does not exist")
                if unit.version != version:
                    raise Conflict("the unit changed; reload it", current=unit_store.as_dict(unit))
                if unit.current_incident is not None and status in (UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY):
                    raise Conflict(f"unit {unit.callsign} is on case {unit.current_incident}; resolve or reassign "
                                   "it first", current=unit_store.as_dict(unit))
                unit.status, unit.version, unit.updated_at = status.value, unit.version + 1, now
                session.flush()
                record = unit_store.as_dict(unit)
                events = [NewEvent(EventKind.UNIT_UPDATED, Subject.UNIT, str(unit_id), {**record, "by": actor}, now)]
                ids = event_log.append(session, events)
            self._on_commit(ids, events)
        return record


def _move_units(session: Any, transition: Transition, request: ActionRequest, incident_id: int,
                now: datetime) -> list[NewEvent]:
    changes: dict[int, dict[str, Any]] = {}
    if transition.release_unit is not None:
        changes[transition.release_unit] = {"status": UnitStatus.AVAILABLE.value, "current_incident": None}
    if transition.take_unit is not None:
        changes[transition.take_unit] = {"status": UnitStatus.ASSIGNED.value, "current_incident": incident_id}
    elif request.action in UNIT_STATUS_AFTER and transition.assigned_unit is not None:
        changes[transition.assigned_unit] = {"status": UNIT_STATUS_AFTER[request.action].value}
    events = []
    for unit_id, values in changes.items():
        unit = unit_store.change_unit(session=session, unit_id=unit_id, values=values, now=now)
        if unit is not None:
            events.append(NewEvent(EventKind.UNIT_UPDATED, Subject.UNIT, str(unit_id), unit_store.as_dict(unit), now))
    return events
