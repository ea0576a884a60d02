"""The kinds of event on the log and the live stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    BOUNDARIES_CHANGED = "boundaries.changed"
    UNIT_UPDATED = "unit.updated"
    UNIT_MOVED = "unit.moved"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    KEY_REVOKED = "key.revoked"


class Subject(StrEnum):
    INCIDENT = "incident"
    AREA = "area"
    UNIT = "unit"
    KEY = "key"


@dataclass(frozen=True)
class NewEvent:
    kind: EventKind
    subject: Subject
    subject_id: str
    payload: dict[str, Any]
    occurred_at: datetime
