"""Request dependencies: the service context and the caller's key, checked against a permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.api.auth import Gatekeeper
from service.context import Principal, ServiceContext
from service.domain.access import Permission, Role, allows
from service.domain.catalog import Channel
from service.domain.errors import AccessDenied


def get_context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.context
    return ctx


ContextDep = Annotated[ServiceContext, Depends(get_context)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("x-api-key") or request.query_params.get("api_key")


def principal(request: Request) -> Principal:
    gatekeeper: Gatekeeper = request.app.state.gatekeeper
    return gatekeeper.authenticate(request, bearer_token(request))


PrincipalDep = Annotated[Principal, Depends(principal)]


def require(permission: Permission):  # type: ignore[no-untyped-def]
    """Dependency factory: the caller's key must grant `permission`."""

    def check(who: PrincipalDep) -> Principal:
        if not allows(who.role, permission):
            raise AccessDenied(f"a {who.role.value} key may not {permission.value.replace('_', ' ')}",
                               authenticated=True)
        return who

    return Depends(check)


def check_channel(who: Principal, channel: Channel) -> None:
    if not allows(who.role, Permission.POST_CHANNEL, key_channel=who.channel, channel=channel):
        if who.role is Role.FEED:
            raise AccessDenied(f"this feed key belongs to channel {who.channel!r} and may not post to "
                               f"{channel.value!r}", authenticated=True)
        raise AccessDenied(f"a {who.role.value} key may not post to channels", authenticated=True)


Reader = Annotated[Principal, require(Permission.READ)]
Dispatcher = Annotated[Principal, require(Permission.DISPATCH)]
GisEditor = Annotated[Principal, require(Permission.EDIT_BOUNDARIES)]
KeyManager = Annotated[Principal, require(Permission.MANAGE_KEYS)]
Auditor = Annotated[Principal, require(Permission.READ_AUDIT)]
DeviceIssuer = Annotated[Principal, require(Permission.ISSUE_DEVICE_TOKENS)]
