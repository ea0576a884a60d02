"""The kinds of event on the log and the live stream."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    KEY_REVOKED = "key.revoked"  # payload {"key_id": int}: every process drops the key from its cache


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


@dataclass(frozen=True)
class LoggedEvent:
    """An event as the log holds it: its global id, and a payload in JSON types (times as ISO strings)."""

    id: int
    kind: str
    subject: str
    subject_id: str
    payload: dict[str, Any]
    occurred_at: datetime


# What a writer calls after its commit: the ids `append` gave its events, and the events.
OnCommit = Callable[[Sequence[int], Sequence[NewEvent]], None]
