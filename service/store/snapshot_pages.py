"""Open incidents read for the snapshot in id order, a chunk at a time: memory flat in the number of cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.domain.lifecycle import OPEN_STATUSES
from service.store import incidents as incident_store
from service.store.models import IncidentRow

CHUNK = 1000


def open_incident_chunks(*, session: Session, after_id: int = 0, limit: int | None = None,
                         chunk: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    """Open incidents with id > after_id, at most `limit`, as lists of `chunk` dicts; rows are fetched as they
    are needed (keyset paging on the primary key), never the whole table at once."""
    left = limit
    while left is None or left > 0:
        size = chunk if left is None else min(chunk, left)
        rows = session.scalars(select(IncidentRow).where(IncidentRow.id > after_id,
                                                         IncidentRow.status.in_([s.value for s in OPEN_STATUSES]))
                               .order_by(IncidentRow.id).limit(size)).all()
        if not rows:
            return
        after_id = rows[-1].id
        yield [incident_store.as_dict(r) for r in rows]
        session.expunge_all()  # the identity map would otherwise keep every row read so far
        if left is not None:
            left -= len(rows)
        if len(rows) < size:
            return


def count_open(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IncidentRow)
                              .where(IncidentRow.status.in_([s.value for s in OPEN_STATUSES]))) or 0)


# The columns a live map needs of each open case (the plugin's incident layer and queue), in this order.
ROW_COLUMNS = ("id", "channel", "category", "description", "status", "priority", "micro_grid", "grid", "community",
               "reported_at", "assigned_unit", "duplicate_of", "repeat_count", "reporter_name", "reporter_phone",
               "address", "version", "lon", "lat", "received_at", "milestones")


def open_incident_rows(*, session: Session, after_id: int = 0, limit: int,
                       chunk: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    """Open incidents as plain tuples of ROW_COLUMNS (no ORM objects), id > after_id, id order, in chunks."""
    columns = [getattr(IncidentRow, name) for name in ROW_COLUMNS]
    left = limit
    while left > 0:
        size = min(chunk, left)
        rows = session.execute(select(*columns).where(IncidentRow.id > after_id,
                                                      IncidentRow.status.in_([s.value for s in OPEN_STATUSES]))
                               .order_by(IncidentRow.id).limit(size)).all()
        if not rows:
            return
        after_id = rows[-1][0]
        left -= len(rows)
        yield [tuple(r) for r in rows]
        if len(rows) < size:
            return
