"""A unit's phone is given an unguessable device token (with a QR code for Traccar Client); only that
token, or a relaying gateway's key, moves the unit; a phone is held to its rate and its network."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.settings import Settings
from tests.service.conftest import Keys

DEVICE = "xf01-01"
LON, LAT = 120.1502, 30.1655


def _unit(client: TestClient, keys: Keys) -> dict:  # type: ignore[type-arg]
    units = client.get("/api/v1/units", headers=keys.auth(keys.operator)).json()
    return next(u for u in units if u["device_id"] == DEVICE)


def _fix(lon: float = LON, lat: float = LAT) -> dict[str, str]:
    return {"timestamp": str(int(datetime.now(UTC).timestamp())), "lat": str(lat), "lon": str(lon)}


def test_a_phone_with_its_device_token_moves_its_unit_and_a_bare_device_id_does_not(
        client: TestClient, keys: Keys) -> None:
    unit = _unit(client, keys)
    r = client.get("/osmand", params={"id": DEVICE, **_fix(120.14, 30.17)})
    assert r.status_code == 401 and "device token" in r.text
    issued = client.post(f"/api/v1/units/{unit['id']}/device-token", headers=keys.auth(keys.operator))
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["device_id"] == DEVICE and len(body["device_token"]) >= 20 and DEVICE not in body["device_token"]
    assert body["config_url"] == f"{body['server_url']}?id={body['device_token']}"
    assert body["qr_svg"].startswith("<svg") and "path" in body["qr_svg"]

    r = client.get("/osmand", params={"id": body["device_token"], **_fix()})
    assert r.status_code == 200, r.text
    assert (_unit(client, keys)["lon"], _unit(client, keys)["lat"]) == (LON, LAT)

    again = client.post(f"/api/v1/units/{unit['id']}/device-token", headers=keys.auth(keys.operator)).json()
    assert client.get("/osmand", params={"id": body["device_token"], **_fix()}).status_code == 401
    assert client.get("/osmand", params={"id": again["device_token"], **_fix()}).status_code == 200


def test_a_viewer_may_not_issue_device_tokens(client: TestClient, keys: Keys) -> None:
    unit = _unit(client, keys)
    assert client.post(f"/api/v1/units/{unit['id']}/device-token", headers=keys.auth(keys.viewer)).status_code == 403


def test_the_gps_gateway_relays_by_registered_device_id_with_its_feed_key(client: TestClient, keys: Keys) -> None:
    r = client.get("/osmand", params={"id": DEVICE, **_fix()}, headers=keys.auth(keys.gps))
    assert r.status_code == 200, r.text
    r = client.get("/osmand", params={"id": DEVICE, **_fix()}, headers=keys.auth(keys.viewer))
    assert r.status_code == 403


@pytest.fixture
def strict(settings: Settings) -> Iterator[tuple[TestClient, ServiceContext]]:
    tight = settings.model_copy(update={"device_fixes_per_minute": 3, "osmand_allowed_networks": ["10.0.0.0/8"]})
    context = ServiceContext(tight)
    with TestClient(create_app(tight, context=context, watch=False), client=("10.1.2.3", 5055)) as c:
        yield c, context
    context.close()


def test_a_phone_over_its_rate_gets_429_and_one_outside_the_allowed_network_gets_403(
        strict: tuple[TestClient, ServiceContext], keys: Keys) -> None:
    client, _ = strict
    statuses = [client.get("/osmand", params={"id": DEVICE, **_fix()}, headers=keys.auth(keys.gps)).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    outsider = TestClient(client.app, client=("192.168.9.9", 5055))
    r = outsider.get("/osmand", params={"id": DEVICE, **_fix()}, headers=keys.auth(keys.gps))
    assert r.status_code == 403 and "192.168.9.9" in r.text
