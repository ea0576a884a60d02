"""The audit trail's table: append, query newest first, prune past the retention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.store.bulk import insert_rows
from service.store.models import AuditRecordRow


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    limit: int = 1000
    offset: int = 0


def append(session: Session, records: Sequence[dict[str, Any]]) -> None:
    if records:
        insert_rows(session, AuditRecordRow.__table__, list(records))  # type: ignore[arg-type]


def query(*, session: Session, where: AuditFilter) -> list[dict[str, Any]]:
    q = select(AuditRecordRow).order_by(AuditRecordRow.id.desc())
    if where.since is not None:
        q = q.where(AuditRecordRow.at >= where.since)
    if where.until is not None:
        q = q.where(AuditRecordRow.at < where.until)
    if where.actor is not None:
        q = q.where(AuditRecordRow.actor == where.actor)
    if where.action is not None:
        q = q.where(AuditRecordRow.action.startswith(where.action, autoescape=True))
    if where.outcome is not None:
        q = q.where(AuditRecordRow.outcome == where.outcome)
    rows = session.scalars(q.limit(where.limit).offset(where.offset))
    return [as_dict(r) for r in rows]


def as_dict(row: AuditRecordRow) -> dict[str, Any]:
    return {"id": row.id, "at": row.at.isoformat(), "actor": row.actor, "source": row.source,
            "action": row.action, "target": row.target, "outcome": row.outcome, "details": row.details}


def prune(*, session: Session, before: datetime) -> int:
    result = session.execute(delete(AuditRecordRow).where(AuditRecordRow.at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
