"""Data access for the case workflow: a department's cases, who last did what, and case photos."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.domain.lifecycle import CaseStatus
from service.store.models import CaseActionRow, CasePhotoRow, IdempotencyRow, IncidentRow


def _whistled_in(session: Session, department: str) -> ColumnElement[bool]:
    """Cases whose `departments` map has this department (JSON member test, per dialect)."""
    if session.get_bind().dialect.name == "postgresql":
        return IncidentRow.departments.op("->")(department).is_not(None)
    # json_type is NULL for a missing member; the name is quoted as a JSON path key
    return func.json_type(IncidentRow.departments, '$."' + department.replace('"', "") + '"').is_not(None)


def department_cases(*, session: Session, department: str, statuses: Sequence[str] | None = None,
                     limit: int = 200) -> list[IncidentRow]:
    """The cases a department was whistled in on, newest first."""
    q = select(IncidentRow).where(_whistled_in(session, department)).order_by(IncidentRow.id.desc()).limit(limit)
    if statuses:
        q = q.where(IncidentRow.status.in_(list(statuses)))
    return list(session.scalars(q))


def last_actor(*, session: Session, incident_id: int, action: str) -> str | None:
    return session.scalar(select(CaseActionRow.actor).where(CaseActionRow.incident_id == incident_id,
                                                            CaseActionRow.action == action)
                          .order_by(CaseActionRow.id.desc()).limit(1))


def add_photo(*, session: Session, incident_id: int, action: str, actor: str, department: str | None,
              file_name: str, thumb_name: str, content_type: str, size_bytes: int, width: int, height: int,
              at: datetime) -> CasePhotoRow:
    row = CasePhotoRow(incident_id=incident_id, action=action, actor=actor, department=department,
                       file_name=file_name, thumb_name=thumb_name, content_type=content_type,
                       size_bytes=size_bytes, width=width, height=height, at=at)
    session.add(row)
    session.flush()
    return row


def get_photo(*, session: Session, photo_id: int) -> CasePhotoRow | None:
    return session.get(CasePhotoRow, photo_id)


def photos_of(*, session: Session, incident_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(CasePhotoRow).where(CasePhotoRow.incident_id == incident_id)
                           .order_by(CasePhotoRow.id))
    return [photo_record(r) for r in rows]


def photo_record(r: CasePhotoRow) -> dict[str, Any]:
    return {"id": r.id, "incident_id": r.incident_id, "action": r.action, "actor": r.actor,
            "department": r.department, "content_type": r.content_type, "size_bytes": r.size_bytes,
            "width": r.width, "height": r.height, "at": r.at.isoformat(),
            "url": f"/api/v1/photos/{r.id}", "thumbnail_url": f"/api/v1/photos/{r.id}/thumbnail"}


def closed_since(*, session: Session, categories: Sequence[str], since: datetime) -> list[Any]:
    """Closed cases of these categories changed since `since` (a superset of those closed since then)."""
    return list(session.execute(select(
        IncidentRow.id, IncidentRow.category, IncidentRow.lon, IncidentRow.lat, IncidentRow.milestones,
        IncidentRow.version).where(IncidentRow.status == CaseStatus.CLOSED.value,
                                   IncidentRow.category.in_(list(categories)), IncidentRow.updated_at >= since)))



def unit_cases(*, session: Session, unit_id: int, statuses: Sequence[str], limit: int = 100) -> list[IncidentRow]:
    """The cases a unit is assigned to, in these statuses, newest first."""
    return list(session.scalars(select(IncidentRow).where(IncidentRow.assigned_unit == unit_id,
                                                          IncidentRow.status.in_(list(statuses)))
                                .order_by(IncidentRow.id.desc()).limit(limit)))


def idempotent_answer(*, session: Session, key: str) -> IdempotencyRow | None:
    return session.get(IdempotencyRow, key)


def remember_answer(*, session: Session, key: str, key_id: int, incident_id: int, action: str,
                    response: dict[str, Any], at: datetime) -> bool:
    """Keep the answer to an idempotency key; False when the key was answered already (by anyone)."""
    table = IdempotencyRow.__table__
    values = {"key": key, "key_id": key_id, "incident_id": incident_id, "action": action, "response": response,
              "at": at}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement: Any = insert(table).values(**values).on_conflict_do_nothing()  # type: ignore[arg-type]
    return session.execute(statement.returning(table.c.key)).first() is not None
