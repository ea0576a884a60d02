"""A line department's inbox (吹哨报到: the grid blows the whistle, departments report): the cases it was
whistled in on, and its answers. A department key sees and acts on its own cases only; another
department's case does not exist for it (404). The phone page at /dept/ uses these endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from service.api import present
from service.api.bounds import DbInt, IncidentId
from service.api.deps import ContextDep, PrincipalDep
from service.api.scoped import STREAM_RESPONSES, shown, stream_response
from service.api.workflow import Photos, actor_of, read_uploads
from service.context import Principal, ServiceContext
from service.domain.access import Role
from service.domain.bounds import ID_MAX
from service.domain.errors import AccessDenied
from service.domain.lifecycle import OPEN_STATUSES, Action, ActionRequest, CaseStatus
from service.store import incidents as incident_store
from service.store import units as unit_store
from service.store import workflow as workflow_store

router = APIRouter(prefix="/api/v1/department", tags=["department"])


def department_key(who: PrincipalDep) -> Principal:
    if who.role is not Role.DEPARTMENT or not who.department:
        raise AccessDenied(f"a {who.role.value} key has no department inbox; use a department key",
                           authenticated=True)
    return who


Department = Annotated[Principal, Depends(department_key)]


class VersionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: DbInt = Field(description="The case version you saw; a stale one gets 409 with the current state")
    note: str | None = Field(None, max_length=2000)


class MoreTimeBody(VersionBody):
    minutes: int = Field(description="How much longer handling will take", ge=1, le=7 * 24 * 60)
    reason: str = Field(min_length=1, max_length=2000)


class SendBackBody(VersionBody):
    reason: str = Field(min_length=1, max_length=2000, description="Why this is not the department's case")


def _request(who: Principal, action: Action, version: int, note: str | None = None, **extra: Any) -> ActionRequest:
    return ActionRequest(action=action, actor=actor_of(who), version=version, note=note,
                         department=who.department, **extra)


def _own(incident_id: IncidentId, who: Principal, ctx: ServiceContext) -> None:
    ctx.workflow.department_case(incident_id, who.department or "")


@router.get("/cases", summary="The cases this department was whistled in on, newest first")
def cases(who: Department, ctx: ContextDep, open_only: bool = Query(True, alias="open"),
          limit: int = Query(200, ge=1, le=1000)) -> dict[str, Any]:
    statuses = [s.value for s in OPEN_STATUSES | {CaseStatus.RESOLVED}] if open_only else None
    with ctx.db.read() as session:
        rows = workflow_store.department_cases(session=session, department=who.department or "", statuses=statuses,
                                               limit=limit)
        items = [shown(incident_store.as_dict(r), who, ctx) for r in rows]
    return {"department": who.department, "items": items}


@router.get("/cases/{incident_id}", summary="One of this department's cases, with its steps and photos")
def case(incident_id: IncidentId, who: Department, ctx: ContextDep) -> dict[str, Any]:
    record = ctx.workflow.department_case(incident_id, who.department or "")
    with ctx.db.read() as session:
        steps = unit_store.history(session=session, incident_id=incident_id)
    return {**shown(record, who, ctx), "history": steps, "photos": ctx.workflow.photos(incident_id)}


@router.post("/cases/{incident_id}/accept", summary="Accept the case (报到)")
def accept(incident_id: IncidentId, body: VersionBody, who: Department, ctx: ContextDep) -> dict[str, Any]:
    _own(incident_id, who, ctx)
    record = ctx.workflow.act(incident_id, _request(who, Action.DEPARTMENT_ACKNOWLEDGE, body.version, body.note))
    return present.incident(record, who, ctx)


@router.post("/cases/{incident_id}/feedback", summary="Report the case handled (处理反馈), with photos and a note")
def feedback(incident_id: IncidentId, who: Department, ctx: ContextDep, version: Annotated[int, Form(ge=0, le=ID_MAX)],
             note: Annotated[str, Form(min_length=1, max_length=2000)], photos: Photos = []) -> dict[str, Any]:  # noqa: B006
    _own(incident_id, who, ctx)
    checked = ctx.workflow.check_photos(read_uploads(photos, ctx))
    record = ctx.workflow.act(incident_id, _request(who, Action.FEEDBACK, version, note), checked)
    return present.incident(record, who, ctx)


@router.post("/cases/{incident_id}/more_time", summary="Ask for more time to handle the case")
def more_time(incident_id: IncidentId, body: MoreTimeBody, who: Department, ctx: ContextDep) -> dict[str, Any]:
    _own(incident_id, who, ctx)
    record = ctx.workflow.act(incident_id, _request(who, Action.REQUEST_MORE_TIME, body.version,
                                                    body.note or body.reason, minutes=body.minutes,
                                                    reason=body.reason))
    return present.incident(record, who, ctx)


@router.post("/cases/{incident_id}/send_back", summary="Send the case back to the center, with the reason")
def send_back(incident_id: IncidentId, body: SendBackBody, who: Department, ctx: ContextDep) -> dict[str, Any]:
    _own(incident_id, who, ctx)
    record = ctx.workflow.act(incident_id, _request(who, Action.SEND_BACK, body.version, body.note or body.reason,
                                                    reason=body.reason))
    return present.incident(record, who, ctx)


# --- the live inbox -------------------------------------------------------------------------------
@router.get("/stream", summary="This department's cases, live, as Server-Sent Events",
            description="Every change to a case this department is whistled in on (incident.created / "
                        "incident.updated, reporters masked). Resume with Last-Event-ID or ?after=.",
            response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def stream(who: Department, ctx: ContextDep, last_event_id: str | None = Header(None, alias="Last-Event-ID"),
                 after: int | None = Query(None, ge=0, le=ID_MAX, description="Start after this event id")) -> StreamingResponse:
    department = who.department or ""
    return stream_response(ctx, who, last_event_id, after, lambda p: department in (p.get("departments") or {}),
                           department)
