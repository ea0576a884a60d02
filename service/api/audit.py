"""The audit trail for an administrator: query it, or export it as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from service.api.auth import actor_of
from service.api.bounds import Offset, UtcTime
from service.api.deps import Auditor, ContextDep
from service.flows.audit import AuditAction, Outcome
from service.store.audit import AuditFilter

router = APIRouter(prefix="/api/v1", tags=["keys and audit"])
COLUMNS = ("id", "at", "actor", "source", "action", "target", "outcome", "details")
AUDITOR_ONLY: dict[int | str, dict[str, Any]] = {401: {"description": "no key, or an unknown, revoked or locked one"},
                403: {"description": "the key is not an administrator's"},
                429: {"description": "too many failed keys from this address; see Retry-After"}}


class AuditRecord(BaseModel):
    id: int
    at: str
    actor: str
    source: str
    action: str
    target: str | None
    outcome: str
    details: dict[str, Any]


def _filter(since: UtcTime | None, until: UtcTime | None, actor: str | None, action: str | None,
            outcome: Outcome | None, limit: int, offset: int) -> AuditFilter:
    return AuditFilter(since=since, until=until, actor=actor, action=action,
                       outcome=outcome.value if outcome else None, limit=limit, offset=offset)


def _cell(text: str) -> str:
    """A key name like '=HYPERLINK(...)' must not become a formula in the spreadsheet that opens the export."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/audit", summary="Audit records, newest first, with filters (administrator)",
            response_model=list[AuditRecord], responses=AUDITOR_ONLY)
def audit(who: Auditor, ctx: ContextDep, since: UtcTime | None = None, until: UtcTime | None = None,
          actor: str | None = Query(None, max_length=128), action: str | None = Query(None, max_length=128,
          description="an action or its start, e.g. 'key.' or 'POST /api/v1/incidents'"),
          outcome: Outcome | None = None, limit: int = Query(1000, ge=1, le=10_000),
          offset: Offset = 0) -> list[dict[str, Any]]:
    return ctx.audit.query(_filter(since, until, actor, action, outcome, limit, offset))


@router.get("/audit.csv", summary="Audit records as CSV (administrator); the export is itself audited",
            responses={**AUDITOR_ONLY, 200: {"content": {"text/csv": {}}}}, response_class=Response)
def audit_csv(who: Auditor, ctx: ContextDep, since: UtcTime | None = None, until: UtcTime | None = None,
              actor: str | None = Query(None, max_length=128), action: str | None = Query(None, max_length=128),
              outcome: Outcome | None = None, limit: int = Query(100_000, ge=1, le=1_000_000),
              offset: Offset = 0) -> Response:
    rows = ctx.audit.query(_filter(since, until, actor, action, outcome, limit, offset))
    ctx.audit.record(actor_of(who), AuditAction.AUDIT_EXPORTED, outcome=Outcome.SUCCESS,
                     details={"rows": len(rows)})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r["id"], r["at"], _cell(r["actor"]), r["source"], _cell(r["action"]), _cell(r["target"] or ""),
                         r["outcome"], _cell(orjson.dumps(r["details"]).decode())])
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
