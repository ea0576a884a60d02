"""What the evaluation (综合评价) reads: the cases received in a period, each with its steps."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.domain.evaluation import CaseFacts, Step
from service.store.models import CaseActionRow, IncidentRow, UnitRow

_CHUNK = 500


def case_facts(*, session: Session, since: datetime, until: datetime) -> list[CaseFacts]:
    """Cases received in [since, until), not duplicates, with every recorded step in order."""
    rows = session.execute(select(
        IncidentRow.id, IncidentRow.category, IncidentRow.priority, IncidentRow.status, IncidentRow.received_at,
        IncidentRow.grid, IncidentRow.departments, IncidentRow.assigned_unit)
        .where(IncidentRow.received_at >= since, IncidentRow.received_at < until,
               IncidentRow.duplicate_of.is_(None)).order_by(IncidentRow.id)).all()
    steps: dict[int, list[Step]] = defaultdict(list)
    ids = [r.id for r in rows]
    for start in range(0, len(ids), _CHUNK):
        for a in session.execute(select(CaseActionRow.incident_id, CaseActionRow.action, CaseActionRow.actor,
                                        CaseActionRow.details, CaseActionRow.at)
                                 .where(CaseActionRow.incident_id.in_(ids[start:start + _CHUNK]))
                                 .order_by(CaseActionRow.id)):
            steps[a.incident_id].append(Step(a.action, a.actor, dict(a.details or {}), a.at))
    return [CaseFacts(r.id, r.category, r.priority, r.status, r.received_at, r.grid, dict(r.departments or {}),
                      r.assigned_unit, steps[r.id]) for r in rows]


def unit_names(*, session: Session) -> dict[int, str]:
    return {i: f"{callsign} {name}" for i, callsign, name in session.execute(
        select(UnitRow.id, UnitRow.callsign, UnitRow.name))}
