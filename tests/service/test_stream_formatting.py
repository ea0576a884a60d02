"""The live stream's wire format, read in-process (fast, and reachable by mutation testing): SSE blocks with
id, event and data, the retry hint, heartbeats when idle, resumption by Last-Event-ID or ?after=, bad
resume ids named, personal data masked for a viewer, and the presentation of a case (SLA clocks, masking)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.access import Role
from service.domain.catalog import Channel
from service.settings import Settings
from tests.service import payloads
from tests.support.asgi_stream import parse_events, read_stream


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One small service (no demo street: reports outside any grid are kept) for the whole module."""
    folder: Path = tmp_path_factory.mktemp("stream")
    # priority 2 cases (110 water-pipe reports) get 3 minutes on scene; a burst pipe (E0402) 1 minute to acknowledge
    # is the default: both visible in every presented case's clocks
    ctx = ServiceContext(Settings(data_dir=folder, sse_heartbeat_seconds=0.3, sse_poll_seconds=0.1,
                                  sla_overrides={"p2": {"on_scene": 3}, "p3": {"on_scene": 4},
                                                 "E0103": {"acknowledge": 0.001}}))
    op, viewer = ctx.create_key(name="op", role=Role.OPERATOR), ctx.create_key(name="wall", role=Role.VIEWER)
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
        client.headers["Authorization"] = f"Bearer {op}"
        ids = []
        for i in range(3):
            r = client.post("/api/v1/channels/police110", json=payloads.police110(120.1502, 30.1655, alarm_no=f"S-{i}"))
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        yield {"client": client, "app": client.app, "op": op, "viewer": viewer, "ids": ids, "ctx": ctx}


def _read(live: dict[str, Any], key: str, *, query: str = "", headers: dict[str, str] | None = None,
          events: int = 0, heartbeats: int = 0) -> tuple[int, str]:
    def enough(body: str) -> bool:
        return len(parse_events(body)) >= events and body.count(": heartbeat\n\n") >= heartbeats

    async def go() -> tuple[int, str]:
        return await read_stream(live["app"], {"Authorization": f"Bearer {key}", **(headers or {})}, query=query,
                                 until=enough, deadline_s=15)

    return live["client"].portal.call(go)  # type: ignore[no-any-return]


def test_each_event_is_an_sse_block_with_its_id_kind_and_the_case(live: dict[str, Any]) -> None:
    status, body = _read(live, live["op"], query="after=0", events=3)
    assert status == 200
    assert body.startswith("retry: 2000\n: stream from event 0\n\n")
    events = parse_events(body)
    first = events[0]
    assert first["id"] == str(first["data"]["id"]) and first["event"] == "incident.created"
    assert set(first["data"]) == {"id", "kind", "occurred_at", "subject", "subject_id", "payload"}
    assert first["data"]["kind"] == "incident.created" and first["data"]["subject"] == "incident"
    assert first["data"]["subject_id"] == str(live["ids"][0]) and first["data"]["payload"]["id"] == live["ids"][0]
    assert datetime.fromisoformat(first["data"]["occurred_at"]).utcoffset() is not None
    assert [int(e["id"]) for e in events[:3]] == sorted(int(e["id"]) for e in events[:3])
    assert f"id: {first['id']}\nevent: incident.created\ndata: {{" in body
    # the operator sees the caller whole, with the case's SLA clocks
    payload = first["data"]["payload"]
    assert payload["reporter_phone"] == "13857112345" and payload["reporter_name"] == "陈建国"
    assert {c["kind"] for c in payload["sla"]} >= {"acknowledge", "on_scene"}
    assert payload["seconds_to_breach"] == min(c["seconds_to_breach"] for c in payload["sla"])


def test_a_viewer_gets_the_same_events_with_the_caller_masked(live: dict[str, Any]) -> None:
    _, body = _read(live, live["viewer"], query="after=0", events=3)
    payloads_seen = [e["data"]["payload"] for e in parse_events(body)[:3]]
    assert [p["id"] for p in payloads_seen] == live["ids"]
    assert all(p["reporter_phone"] == "138****2345" and p["reporter_name"] == "陈**" for p in payloads_seen)
    assert "13857112345" not in body and "建国" not in body


def test_resuming_by_last_event_id_or_after_sends_only_what_followed(live: dict[str, Any]) -> None:
    _, body = _read(live, live["op"], query="after=0", events=3)
    ids = [int(e["id"]) for e in parse_events(body)]
    _, by_header = _read(live, live["op"], headers={"Last-Event-ID": str(ids[0])}, events=2)
    assert [int(e["id"]) for e in parse_events(by_header)][:2] == ids[1:3]
    _, by_query = _read(live, live["op"], query=f"after={ids[1]}", events=1)
    assert [int(e["id"]) for e in parse_events(by_query)][:1] == ids[2:3]
    # the header wins over ?after=
    _, both = _read(live, live["op"], query="after=0", headers={"Last-Event-ID": str(ids[1])}, events=1)
    assert int(parse_events(both)[0]["id"]) == ids[2]


def test_an_idle_stream_sends_heartbeats_and_starts_at_the_present_without_after(live: dict[str, Any]) -> None:
    import time
    started = time.monotonic()
    _, body = _read(live, live["op"], heartbeats=3)
    elapsed = time.monotonic() - started
    assert parse_events(body) == []
    blocks = body.split("\n\n")
    assert blocks.count(": heartbeat") == 3 and blocks[-1] == ""  # comment blocks of their own
    assert 0.8 <= elapsed < 2.0  # one every 0.3 s, not one per poll (0.1 s)
    last = max(int(e["id"]) for e in parse_events(_read(live, live["op"], query="after=0", events=3)[1]))
    assert body.startswith(f"retry: 2000\n: stream from event {last}\n\n")


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", ""])
def test_a_malformed_last_event_id_is_refused_naming_it(live: dict[str, Any], value: str) -> None:
    r = live["client"].get("/api/v1/stream", headers={"Last-Event-ID": value})
    assert r.status_code == 422 and "Last-Event-ID" in r.text


def test_the_stream_needs_a_reading_key(live: dict[str, Any]) -> None:
    feed = live["ctx"].create_key(name="feed", role=Role.FEED, channel=Channel.POLICE_110)
    assert live["client"].get("/api/v1/stream", headers={"Authorization": f"Bearer {feed}"}).status_code == 403
    assert live["client"].get("/api/v1/stream", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_snapshot_holds_the_layers_asked_for_and_the_event_id_it_includes(live: dict[str, Any]) -> None:
    body = live["client"].get("/api/v1/snapshot", params={"layers": " incidents ,,units"}).json()
    assert set(body["layers"]) == {"incidents", "units"}
    # open cases only: the second and third reports at the same place were linked as duplicates of the first
    assert [f["id"] for f in body["layers"]["incidents"]["features"]] == live["ids"][:1]
    _, stream = _read(live, live["op"], query="after=0", events=3)
    assert body["last_event_id"] == max(int(e["id"]) for e in parse_events(stream))
    viewer = live["client"].get("/api/v1/snapshot", params={"layers": "incidents"},
                                headers={"Authorization": f"Bearer {live['viewer']}"}).json()
    assert {f["properties"]["reporter_phone"] for f in viewer["layers"]["incidents"]["features"]} == {"138****2345"}


def test_an_unknown_snapshot_layer_is_refused_naming_the_known_ones(live: dict[str, Any]) -> None:
    r = live["client"].get("/api/v1/snapshot", params={"layers": "incidents,roads"})
    assert r.status_code == 422
    problem = r.json()["error"]["problems"][0]
    assert problem == {"field": "layers", "reason": "unknown layer 'roads'; known: communities, grids, micro_grids, "
                                                    "defence_zones, patrol_zones, incidents, units"}


def test_a_presented_case_has_its_clocks_from_category_priority_and_milestones(live: dict[str, Any]) -> None:
    from datetime import timedelta

    client = live["client"]
    case = client.get(f"/api/v1/incidents/{live['ids'][0]}").json()
    received = datetime.fromisoformat(case["received_at"])
    clocks = {c["kind"]: c for c in case["sla"]}
    assert datetime.fromisoformat(clocks["acknowledge"]["deadline"]) == received + timedelta(minutes=1)
    minutes = {2: 3, 3: 4}.get(case["priority"], 10)
    assert datetime.fromisoformat(clocks["on_scene"]["deadline"]) == received + timedelta(minutes=minutes)
    acked = client.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "acknowledge",
                                                                          "version": case["version"]}).json()
    clocks = {c["kind"]: c for c in acked["sla"]}
    assert clocks["acknowledge"]["state"] in ("met", "met_late") and clocks["acknowledge"]["seconds_to_breach"] is None
    assert acked["seconds_to_breach"] == clocks["on_scene"]["seconds_to_breach"]


def test_open311_contact_details_are_masked_for_a_viewer_in_every_presented_form(live: dict[str, Any]) -> None:
    client, ctx = live["client"], live["ctx"]
    resident = ctx.create_key(name="mini", role=Role.FEED, channel=Channel.OPEN311)
    r = client.post("/open311/v2/requests.json", data={
        "api_key": resident, "service_code": "E0102", "lat": "30.1655", "long": "120.1602", "description": "垃圾满溢",
        "first_name": "小明", "last_name": "王", "phone": "13800138000", "email": "xm@example.cn", "device_id": "wx-1"})
    request_id = r.json()[0]["service_request_id"]
    viewer = {"Authorization": f"Bearer {live['viewer']}"}
    seen = client.get(f"/api/v1/incidents/{request_id}", headers=viewer).json()
    assert seen["attributes"]["email"] == "x***@example.cn" and seen["attributes"]["device_id"] == "***"
    assert seen["reporter_name"] == "王**" and seen["reporter_phone"] == "138****8000"
    whole = client.get(f"/api/v1/incidents/{request_id}").json()
    assert whole["attributes"]["email"] == "xm@example.cn" and whole["reporter_phone"] == "13800138000"
    feature = client.get(f"/ogcapi/collections/incidents/items/{request_id}", headers=viewer).json()
    assert feature == {"type": "Feature", "id": int(request_id), "properties": feature["properties"],
                       "geometry": {"type": "Point", "coordinates": [120.1602, 30.1655]}}
    assert feature["properties"]["attributes"]["email"] == "x***@example.cn"


def test_sla_events_on_the_stream_carry_the_clock_not_the_case(live: dict[str, Any]) -> None:

    import time

    client, ctx = live["client"], live["ctx"]
    resident = ctx.create_key(name="mini2", role=Role.FEED, channel=Channel.OPEN311)
    r = client.post("/open311/v2/requests.json", data={"api_key": resident, "service_code": "E0103", "lat": "30.1655",
                                                       "long": "120.1702", "description": "垃圾满溢"})
    late = int(r.json()[0]["service_request_id"])  # E0103 must be acknowledged within 0.06 s here
    time.sleep(0.1)  # let the clock pass the deadline (a wait for time itself, not for a condition)
    ctx.dispatch.watch()  # the watch pass the service runs every second

    def late_events(body: str) -> list[dict[str, Any]]:
        return [e for e in parse_events(body) if e["event"].startswith("sla.") and e["data"]["subject_id"] == str(late)]

    _, body = live["client"].portal.call(lambda: read_stream(
        live["app"], {"Authorization": f"Bearer {live['viewer']}"}, query="after=0",
        until=lambda b: bool(late_events(b)), deadline_s=15))
    event = late_events(body)[0]
    assert event["event"] == "sla.breached"
    assert set(event["data"]["payload"]) == {"incident_id", "clock", "deadline", "state", "micro_grid", "category"}
    assert event["data"]["payload"]["state"] == "breached"


def test_events_written_while_a_client_listens_reach_it_in_order_without_repeats(live: dict[str, Any]) -> None:
    import threading

    client = live["client"]
    _, body = _read(live, live["op"], query="after=0", events=1)
    start = max(int(e["id"]) for e in parse_events(body))
    poster = threading.Timer(0.4, lambda: client.post("/api/v1/channels/police110",
                                                       json=payloads.police110(120.1802, 30.1655, alarm_no="S-LIVE")))
    poster.start()
    try:  # the stream is open (from `start`) before the case is posted, 0.4 s later
        _, body = client.portal.call(lambda: read_stream(
            live["app"], {"Authorization": f"Bearer {live['op']}"}, query=f"after={start}",
            until=lambda b: "S-LIVE" in b, deadline_s=15))
    finally:
        poster.join()
    ids = [int(e["id"]) for e in parse_events(body)]
    assert ids == sorted(set(ids)) and ids[0] > start


def test_a_backlog_longer_than_one_read_is_sent_whole_and_in_order(live: dict[str, Any]) -> None:
    client = live["client"]
    _, body = _read(live, live["op"], query="after=0", events=1)
    start = max(int(e["id"]) for e in parse_events(body))
    items = [payloads.hotline(120.10 + (i % 40) * 0.002, 30.10 + (i // 40) * 0.002, order_no=f"BACKLOG-{i}")
             for i in range(520)]
    r = client.post("/api/v1/channels/hotline12345/batch", json={"items": items})
    assert r.status_code == 200, r.text
    _, body = _read(live, live["op"], query=f"after={start}", events=520)
    ids = [int(e["id"]) for e in parse_events(body)]
    assert len(ids) >= 520 and ids == sorted(set(ids))
