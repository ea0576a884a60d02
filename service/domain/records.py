"""The record contract: the JSON shapes of an incident, a unit and an event, as the API, the stream,
the event log and the plugin see them, and the vocabulary they use. Defined once, here; the store
builds its rows' records with these functions and the plugin's copies are held to this module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.domain.catalog import Channel
from service.domain.events import EventKind, LoggedEvent, Subject
from service.domain.lifecycle import Action, CaseStatus
from service.domain.units import UnitStatus, UnitType, from_epoch_ms

INCIDENT_FIELDS = (
    "id", "channel", "external_id", "reported_at", "received_at", "category", "description", "lon", "lat",
    "source_crs", "address", "reporter_name", "reporter_phone", "priority", "status", "outside_jurisdiction",
    "micro_grid", "grid", "community", "defence_zone", "patrol_zone", "duplicate_of", "repeat_count",
    "attributes", "version", "updated_at", "assigned_unit", "milestones", "departments",
)
INCIDENT_TIME_FIELDS = ("reported_at", "received_at", "updated_at")
UNIT_FIELDS = ("id", "callsign", "name", "unit_type", "device_id", "team_code", "home_grid", "home_zone", "skills",
               "status", "current_incident", "lon", "lat", "speed_ms", "heading", "battery", "stale", "version")
EVENT_FIELDS = ("id", "kind", "occurred_at", "subject", "subject_id", "payload")

# The words a client must know, served and tested as one list.
VOCABULARY: dict[str, list[str]] = {
    "event_kinds": [k.value for k in EventKind], "subjects": [s.value for s in Subject],
    "case_statuses": [s.value for s in CaseStatus], "actions": [a.value for a in Action],
    "channels": [c.value for c in Channel], "unit_statuses": [s.value for s in UnitStatus],
    "unit_types": [t.value for t in UnitType],
}


def _get(source: Any, name: str) -> Any:
    return source.get(name) if isinstance(source, dict) else getattr(source, name)


def incident_record(source: Any) -> dict[str, Any]:
    """An incident (a row or a dict of its columns) as clients see it: times in ISO 8601 UTC."""
    out = {name: _get(source, name) for name in INCIDENT_FIELDS}
    for name in INCIDENT_TIME_FIELDS:
        if isinstance(out[name], datetime):
            out[name] = out[name].isoformat()
    return out


def unit_record(source: Any) -> dict[str, Any]:
    """A unit (a row) as clients see it: its newest fix time in ISO 8601 UTC."""
    out = {name: _get(source, name) for name in UNIT_FIELDS}
    fix_ms = _get(source, "fix_time_ms")
    out["fix_time"] = from_epoch_ms(fix_ms).isoformat() if fix_ms is not None else None
    updated = _get(source, "updated_at")
    out["updated_at"] = updated.isoformat() if isinstance(updated, datetime) else updated
    return out


def event_record(event: LoggedEvent, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event as the stream sends it (`payload` replaces the logged one, e.g. masked for the reader)."""
    return {"id": event.id, "kind": event.kind, "occurred_at": event.occurred_at.isoformat(),
            "subject": event.subject, "subject_id": event.subject_id,
            "payload": event.payload if payload is None else payload}
