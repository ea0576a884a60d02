"""Residents' QR-code reports through Open311 GeoReport v2, exactly as existing clients speak it."""

from __future__ import annotations

from coord_convert import transform as reference
from fastapi.testclient import TestClient

from service.domain.catalog import Channel
from tests.service.conftest import Keys

FORM = {"service_code": "E0102", "lat": "30.1655", "long": "120.1502", "address_string": "浦沿路与信诚路口",
        "description": "路口垃圾桶满溢", "first_name": "小明", "last_name": "王", "phone": "13800138000"}


def test_service_discovery_lists_categories(client: TestClient, keys: Keys) -> None:
    services = client.get("/open311/v2/services.json", params={"api_key": keys.viewer}).json()
    by_code = {s["service_code"]: s for s in services}
    # GeoReport v2 GET Service List: each entry carries these fields, metadata a boolean, type one of three
    assert {"service_code": "E0102", "service_name": "暴露垃圾", "metadata": False, "type": "realtime"}.items() \
        <= by_code["E0102"].items()
    for s in services:
        assert {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"} <= s.keys(), s
        assert s["type"] in ("realtime", "batch", "blackbox") and isinstance(s["metadata"], bool)
    assert client.get("/open311/v2/services/E0102.json", params={"api_key": keys.viewer}).json() == \
        {"service_code": "E0102", "attributes": []}


def test_a_resident_posts_a_request_form_encoded_and_reads_it_back(client: TestClient, keys: Keys) -> None:
    feed = keys.feeds[Channel.OPEN311]
    r = client.post("/open311/v2/requests.json", data={**FORM, "api_key": feed})
    assert r.status_code == 200, r.text
    [created] = r.json()
    request_id = created["service_request_id"]
    [got] = client.get(f"/open311/v2/requests/{request_id}.json", params={"api_key": feed}).json()
    assert got["status"] == "open" and got["service_code"] == "E0102"
    assert got["lat"] == 30.1655 and got["long"] == 120.1502
    assert got["requested_datetime"].endswith("+08:00")
    listed = client.get("/open311/v2/requests.json", params={"api_key": feed, "status": "open",
                                                            "service_code": "E0102"}).json()
    assert [x["service_request_id"] for x in listed] == [request_id]


def test_a_wechat_client_may_declare_gcj02(client: TestClient, keys: Keys) -> None:
    glon, glat = reference.wgs2gcj(120.1502, 30.1655)  # independent of the code under test
    form = {**FORM, "lat": f"{float(glat):.7f}", "long": f"{float(glon):.7f}", "attribute[crs]": "GCJ02",
            "api_key": keys.feeds[Channel.OPEN311]}
    request_id = client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"]
    incident = client.get(f"/api/v1/incidents/{request_id}", headers=keys.auth(keys.operator)).json()
    assert abs(incident["lon"] - 120.1502) < 1e-6 and abs(incident["lat"] - 30.1655) < 1e-6


def test_a_retried_post_with_an_idempotency_key_creates_nothing_new(client: TestClient, keys: Keys) -> None:
    form = {**FORM, "api_key": keys.feeds[Channel.OPEN311]}
    headers = {"Idempotency-Key": "mini-program-42"}
    first = client.post("/open311/v2/requests.json", data=form, headers=headers).json()
    second = client.post("/open311/v2/requests.json", data=form, headers=headers).json()
    assert first[0]["service_request_id"] == second[0]["service_request_id"]


def test_errors_use_the_specs_format(client: TestClient, keys: Keys) -> None:
    r = client.post("/open311/v2/requests.json", data=FORM)
    assert r.status_code == 401 and r.json()[0]["code"] == 401
    r = client.post("/open311/v2/requests.json", data={**FORM, "service_code": "X9", "api_key": keys.operator})
    assert r.status_code == 400 and "service_code" in r.json()[0]["description"]
    r = client.post("/open311/v2/requests.json", data={**FORM, "lat": "", "api_key": keys.operator})
    assert r.status_code == 400 and "lat" in r.json()[0]["description"]
    r = client.get("/open311/v2/requests/999999.json", params={"api_key": keys.operator})
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    r = client.get("/open311/v2/services.xml", params={"api_key": keys.operator})
    assert r.status_code == 400 and "json" in r.json()[0]["description"]
    r = client.post("/open311/v2/requests.json", data={**FORM, "api_key": keys.feeds[Channel.POLICE_110]})
    assert r.status_code == 403
