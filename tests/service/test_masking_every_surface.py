"""Reporters' names, phones and e-mail addresses are shown whole to operators only, on EVERY read surface.

The surfaces are not hand-picked: every GET route the app has (from its own route table, hidden ones too)
is called with a key of every role. A new route needs nothing from this file to be checked; a route whose
parameters this file cannot fill, or a new role, or a new streaming route, fails the test until it is taught.
The stream is read in-process through the ASGI interface (its events are formatted by the code under test).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.context import ServiceContext
from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.clock import ManualClock
from service.exercise import process
from service.exercise.manager import ExerciseManager, ExerciseRequest
from service.exercise.manifest import ExerciseFolder
from tests.service import payloads
from tests.service.conftest import Keys
from tests.service.workflow_helpers import photo
from tests.support.asgi_stream import parse_events, read_stream

CALLER_NAME, CALLER_PHONE = "陈建国", "13857112345"          # police 110 (payloads.police110's caller)
RESIDENT_NAME, RESIDENT_PHONE, RESIDENT_EMAIL = "王小明", "13800138000", "xiaoming.wang@example.cn"  # Open311
SECRETS = (CALLER_PHONE, "建国", RESIDENT_PHONE, "小明", RESIDENT_EMAIL)
MASKED = ("138****2345", "陈**")

# GET routes that are not read surfaces: Traccar Client's positions (the OsmAnd protocol uses GET to write)
# and the API's own documentation.
NOT_READ_SURFACES = {"/osmand", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/health"}
# Surfaces for the administrator alone (keys, the audit trail): every other role is refused with 403.
ADMIN_ONLY = {"/api/v1/keys", "/api/v1/audit", "/api/v1/audit.csv"}
STREAMING = {"/api/v1/stream", "/api/v1/department/stream", "/api/v1/field/stream"}  # read below, event by event
# Keys that reach only their own things: elsewhere they get 403 (a feed key everywhere, a department key
# outside its inbox), and every other role gets 403 on a department's inbox.
RESTRICTED_ROLES = {Role.FEED, Role.DEPARTMENT, Role.FIELD_WORKER}
DEPARTMENT_ONLY = ("/api/v1/department/", "/api/v1/field/")
# Surfaces that must show the operator the reporter's data (else the masking check would prove nothing).
# Open311's requests carry no personal fields at all (GeoReport v2 GET requests has none): checked, not listed.
MUST_SHOW_OPERATOR = {"/api/v1/incidents/{incident_id}", "/api/v1/incidents", "/api/v1/snapshot",
                      "/api/v1/snapshot/incidents",
                      "/ogcapi/collections/{cid}/items", "/ogcapi/collections/{cid}/items/{fid}"}
# Trainers' surfaces (exercises, their scores, reviews and playback): every other role is refused (403).
TRAINER_ONLY = re.compile(r"^/api/v1/exercises(/|$)")


def all_routes(app: FastAPI) -> Iterator[Any]:
    """Every route, including those of included routers and those hidden from the OpenAPI document."""
    def walk(routes: list[Any]) -> Iterator[Any]:
        for r in routes:
            if hasattr(r, "original_router"):  # FastAPI >= 0.160 keeps included routers as one entry
                yield from walk(r.original_router.routes)
            elif getattr(r, "methods", None):
                yield r
    yield from walk(list(app.router.routes))


def key_for(keys: Keys, role: Role) -> list[tuple[str, str]]:
    by_role: dict[Role, list[tuple[str, str]]] = {
        Role.OPERATOR: [("operator", keys.operator)], Role.VIEWER: [("viewer", keys.viewer)],
        Role.GIS_EDITOR: [("gis_editor", keys.gis_editor)], Role.TRAINER: [("trainer", keys.trainer)],
        Role.ADMIN: [("admin", keys.admin)],
        # a feed key of the channel residents report through, and of the GPS gateway
        Role.FEED: [(f"feed:{ch.value}", keys.feeds[ch]) for ch in (Channel.OPEN311, Channel.GPS_GATEWAY)],
        Role.DEPARTMENT: [("department:城管", keys.department)],
        Role.FIELD_WORKER: [("field_worker", keys.field)],
    }
    assert role in by_role, f"a new role {role}: add its key here so every surface is checked for it"
    return by_role[role]


@pytest.fixture
def exercise(ctx: ServiceContext, cases: dict[str, Any]) -> str:
    """A recorded period of the live record holding the test's cases, replayed to its end in this process:
    the exercise's record then holds the callers' data, and its score, review and playback are read surfaces."""
    mgr = ExerciseManager(settings=ctx.settings, live_db=ctx.db, clock=ctx.clock)
    now = ctx.clock.now()
    created = mgr.create(ExerciseRequest(name="masking", period_start=now - timedelta(minutes=5),
                                         period_end=now + timedelta(minutes=1)), spawn=False)
    ex_ctx, session = process.build(ExerciseFolder(mgr.root / created["id"]), base=ManualClock(now))
    try:
        session.player.seek(now + timedelta(minutes=1))
        assert len(session.player.reports) == 2  # the police call and the Open311 request
    finally:
        ex_ctx.close()
    return str(created["id"])


@pytest.fixture
def cases(client: TestClient, keys: Keys) -> dict[str, Any]:
    op = keys.auth(keys.operator)
    police = client.post("/api/v1/channels/police110", json=payloads.police110(120.1502, 30.1655), headers=op)
    assert police.status_code == 201, police.text
    case = police.json()["incident"]
    acked = client.post(f"/api/v1/incidents/{case['id']}/actions",
                        json={"action": "acknowledge", "version": case["version"], "note": "已接警"}, headers=op)
    assert acked.status_code == 200, acked.text
    form = {"service_code": "E0102", "lat": "30.1601", "long": "120.1420", "description": "路口垃圾桶满溢",
            "first_name": "小明", "last_name": "王", "phone": RESIDENT_PHONE, "email": RESIDENT_EMAIL,
            "api_key": keys.feeds[Channel.OPEN311], "attribute[client_request_id]": RESIDENT_TICKET}
    r311 = client.post("/open311/v2/requests.json", data=form)
    assert r311.status_code == 200, r311.text
    unit_id = client.get("/api/v1/units", headers=op).json()[0]["id"]
    # the 110 case is whistled to 城管 (its inbox shows the caller, masked); the Open311 one gets a photo
    whistled = client.post(f"/api/v1/incidents/{case['id']}/actions", headers=op, json={
        "action": "whistle", "version": acked.json()["version"], "departments": ["城管"]})
    assert whistled.status_code == 200, whistled.text
    resident = int(r311.json()[0]["service_request_id"])
    version = client.post(f"/api/v1/incidents/{resident}/actions", headers=op,
                          json={"action": "acknowledge", "version": 1}).json()["version"]
    fed_back = client.post(f"/api/v1/incidents/{resident}/feedback", headers=op, data={"version": str(version)},
                           files=[("photos", ("p.png", photo(), "image/png"))])
    assert fed_back.status_code == 200, fed_back.text
    photo_id = client.get(f"/api/v1/incidents/{resident}/photos", headers=op).json()[0]["id"]
    return {"case": case, "open311": resident, "unit": unit_id, "photo": photo_id}


def _expand(client: TestClient, keys: Keys, path: str, cases: dict[str, Any]) -> list[str]:
    """Concrete URLs for a route path: each {parameter} filled with every value that reaches data."""
    op = keys.auth(keys.operator)
    values: dict[str, Callable[[dict[str, str]], list[str]]] = {
        "incident_id": lambda _: [str(cases["case"]["id"]), str(cases["open311"])],
        "request_id": lambda _: [str(cases["open311"]), str(cases["case"]["id"])],
        "unit_id": lambda _: [str(cases["unit"])],
        "exercise_id": lambda _: [cases["exercise"]],
        "photo_id": lambda _: [str(cases["photo"])],
        "fmt": lambda _: ["json"],
        "code": lambda _: ["E0102"] if path.startswith("/open311") else [cases["case"]["micro_grid"]],
        "cid": lambda _: [c["id"] for c in client.get("/ogcapi/collections", headers=op).json()["collections"]],
        "fid": lambda bound: [str(f["id"]) for f in client.get(f"/ogcapi/collections/{bound['cid']}/items",
                                                               params={"limit": 1000}, headers=op).json()["features"]
                              if bound["cid"] != "incidents" or f["id"] in (cases["case"]["id"], cases["open311"])][:2],
    }
    urls: list[tuple[str, dict[str, str]]] = [(path, {})]
    for name in re.findall(r"{(\w+)}", path):
        if name not in values:
            pytest.fail(f"{path}: this test does not know a value for {{{name}}}; teach it (_expand)")
        urls = [(u.replace("{" + name + "}", v, 1), {**bound, name: v}) for u, bound in urls for v in values[name](bound)]
    return [u for u, _ in urls]


RESIDENT_TICKET = "qr-masking-ticket-1"
REQUIRED_QUERY = {"/api/v1/coverage/patrol": {"day": "2026-11-21"}, "/api/v1/boundaries/export": {"level": "micro_grid"},
                  # a page is enough (the test's cases are the only incidents; 928 micro-grids need not be read 6 times)
                  "/ogcapi/collections/{cid}/items": {"limit": "50"},
                  # the resident's own report, followed by the ticket its page kept (no key)
                  "/api/v1/report/follow": {"ticket": RESIDENT_TICKET},
                  # a day either side of the test's cases
                  "/api/v1/playback": {"start": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                                       "end": (datetime.now(UTC) + timedelta(days=1)).isoformat()}}


def _text(r: Any) -> str:
    """The body as a reader sees it: JSON decoded (so \\u escapes cannot hide a name), else raw text."""
    try:
        return json.dumps(r.json(), ensure_ascii=False)
    except ValueError:
        return r.text


def test_every_get_route_masks_reporters_for_every_role_but_operator(client: TestClient, keys: Keys,
                                                                     cases: dict[str, Any], exercise: str) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    cases = {**cases, "exercise": exercise}
    openapi = app.openapi()["paths"]
    gets = sorted({r.path for r in all_routes(app) if "GET" in r.methods})
    streaming = {p for p in gets if "stream" in json.dumps(openapi.get(p, {}).get("get", {}).get("responses", {}))
                 and "text/event-stream" in json.dumps(openapi[p])}
    assert streaming == STREAMING, "a new streaming route: read it like test_the_stream_masks_reporters_for_every_role"
    for path in gets:
        required = [p["name"] for p in openapi.get(path, {}).get("get", {}).get("parameters", [])
                    if p["in"] == "query" and p.get("required")]
        missing = [q for q in required if q not in REQUIRED_QUERY.get(path, {})]
        assert not missing, f"{path}: this test does not know a value for required query {missing}"

    surfaces = [p for p in gets if p not in NOT_READ_SURFACES | STREAMING]
    shown_to_operator: set[str] = set()
    read_by_trainer: set[str] = set()
    checked = 0
    for path in surfaces:
        for url in _expand(client, keys, path, cases):
            for role in Role:
                for who, key in key_for(keys, role):
                    r = client.get(url, params=REQUIRED_QUERY.get(path, {}), headers=keys.auth(key))
                    assert r.status_code < 500, f"{who} GET {url}: {r.status_code} {r.text[:300]}"
                    if r.status_code != 200:
                        refused = r.status_code == 403 and (
                            (role is not Role.TRAINER and TRAINER_ONLY.match(path) is not None)
                            or (role is not Role.ADMIN and path in ADMIN_ONLY)
                            or path.startswith(DEPARTMENT_ONLY))
                        assert role in RESTRICTED_ROLES or refused or r.status_code == 404, \
                            f"{who} GET {url}: {r.status_code}"
                        continue
                    body = _text(r)
                    checked += 1
                    if role is Role.TRAINER:
                        read_by_trainer.add(path)
                    if role is Role.OPERATOR:
                        if CALLER_PHONE in body or RESIDENT_PHONE in body:
                            shown_to_operator.add(path)
                        continue
                    leaked = [s for s in SECRETS if s in body]
                    assert not leaked, f"{who} GET {url} shows {leaked}"
                    if CALLER_NAME[0] + "*" in body:  # where the caller appears at all, it appears masked
                        assert all(m in body for m in MASKED), f"{who} GET {url}: half-masked"
    assert set(surfaces) >= ADMIN_ONLY, "an administrator's surface is gone: update ADMIN_ONLY"
    missing_surfaces = MUST_SHOW_OPERATOR - shown_to_operator
    assert not missing_surfaces, f"the operator should see reporters on {missing_surfaces}"
    unread = {p for p in surfaces if TRAINER_ONLY.match(p)} - read_by_trainer
    assert not unread, f"the trainer's surfaces must answer the trainer (else nothing was checked): {unread}"
    assert checked > 100


def test_every_read_surface_shows_masked_data_to_a_viewer_where_an_operator_sees_it_whole(
        client: TestClient, keys: Keys, cases: dict[str, Any]) -> None:
    """Masking, not omission: the viewer still sees who called, as 陈** / 138****2345."""
    case_id = cases["case"]["id"]
    for url in (f"/api/v1/incidents/{case_id}", "/api/v1/snapshot", "/api/v1/snapshot/incidents",
                f"/ogcapi/collections/incidents/items/{case_id}"):
        body = _text(client.get(url, headers=keys.auth(keys.viewer)))
        assert all(m in body for m in MASKED), url


def test_the_compact_snapshot_rows_carry_no_reporter_for_any_role(client: TestClient, keys: Keys,
                                                                  cases: dict[str, Any]) -> None:
    """format=rows (the plugin's city-scale load) sends map and queue columns only: no name, phone or email."""
    for role in Role:
        for who, key in key_for(keys, role):
            r = client.get("/api/v1/snapshot/incidents", params={"format": "rows"}, headers=keys.auth(key))
            if role in RESTRICTED_ROLES:  # feed, department, field worker keys have no map
                assert r.status_code in (401, 403), f"{who}: {r.status_code}"
                continue
            assert r.status_code == 200, f"{who}: {r.status_code} {r.text[:300]}"
            assert cases["case"]["id"] in [row[0] for row in r.json()["rows"]]
            body = _text(r)
            assert not [s for s in (*SECRETS, CALLER_NAME, *MASKED) if s in body], f"{who} sees a reporter"


# --- the stream, read through the ASGI interface in this process -------------------------------------
@pytest.fixture
def stream_app(ctx: ServiceContext) -> Iterator[FastAPI]:
    from service.app import create_app

    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as c:  # runs the lifespan
        yield c.app  # type: ignore[misc]


def test_the_stream_masks_reporters_for_every_role(stream_app: FastAPI, ctx: ServiceContext, keys: Keys) -> None:
    from service.store import events as event_log

    with ctx.db.read() as session:
        before = event_log.last_id(session)
    with TestClient(stream_app) as client:
        r = client.post("/api/v1/channels/police110", json=payloads.police110(120.1502, 30.1655),
                        headers=keys.auth(keys.operator))
        assert r.status_code == 201
        for role in Role:
            for who, key in key_for(keys, role):
                if role in RESTRICTED_ROLES:
                    assert client.get("/api/v1/stream", headers=keys.auth(key)).status_code == 403, who
                    continue
                status, text = client.portal.call(  # type: ignore[union-attr]
                    lambda key=key: read_stream(stream_app, keys.auth(key), query=f"after={before}",
                                        until=lambda body: bool(parse_events(body))))
                assert status == 200, who
                event = parse_events(text)[0]["data"]
                assert event["kind"] == "incident.created" and event["payload"]["id"] == r.json()["id"]
                text = json.dumps(event, ensure_ascii=False)
                if role is Role.OPERATOR:
                    assert CALLER_PHONE in text and CALLER_NAME in text
                else:
                    assert CALLER_PHONE not in text and "建国" not in text, who
                    assert event["payload"]["reporter_phone"] == "138****2345", who


def test_the_department_stream_masks_reporters(stream_app: FastAPI, ctx: ServiceContext, keys: Keys) -> None:
    """A department sees the caller of a case it was whistled in on, masked, like every role but the operator."""
    from service.store import events as event_log

    with ctx.db.read() as session:
        before = event_log.last_id(session)
    with TestClient(stream_app) as client:
        op = keys.auth(keys.operator)
        case = client.post("/api/v1/channels/police110", json=payloads.police110(120.1502, 30.1655), headers=op).json()
        r = client.post(f"/api/v1/incidents/{case['id']}/actions", headers=op,
                        json={"action": "whistle", "version": case["incident"]["version"], "departments": ["城管"]})
        assert r.status_code == 200, r.text
        status, text = client.portal.call(  # type: ignore[union-attr]
            lambda: read_stream(stream_app, keys.auth(keys.department), query=f"after={before}",
                                path="/api/v1/department/stream", until=lambda body: bool(parse_events(body))))
        assert status == 200
        event = parse_events(text)[0]["data"]
        assert event["payload"]["id"] == case["id"] and event["payload"]["departments"]
        assert CALLER_PHONE not in text and "建国" not in text and all(m in text for m in MASKED)


def test_the_field_stream_masks_reporters(stream_app: FastAPI, ctx: ServiceContext, keys: Keys) -> None:
    """A field worker sees the caller of a case its unit is sent to, masked."""
    from service.store import events as event_log

    with ctx.db.read() as session:
        before = event_log.last_id(session)
    with TestClient(stream_app) as client:
        op = keys.auth(keys.operator)
        case = client.post("/api/v1/channels/police110", json=payloads.police110(120.1502, 30.1655), headers=op).json()
        r = client.post(f"/api/v1/incidents/{case['id']}/actions", headers=op,
                        json={"action": "dispatch", "version": case["incident"]["version"], "unit_id": keys.field_unit})
        assert r.status_code == 200, r.text
        status, text = client.portal.call(  # type: ignore[union-attr]
            lambda: read_stream(stream_app, keys.auth(keys.field), query=f"after={before}",
                                path="/api/v1/field/stream", until=lambda body: bool(parse_events(body))))
        assert status == 200
        event = parse_events(text)[0]["data"]
        assert event["payload"]["id"] == case["id"] and event["payload"]["assigned_unit"] == keys.field_unit
        assert CALLER_PHONE not in text and "建国" not in text and all(m in text for m in MASKED)
