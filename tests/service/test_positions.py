"""Units report where they are: Traccar Client's OsmAnd protocol exactly as the app sends it, and the
GPS gateway's batches; late, out-of-order and repeated fixes are kept once and never move a unit back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coord_convert import transform as reference
from fastapi.testclient import TestClient

from service.context import ServiceContext
from service.domain import coords
from tests.service.conftest import Keys

DEVICE = "xf01-01"


def unit_of(operator: TestClient, device: str = DEVICE) -> dict:  # type: ignore[type-arg]
    return next(u for u in operator.get("/api/v1/units").json() if u["device_id"] == device)


def test_traccar_client_get_request_moves_the_unit(operator: TestClient) -> None:
    ts = int(datetime.now(UTC).timestamp())
    # The query string Traccar Client builds (OsmAnd protocol), speed in knots.
    r = operator.get(f"/osmand?id={DEVICE}&timestamp={ts}&lat=30.1655&lon=120.1502&speed=9.7192&bearing=87.5"
                     "&altitude=12.3&accuracy=4.8&batt=76.0&charge=true&hdop=0.9&motion=true")
    assert r.status_code == 200 and r.content == b""
    unit = unit_of(operator)
    assert (unit["lon"], unit["lat"]) == (120.1502, 30.1655)
    assert unit["speed_ms"] == pytest.approx(5.0, abs=0.01) and unit["heading"] == 87.5 and unit["battery"] == 76.0
    track = operator.get(f"/api/v1/units/{unit['id']}/track").json()
    assert track["geometry"]["coordinates"][-1] == [120.1502, 30.1655]


@pytest.mark.parametrize("timestamp", ["{s}", "{ms}", "{iso}", "{plain}"])
def test_every_timestamp_form_traccar_accepts_is_understood(operator: TestClient, timestamp: str) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    text = timestamp.format(s=int(at.timestamp()), ms=int(at.timestamp() * 1000), iso=at.isoformat(),
                            plain=at.strftime("%Y-%m-%d %H:%M:%S"))
    r = operator.post("/osmand", data={"deviceid": DEVICE, "timestamp": text, "location": "30.1601,120.1455"})
    assert r.status_code == 200, r.text
    assert unit_of(operator)["fix_time"] == at.isoformat()


def test_traccar_client_json_form_is_understood(operator: TestClient) -> None:
    body = {"device_id": DEVICE, "location": {
        "timestamp": datetime.now(UTC).isoformat(), "is_moving": True, "odometer": 1520.5, "event": "motionchange",
        "coords": {"latitude": 30.1622, "longitude": 120.1488, "accuracy": 6.1, "speed": 1.4, "heading": 271.0,
                   "altitude": 9.0},
        "battery": {"level": 0.64, "is_charging": False}, "activity": {"type": "walking"}}}
    assert operator.post("/osmand", json=body).status_code == 200
    unit = unit_of(operator)
    assert (unit["lon"], unit["lat"], unit["speed_ms"], unit["battery"]) == (120.1488, 30.1622, 1.4, 64.0)


def test_an_unknown_device_or_a_missing_position_gets_400_naming_it(operator: TestClient) -> None:
    r = operator.get("/osmand?id=stolen-phone&lat=30.16&lon=120.15")
    assert r.status_code == 400 and "unknown device" in r.text
    assert operator.get(f"/osmand?id={DEVICE}&lat=30.16").status_code == 400
    assert "timestamp" in operator.get(f"/osmand?id={DEVICE}&lat=30.16&lon=120.15&timestamp=yesterday").text


def test_late_out_of_order_and_repeated_fixes_are_kept_once_and_never_move_a_unit_back(
        client: TestClient, keys: Keys) -> None:
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=40)
    fix = lambda k: {"device_id": DEVICE, "time": (t0 + timedelta(seconds=10 * k)).isoformat(),  # noqa: E731
                     "lon": 120.15 + k * 0.001, "lat": 30.16}
    for batch in ([fix(3)], [fix(1), fix(2)], [fix(3), fix(2)]):
        r = client.post("/api/v1/positions/batch", json={"items": batch}, headers=keys.auth(keys.gps))
        assert r.status_code == 200, r.text
    unit = next(u for u in client.get("/api/v1/units", headers=keys.auth(keys.viewer)).json()
                if u["device_id"] == DEVICE)
    assert unit["lon"] == pytest.approx(120.153)  # the newest by device time, though it arrived first
    track = client.get(f"/api/v1/units/{unit['id']}/track", headers=keys.auth(keys.viewer)).json()
    assert [c[0] for c in track["geometry"]["coordinates"]] == pytest.approx([120.151, 120.152, 120.153])


def test_gateway_positions_in_gcj02_are_converted(client: TestClient, keys: Keys) -> None:
    glon, glat = reference.wgs2gcj(120.1502, 30.1655)  # independent of the code under test
    item = {"device_id": DEVICE, "time": datetime.now(UTC).isoformat(), "lon": float(glon), "lat": float(glat),
            "crs": "GCJ02"}
    assert client.post("/api/v1/positions/batch", json={"items": [item]}, headers=keys.auth(keys.gps)).status_code == 200
    unit = next(u for u in client.get("/api/v1/units", headers=keys.auth(keys.viewer)).json()
                if u["device_id"] == DEVICE)
    assert coords.haversine_m(unit["lon"], unit["lat"], 120.1502, 30.1655) < 0.05


def test_a_gateway_batch_keeps_good_fixes_and_names_bad_ones(client: TestClient, keys: Keys) -> None:
    now = datetime.now(UTC).isoformat()
    items = [{"device_id": DEVICE, "time": now, "lon": 120.15, "lat": 30.16},
             {"device_id": "nobody", "time": now, "lon": 120.15, "lat": 30.16},
             {"device_id": DEVICE, "time": "noon", "lon": 120.15, "lat": 30.16}]
    r = client.post("/api/v1/positions/batch", json={"items": items}, headers=keys.auth(keys.gps))
    assert r.status_code == 200
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (1, 2)
    assert {p["field"] for p in body["problems"]} == {"items[1].device_id", "items[2].time"}


def test_only_the_gps_gateway_or_an_operator_posts_positions(client: TestClient, keys: Keys) -> None:
    from service.domain.catalog import Channel
    r = client.post("/api/v1/positions/batch", json={"items": []}, headers=keys.auth(keys.feeds[Channel.POLICE_110]))
    assert r.status_code == 403


def test_a_unit_silent_for_too_long_is_marked_stale(ctx: ServiceContext, operator: TestClient) -> None:
    from sqlalchemy import update

    from service.store.models import UnitRow
    with ctx.db.write() as session:
        session.execute(update(UnitRow).where(UnitRow.device_id == DEVICE).values(fix_time_ms=0))
    ctx.dispatch.watch()
    assert unit_of(operator)["stale"] is True
    operator.get(f"/osmand?id={DEVICE}&lat=30.1655&lon=120.1502")
    assert unit_of(operator)["stale"] is False
