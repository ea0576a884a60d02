"""The standards' own words, checked against our answers: Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2)
and OGC API - Features - Part 1: Core (OGC 17-069r4). Field lists and rules are taken from the specs, not
from our code, so a renamed or dropped field is caught."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.access import Role
from service.domain.catalog import Channel
from service.settings import Settings

# GeoReport v2, "GET Service Request(s)" response fields, in the spec's order.
OPEN311_REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                          "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
OGC_CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
OGC_GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, demo_db_template: Path) -> Iterator[dict[str, Any]]:
    import shutil
    folder = tmp_path_factory.mktemp("spec")
    shutil.copy(demo_db_template, folder / "gridcommand.db")
    ctx = ServiceContext(Settings(data_dir=folder))
    keys = {"viewer": ctx.create_key(name="v", role=Role.VIEWER),
            "resident": ctx.create_key(name="mini program", role=Role.FEED, channel=Channel.OPEN311)}
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
        yield {"client": client, **keys}


def _post_request(api: dict[str, Any], **over: str) -> str:
    # The spec's own example POST, moved to Hangzhou: service_code, lat/long, address_string, description, ...
    form = {"api_key": api["resident"], "service_code": "E0102", "lat": "30.1655", "long": "120.1502",
            "address_string": "浦沿路 1 号", "email": "smit222@sfgov.edu", "device_id": "tt222111",
            "account_id": "123456", "first_name": "john", "last_name": "smith", "phone": "111111111",
            "description": "A large sinkhole is destroying the street", **over}
    r = api["client"].post("/open311/v2/requests.json", data=form)
    assert r.status_code == 200, r.text
    body = r.json()
    # "POST Service Request" response: an array of one, with service_request_id (or token) and optional notices
    assert isinstance(body, list) and len(body) == 1 and {"service_request_id", "service_notice", "account_id"} >= set(
        body[0]) >= {"service_request_id"}
    return str(body[0]["service_request_id"])


def test_open311_get_service_request_answers_an_array_of_one_with_the_specs_fields(api: dict[str, Any]) -> None:
    request_id = _post_request(api)
    body = api["client"].get(f"/open311/v2/requests/{request_id}.json", params={"api_key": api["viewer"]}).json()
    assert isinstance(body, list) and len(body) == 1
    got = body[0]
    assert set(OPEN311_REQUEST_FIELDS) - set(got) <= {"status_notes", "service_notice", "expected_datetime"}, \
        set(OPEN311_REQUEST_FIELDS) - set(got)
    assert got["service_request_id"] == request_id or str(got["service_request_id"]) == request_id
    assert got["status"] in ("open", "closed")  # the spec's only two
    assert got["service_code"] == "E0102" and got["lat"] == 30.1655 and got["long"] == 120.1502
    # W3C datetimes with an offset, as the spec asks
    assert got["requested_datetime"][10] == "T" and got["requested_datetime"][-6] in "+-"
    # personal contact fields of the POST are never part of a GET (the spec lists none)
    assert not {"email", "phone", "first_name", "last_name", "device_id", "account_id"} & set(got)


def test_open311_list_filters_by_service_code_status_and_dates(api: dict[str, Any]) -> None:
    request_id = _post_request(api, service_code="E0103", lat="30.1601", long="120.1420")
    params = {"api_key": api["viewer"], "service_code": "E0103", "status": "open"}
    assert request_id in [str(r["service_request_id"]) for r in
                          api["client"].get("/open311/v2/requests.json", params=params).json()]
    assert api["client"].get("/open311/v2/requests.json", params={**params, "status": "closed"}).json() == []
    later = api["client"].get("/open311/v2/requests.json", params={**params, "start_date": "2099-01-01T00:00:00Z"})
    assert later.status_code == 200 and later.json() == []
    bad = api["client"].get("/open311/v2/requests.json", params={**params, "start_date": "yesterday"})
    assert bad.status_code == 400 and "start_date" in bad.json()[0]["description"]


def test_open311_service_list_and_definition_follow_the_spec(api: dict[str, Any]) -> None:
    services = api["client"].get("/open311/v2/services.json", params={"api_key": api["viewer"]}).json()
    assert len(services) > 10 and len({s["service_code"] for s in services}) == len(services)
    for s in services:
        assert s["type"] in ("realtime", "batch", "blackbox") and isinstance(s["metadata"], bool)
        assert isinstance(s["keywords"], str) and s["service_name"]
    # metadata false: the definition call is not needed, but must still answer (attributes: [])
    d = api["client"].get("/open311/v2/services/E0102.json", params={"api_key": api["viewer"]}).json()
    assert d == {"service_code": "E0102", "attributes": []}


def test_ogc_api_landing_and_conformance_declare_core_and_geojson(api: dict[str, Any]) -> None:
    c = api["client"]
    landing = c.get("/ogcapi/", params={"api_key": api["viewer"]}).json()
    # /req/core/root-success: links to the API definition, the conformance declaration and the collections
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert all(link["href"].startswith("http") for link in landing["links"])
    conforms = c.get("/ogcapi/conformance", params={"api_key": api["viewer"]}).json()["conformsTo"]
    assert {OGC_CORE, OGC_GEOJSON} <= set(conforms)


def test_ogc_api_collections_have_ids_links_and_a_crs84_extent(api: dict[str, Any]) -> None:
    collections = api["client"].get("/ogcapi/collections", params={"api_key": api["viewer"]}).json()
    assert {link["rel"] for link in collections["links"]} >= {"self"}
    ids = [col["id"] for col in collections["collections"]]
    assert {"communities", "grids", "micro_grids", "incidents"} <= set(ids)
    for col in collections["collections"]:
        assert any(link["rel"] == "items" for link in col["links"]), col["id"]  # /req/core/rc-md-items-links
        bbox = col.get("extent", {}).get("spatial", {}).get("bbox")
        if bbox:
            minx, miny, maxx, maxy = bbox[0]
            assert 119 < minx < maxx < 121 and 29 < miny < maxy < 31  # lon/lat order (CRS84)


def test_ogc_api_items_page_with_limit_and_next_links_and_filter_by_bbox(api: dict[str, Any]) -> None:
    c = api["client"]
    page = c.get("/ogcapi/collections/micro_grids/items", params={"api_key": api["viewer"], "limit": 100}).json()
    # /req/core/fc-response, fc-numberReturned, fc-numberMatched, fc-next-1
    assert page["type"] == "FeatureCollection" and page["numberReturned"] == len(page["features"]) == 100
    assert page["numberMatched"] == 928
    nxt = next(link for link in page["links"] if link["rel"] == "next")
    assert "offset=100" in nxt["href"] and "limit=100" in nxt["href"]
    last = c.get("/ogcapi/collections/micro_grids/items", params={"api_key": api["viewer"], "limit": 100,
                                                                  "offset": 900}).json()
    assert last["numberReturned"] == 28 and not any(link["rel"] == "next" for link in last["links"])
    boxed = c.get("/ogcapi/collections/micro_grids/items",
                  params={"api_key": api["viewer"], "bbox": "120.150,30.165,120.151,30.166"}).json()
    assert 0 < boxed["numberMatched"] < 20
    import shapely
    box = shapely.box(120.150, 30.165, 120.151, 30.166)
    assert all(shapely.geometry.shape(f["geometry"]).intersects(box) for f in boxed["features"])
    # /req/core/query-param-invalid: a bad bbox or limit is a 400-class answer, never a 500
    for bad in ({"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"limit": "0"}, {"limit": "-5"}):
        r = c.get("/ogcapi/collections/micro_grids/items", params={"api_key": api["viewer"], **bad})
        assert 400 <= r.status_code < 500, (bad, r.status_code)
    assert c.get("/ogcapi/collections/rivers/items", params={"api_key": api["viewer"]}).status_code == 404
    assert c.get("/ogcapi/collections/grids/items/nope", params={"api_key": api["viewer"]}).status_code == 404


def test_the_snapshot_serves_units_as_geojson_point_features(api: dict[str, Any]) -> None:
    body = api["client"].get("/api/v1/snapshot", params={"layers": "units", "api_key": api["viewer"]}).json()
    features = body["layers"]["units"]["features"]
    assert body["layers"]["units"]["type"] == "FeatureCollection" and len(features) > 50
    placed = [f for f in features if f["properties"].get("lon") is not None]
    for f in placed[:20]:
        assert set(f) == {"type", "id", "geometry", "properties"} and f["type"] == "Feature"
        assert f["id"] == f["properties"]["id"]
        assert f["geometry"] == {"type": "Point", "coordinates": [f["properties"]["lon"], f["properties"]["lat"]]}
    for f in features:
        if f["properties"].get("lon") is None:
            assert f["geometry"] is None
