"""The lists a dispatcher, a GIS and an Open311 client filter: each filter narrows to exactly the cases it
names (the queries live in service/store/incidents.py; these stories pin what they return)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from service.domain.catalog import Channel
from tests.service.conftest import Keys


def _three_cases(client: TestClient, keys: Keys) -> list[dict[str, Any]]:
    """Three Open311 cases in three micro-grids, filed one after another: two of one category, one of another."""
    grids = client.get("/ogcapi/collections/micro_grids/items", params={"limit": 40},
                       headers=keys.auth(keys.viewer)).json()["features"]
    out = []
    for i, category in zip((5, 20, 35), ("E0102", "E0402", "E0102")):
        centre = client.get(f"/api/v1/report/{grids[i]['properties']['code']}").json()["micro_grid"]
        r = client.post("/open311/v2/requests.json", data={"api_key": keys.feeds[Channel.OPEN311], "service_code": category,
                                                           "lat": centre["lat"], "long": centre["lon"]})
        assert r.status_code == 200, r.text
        out.append(client.get(f"/api/v1/incidents/{r.json()[0]['service_request_id']}",
                              headers=keys.auth(keys.operator)).json())
    return out


def test_a_dispatcher_narrows_the_incident_list_by_time_category_and_place(client: TestClient, keys: Keys) -> None:
    first, second, third = _three_cases(client, keys)

    def ids(**params: Any) -> list[int]:
        r = client.get("/api/v1/incidents", params=params, headers=keys.auth(keys.operator))
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert ids() == [third["id"], second["id"], first["id"]]  # newest first
    assert ids(until=second["reported_at"]) == [first["id"]]  # until is exclusive
    assert ids(since=second["reported_at"]) == [third["id"], second["id"]]
    assert ids(category="E0102") == [third["id"], first["id"]]
    assert ids(micro_grid=second["micro_grid"]) == [second["id"]]
    assert second["community"] and ids(community=second["community"], category="E0402") == [second["id"]]
    assert ids(status=["closed"]) == [] and ids(open="true") == ids()
    assert ids(channel="police110") == [] and ids(limit=1, offset=1) == [second["id"]]


def test_a_gis_reads_only_the_cases_inside_its_bbox(client: TestClient, keys: Keys) -> None:
    first, second, _ = _three_cases(client, keys)
    box = f"{second['lon'] - 1e-4},{second['lat'] - 1e-4},{second['lon'] + 1e-4},{second['lat'] + 1e-4}"
    page = client.get("/ogcapi/collections/incidents/items", params={"bbox": box},
                      headers=keys.auth(keys.viewer)).json()
    assert [f["id"] for f in page["features"]] == [second["id"]] and page["numberMatched"] == 1
    everything = client.get("/ogcapi/collections/incidents/items", params={"limit": 2},
                            headers=keys.auth(keys.viewer)).json()
    assert [f["id"] for f in everything["features"]] == [first["id"], second["id"]] and everything["numberMatched"] == 3


def test_an_open311_client_lists_open_or_closed_requests_by_id_and_category(client: TestClient, keys: Keys) -> None:
    first, second, third = _three_cases(client, keys)
    feed = keys.feeds[Channel.OPEN311]

    def ids(**params: Any) -> list[int]:
        r = client.get("/open311/v2/requests.json", params={"api_key": feed, **params})
        assert r.status_code == 200, r.text
        return [int(x["service_request_id"]) for x in r.json()]

    assert ids(status="open") == [third["id"], second["id"], first["id"]]
    assert ids(status="closed") == [] and ids(status="open,closed") == ids()
    assert ids(service_code="E0402") == [second["id"]]
    assert ids(service_request_id=f"{first['id']},{third['id']}") == [third["id"], first["id"]]
    assert ids(end_date=first["reported_at"]) == [first["id"]]  # end_date is inclusive
    assert ids(api_key=keys.feeds[Channel.POLICE_110]) == []  # a feed key lists its own channel's requests only
