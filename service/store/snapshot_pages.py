"""Open incidents read for the snapshot in id order, a chunk at a time: memory flat in the number of cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, type_coerce
from sqlalchemy.orm import Session

from service.domain.lifecycle import OPEN_STATUSES
from service.store import incidents as incident_store
from service.store.models import IncidentRow

CHUNK = 1000
ROW_CHUNK = 2000  # plain tuples are small: fewer, larger queries


def _open() -> ColumnElement[bool]:
    """Status is open, written so the planner walks the primary key in id order (status || ''): on the
    status index it would sort every open case again for each chunk (a page of 100,000 cases took seconds)."""
    return (IncidentRow.status + "").in_([s.value for s in OPEN_STATUSES])


def open_incident_chunks(*, session: Session, after_id: int = 0, limit: int | None = None,
                         chunk: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """Open incidents with id > after_id, at most `limit`, as lists of `chunk` (default CHUNK) dicts; rows are
    fetched as they are needed (keyset paging on the primary key), never the whole table at once."""
    chunk = chunk or CHUNK  # read at call time, so the module's setting holds
    left = limit
    while left is None or left > 0:
        size = chunk if left is None else min(chunk, left)
        rows = session.scalars(select(IncidentRow).where(IncidentRow.id > after_id, _open())
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


# The columns a live map needs of each open case (the plugin's incident layer and queue), in this order;
# the rest of a case (description, reporter, address) is fetched when an operator opens it.
ROW_COLUMNS = ("id", "channel", "category", "status", "priority", "micro_grid", "grid", "reported_at",
               "assigned_unit", "version", "lon", "lat", "received_at", "milestones")
# Times come as the database stores them (SQLite: text; PostgreSQL: datetime), unconverted: converting two
# datetimes per case was most of the cost of a 100,000-case page.
_RAW_TIMES = ("reported_at", "received_at")


def open_incident_rows(*, session: Session, after_id: int = 0, limit: int,
                       chunk: int = ROW_CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    """Open incidents as plain tuples of ROW_COLUMNS (no ORM objects), id > after_id, id order, in chunks."""
    columns = [type_coerce(getattr(IncidentRow, name), String) if name in _RAW_TIMES else getattr(IncidentRow, name)
               for name in ROW_COLUMNS]
    left = limit
    while left > 0:
        size = min(chunk, left)
        # Core, not the ORM's result machinery: plain rows, several times faster per case.
        rows = session.connection().execute(select(*columns).where(IncidentRow.id > after_id, _open())
                                            .order_by(IncidentRow.id).limit(size)).all()
        if not rows:
            return
        after_id = rows[-1][0]
        left -= len(rows)
        yield [tuple(r) for r in rows]
        if len(rows) < size:
            return
