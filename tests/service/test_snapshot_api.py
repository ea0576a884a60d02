"""The snapshot a live map starts from: streamed whole, or in pages of open incidents, with the event id to
resume the stream from."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient

from service.api import snapshot as snapshot_api
from service.context import Principal
from service.domain.access import Role
from tests.service.payloads import hotline


def _post_cases(operator: TestClient, n: int) -> list[int]:
    # 400 m apart: no two are duplicates of each other.
    items = [hotline(120.135 + (i % 4) * 0.004, 30.150 + (i // 4) * 0.004, order_no=f"SNAP-{i}") for i in range(n)]
    r = operator.post("/api/v1/channels/hotline12345/batch", json={"items": items})
    assert r.status_code == 200 and r.json()["accepted"] == n, r.text
    features = operator.get("/api/v1/snapshot", params={"layers": "incidents"}).json()["layers"]["incidents"]["features"]
    assert len(features) == n
    return sorted(f["id"] for f in features)


def test_a_city_snapshot_streams_in_chunks_and_keeps_its_shape(operator: TestClient, monkeypatch) -> None:
    monkeypatch.setattr(snapshot_api.snapshot_pages, "CHUNK", 3)
    ids = _post_cases(operator, 8)
    with operator.stream("GET", "/api/v1/snapshot", params={"layers": "communities,incidents,units"}) as r:
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        pieces = list(r.iter_raw())
    body = orjson.loads(b"".join(pieces))
    assert set(body["layers"]) == {"communities", "incidents", "units"}
    assert [f["id"] for f in body["layers"]["incidents"]["features"]] == ids
    assert len(body["layers"]["communities"]["features"]) == 25 and body["last_event_id"] > 0
    assert body["layers"]["incidents"]["features"][0]["properties"]["sla"]

    # Streamed as read: the body generator hands out the 8 cases in pieces of 3 (never one list in memory).
    ctx = operator.app.state.context  # type: ignore[attr-defined]
    viewer = Principal(key_id=0, name="wall", role=Role.VIEWER, channel=None)
    pieces = list(snapshot_api._snapshot_body(ctx, viewer, [snapshot_api.SnapshotLayer.INCIDENTS], None))
    assert [p.count(b'"type":"Feature"') for p in pieces if p.lstrip(b",").startswith(b'{"type":"Feature"')] == [3, 3, 2]


def test_an_unknown_layer_is_a_422_naming_it_before_anything_is_streamed(operator: TestClient) -> None:
    r = operator.get("/api/v1/snapshot", params={"layers": "incidents,roads"})
    assert r.status_code == 422 and "roads" in r.text and "layers" in r.text


def test_a_map_client_pages_through_open_incidents_and_resumes_the_stream_from_the_first_page(
        operator: TestClient, keys) -> None:
    ids = _post_cases(operator, 7)
    first = operator.get("/api/v1/snapshot/incidents", params={"limit": 3}).json()
    assert first["open_incidents"] == 7 and [f["id"] for f in first["features"]] == ids[:3]
    seen = [f["id"] for f in first["features"]]
    after = first["next_after_id"]
    while after is not None:
        page = operator.get("/api/v1/snapshot/incidents", params={"after_id": after, "limit": 3}).json()
        assert "open_incidents" not in page
        seen += [f["id"] for f in page["features"]]
        after = page["next_after_id"]
    assert seen == ids
    # A viewer sees the same cases with the reporter masked.
    masked = operator.get("/api/v1/snapshot/incidents", headers=keys.auth(keys.viewer)).json()["features"][0]
    assert "*" in masked["properties"]["reporter_phone"]


def test_a_page_limit_out_of_range_is_a_422_naming_the_field(operator: TestClient) -> None:
    r = operator.get("/api/v1/snapshot/incidents", params={"limit": 10**6})
    assert r.status_code in (400, 422) and "limit" in r.text


def test_a_map_client_gets_compact_rows_with_the_breach_time_the_sla_clocks_give(operator: TestClient) -> None:
    from datetime import datetime

    ids = _post_cases(operator, 5)
    acknowledged = operator.get(f"/api/v1/incidents/{ids[1]}").json()
    r = operator.post(f"/api/v1/incidents/{ids[1]}/actions", json={"action": "acknowledge",
                                                                    "version": acknowledged["version"]})
    assert r.status_code == 200, r.text
    geo = {f["id"]: f["properties"] for f in operator.get("/api/v1/snapshot/incidents").json()["features"]}
    page = operator.get("/api/v1/snapshot/incidents", params={"format": "rows", "limit": 3}).json()
    rows = page["rows"]
    after = page["next_after_id"]
    rows += operator.get("/api/v1/snapshot/incidents", params={"format": "rows", "after_id": after}).json()["rows"]
    assert [r[0] for r in rows] == ids
    for row in rows:
        case = dict(zip(page["columns"], row))
        props = geo[case["id"]]
        running = [datetime.fromisoformat(c["deadline"]).timestamp() for c in props["sla"] if c["stopped_at"] is None]
        assert case["breach_at"] == pytest.approx(min(running), abs=1e-3)
        assert (case["status"], case["version"], case["lon"]) == (props["status"], props["version"], props["lon"])
        assert datetime.fromisoformat(case["reported_at"]) == datetime.fromisoformat(props["reported_at"])
    assert dict(zip(page["columns"], rows[1]))["status"] == "acknowledged"  # its acknowledge clock has stopped
    # Rows carry what the map and queue show; reporters' details come only with the case itself.
    assert "reporter_phone" not in page["columns"] and "reporter_name" not in page["columns"]
