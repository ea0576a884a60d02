"""A department key sees and acts on its own cases only: every endpoint a department can call is tried
with another department's key (404, nothing changed) and with keys of other roles (403). The endpoint
list is read from the app's route table, so a new endpoint fails here until it is covered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.context import ServiceContext
from service.demo.street import DemoStreet
from tests.service.conftest import Keys
from tests.service.test_masking_every_surface import all_routes
from tests.service.workflow_helpers import act, citymgmt_case, department_key, photo
from tests.support.asgi_stream import parse_events, read_stream

# How each department endpoint is called on a case (method, JSON body or form, files).
CASE_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "/api/v1/department/cases/{incident_id}": ("GET", {}),
    "/api/v1/department/cases/{incident_id}/accept": ("POST", {"json": {"version": "{version}"}}),
    "/api/v1/department/cases/{incident_id}/feedback": ("POST", {"data": {"version": "{version}", "note": "done"}}),
    "/api/v1/department/cases/{incident_id}/more_time": (
        "POST", {"json": {"version": "{version}", "minutes": 60, "reason": "parts"}}),
    "/api/v1/department/cases/{incident_id}/send_back": ("POST", {"json": {"version": "{version}", "reason": "no"}}),
}
PHOTO_CALLS = ("/api/v1/photos/{photo_id}", "/api/v1/photos/{photo_id}/thumbnail")
LIST_CALLS = ("/api/v1/department/cases", "/api/v1/department/stream")


def _fill(value: Any, version: int) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, version) for k, v in value.items()}
    return version if value == "{version}" else value


@pytest.fixture
def setup(client: TestClient, ctx: ServiceContext, keys: Keys, demo: DemoStreet) -> dict[str, Any]:
    """A case whistled to one department (with a feedback photo), another department's key."""
    mine, other = "城管", "水务"
    assert {mine, other} <= set(demo.departments)
    op = keys.auth(keys.operator)
    own_key, other_key = department_key(ctx, mine), department_key(ctx, other)
    case = act(client, op, act(client, op, citymgmt_case(client, keys.operator), "file"), "whistle", departments=[mine])
    case = client.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]},
                       headers=own_key).json()
    second = act(client, op, act(client, op, citymgmt_case(client, keys.operator, "SZCG-WF-0002", place=1), "file"),
                 "whistle", departments=[mine])
    r = client.post(f"/api/v1/department/cases/{second['id']}/accept", json={"version": second["version"]},
                    headers=own_key)
    second = client.post(f"/api/v1/department/cases/{second['id']}/feedback", headers=own_key,
                         data={"version": str(r.json()["version"]), "note": "ok"},
                         files=[("photos", ("a.png", photo(), "image/png"))]).json()
    photo_id = client.get(f"/api/v1/incidents/{second['id']}/photos", headers=op).json()[0]["id"]
    return {"case": case, "photo_id": photo_id, "own": own_key, "other": other_key, "op": op}


def test_every_department_endpoint_is_covered_here(client: TestClient) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    paths = {r.path for r in all_routes(app) if r.path.startswith(("/api/v1/department", "/api/v1/photos"))}
    assert paths == set(CASE_CALLS) | set(PHOTO_CALLS) | set(LIST_CALLS)


def test_another_department_cannot_see_or_act_on_a_case_of_this_department(
        client: TestClient, setup: dict[str, Any]) -> None:
    case = setup["case"]
    for path, (method, kwargs) in CASE_CALLS.items():
        url = path.replace("{incident_id}", str(case["id"]))
        r = client.request(method, url, headers=setup["other"], **_fill(kwargs, case["version"]))
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
        assert "水务" not in json.dumps(client.get(f"/api/v1/incidents/{case['id']}", headers=setup["op"]).json(),
                                      ensure_ascii=False)
    after = client.get(f"/api/v1/incidents/{case['id']}", headers=setup["op"]).json()
    assert after["version"] == case["version"]  # nothing changed
    for path in PHOTO_CALLS:
        url = path.replace("{photo_id}", str(setup["photo_id"]))
        assert client.get(url, headers=setup["other"]).status_code == 404, path
        assert client.get(url, headers=setup["own"]).status_code == 200, path
    assert client.get("/api/v1/department/cases?open=false", headers=setup["other"]).json()["items"] == []
    assert len(client.get("/api/v1/department/cases?open=false", headers=setup["own"]).json()["items"]) == 2


def test_keys_of_other_roles_have_no_department_inbox_and_a_department_no_operator_api(
        client: TestClient, setup: dict[str, Any], keys: Keys) -> None:
    case = setup["case"]
    for token in (keys.operator, keys.viewer, keys.gis_editor, keys.trainer, keys.gps):
        for path, (method, kwargs) in CASE_CALLS.items():
            url = path.replace("{incident_id}", str(case["id"]))
            r = client.request(method, url, headers=keys.auth(token), **_fill(kwargs, case["version"]))
            assert r.status_code == 403, f"{method} {path}: {r.status_code}"
        for path in LIST_CALLS:
            assert client.get(path, headers=keys.auth(token)).status_code == 403, path
    own = setup["own"]
    assert client.get(f"/api/v1/incidents/{case['id']}", headers=own).status_code == 403
    assert client.get("/api/v1/incidents", headers=own).status_code == 403
    assert client.post(f"/api/v1/incidents/{case['id']}/actions", headers=own,
                       json={"action": "verify", "version": case["version"], "outcome": "pass"}).status_code == 403
    assert client.get("/api/v1/stream", headers=own).status_code == 403
    assert client.get("/dept/").status_code == 200 and "部门收件箱" in client.get("/dept/").text


def test_the_department_stream_carries_its_own_cases_only(
        client: TestClient, setup: dict[str, Any], keys: Keys, ctx: ServiceContext) -> None:
    from service.store import events as event_log

    op = setup["op"]
    with ctx.db.read() as session:
        before = event_log.last_id(session)
    theirs = act(client, op, act(client, op, citymgmt_case(client, keys.operator, "SZCG-WF-0003", place=2), "file"),
                 "whistle", departments=["水务"])
    ours = act(client, op, setup["case"], "request_more_time", department="城管", minutes=30, reason="雨天")
    app = client.app
    status, text = client.portal.call(  # type: ignore[union-attr]
        lambda: read_stream(app, setup["own"], query=f"after={before}", path="/api/v1/department/stream",
                            until=lambda body: bool(parse_events(body))))
    assert status == 200
    events = parse_events(text)
    assert [e["data"]["subject_id"] for e in events] == [str(ours["id"])]
    assert theirs["external_id"] not in text and "水务" not in text
    assert events[0]["data"]["payload"]["sla"]  # shown as the inbox shows it: with its clocks
