"""Pseudonymising reporters in the record: the incident rows and the events that carry them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from service.store.models import EventRow, IncidentRow

PSEUDONYM_START = "p-"
CHUNK = 500


def pseudonymise(*, session: Session, received_before: datetime, pseudonym: Callable[[str], str]) -> list[int]:
    """Replace reporter names and phones of cases received before the cutoff; returns the case ids."""
    def still_personal(column: object) -> object:
        return and_(column.is_not(None), ~column.startswith(PSEUDONYM_START))  # type: ignore[attr-defined]

    rows = list(session.scalars(select(IncidentRow).where(
        IncidentRow.received_at < received_before,
        or_(still_personal(IncidentRow.reporter_name), still_personal(IncidentRow.reporter_phone)))  # type: ignore[arg-type]
        .limit(CHUNK)))
    changed: dict[str, dict[str, str | None]] = {}
    for row in rows:
        row.reporter_name = _swap(row.reporter_name, pseudonym)
        row.reporter_phone = _swap(row.reporter_phone, pseudonym)
        changed[str(row.id)] = {"reporter_name": row.reporter_name, "reporter_phone": row.reporter_phone}
    if changed:
        for event in session.scalars(select(EventRow).where(EventRow.subject == "incident",
                                                            EventRow.subject_id.in_(list(changed)))):
            payload = dict(event.payload)
            touched = False
            for field, value in changed[event.subject_id].items():
                if payload.get(field) not in (None, value):
                    payload[field] = value
                    touched = True
            if touched:
                event.payload = payload
    return [row.id for row in rows]


def _swap(value: str | None, pseudonym: Callable[[str], str]) -> str | None:
    if value is None or value.startswith(PSEUDONYM_START):
        return value
    return PSEUDONYM_START + pseudonym(value)
