"""The notifier's outbox: notifications recorded once per (event, recipient, kind), their delivery, and
how far the notifier has read the event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.store.models import NotificationRow, NotifyCursorRow


def cursor(*, session: Session) -> int | None:
    row = session.get(NotifyCursorRow, 1)
    return row.last_event_id if row is not None else None


def set_cursor(*, session: Session, last_event_id: int) -> None:
    row = session.get(NotifyCursorRow, 1)
    if row is None:
        session.add(NotifyCursorRow(id=1, last_event_id=last_event_id))
    else:
        row.last_event_id = last_event_id


def record(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert notifications; one already recorded (same event, recipient, kind) is left as it is."""
    if not rows:
        return
    table = NotificationRow.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(table).values(list(rows)).on_conflict_do_nothing())  # type: ignore[arg-type]


def due(*, session: Session, now: datetime, limit: int = 100) -> list[NotificationRow]:
    return list(session.scalars(select(NotificationRow).where(
        NotificationRow.status == "pending",
        or_(NotificationRow.next_attempt_at.is_(None), NotificationRow.next_attempt_at <= now))
        .order_by(NotificationRow.id).limit(limit)))


def settle(*, session: Session, notification_id: int, values: dict[str, Any]) -> None:
    session.execute(update(NotificationRow).where(NotificationRow.id == notification_id).values(**values))


def listing(*, session: Session, incident_id: int | None, status: str | None, limit: int) -> list[dict[str, Any]]:
    q = select(NotificationRow).order_by(NotificationRow.id.desc()).limit(limit)
    if incident_id is not None:
        q = q.where(NotificationRow.incident_id == incident_id)
    if status is not None:
        q = q.where(NotificationRow.status == status)
    return [{"id": r.id, "event_id": r.event_id, "kind": r.kind, "recipient": r.recipient, "incident_id": r.incident_id,
             "text": r.text, "status": r.status, "attempts": r.attempts, "last_error": r.last_error,
             "created_at": r.created_at.isoformat(), "sent_at": r.sent_at.isoformat() if r.sent_at else None}
            for r in session.scalars(q)]
