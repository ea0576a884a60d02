"""Cases from every channel land in the right micro-grid, once, with bad input named field by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.context import ServiceContext
from tests.service import payloads
from tests.service.conftest import Keys

CHANNELS: list[tuple[str, Callable[..., dict[str, Any]]]] = [
    ("police110", payloads.police110), ("hotline12345", payloads.hotline),
    ("citymgmt", payloads.citymgmt), ("onlinehelp", payloads.onlinehelp)]


@pytest.fixture
def spot(ctx: ServiceContext) -> tuple[float, float, str]:
    """A real point in the demo street and the micro-grid it is in."""
    lon, lat = 120.1502, 30.1655
    return lon, lat, ctx.locator().locate_one(lon, lat).micro_grid or ""


@pytest.mark.parametrize("path,payload", CHANNELS)
def test_each_channel_report_lands_in_the_micro_grid_where_it_really_is(
        operator: TestClient, spot: tuple[float, float, str], path: str,
        payload: Callable[..., dict[str, Any]]) -> None:
    lon, lat, micro_grid = spot
    r = operator.post(f"/api/v1/channels/{path}", json=payload(lon, lat))
    assert r.status_code == 201, r.text
    incident = r.json()["incident"]
    assert incident["micro_grid"] == micro_grid
    assert incident["lon"] == pytest.approx(lon, abs=1e-7) and incident["lat"] == pytest.approx(lat, abs=1e-7)
    assert incident["grid"] == micro_grid[:16] and incident["community"] == micro_grid[:12]
    assert incident["defence_zone"].startswith("FQ") and incident["patrol_zone"].startswith("XQ")
    assert incident["status"] == "received" and not incident["outside_jurisdiction"]


def test_a_gcj02_point_left_unconverted_would_land_hundreds_of_metres_away(ctx: ServiceContext) -> None:
    from coord_convert import transform as reference

    from service.domain import coords
    lon, lat = 120.1502, 30.1655
    glon, glat = reference.wgs2gcj(lon, lat)
    assert coords.haversine_m(lon, lat, glon, glat) > 400
    assert ctx.locator().locate_one(float(glon), float(glat)).micro_grid != \
        ctx.locator().locate_one(lon, lat).micro_grid


def test_sending_the_same_work_order_again_returns_the_same_incident(operator: TestClient) -> None:
    first = operator.post("/api/v1/channels/hotline12345", json=payloads.hotline(120.15, 30.16))
    again = operator.post("/api/v1/channels/hotline12345", json=payloads.hotline(120.15, 30.16))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["created"] is False
    listed = operator.get("/api/v1/incidents", params={"channel": "hotline12345"}).json()["items"]
    assert len(listed) == 1


def test_the_same_problem_through_two_channels_is_linked_to_the_first(operator: TestClient) -> None:
    first = operator.post("/api/v1/channels/police110",
                          json=payloads.police110(120.1502, 30.1655, alarm_type="FJW-ZS")).json()
    second = operator.post("/api/v1/channels/hotline12345",
                           json=payloads.hotline(120.1504, 30.1656, subject="噪声扰民")).json()
    assert second["duplicate_of"] == first["id"]
    assert second["incident"]["status"] == "duplicate"
    assert operator.get(f"/api/v1/incidents/{first['id']}").json()["status"] == "received"  # not merged away


def test_a_point_outside_the_street_is_kept_and_flagged(operator: TestClient) -> None:
    r = operator.post("/api/v1/channels/onlinehelp", json=payloads.onlinehelp(120.30, 30.30))
    assert r.status_code == 201
    assert r.json()["incident"]["outside_jurisdiction"] is True
    assert r.json()["incident"]["micro_grid"] is None


@pytest.mark.parametrize("change,field,reason", [
    ({"alarm_type": "NOPE"}, "alarm_type", "unknown category"),
    ({"position": {"x": 120.15, "y": 30.16, "crs": "MARS"}}, "position.crs", "unknown CRS"),
    ({"position": {"x": 9e9, "y": 30.16, "crs": "WGS84"}}, "position", "not a valid position"),
    ({"alarm_time": "2026-11-21T10:00:00"}, "alarm_time", "timezone"),
    ({"alarm_time": "2099-01-01T00:00:00+08:00"}, "alarm_time", "future"),
    ({"content": ""}, "content", "at least 1 character"),
    ({"shoe_size": 42}, "shoe_size", "not a field"),
])
def test_bad_input_is_refused_naming_the_field_and_reason(operator: TestClient, change: dict[str, Any],
                                                          field: str, reason: str) -> None:
    r = operator.post("/api/v1/channels/police110", json={**payloads.police110(120.15, 30.16), **change})
    assert r.status_code == 422, r.text
    problem = r.json()["error"]["problems"][0]
    assert problem["field"] == field and reason.lower() in problem["reason"].lower()


def test_a_missing_field_is_named(operator: TestClient) -> None:
    body = payloads.police110(120.15, 30.16)
    del body["alarm_no"]
    r = operator.post("/api/v1/channels/police110", json=body)
    assert r.status_code == 422
    assert r.json()["error"]["problems"] == [{"field": "alarm_no", "reason": "is required"}]


def test_malformed_json_and_oversized_bodies_get_4xx(operator: TestClient, ctx: ServiceContext) -> None:
    r = operator.post("/api/v1/channels/police110/batch", content=b"{not json",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "body"
    big = b"x" * (ctx.settings.max_body_bytes + 1)
    r = operator.post("/api/v1/channels/police110/batch", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_a_batch_commits_its_good_items_and_reports_each_bad_one(operator: TestClient) -> None:
    items = [payloads.citymgmt(120.15, 30.16, case_no=f"SZCG-{i}") for i in range(5)]
    items[1]["minor_code"] = "3"        # malformed
    items[3]["major_code"] = "99"       # the component's own id says otherwise
    items[4].pop("component_id")
    items[4]["minor_code"] = "99"       # unknown category
    r = operator.post("/api/v1/channels/citymgmt/batch", json={"items": items})
    assert r.status_code == 200
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    assert body["results"][1]["problems"][0]["field"] == "items[1].minor_code"
    assert body["results"][3]["problems"][0]["field"] == "items[3].component_id"
    assert body["results"][4]["problems"][0]["field"] == "items[4].minor_code"
    ids = [res["id"] for res in body["results"] if res["problems"] is None]
    for i in ids:
        assert operator.get(f"/api/v1/incidents/{i}").status_code == 200


def test_a_batch_with_only_bad_items_is_422(operator: TestClient) -> None:
    r = operator.post("/api/v1/channels/citymgmt/batch", json={"items": [{"case_no": "x"}]})
    assert r.status_code == 422 and r.json()["rejected"] == 1


def test_a_12345_csv_batch_is_taken_in_row_by_row(operator: TestClient) -> None:
    header = "order_no,accepted_at,appeal_type,subject,content,longitude,latitude,coord_type,citizen_phone\n"
    rows = [f"HZ-{i},{payloads.now_local()},投诉,噪声扰民,夜间施工噪音,120.15{i},30.16,gcj02,1380000000{i}"
            for i in range(3)]
    rows.append(f"HZ-bad,{payloads.now_local()},投诉,噪声扰民,夜间施工噪音,east,30.16,gcj02,")
    r = operator.post("/api/v1/channels/hotline12345/batch.csv", content=(header + "\n".join(rows)).encode(),
                      headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 3
    assert r.json()["results"][3]["problems"][0]["field"] == "items[3].longitude"


def test_a_csv_without_required_columns_is_refused(operator: TestClient) -> None:
    r = operator.post("/api/v1/channels/hotline12345/batch.csv", content=b"order_no,content\nA,B\n")
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "header"


def test_no_key_wrong_key_and_wrong_channel_are_refused_with_the_reason(client: TestClient, keys: Keys) -> None:
    body = payloads.police110(120.15, 30.16)
    r = client.post("/api/v1/channels/police110", json=body)
    assert r.status_code == 401 and "no access key" in r.json()["error"]["message"]
    r = client.post("/api/v1/channels/police110", json=body, headers=keys.auth("gc_wrong"))
    assert r.status_code == 401 and "unknown" in r.json()["error"]["message"]
    from service.domain.catalog import Channel
    r = client.post("/api/v1/channels/police110", json=body, headers=keys.auth(keys.feeds[Channel.HOTLINE_12345]))
    assert r.status_code == 403 and "hotline12345" in r.json()["error"]["message"]
    r = client.post("/api/v1/channels/police110", json=body, headers=keys.auth(keys.viewer))
    assert r.status_code == 403
    r = client.post("/api/v1/channels/police110", json=body, headers=keys.auth(keys.feeds[Channel.POLICE_110]))
    assert r.status_code == 201
    assert client.get("/health").status_code == 200


def test_a_viewer_sees_reporters_masked_and_an_operator_sees_them_whole(client: TestClient, keys: Keys) -> None:
    created = client.post("/api/v1/channels/police110", json=payloads.police110(120.15, 30.16),
                          headers=keys.auth(keys.operator)).json()
    as_viewer = client.get(f"/api/v1/incidents/{created['id']}", headers=keys.auth(keys.viewer)).json()
    as_operator = client.get(f"/api/v1/incidents/{created['id']}", headers=keys.auth(keys.operator)).json()
    assert (as_viewer["reporter_name"], as_viewer["reporter_phone"]) == ("陈**", "138****2345")
    assert (as_operator["reporter_name"], as_operator["reporter_phone"]) == ("陈建国", "13857112345")


def test_the_openapi_document_describes_every_channel_with_an_example(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for path in ("police110", "hotline12345", "citymgmt", "onlinehelp"):
        assert f"/api/v1/channels/{path}" in doc["paths"]
    for schema in ("Transfer110", "WorkOrder", "CityCase", "HelpRequest"):
        assert doc["components"]["schemas"][schema]["examples"]
