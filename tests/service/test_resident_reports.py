"""Residents report without a key only through a micro-grid's QR page: limits on who, how often, how much."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from service.context import ServiceContext
from service.domain.report_limits import MAX_PHOTO_BYTES
from tests.service.conftest import Keys


def _code(client: TestClient, keys: Keys) -> str:
    items = client.get("/ogcapi/collections/micro_grids/items", params={"limit": 30}, headers=keys.auth(keys.viewer))
    return str(items.json()["features"][25]["properties"]["code"])


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(out, format="PNG")
    return out.getvalue()


def _form(code: str, **over: Any) -> dict[str, Any]:
    return {"attribute[qr]": code, "service_code": "E0102", "description": "垃圾满溢", **over}


def test_a_resident_report_without_a_key_lands_at_the_micro_grids_centre_with_its_photos(
        client: TestClient, keys: Keys, ctx: ServiceContext) -> None:
    code = _code(client, keys)
    photos = [("media", (f"p{i}.png", _png(), "image/png")) for i in range(3)]
    r = client.post("/open311/v2/requests.json", data=_form(code, device_id="web-a"), files=photos)
    assert r.status_code == 200, r.text
    case = client.get(f"/api/v1/incidents/{r.json()[0]['service_request_id']}", headers=keys.auth(keys.operator)).json()
    centre = client.get(f"/api/v1/report/{code}").json()["micro_grid"]
    assert case["micro_grid"] == code and (case["lon"], case["lat"]) == (centre["lon"], centre["lat"])
    assert len(case["attributes"]["media_urls"]) == 3
    name = case["attributes"]["media_url"].rsplit("/", 1)[1]
    assert client.get(f"/media/{name}").content == _png()
    assert case["reporter_name"] is None and case["reporter_phone"] is None


def test_a_gcj02_position_from_a_mini_program_is_converted_before_it_is_located(client: TestClient, keys: Keys) -> None:
    from service.domain import coords

    code = _code(client, keys)
    centre = client.get(f"/api/v1/report/{code}").json()["micro_grid"]
    glon, glat = coords.wgs84_to_gcj02(centre["lon"], centre["lat"])
    r = client.post("/open311/v2/requests.json", data=_form(code, lat=str(float(glat)), long=str(float(glon)),
                                                           **{"attribute[crs]": "GCJ02"}))
    case = client.get(f"/api/v1/incidents/{r.json()[0]['service_request_id']}", headers=keys.auth(keys.operator)).json()
    assert abs(case["lon"] - centre["lon"]) < 1e-5 and abs(case["lat"] - centre["lat"]) < 1e-5
    near = client.get(f"/api/v1/report/{code}/nearby", params={"lon": float(glon), "lat": float(glat), "crs": "GCJ02",
                                                               "category": "E0102"}).json()
    assert [n["id"] for n in near["nearby"]] == [case["id"]] and near["nearby"][0]["distance_m"] < 2
    assert "reporter_name" not in str(near) and "description" not in str(near)


def test_without_a_key_only_the_report_is_accepted_and_only_so_much(client: TestClient, keys: Keys) -> None:
    code = _code(client, keys)
    post = client.post
    r = post("/open311/v2/requests.json", data={k: v for k, v in _form(code).items() if k != "attribute[qr]"})
    assert r.status_code == 401  # no key and no QR page: as before
    r = post("/open311/v2/requests.json", data=_form("330108999999", device_id="d1"))
    assert r.status_code == 404 and "micro-grid" in r.json()[0]["description"]
    r = post("/open311/v2/requests.json", data=_form(code, email="x@example.cn"))
    assert r.status_code == 400 and "email" in r.json()[0]["description"]
    r = post("/open311/v2/requests.json", data=_form(code, phone="13800138000"))
    assert r.status_code == 400 and "consent" in r.json()[0]["description"]
    r = post("/open311/v2/requests.json", data=_form(code, description="很" * 501))
    assert r.status_code == 400 and "description" in r.json()[0]["description"]
    r = post("/open311/v2/requests.json", data=_form(code), files=[("media", ("a.png", _png(), "image/png"))] * 4)
    assert r.status_code == 400 and "3 photos" in r.json()[0]["description"]
    r = post("/open311/v2/requests.json", data=_form(code), files=[("media", ("a.png", b"MZ\x90\x00exe", "image/png"))])
    assert r.status_code == 400 and "media[0]" in r.json()[0]["description"]
    big = b"\xff\xd8\xff" + b"0" * MAX_PHOTO_BYTES
    r = post("/open311/v2/requests.json", data=_form(code), files=[("media", ("a.jpg", big, "image/jpeg"))])
    assert r.status_code == 400 and "MB" in r.json()[0]["description"]
    assert client.get("/api/v1/report/follow", params={"ticket": "nope"}).status_code == 404
    assert client.get(f"/api/v1/areas/{code}/qr.png").status_code == 401  # the codes need a key


def test_one_address_may_file_so_many_reports_an_hour_then_waits(client: TestClient, keys: Keys,
                                                                 ctx: ServiceContext) -> None:
    code = _code(client, keys)
    limit = ctx.settings.resident_reports_per_hour
    for i in range(limit):
        r = client.post("/open311/v2/requests.json", data=_form(code, device_id=f"phone-{i}"))
        assert r.status_code == 200, r.text
    r = client.post("/open311/v2/requests.json", data=_form(code, device_id="phone-new"))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and "too many" in r.json()[0]["description"]
    feed = keys.feeds
    from service.domain.catalog import Channel

    r = client.post("/open311/v2/requests.json", data={"api_key": feed[Channel.OPEN311], "service_code": "E0102",
                                                       "lat": "30.16", "long": "120.14"})
    assert r.status_code == 200  # a gateway with its key is not a resident: not throttled here


def test_a_community_prints_one_qr_label_per_micro_grid_with_its_name_and_grid_worker(
        client: TestClient, keys: Keys, tmp_path: Path) -> None:
    import subprocess

    import zxingcpp

    viewer = keys.auth(keys.viewer)
    community = client.get("/ogcapi/collections/communities/items", headers=viewer).json()["features"][3]["properties"]
    micro = [f["properties"] for f in client.get("/ogcapi/collections/micro_grids/items", params={"limit": 10000},
                                                 headers=viewer).json()["features"]]
    grids = {f["properties"]["code"] for f in client.get("/ogcapi/collections/grids/items", params={"limit": 10000},
                                                         headers=viewer).json()["features"]
             if f["properties"]["parent_code"] == community["code"]}
    mine = [m for m in micro if m["parent_code"] in grids]
    r = client.get(f"/api/v1/areas/{community['code']}/qr-sheet.pdf", headers=viewer)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    (tmp_path / "sheet.pdf").write_bytes(r.content)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "sheet.pdf"),
                    str(tmp_path / "p")], check=True, timeout=60)
    info = subprocess.run(["pdfinfo", str(tmp_path / "sheet.pdf")], capture_output=True, check=True, timeout=30).stdout
    assert f"Pages:           {-(-len(mine) // 12)}".encode() in info
    text = subprocess.run(["pdftotext", str(tmp_path / "sheet.pdf"), "-"], capture_output=True, check=True).stdout.decode()
    assert all(m["name"] in text for m in mine) and "网格员" in text
    found = {b.text for b in zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("p*.png"))))}
    assert len(found) == min(12, len(mine)) and all(u.startswith("http://testserver/report/") for u in found)
    assert {u.rsplit("/", 1)[1] for u in found} <= {m["code"] for m in mine}
    assert client.get(f"/api/v1/areas/{mine[0]['code']}/qr-sheet.pdf", headers=viewer).status_code == 404


def test_one_phone_may_file_so_many_reports_an_hour_even_from_a_different_address_each_time(
        client: TestClient, keys: Keys, ctx: ServiceContext) -> None:
    # The throttle keys the address on the ASGI scope's client (request.client.host): each TestClient below
    # is the same running app seen from another address, so only the device id ties the reports together.
    code = _code(client, keys)
    limit = ctx.settings.resident_reports_per_hour

    def from_address(i: int) -> TestClient:
        return TestClient(client.app, client=(f"10.20.0.{i + 1}", 50000))

    for i in range(limit):
        r = from_address(i).post("/open311/v2/requests.json", data=_form(code, device_id="one-phone"))
        assert r.status_code == 200, r.text
    r = from_address(limit).post("/open311/v2/requests.json", data=_form(code, device_id="one-phone"))
    assert r.status_code == 429, r.text
    assert int(r.headers["Retry-After"]) > 0 and "too many" in r.json()[0]["description"]
    r = from_address(limit + 1).post("/open311/v2/requests.json", data=_form(code, device_id="another-phone"))
    assert r.status_code == 200, r.text  # the limit is that phone's, not everyone's


def test_a_resident_who_consents_leaves_name_and_phone_that_only_an_operator_sees_whole(
        client: TestClient, keys: Keys) -> None:
    code = _code(client, keys)
    personal = {"last_name": "王", "first_name": "小明", "phone": "13800138000"}
    r = client.post("/open311/v2/requests.json", data=_form(code, **personal))
    assert r.status_code == 400 and "consent" in r.json()[0]["description"]  # no consent: refused, not stripped
    r = client.post("/open311/v2/requests.json", data=_form(code, **personal, **{"attribute[consent]": "yes"}))
    assert r.status_code == 200, r.text
    url = f"/api/v1/incidents/{r.json()[0]['service_request_id']}"
    whole = client.get(url, headers=keys.auth(keys.operator)).json()
    assert (whole["reporter_name"], whole["reporter_phone"]) == ("王小明", "13800138000")
    masked = client.get(url, headers=keys.auth(keys.viewer)).json()
    assert (masked["reporter_name"], masked["reporter_phone"]) == ("王**", "138****8000")
    assert "小明" not in r.text + str(masked) and "13800138000" not in r.text + str(masked)
