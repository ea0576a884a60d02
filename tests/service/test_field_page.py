"""A field worker's phone: its unit's cases only, en route / arrived / resolved with a photo, and a step
replayed with the same Idempotency-Key acts once (the offline queue may send a step twice)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.context import ServiceContext
from service.domain.access import Role
from tests.service import payloads
from tests.service.conftest import Keys
from tests.service.workflow_helpers import LAT, LON, act, photo


def _grid_workers(client: TestClient, op: dict[str, str]) -> list[dict[str, Any]]:
    units = client.get("/api/v1/units", headers=op, params={"unit_type": "grid_worker"}).json()
    return [u for u in units if u["device_id"] and u["status"] == "available"]


@pytest.fixture
def field(client: TestClient, ctx: ServiceContext, keys: Keys) -> dict[str, Any]:
    op = keys.auth(keys.operator)
    mine, other = _grid_workers(client, op)[:2]
    case = client.post("/api/v1/channels/police110", headers=op, json=payloads.police110(LON, LAT)).json()["incident"]
    case = act(client, op, case, "dispatch", unit_id=mine["id"])
    return {"op": op, "case": case, "unit": mine,
            "mine": keys.auth(ctx.create_key(name="gw phone", role=Role.FIELD_WORKER, unit_id=mine["id"])),
            "other": keys.auth(ctx.create_key(name="gw2 phone", role=Role.FIELD_WORKER, unit_id=other["id"]))}


def test_a_field_worker_goes_en_route_arrives_and_resolves_with_a_photo(client: TestClient, field: dict[str, Any]) -> None:
    case, mine = field["case"], field["mine"]
    listed = client.get("/api/v1/field/cases", headers=mine).json()
    assert listed["unit"]["id"] == field["unit"]["id"] and [c["id"] for c in listed["items"]] == [case["id"]]
    assert client.get("/api/v1/field/cases", headers=field["other"]).json()["items"] == []
    for step in ("en_route", "arrive"):
        r = client.post(f"/api/v1/field/cases/{case['id']}/{step}", headers={**mine, "Idempotency-Key": f"k-{step}-0001"})
        assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/field/cases/{case['id']}/resolve", headers={**mine, "Idempotency-Key": "k-resolve-001"},
                    data={"note": "已处置"}, files=[("photos", ("p.jpg", photo("JPEG"), "image/jpeg"))])
    assert r.status_code == 200, r.text
    assert r.json()["incident"]["status"] == "resolved" and r.json()["replayed"] is False
    history = client.get(f"/api/v1/incidents/{case['id']}/history", headers=field["op"]).json()
    assert [h["action"] for h in history] == ["dispatch", "en_route", "arrive", "feedback"]
    assert history[-1]["actor"] == "field_worker:gw phone"
    assert len(client.get(f"/api/v1/incidents/{case['id']}/photos", headers=field["op"]).json()) == 1


def test_a_step_replayed_with_the_same_key_acts_once(client: TestClient, field: dict[str, Any]) -> None:
    case, mine = field["case"], field["mine"]
    headers = {**mine, "Idempotency-Key": "offline-step-0001"}
    first = client.post(f"/api/v1/field/cases/{case['id']}/en_route", headers=headers)
    again = client.post(f"/api/v1/field/cases/{case['id']}/en_route", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    history = client.get(f"/api/v1/incidents/{case['id']}/history", headers=field["op"]).json()
    assert [h["action"] for h in history].count("en_route") == 1
    # another phone's key is its own namespace: the same key text is a new step there (and not its case)
    assert client.post(f"/api/v1/field/cases/{case['id']}/en_route",
                       headers={**field["other"], "Idempotency-Key": "offline-step-0001"}).status_code == 404


def test_a_field_worker_sees_and_acts_on_its_own_unit_s_cases_only(client: TestClient, field: dict[str, Any],
                                                                   keys: Keys) -> None:
    case, other = field["case"], field["other"]
    for step in ("en_route", "arrive"):
        assert client.post(f"/api/v1/field/cases/{case['id']}/{step}", headers=other).status_code == 404
    r = client.post(f"/api/v1/field/cases/{case['id']}/resolve", headers=other, data={"note": "x"})
    assert r.status_code == 404
    assert client.get(f"/api/v1/incidents/{case['id']}", headers=field["op"]).json()["version"] == case["version"]
    for token in (keys.operator, keys.viewer, keys.department):
        assert client.get("/api/v1/field/cases", headers=keys.auth(token)).status_code == 403
        assert client.post(f"/api/v1/field/cases/{case['id']}/en_route", headers=keys.auth(token)).status_code == 403
    assert client.get("/api/v1/incidents", headers=field["mine"]).status_code == 403
    r = client.post(f"/api/v1/field/cases/{case['id']}/resolve", headers=field["mine"], data={"note": ""})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "note"
    page = client.get("/field/")
    assert page.status_code == 200 and "manifest.webmanifest" in page.text
    assert client.get("/field/manifest.webmanifest").json()["display"] == "standalone"
    assert client.get("/field/sw.js").status_code == 200


def test_the_phone_moves_its_own_unit_and_a_bad_fix_is_named(client: TestClient, field: dict[str, Any]) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    r = client.post("/api/v1/field/position", headers=field["mine"],
                    json={"time": now.isoformat(), "lon": LON + 0.001, "lat": LAT, "accuracy": 8})
    assert r.status_code == 200, r.text
    unit = next(u for u in client.get("/api/v1/units", headers=field["op"]).json() if u["id"] == field["unit"]["id"])
    assert abs(unit["lon"] - (LON + 0.001)) < 1e-6 and abs(unit["lat"] - LAT) < 1e-6
    future = client.post("/api/v1/field/position", headers=field["mine"],
                         json={"time": (now + timedelta(hours=2)).isoformat(), "lon": LON, "lat": LAT})
    assert future.status_code == 422 and "time" in future.text
    assert client.post("/api/v1/field/position", headers=field["op"],
                       json={"time": now.isoformat(), "lon": LON, "lat": LAT}).status_code == 403
