"""Data access for incidents (keyword-only, typed) and their one JSON shape."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.domain.dedupe import Recent
from service.domain.records import incident_record
from service.store.bulk import insert_rows
from service.store.models import IncidentRow, SlaAnnouncementRow

_CHUNK = 400  # stays under SQLite's bound-parameter limit with two parameters per key


def find_by_external_ids(*, session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    keys = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        rows = session.execute(select(IncidentRow.channel, IncidentRow.external_id, IncidentRow.id)
                               .where(tuple_(IncidentRow.channel, IncidentRow.external_id).in_(chunk)))
        found.update({(ch, ext): i for ch, ext, i in rows})
    return found


def allocate_ids(*, session: Session, count: int) -> list[int]:
    """Ids for `count` new incidents, known before insert so a batch can link its own duplicates.

    SQLite: the writer holds the database lock from BEGIN IMMEDIATE, so max(id) cannot move under us.
    PostgreSQL: drawn from the column's sequence.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(text("SELECT nextval(pg_get_serial_sequence('incidents', 'id')) "
                                    "FROM generate_series(1, :n)"), {"n": count})
        return [r[0] for r in rows]
    start = int(session.scalar(select(func.coalesce(func.max(IncidentRow.id), 0))) or 0) + 1
    return list(range(start, start + count))


def insert_many(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that carry their ids (see allocate_ids) with one executemany."""
    insert_rows(session, IncidentRow.__table__, rows)  # type: ignore[arg-type]


def get(*, session: Session, incident_id: int) -> IncidentRow | None:
    return session.get(IncidentRow, incident_id)


def get_many(*, session: Session, ids: Sequence[int]) -> list[IncidentRow]:
    out: list[IncidentRow] = []
    for start in range(0, len(ids), _CHUNK):
        out.extend(session.scalars(select(IncidentRow).where(IncidentRow.id.in_(ids[start:start + _CHUNK]))))
    by_id = {r.id: r for r in out}
    return [by_id[i] for i in ids if i in by_id]


def recent_since(*, session: Session, since: datetime) -> list[Recent]:
    rows = session.execute(select(IncidentRow.id, IncidentRow.lon, IncidentRow.lat, IncidentRow.category,
                                  IncidentRow.reported_at, IncidentRow.duplicate_of)
                           .where(IncidentRow.reported_at >= since, IncidentRow.lon.is_not(None)))
    return [Recent(i, lon, lat, category, reported_at, duplicate_of)
            for i, lon, lat, category, reported_at, duplicate_of in rows if lon is not None and lat is not None]


def as_dict(row: IncidentRow | dict[str, Any]) -> dict[str, Any]:
    """The incident as the API, the event log and the live map see it (the contract: domain/records.py)."""
    return incident_record(row)


def update_if_version(*, session: Session, incident_id: int, version: int, values: dict[str, Any]) -> bool:
    """Apply `values` only if the case is still at `version` (one writer wins); True when applied."""
    won = session.execute(update(IncidentRow).where(IncidentRow.id == incident_id, IncidentRow.version == version)
                          .values(**values))
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]


def sla_rows(*, session: Session, incident_ids: Sequence[int]) -> list[Any]:
    """What the SLA watch needs of each case: category, priority, status, times, milestones, flags."""
    return list(session.execute(select(
        IncidentRow.id, IncidentRow.category, IncidentRow.priority, IncidentRow.status, IncidentRow.received_at,
        IncidentRow.milestones, IncidentRow.sla_flags, IncidentRow.micro_grid, IncidentRow.channel,
        IncidentRow.departments).where(IncidentRow.id.in_(list(incident_ids)))))


def open_sla_rows(*, session: Session, statuses: Sequence[str]) -> list[Any]:
    return list(session.execute(select(
        IncidentRow.id, IncidentRow.category, IncidentRow.priority, IncidentRow.status, IncidentRow.received_at,
        IncidentRow.milestones, IncidentRow.sla_flags, IncidentRow.micro_grid, IncidentRow.channel,
        IncidentRow.departments).where(IncidentRow.status.in_(list(statuses)))))


def set_sla_flags(*, session: Session, incident_id: int, flags: dict[str, str]) -> None:
    session.execute(update(IncidentRow).where(IncidentRow.id == incident_id).values(sla_flags=flags))


def claim_announcement(*, session: Session, incident_id: int, clock: str, level: str, at: datetime) -> bool:
    """Record that this warning or breach is being announced; False when it already was (by anyone).

    The primary key (incident, clock, level) is the guarantee: of two processes racing, one inserts."""
    table = SlaAnnouncementRow.__table__
    values = {"incident_id": incident_id, "clock": clock, "level": level, "announced_at": at}
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()  # type: ignore[arg-type]
    else:
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()  # type: ignore[arg-type]
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT DO NOTHING
    return session.execute(statement.returning(table.c.incident_id)).first() is not None


def open_incidents(*, session: Session, statuses: Sequence[str]) -> list[IncidentRow]:
    return list(session.scalars(select(IncidentRow).order_by(IncidentRow.id).where(IncidentRow.status.in_(list(statuses)))))


def newest(*, session: Session, limit: int, offset: int = 0, statuses: Collection[str] = (),
           channel: str | None = None, category: str | None = None, micro_grid: str | None = None,
           grid: str | None = None, community: str | None = None,
           since: datetime | None = None, until: datetime | None = None) -> list[IncidentRow]:
    """A page of incidents, newest first, that match every filter given (`until` is exclusive)."""
    q = select(IncidentRow).order_by(IncidentRow.id.desc()).limit(limit).offset(offset)
    if statuses:
        q = q.where(IncidentRow.status.in_(list(statuses)))
    for column, value in ((IncidentRow.channel, channel), (IncidentRow.category, category),
                          (IncidentRow.micro_grid, micro_grid), (IncidentRow.grid, grid),
                          (IncidentRow.community, community)):
        if value is not None:
            q = q.where(column == value)
    if since is not None:
        q = q.where(IncidentRow.reported_at >= since)
    if until is not None:
        q = q.where(IncidentRow.reported_at < until)
    return list(session.scalars(q))


def newest_requests(*, session: Session, limit: int, channel: str | None = None, ids: Sequence[int] | None = None,
                    reported_from: datetime | None = None, reported_to: datetime | None = None,
                    categories: Sequence[str] = (), statuses_in: Sequence[str] | None = None,
                    statuses_not_in: Sequence[str] | None = None) -> list[IncidentRow]:
    """Open311's list: newest first, of one channel or all, by id or by the report's time (both ends
    inclusive, as GeoReport's start_date and end_date are), category and status."""
    q = select(IncidentRow).order_by(IncidentRow.id.desc()).limit(limit)
    if channel is not None:
        q = q.where(IncidentRow.channel == channel)
    if ids is not None:
        q = q.where(IncidentRow.id.in_(list(ids)))
    if reported_from is not None:
        q = q.where(IncidentRow.reported_at >= reported_from)
    if reported_to is not None:
        q = q.where(IncidentRow.reported_at <= reported_to)
    if categories:
        q = q.where(IncidentRow.category.in_(list(categories)))
    if statuses_in is not None:
        q = q.where(IncidentRow.status.in_(list(statuses_in)))
    if statuses_not_in is not None:
        q = q.where(IncidentRow.status.not_in(list(statuses_not_in)))
    return list(session.scalars(q))


def located_page(*, session: Session, limit: int, offset: int,
                 bbox: tuple[float, float, float, float] | None = None) -> tuple[list[IncidentRow], int]:
    """A page (in id order) of the incidents that have a position, inside bbox if given, and how many match."""
    where = [IncidentRow.lon.is_not(None)]
    if bbox:
        where += [IncidentRow.lon.between(bbox[0], bbox[2]), IncidentRow.lat.between(bbox[1], bbox[3])]
    matched = session.scalar(select(func.count()).select_from(IncidentRow).where(*where))
    rows = list(session.scalars(select(IncidentRow).where(*where).order_by(IncidentRow.id).limit(limit).offset(offset)))
    return rows, int(matched or 0)
