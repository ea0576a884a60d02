"""Tables of the street's record (SQLAlchemy 2 typed ORM)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service.store.types import UtcDateTime


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: UtcDateTime}


class AreaRow(Base):
    """A polygon of the street: a community, grid, micro-grid, defence zone or patrol zone."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(128))
    parent_code: Mapped[str | None] = mapped_column(String(32), index=True)
    households: Mapped[int | None] = mapped_column(Integer)
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The current version of each area: valid from `valid_from` (None: since the record began) until a
    # later revision retires it into `area_versions`.
    valid_from: Mapped[datetime | None]
    revision_id: Mapped[int | None] = mapped_column(Integer)

    # The polygon's bounding box: OGC API bbox pages filter on it in SQL (migration 0008).
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_areas_level_bounds", "level", "min_lon", "max_lon"),)


class AreaVersionRow(Base):
    """A superseded version of an area, kept so reports are located in the boundaries of their time."""

    __tablename__ = "area_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(128))
    parent_code: Mapped[str | None] = mapped_column(String(32))
    households: Mapped[int | None] = mapped_column(Integer)
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    attributes: Mapped[dict[str, Any]]
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime]
    revision_id: Mapped[int | None] = mapped_column(Integer)
    retired_by: Mapped[int] = mapped_column(Integer)


class BuildingRow(Base):
    """A residential building with its household count: where micro-grid household totals come from."""

    __tablename__ = "buildings"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    micro_grid: Mapped[str | None] = mapped_column(String(32), index=True)
    households: Mapped[int] = mapped_column(Integer)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class BoundaryRevisionRow(Base):
    """One published change of one level's boundaries: when it takes effect, who, why, what changed."""

    __tablename__ = "boundary_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    effective_at: Mapped[datetime]
    published_at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    rollback_of: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]]


class PersonRow(Base):
    """A member of a grid's "1+3+N" roster or of a response team."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    team_code: Mapped[str | None] = mapped_column(String(32), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TeamRow(Base):
    """A response team: comprehensive patrol, law enforcement or mediation."""

    __tablename__ = "teams"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    zone_code: Mapped[str | None] = mapped_column(String(32))


class DepartmentRow(Base):
    """A line department that can be whistled in."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(128))


class IncidentRow(Base):
    """One case, normalized from whichever channel reported it."""

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_incident_channel_external_id"),
        Index("ix_incident_category_reported", "category", "reported_at"),
        Index("ix_incident_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime]
    received_at: Mapped[datetime]
    category: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    source_crs: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(256))
    reporter_name: Mapped[str | None] = mapped_column(String(64))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    outside_jurisdiction: Mapped[bool] = mapped_column(Boolean, default=False)
    micro_grid: Mapped[str | None] = mapped_column(String(32), index=True)
    grid: Mapped[str | None] = mapped_column(String(32))
    community: Mapped[str | None] = mapped_column(String(32))
    defence_zone: Mapped[str | None] = mapped_column(String(32))
    patrol_zone: Mapped[str | None] = mapped_column(String(32))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]
    assigned_unit: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    milestones: Mapped[dict[str, Any]] = mapped_column(default=dict)
    departments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sla_flags: Mapped[dict[str, Any]] = mapped_column(default=dict)


class UnitRow(Base):
    """Something the center can send: a patrol member, grid worker, team or department contact."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callsign: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    unit_type: Mapped[str] = mapped_column(String(16), index=True)
    device_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    team_code: Mapped[str | None] = mapped_column(String(32))
    home_grid: Mapped[str | None] = mapped_column(String(32))
    home_zone: Mapped[str | None] = mapped_column(String(32))
    skills: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))
    current_incident: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    fix_time_ms: Mapped[int | None] = mapped_column(BigInteger)  # epoch ms outgrow 32 bits
    speed_ms: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class FixRow(Base):
    """One position of a unit's track; the key (unit, device time) keeps each fix once."""

    __tablename__ = "fixes"
    __table_args__ = {"sqlite_with_rowid": False}

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    speed_ms: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CaseActionRow(Base):
    """Every lifecycle step of a case: who, when, from which status to which, and why."""

    __tablename__ = "case_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class RoadRow(Base):
    """A road centre line of the network ETAs are computed on."""

    __tablename__ = "roads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(128))
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)


class EventRow(Base):
    """The event log: every change, appended in the transaction that makes it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]


class EventCounterRow(Base):
    """One row holding the last event id; updating it serializes appenders until they commit."""

    __tablename__ = "event_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)


class ApiKeyRow(Base):
    """An access key; only the SHA-256 of the token is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The token's public part ("gc_<prefix>_<secret>"): names the key a failed attempt was aimed at.
    prefix: Mapped[str | None] = mapped_column(String(16), index=True, unique=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    department: Mapped[str | None] = mapped_column(String(32))  # a department key: the line department it answers for
    unit_id: Mapped[int | None] = mapped_column(Integer)  # a field worker's key: the unit whose cases it works


class DeviceTokenRow(Base):
    """The secret a unit's phone sends as its OsmAnd device id; only its SHA-256 is kept."""

    __tablename__ = "device_tokens"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(128))


class AuditRecordRow(Base):
    """One audited event (CJIS 5.4.1.1): when, who, from where, what, and how it ended."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    source: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128))
    target: Mapped[str | None] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SlaAnnouncementRow(Base):
    """An SLA warning or breach that was announced: the primary key makes announcing twice impossible,
    whichever process (or lease holder) tries."""

    __tablename__ = "sla_announcements"

    incident_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    announced_at: Mapped[datetime]


class CasePhotoRow(Base):
    """A photo taken at a step of a case (handler feedback, verification): the file lives in the data
    folder (photos/), the row says whose, which step, and what it is."""

    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(80))
    thumb_name: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]


class IdempotencyRow(Base):
    """An action sent with an idempotency key (a phone replaying its offline queue): the answer it got,
    written in the action's own transaction, so a replay is answered the same and acts once."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    key_id: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    response: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class NotificationRow(Base):
    """An outbound notification and what became of it: the record of what was sent, to whom, when."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("event_id", "recipient", "kind", name="uq_notification_event_recipient"),
                      Index("ix_notification_status_next", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class NotifyCursorRow(Base):
    """How far along the event log the notifier has read (one row)."""

    __tablename__ = "notify_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer)
