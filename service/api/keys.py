"""Access keys, for an administrator: create (the token is shown once), list, revoke at once, unlock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from service.api.auth import actor_of
from service.api.bounds import DbInt
from service.api.deps import KeyManager
from service.domain.access import Role
from service.domain.bounds import ID_MAX
from service.domain.catalog import Channel
from service.flows.keys import KeyAdmin

router = APIRouter(prefix="/api/v1/keys", tags=["keys and audit"])
KeyId = Annotated[int, Path(ge=1, le=ID_MAX, description="The key's id")]
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {401: {"description": "no key, or an unknown, revoked or locked one"},
              403: {"description": "the key is not an administrator's"},
              429: {"description": "too many failed keys from this address; see Retry-After"}}


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "wall screen", "role": "viewer"}, {"name": "12345 gateway", "role": "feed", "channel": "hotline12345"}]})

    name: str = Field(min_length=1, max_length=64)
    role: Role
    channel: Channel | None = Field(None, description="feed keys only: the one channel it posts to")
    department: str | None = Field(None, max_length=32, description="department keys only: its line department")
    unit_id: DbInt | None = Field(None, description="field_worker keys only: the unit whose cases it works")


class KeyInfo(BaseModel):
    id: int
    name: str
    role: str
    channel: str | None
    department: str | None
    unit_id: int | None
    prefix: str | None
    created_at: str
    revoked: bool
    revoked_at: str | None
    locked_until: str | None
    failed_attempts: int


class IssuedKey(KeyInfo):
    token: str = Field(description="Shown once: only its SHA-256 is kept")


def _admin(request: Request) -> KeyAdmin:
    keys: KeyAdmin = request.app.state.key_admin
    return keys


@router.post("", summary="Create a key (administrator); its token is in this answer only", status_code=201,
             response_model=IssuedKey, responses=ADMIN_ONLY)
def create_key(body: NewKey, who: KeyManager, request: Request) -> dict[str, Any]:
    info, token = _admin(request).create(actor_of(who), name=body.name, role=body.role, channel=body.channel,
                                       department=body.department, unit_id=body.unit_id)
    return {**info, "token": token}


@router.get("", summary="Every key, revoked and locked ones too, never a token (administrator)",
            response_model=list[KeyInfo], responses=ADMIN_ONLY)
def list_keys(who: KeyManager, request: Request) -> list[dict[str, Any]]:
    return _admin(request).list()


@router.post("/{key_id}/revoke", summary="Revoke a key; refused from the next request on (administrator)",
             response_model=KeyInfo, responses={**ADMIN_ONLY, 404: {"description": "no such key"}})
def revoke_key(key_id: KeyId, who: KeyManager, request: Request) -> dict[str, Any]:
    return _admin(request).revoke(actor_of(who), key_id)


@router.post("/{key_id}/unlock", summary="Unlock a key locked after failed attempts (administrator)",
             response_model=KeyInfo, responses={**ADMIN_ONLY, 404: {"description": "no such key"}})
def unlock_key(key_id: KeyId, who: KeyManager, request: Request) -> dict[str, Any]:
    return _admin(request).unlock(actor_of(who), key_id)
