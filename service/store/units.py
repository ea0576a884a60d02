"""Data access for units, their tracks and the case action log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.domain.records import unit_record
from service.store.bulk import insert_rows
from service.store.models import CaseActionRow, FixRow, IncidentRow, UnitRow


def all_units(*, session: Session) -> list[UnitRow]:
    return list(session.scalars(select(UnitRow).order_by(UnitRow.id)))


def get(*, session: Session, unit_id: int) -> UnitRow | None:
    return session.get(UnitRow, unit_id)


def as_dict(unit: UnitRow) -> dict[str, Any]:
    """The unit as clients see it (the contract: domain/records.py)."""
    return unit_record(unit)


def insert_fixes(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert fixes, silently skipping ones already stored (same unit, same device time)."""
    dialect = session.get_bind().dialect.name
    table = FixRow.__table__
    statement = (postgresql.insert(table).on_conflict_do_nothing() if dialect == "postgresql"  # type: ignore[arg-type]
                 else sqlite.insert(table).on_conflict_do_nothing())  # type: ignore[arg-type]
    insert_rows(session, table, rows, statement=statement)  # type: ignore[arg-type]


def track(*, session: Session, unit_id: int, since_ms: int, until_ms: int, limit: int = 20_000) -> list[FixRow]:
    return list(session.scalars(select(FixRow).where(FixRow.unit_id == unit_id, FixRow.time_ms >= since_ms,
                                                     FixRow.time_ms < until_ms)
                                .order_by(FixRow.time_ms).limit(limit)))


def tracks_between(*, session: Session, unit_ids: Sequence[int], since_ms: int, until_ms: int
                   ) -> list[tuple[int, int, float, float]]:
    rows = session.execute(select(FixRow.unit_id, FixRow.time_ms, FixRow.lon, FixRow.lat)
                           .where(FixRow.unit_id.in_(list(unit_ids)), FixRow.time_ms >= since_ms,
                                  FixRow.time_ms < until_ms).order_by(FixRow.unit_id, FixRow.time_ms))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def prune_fixes(*, session: Session, before_ms: int) -> int:
    result = session.execute(delete(FixRow).where(FixRow.time_ms < before_ms))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def record_action(*, session: Session, incident_id: int, action: str, from_status: str, to_status: str,
                  actor: str, note: str | None, details: dict[str, Any], at: datetime) -> None:
    session.add(CaseActionRow(incident_id=incident_id, action=action, from_status=from_status, to_status=to_status,
                              actor=actor, note=note, details=details, at=at))


def history(*, session: Session, incident_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(CaseActionRow).where(CaseActionRow.incident_id == incident_id)
                           .order_by(CaseActionRow.id))
    return [{"action": r.action, "from_status": r.from_status, "to_status": r.to_status, "actor": r.actor,
             "note": r.note, "details": r.details, "at": r.at.isoformat()} for r in rows]


def move_to_fix(*, session: Session, unit_id: int, fix: dict[str, Any]) -> bool:
    """Move a unit to `fix` unless it already stands at a newer one; True when it moved.

    The condition is in the UPDATE so that two processes storing fixes of one unit at once can never
    move it back to the older one."""
    result = session.execute(update(UnitRow).where(
        UnitRow.id == unit_id, or_(UnitRow.fix_time_ms.is_(None), UnitRow.fix_time_ms < fix["time_ms"])).values(
        lon=fix["lon"], lat=fix["lat"], fix_time_ms=fix["time_ms"], speed_ms=fix["speed_ms"],
        heading=fix["heading"], battery=fix["battery"], stale=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def arrival_candidates(*, session: Session, unit_ids: Sequence[int], statuses: Sequence[str]
                       ) -> list[tuple[int, float | None, float | None, int, float | None, float | None, int]]:
    """(unit id, unit lon, lat, case id, case lon, lat, case version) of units working a case in `statuses`."""
    rows = session.execute(
        select(UnitRow.id, UnitRow.lon, UnitRow.lat, IncidentRow.id, IncidentRow.lon, IncidentRow.lat,
               IncidentRow.version)
        .join(IncidentRow, IncidentRow.id == UnitRow.current_incident)
        .where(UnitRow.id.in_(list(unit_ids)), IncidentRow.status.in_(list(statuses))))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def change_unit(*, session: Session, unit_id: int, values: dict[str, Any], now: datetime) -> UnitRow | None:
    """Apply `values` to a unit, bump its version; the row as it now is (None when it does not exist)."""
    session.execute(update(UnitRow).where(UnitRow.id == unit_id)
                    .values(**values, version=UnitRow.version + 1, updated_at=now))
    unit = get(session=session, unit_id=unit_id)
    if unit is not None:
        session.refresh(unit)
    return unit


def any_silent(*, session: Session, before_ms: int) -> bool:
    """Whether any unit not yet marked stale sent its last fix before `before_ms`."""
    return session.scalar(select(UnitRow.id).where(_silent(before_ms)).limit(1)) is not None


def mark_stale(*, session: Session, before_ms: int, now: datetime) -> list[dict[str, Any]]:
    """Mark silent units stale; their records as they now are."""
    rows = session.scalars(select(UnitRow).where(_silent(before_ms))).all()
    for unit in rows:
        unit.stale = True
        unit.version += 1
        unit.updated_at = now
    session.flush()
    return [as_dict(u) for u in rows]


def _silent(before_ms: int) -> Any:
    return UnitRow.stale.is_(False) & (UnitRow.fix_time_ms < before_ms)
