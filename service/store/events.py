"""The event log: append inside the caller's transaction, read by id."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from service.domain.events import LoggedEvent, NewEvent
from service.store.bulk import insert_rows
from service.store.models import EventRow

NOTIFY_CHANNEL = "gridcommand_events"


def append(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Append events in the caller's transaction; returns their ids.

    Ids come from a counter row rather than an autoincrement: the UPDATE locks that row until the
    transaction ends, so ids become visible in commit order and a tailing reader never skips one
    (on PostgreSQL a sequence could commit 5 before 4).
    """
    if not events:
        return []
    n = len(events)
    last = session.execute(text("UPDATE event_counter SET last_id = last_id + :n WHERE id = 1 RETURNING last_id"),
                           {"n": n}).scalar_one()
    first = last - n + 1
    if session.get_bind().dialect.name == "postgresql":
        # Delivered at commit, to every process LISTENing: their tails wake within milliseconds.
        session.execute(text("SELECT pg_notify(:channel, :last)"), {"channel": NOTIFY_CHANNEL, "last": str(last)})
    insert_rows(session, EventRow.__table__, [  # type: ignore[arg-type]
        {"id": first + i, "occurred_at": e.occurred_at, "kind": e.kind.value, "subject": e.subject.value,
         "subject_id": e.subject_id, "payload": e.payload}
        for i, e in enumerate(events)])
    return list(range(first, last + 1))


def read_after(session: Session, after_id: int, *, limit: int = 1000) -> list[EventRow]:
    return list(session.scalars(select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)))


def last_id(session: Session) -> int:
    return int(session.execute(text("SELECT last_id FROM event_counter WHERE id = 1")).scalar_one())


def read_logged_after(session: Session, after_id: int, *, limit: int = 1000) -> list[LoggedEvent]:
    """Events after `after_id` in id order, as plain records (what the projector and the stream consume)."""
    rows = session.execute(select(EventRow.id, EventRow.kind, EventRow.subject, EventRow.subject_id, EventRow.payload,
                                  EventRow.occurred_at).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit))
    return [LoggedEvent(*r) for r in rows]


class Watermark:
    """The newest committed event id, read on one kept driver connection: microseconds, so a reader
    can ask "anything new?" before every batch instead of opening a session. Not thread-safe: its
    owner (the projector) holds a lock around it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._raw: Any = None

    def read(self) -> int:
        try:
            if self._raw is None:
                self._raw = self._engine.raw_connection()
            cursor = self._raw.cursor()
            try:
                cursor.execute(LAST_ID_SQL)
                value = int(cursor.fetchone()[0])
            finally:
                cursor.close()
            if self._engine.dialect.name != "sqlite":  # SQLite runs it in autocommit; elsewhere end the snapshot
                self._raw.rollback()
            return value
        except Exception:
            self.close()  # a broken connection is reopened next time
            raise

    def close(self) -> None:
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.close()
            self._raw = None


LAST_ID_SQL = "SELECT last_id FROM event_counter WHERE id = 1"
