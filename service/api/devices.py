"""Devices that report positions: a token per unit's phone (shown once, with a QR code that configures
Traccar Client), the OsmAnd door (network allowlist, token or relaying key, per-device rate limit)."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import segno
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from service.api.auth import Gatekeeper, actor_of, client_address
from service.api.bounds import UnitId
from service.api.deps import ContextDep, DeviceIssuer, bearer_token
from service.context import ServiceContext
from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.errors import AccessDenied, Conflict, NotFound, Throttled
from service.domain.throttle import SlidingWindow
from service.flows.audit import AuditAction, Outcome
from service.settings import Settings
from service.store import devices as device_store
from service.store import units as unit_store

router = APIRouter(prefix="/api/v1", tags=["units and positions"])
RATE_WINDOW_S = 60.0


class DeviceToken(BaseModel):
    unit_id: int
    callsign: str
    device_id: str = Field(description="the unit's registered device id (public, shown on the map)")
    device_token: str = Field(description="Traccar Client's 'Device identifier'; shown once, only its hash is kept")
    server_url: str = Field(description="Traccar Client's 'Server URL'")
    config_url: str = Field(description="what the QR code holds: the server URL with the device identifier")
    qr_svg: str = Field(description="an SVG QR code of config_url; scan it in Traccar Client's settings")


class DeviceGate:
    """Who may move a unit through the OsmAnd protocol, and how often."""

    def __init__(self, settings: Settings) -> None:
        self.networks = [ipaddress.ip_network(n, strict=False) for n in settings.osmand_allowed_networks]
        self.window = SlidingWindow(limit=settings.device_fixes_per_minute, window_s=RATE_WINDOW_S)

    def check_network(self, request: Request) -> None:
        if not self.networks:
            return
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            address = None
        if address is None or not any(address in n for n in self.networks):
            raise AccessDenied(f"{client_address(request)} is not in the networks allowed to send positions",
                               authenticated=True)

    def resolve(self, request: Request, ctx: ServiceContext, gatekeeper: Gatekeeper, device: str) -> str:
        """The registered device id the sender may report for: its token's unit, or (with a relaying key:
        an operator's or the GPS gateway's) the id it names."""
        gatekeeper.check_address(request)
        token = bearer_token(request)
        if token:  # a relaying gateway: its key is checked from the cache, no read per fix
            who = gatekeeper.authenticate(request, token)
            if who.role is Role.OPERATOR or (who.role is Role.FEED and who.channel == Channel.GPS_GATEWAY.value):
                return device
            raise AccessDenied(f"a {who.role.value} key may not relay positions", authenticated=True)
        with ctx.db.read() as session:
            found = device_store.device_for_token(session=session, token=device)
        if found is not None:
            return found[1]
        gatekeeper.device_failed(request, device)
        raise AccessDenied("id: not a device token; issue one for the unit (POST /api/v1/units/{id}/device-token) "
                           "and set it as Traccar Client's device identifier", authenticated=False)

    def take(self, device: str) -> None:
        wait = self.window.take(device, time.monotonic())
        if wait is not None:
            raise Throttled(f"device {device}: more than {self.window.limit} positions a minute", retry_after_s=wait)


def osmand_server_url(request: Request, settings: Settings) -> str:
    if settings.osmand_port:
        host = request.url.hostname or settings.host
        return f"{request.url.scheme}://{host}:{settings.osmand_port}"
    return str(request.base_url).rstrip("/") + "/osmand"


@router.post("/units/{unit_id}/device-token", status_code=201, response_model=DeviceToken,
             summary="Issue the unit's phone a device token (the previous one stops working), with a QR code",
             description="Shown once. Scan `qr_svg` in Traccar Client (Settings > scan QR code) or type `server_url` "
                         "and `device_token` as its server URL and device identifier.",
             responses={401: {"description": "no key or a bad one"}, 403: {"description": "not an operator or "
                        "administrator"}, 404: {"description": "no such unit"},
                        409: {"description": "the unit has no registered device"},
                        429: {"description": "too many failed keys from this address"}})
def issue_device_token(unit_id: UnitId, request: Request, ctx: ContextDep,
                       who: DeviceIssuer) -> dict[str, Any]:
    actor = actor_of(who)
    with ctx.db.write() as session:
        unit = unit_store.get(session=session, unit_id=unit_id)
        if unit is None:
            raise NotFound(f"unit {unit_id} does not exist")
        if not unit.device_id:
            raise Conflict(f"unit {unit_id} has no registered device; register one first",
                           current={"device_id": None})
        token = device_store.issue(session=session, unit_id=unit_id, issued_by=actor.name, now=ctx.clock.now())
        ctx.audit.write_now(session, actor, AuditAction.DEVICE_TOKEN_ISSUED, outcome=Outcome.SUCCESS,
                            target=f"unit:{unit_id}", details={"device_id": unit.device_id})
        callsign, device_id = unit.callsign, unit.device_id
    server = osmand_server_url(request, ctx.settings)
    config = f"{server}?id={token}"
    return {"unit_id": unit_id, "callsign": callsign, "device_id": device_id, "device_token": token,
            "server_url": server, "config_url": config, "qr_svg": segno.make(config, error="m").svg_inline(scale=4)}


async def resolve_device(request: Request, ctx: ServiceContext, device: str) -> str:
    gate: DeviceGate = request.app.state.device_gate
    gatekeeper: Gatekeeper = request.app.state.gatekeeper
    gate.check_network(request)
    registered = await run_in_threadpool(gate.resolve, request, ctx, gatekeeper, device)
    gate.take(registered)
    return registered
