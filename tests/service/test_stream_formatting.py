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
    ctx = ServiceContext(Settings(data_dir=folder, sse_heartbeat_seconds=0.3, sse_poll_seconds=0.1))
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
    _, body = _read(live, live["op"], heartbeats=2)
    assert parse_events(body) == []
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
    assert problem["field"] == "layers" and "'roads'" in problem["reason"] and "micro_grids" in problem["reason"]
