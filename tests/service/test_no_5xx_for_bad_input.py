"""An attacker or a careless gateway sends what no sender should: every such request is refused with a 4xx
naming the field and the reason, nothing is stored, and a far-future fix never freezes a unit."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.context import ServiceContext
from tests.service import payloads
from tests.service.conftest import Keys

DEVICE = "xf01-01"
LON, LAT = 120.1502, 30.1655
HUGE = 1180591620717411303424  # 2**70


@pytest.fixture
def careless(ctx: ServiceContext, keys: Keys) -> TestClient:
    from service.app import create_app

    client = TestClient(create_app(ctx.settings, context=ctx, watch=False), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {keys.operator}"
    return client


def _names_field(r: Any, field: str) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert field in r.text, r.text


def _unit(client: TestClient, device: str = DEVICE) -> dict[str, Any]:
    return next(u for u in client.get("/api/v1/units").json() if u["device_id"] == device)


@pytest.mark.parametrize("make", [payloads.police110, payloads.hotline, payloads.citymgmt, payloads.onlinehelp])
@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_a_report_dated_at_the_ends_of_the_calendar_is_refused_naming_its_time_field(
        careless: TestClient, make: Any, when: str) -> None:
    body = make(LON, LAT)
    field = next(k for k in ("alarm_time", "accepted_at", "reported_at", "submitted_at") if k in body)
    path = {"alarm_time": "police110", "accepted_at": "hotline12345", "reported_at": "citymgmt",
            "submitted_at": "onlinehelp"}[field]
    r = careless.post(f"/api/v1/channels/{path}", json={**body, field: when})
    _names_field(r, field)


def test_a_report_from_1900_is_refused_as_older_than_the_horizon(careless: TestClient) -> None:
    r = careless.post("/api/v1/channels/police110", json=payloads.police110(LON, LAT, alarm_time="1900-01-01T08:00:00+08:00"))
    _names_field(r, "alarm_time")
    assert "older" in r.text


@pytest.mark.parametrize("query", ["since=0001-01-01T00:00:00%2B08:00", "until=9999-12-31T23:59:59-08:00",
                                   f"offset={HUGE}", f"limit={HUGE}"])
def test_incident_queries_with_unholdable_values_are_refused(careless: TestClient, query: str) -> None:
    r = careless.get(f"/api/v1/incidents?{query}")
    _names_field(r, query.split("=")[0])


@pytest.mark.parametrize("path", [f"/api/v1/incidents/{HUGE}", f"/api/v1/units/{HUGE}",
                                  f"/api/v1/incidents/{HUGE}/history", f"/api/v1/incidents/{HUGE}/recommendations",
                                  f"/api/v1/units/{HUGE}/track"])
def test_ids_larger_than_the_database_holds_are_refused(careless: TestClient, path: str) -> None:
    _names_field(careless.get(path), "_id")


def test_track_since_year_one_with_an_offset_is_refused(careless: TestClient) -> None:
    unit = _unit(careless)
    r = careless.get(f"/api/v1/units/{unit['id']}/track", params={"since": "0001-01-01T00:00:00+08:00"})
    _names_field(r, "since")


@pytest.mark.parametrize("field", ["unit_id", "version", "duplicate_of"])
def test_an_action_with_a_huge_integer_is_refused(careless: TestClient, field: str) -> None:
    created = careless.post("/api/v1/channels/police110", json=payloads.police110(LON, LAT)).json()
    body = {"action": "dispatch", "version": 1, "unit_id": 1, field: HUGE}
    r = careless.post(f"/api/v1/incidents/{created['id']}/actions", json=body)
    _names_field(r, field)


@pytest.mark.parametrize("query", [
    "timestamp=1000000000000000", "timestamp=1e29", "timestamp=99999999999999999999999",
    "timestamp=0001-01-01T00:00:00%2B08:00", "lat=nan", "lon=inf", "speed=nan", "speed=-3",
    "bearing=1e308", "bearing=-1", "batt=-5", "batt=101", "accuracy=-1", "altitude=nan", "hdop=nan",
])
def test_osmand_values_are_checked_as_strictly_as_the_batch(careless: TestClient, query: str) -> None:
    base = {"id": DEVICE, "timestamp": str(int(datetime.now(UTC).timestamp())), "lat": str(LAT), "lon": str(LON)}
    name, value = query.split("=")
    base[name] = value.replace("%2B", "+")
    before = _unit(careless)
    r = careless.get("/osmand", params=base)
    _names_field(r, name)
    assert _unit(careless)["fix_time"] == before["fix_time"] if "fix_time" in before else True


def test_osmand_json_with_a_boolean_latitude_does_not_move_the_unit(careless: TestClient) -> None:
    before = _unit(careless)
    body = {"device_id": DEVICE, "location": {"timestamp": datetime.now(UTC).isoformat(),
                                              "coords": {"latitude": True, "longitude": LON}}}
    r = careless.post("/osmand", json=body)
    _names_field(r, "latitude")
    assert (_unit(careless)["lon"], _unit(careless)["lat"]) == (before["lon"], before["lat"])


@pytest.mark.parametrize("route", ["get", "batch"])
def test_a_far_future_fix_is_refused_and_a_real_fix_still_moves_the_unit(
        careless: TestClient, keys: Keys, route: str) -> None:
    future = datetime(2100, 1, 1, tzinfo=UTC)
    if route == "get":
        r = careless.get("/osmand", params={"id": DEVICE, "lat": 30.17, "lon": 120.14, "timestamp": future.isoformat()})
        _names_field(r, "timestamp")
    else:
        r = careless.post("/api/v1/positions/batch", json={"items": [
            {"device_id": DEVICE, "time": future.isoformat(), "lon": 120.14, "lat": 30.17}]})
        assert r.status_code == 422 and "future" in r.text and "items[0].time" in r.text, r.text
    now = datetime.now(UTC) - timedelta(seconds=2)
    r = careless.get("/osmand", params={"id": DEVICE, "lat": LAT, "lon": LON, "timestamp": int(now.timestamp())})
    assert r.status_code == 200, r.text
    assert (_unit(careless)["lon"], _unit(careless)["lat"]) == (LON, LAT)


def test_a_fix_older_than_the_horizon_is_refused(careless: TestClient) -> None:
    r = careless.get("/osmand", params={"id": DEVICE, "lat": LAT, "lon": LON, "timestamp": "1990-01-01T00:00:00Z"})
    _names_field(r, "timestamp")
    assert "older" in r.text


def test_batch_fixes_with_unholdable_numbers_or_times_are_refused(careless: TestClient) -> None:
    now = datetime.now(UTC).isoformat()
    r = careless.post("/api/v1/positions/batch", content=(
        '{"items": [{"device_id": "' + DEVICE + '", "time": "' + now + '", "lon": 1e400, "lat": 30.1}]}'),
        headers={"content-type": "application/json"})
    _names_field(r, "body")
    r = careless.post("/api/v1/positions/batch", json={"items": [
        {"device_id": DEVICE, "time": now, "lon": 120.1, "lat": 30.1, "heading": 361},
        {"device_id": DEVICE, "time": "0001-01-01T00:00:00+08:00", "lon": 120.1, "lat": 30.1}]})
    assert r.status_code == 422, r.text
    assert "items[0].heading" in r.text and "items[1].time" in r.text


def test_a_channel_report_with_nan_coordinates_is_refused(careless: TestClient) -> None:
    body = payloads.hotline(LON, LAT)
    text = __import__("json").dumps({**body, "longitude": 0.0}).replace("0.0", "NaN", 1)
    r = careless.post("/api/v1/channels/hotline12345", content=text, headers={"content-type": "application/json"})
    _names_field(r, "longitude")


CSV_HEADER = "order_no,accepted_at,appeal_type,subject,content,longitude,latitude,coord_type"


def _csv_row(order_no: str) -> str:
    return f"{order_no},{payloads.now_local()},投诉,占道经营,摊贩占道,{LON},{LAT},wgs84"


def test_a_csv_batch_with_a_bare_carriage_return_is_read_as_a_line_break_not_a_crash(careless: TestClient) -> None:
    text = CSV_HEADER + "\n" + _csv_row("CR-1").replace("摊贩占道", "摊贩\r占道") + "\n" + _csv_row("CR-2") + "\n"
    r = careless.post("/api/v1/channels/hotline12345/batch.csv", content=text.encode(),
                      headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[-1]["problems"] is None  # the good row after the broken one still lands
    assert all(p["field"].startswith("items[") for res in results[:-1] for p in res["problems"] or [])


def test_extra_csv_cells_are_refused_with_the_row_named(careless: TestClient) -> None:
    text = CSV_HEADER + "\n" + _csv_row("XC-1") + "\n" + _csv_row("XC-2") + ",surplus\n"
    r = careless.post("/api/v1/channels/hotline12345/batch.csv", content=text.encode(),
                      headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[0]["problems"] is None
    assert results[1]["problems"] and "surplus" in str(results[1]["problems"]) or "extra" in str(results[1]["problems"])


def test_ogc_bbox_of_nan_is_refused_the_ogc_way(careless: TestClient) -> None:
    r = careless.get("/ogcapi/collections/incidents/items", params={"bbox": "nan,30,121,31"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "InvalidParameterValue" and "bbox" in r.json()["description"]


@pytest.mark.parametrize("query", ["start_date=0001-01-01T00:00:00%2B08:00", "end_date=9999-12-31T23:59:59-08:00",
                                   f"service_request_id={HUGE}"])
def test_open311_queries_at_the_ends_of_the_calendar_answer_the_open311_way(careless: TestClient, query: str) -> None:
    r = careless.get(f"/open311/v2/requests.json?{query}")
    assert r.status_code == 400 or (r.status_code == 200 and r.json() == []), r.text
    if r.status_code == 400:
        assert query.split("=")[0] in r.json()[0]["description"]


def test_open311_request_id_too_large_is_not_found(careless: TestClient) -> None:
    r = careless.get(f"/open311/v2/requests/{HUGE}.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


def test_open311_post_with_invalid_utf8_is_refused(careless: TestClient) -> None:
    body = b"service_code=E0102&lat=30.1655&long=120.1502&description=%FF%FEbad"
    r = careless.post("/open311/v2/requests.json", content=body,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.text
    assert "UTF-8" in r.json()[0]["description"]


def test_a_geojson_boundary_with_nan_coordinates_is_refused(careless: TestClient, keys: Keys) -> None:
    text = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "X1", '
            '"name": "x"}, "geometry": {"type": "Polygon", "coordinates": [[[NaN, 30], [120.2, 30], '
            '[120.2, 30.1], [NaN, 30]]]}}]}')
    r = careless.post("/api/v1/boundaries/import", headers={"Authorization": f"Bearer {keys.gis_editor}"},
                      files={"file": ("b.geojson", io.BytesIO(text.encode()), "application/geo+json")},
                      data={"level": "micro_grid", "format": "geojson"})
    assert 400 <= r.status_code < 500, r.text


def test_a_zip_bomb_is_refused_before_anything_is_extracted(careless: TestClient, keys: Keys, tmp_path: Any) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.shp", b"\0" * (50 * 1024 * 1024))
    r = careless.post("/api/v1/boundaries/import", headers={"Authorization": f"Bearer {keys.gis_editor}"},
                      files={"file": ("b.zip", io.BytesIO(buf.getvalue()), "application/zip")},
                      data={"level": "micro_grid", "format": "shp"})
    assert r.status_code in (413, 422), r.text
    assert "uncompressed" in r.text


def test_an_archive_with_too_many_files_or_too_many_bytes_is_refused_from_its_directory() -> None:
    from service.domain.errors import InvalidInput
    from service.flows.boundary_files import ArchiveLimits, inspect_archive

    def entry(name: str, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name)
        info.file_size = size
        return info

    limits = ArchiveLimits(max_total_bytes=10_000_000, max_files=3, max_ratio=100)
    inspect_archive([entry("a.shp", 2_000_000), entry("a.dbf", 1000)], compressed_size=500_000, limits=limits)
    for entries, size, words in (([entry(f"{i}.shp", 1) for i in range(4)], 100, "files"),
                                 ([entry("a.shp", 20_000_000)], 19_000_000, "uncompressed"),
                                 ([entry("a.shp", 5_000_000)], 1000, "ratio"),
                                 ([entry("../../etc/passwd", 10)], 10, "outside")):
        with pytest.raises(InvalidInput, match=words):
            inspect_archive(entries, compressed_size=size, limits=limits)


def test_a_boundary_with_more_households_than_a_database_holds_is_refused_naming_the_feature(
        careless: TestClient, keys: Keys) -> None:
    text = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "X1", '
            '"name": "x", "households": 1e20}, "geometry": {"type": "Polygon", "coordinates": [[[120.1, 30], '
            '[120.2, 30], [120.2, 30.1], [120.1, 30]]]}}]}')
    r = careless.post("/api/v1/boundaries/import", headers={"Authorization": f"Bearer {keys.gis_editor}"},
                      files={"file": ("b.geojson", io.BytesIO(text.encode()), "application/geo+json")},
                      data={"level": "defence_zone", "format": "geojson"})
    assert r.status_code == 422, r.text
    assert "features[0].households" in r.text
