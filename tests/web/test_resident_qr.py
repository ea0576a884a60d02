"""A resident scans a micro-grid's QR code, files a report with a photo from the phone page, and a second
resident at the same place is offered to add theirs to it: a real service process and a real browser."""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support.browser import chromium, leaving_the_machine, requested_urls, wait_for
from tests.support.child_process import ServiceProcess


def _get(service: ServiceProcess, path: str) -> tuple[bytes, str]:
    request = urllib.request.Request(service.base + path, headers={"Authorization": f"Bearer {service.operator_key}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.read(), r.headers.get("content-type", "")


@pytest.fixture
def phone() -> Iterator[Any]:
    driver = chromium(width=412, height=915, mobile=True)
    yield driver
    driver.quit()


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "rubbish.png"
    image = Image.new("RGB", (640, 480), (90, 120, 60))
    for x in range(200, 440):
        for y in range(180, 300, 3):
            image.putpixel((x, y), (200, 190, 40))
    image.save(path)
    return path


def _file_report(phone: Any, url: str, photo: Path | None, category: str) -> dict[str, Any]:
    phone.get(url)
    wait_for(lambda: phone.execute_script("return document.body.dataset.state === 'ready'"), 20, "the report page")
    phone.execute_script("const s = document.getElementById('category'); s.value = arguments[0];"
                         "s.dispatchEvent(new Event('change'))", category)
    phone.find_element("id", "description").send_keys("垃圾桶满溢，垃圾散落路边")
    if photo is not None:
        phone.find_element("id", "photos").send_keys(str(photo))
    nearby = wait_for(lambda: phone.execute_script("return document.body.dataset.nearby"), 10, "the nearby check")
    button = phone.find_element("id", "submit").text
    nearby_text = phone.find_element("id", "nearby-list").text
    phone.find_element("id", "submit").click()
    wait_for(lambda: phone.execute_script("return document.body.dataset.state === 'sent'"), 20, "the report sent")
    return {"id": int(phone.execute_script("return document.body.dataset.request")), "nearby": int(nearby),
            "button": button, "notice": phone.find_element("id", "done-text").text,
            "nearby_text": nearby_text}


def test_resident_scans_the_qr_code_reports_with_a_photo_and_a_neighbour_is_offered_to_join_it(
        service: ServiceProcess, phone: Any, tmp_path: Path) -> None:
    import zxingcpp

    items, _ = _get(service, "/ogcapi/collections/micro_grids/items?limit=60")
    code = json.loads(items)["features"][57]["properties"]["code"]
    png, kind = _get(service, f"/api/v1/areas/{code}/qr.png")
    assert kind == "image/png"
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded.text == f"{service.base}/report/{code}"
    svg, kind = _get(service, f"/api/v1/areas/{code}/qr.svg")
    assert kind.startswith("image/svg+xml") and b"<svg" in svg

    first = _file_report(phone, decoded.text, _photo(tmp_path), "E0102")
    assert first["nearby"] == 0 and first["button"] == "提交上报"
    case = json.loads(_get(service, f"/api/v1/incidents/{first['id']}")[0])
    assert case["micro_grid"] == code and case["channel"] == "open311" and case["category"] == "E0102"
    assert case["attributes"]["qr_micro_grid"] == code and len(case["attributes"]["media_urls"]) == 1
    photo_url = case["attributes"]["media_url"]
    assert photo_url.startswith(f"{service.base}/media/")
    with urllib.request.urlopen(photo_url, timeout=10) as r:
        assert Image.open(io.BytesIO(r.read())).size == (640, 480)

    second = _file_report(phone, decoded.text, None, "E0102")
    assert second["nearby"] == 1 and second["button"] == "补充到已有上报" and "暴露垃圾" in second["nearby_text"]
    assert "合并" in second["notice"]
    assert json.loads(_get(service, f"/api/v1/incidents/{second['id']}")[0])["duplicate_of"] == first["id"]

    phone.find_element("id", "follow-link").click()
    wait_for(lambda: phone.execute_script("return document.body.dataset.state === 'following'"), 10, "the status page")
    assert "已与同一问题合并办理" in phone.find_element("id", "follow-body").text
    assert not leaving_the_machine(requested_urls(phone), service.base)
