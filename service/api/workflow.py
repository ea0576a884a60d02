"""The case workflow on the operator's side: feedback and verification with photos, the reporter's
reopen, and the photos of a case (service/flows/workflow.py). Filing, rejecting, sending back and the
rest are lifecycle actions on POST /api/v1/incidents/{id}/actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from service.api import present
from service.api.bounds import DbInt, IncidentId, PhotoId
from service.api.deps import ContextDep, Dispatcher, PrincipalDep, Reader
from service.context import Principal, ServiceContext
from service.domain.access import Permission, Role, allows
from service.domain.bounds import ID_MAX
from service.domain.errors import AccessDenied, NotFound
from service.domain.lifecycle import Action, ActionRequest, VerifyOutcome
from service.domain.notify import DeliveryStatus
from service.store import incidents as incident_store
from service.store import notifications as notification_store

router = APIRouter(prefix="/api/v1", tags=["workflow"])

Photos = Annotated[list[UploadFile], File(description="JPEG, PNG or WebP; thumbnails are made on arrival")]


def read_uploads(photos: list[UploadFile], ctx: ServiceContext) -> list[tuple[str, bytes]]:
    """(field name, bytes) of each upload, read no further than one byte past the limit."""
    return [(f"photos[{i}]", p.file.read(ctx.settings.max_photo_bytes + 1)) for i, p in enumerate(photos)]


def actor_of(who: Principal) -> str:
    return f"{who.role.value}:{who.name}"


@router.post("/incidents/{incident_id}/feedback", summary="Handler feedback (处理反馈) with photos and a note",
             description="For a unit's handling, entered at the center. The case becomes resolved (awaiting "
                         "verification) once every handler has fed back.")
def feedback(incident_id: IncidentId, who: Dispatcher, ctx: ContextDep, version: Annotated[int, Form(ge=0, le=ID_MAX)],
             note: Annotated[str | None, Form(max_length=2000)] = None, photos: Photos = []) -> dict[str, Any]:  # noqa: B006
    checked = ctx.workflow.check_photos(read_uploads(photos, ctx))
    record = ctx.workflow.act(incident_id, ActionRequest(action=Action.FEEDBACK, actor=actor_of(who),
                                                         version=version, note=note), checked)
    return present.incident(record, who, ctx)


@router.post("/incidents/{incident_id}/verification", summary="Verification (核查) on site, with photos",
             description="By someone other than the handler. outcome=pass closes the case; fail returns it to "
                         "the handler with the reason.")
def verification(incident_id: IncidentId, who: Dispatcher, ctx: ContextDep, version: Annotated[int, Form(ge=0, le=ID_MAX)],
                 outcome: Annotated[VerifyOutcome, Form()],
                 reason: Annotated[str | None, Form(max_length=2000)] = None,
                 note: Annotated[str | None, Form(max_length=2000)] = None, photos: Photos = []) -> dict[str, Any]:  # noqa: B006
    checked = ctx.workflow.check_photos(read_uploads(photos, ctx))
    record = ctx.workflow.act(incident_id, ActionRequest(action=Action.VERIFY, actor=actor_of(who), version=version,
                                                         note=note, outcome=outcome, reason=reason), checked)
    return present.incident(record, who, ctx)


class ReopenBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "垃圾又堆起来了"}]})

    reason: str = Field(min_length=1, max_length=2000, description="What is wrong again")
    version: DbInt | None = Field(None, description="The case version you saw; absent: the current one")


@router.post("/incidents/{incident_id}/reopen", summary="The reporter reopens a closed case",
             description="An operator, or the feed key of the channel the case came from (e.g. Open311), within "
                         "the reopen window (settings reopen_window_days). The case returns to its handler.")
def reopen(incident_id: IncidentId, body: ReopenBody, who: PrincipalDep, ctx: ContextDep) -> dict[str, Any]:
    with ctx.db.read() as session:
        row = incident_store.get(session=session, incident_id=incident_id)
        channel, version = (row.channel, row.version) if row is not None else (None, 0)
    if who.role is Role.FEED:
        if channel is None or who.channel != channel:
            raise NotFound(f"incident {incident_id} is not a case of channel {who.channel}")
    elif not allows(who.role, Permission.DISPATCH):
        raise AccessDenied(f"a {who.role.value} key may not reopen cases", authenticated=True)
    if channel is None:
        raise NotFound(f"incident {incident_id} does not exist")
    record = ctx.workflow.act(incident_id, ActionRequest(action=Action.REOPEN, actor=actor_of(who), note=body.reason,
                                                         reason=body.reason, version=body.version or version))
    return present.incident(record, who, ctx)


@router.get("/incidents/{incident_id}/photos", summary="The photos of a case's steps, oldest first")
def case_photos(incident_id: IncidentId, who: Reader, ctx: ContextDep) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        if incident_store.get(session=session, incident_id=incident_id) is None:
            raise NotFound(f"incident {incident_id} does not exist")
    return ctx.workflow.photos(incident_id)


def _photo(photo_id: PhotoId, who: Principal, ctx: ServiceContext, *, thumbnail: bool) -> FileResponse:
    if who.role is Role.DEPARTMENT:
        path, kind = ctx.workflow.photo_file(photo_id, thumbnail=thumbnail, department=who.department or "")
    elif allows(who.role, Permission.READ):
        path, kind = ctx.workflow.photo_file(photo_id, thumbnail=thumbnail)
    else:
        raise AccessDenied(f"a {who.role.value} key may not read photos", authenticated=True)
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "private, max-age=86400"})


@router.get("/photos/{photo_id}", summary="A photo (a department key: of its own cases only)",
            response_class=FileResponse)
def photo(photo_id: PhotoId, who: PrincipalDep, ctx: ContextDep) -> FileResponse:
    return _photo(photo_id, who, ctx, thumbnail=False)


@router.get("/photos/{photo_id}/thumbnail", summary="A photo's thumbnail (JPEG, 320 px)", response_class=FileResponse)
def photo_thumbnail(photo_id: PhotoId, who: PrincipalDep, ctx: ContextDep) -> FileResponse:
    return _photo(photo_id, who, ctx, thumbnail=True)




@router.get("/notifications", summary="Outbound notifications and what became of them, newest first",
            description="Each assignment, whistle, return, send-back and SLA breach, to whom, through which "
                        "configured webhook (settings notify_webhooks; not shown), sent or failed after retries.")
def notifications(who: Reader, ctx: ContextDep, incident_id: DbInt | None = None,
                  status: DeliveryStatus | None = None, limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        return notification_store.listing(session=session, incident_id=incident_id,
                                          status=status.value if status else None, limit=limit)
