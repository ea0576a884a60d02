"""A field worker's phone in a real browser (Debian chromium, headless, Selenium) against a real service
process: the service becomes unreachable (its process stops: to the phone, the network is gone), the
worker reports en route and resolved (with a photo); the page, even reloaded offline (service worker),
shows its last known cases and keeps the steps queued; when the service is back they are delivered in
order, once, and a step sent again with its key changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.test_department_inbox_browser import ARTIFACTS
from tests.service import payloads
from tests.support.child_process import PROJECT, ServiceProcess

pytestmark = pytest.mark.e2e


def _field_key(service: ServiceProcess, unit_id: int) -> str:
    out = subprocess.run([sys.executable, "-m", "service", "--data-dir", str(service.data_dir), "key", "field_worker",
                          "--name", "grid worker phone", "--unit", str(unit_id)],
                         cwd=PROJECT, check=True, capture_output=True, text=True, timeout=60)
    return out.stdout.strip().splitlines()[-1]


def _actions(api: httpx.Client, case_id: int) -> list[Any]:
    return [h["action"] for h in api.get(f"/api/v1/incidents/{case_id}/history").json()]


def test_steps_taken_offline_are_delivered_once_after_reconnecting(
        service: ServiceProcess, browser: webdriver.Chrome, tmp_path: Path) -> None:
    photo = tmp_path / "done.jpg"
    Image.new("RGB", (2000, 1500), "#c52").save(photo, format="JPEG")
    ARTIFACTS.mkdir(exist_ok=True)
    wait = WebDriverWait(browser, 30)
    with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {service.operator_key}"},
                      timeout=10) as api:
        unit = next(u for u in api.get("/api/v1/units", params={"unit_type": "grid_worker"}).json()
                    if u["device_id"] and u["status"] == "available")
        case = api.post("/api/v1/channels/police110", json=payloads.police110(120.1502, 30.1655)).json()["incident"]
        case = api.post(f"/api/v1/incidents/{case['id']}/actions",
                        json={"action": "dispatch", "version": case["version"], "unit_id": unit["id"]}).json()
        browser.get(f"{service.base}/field/?key={_field_key(service, unit['id'])}")
        card = f'article[data-id="{case["id"]}"]'
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, card)))
        wait.until(lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
        # the network goes away: the steps wait on the phone
        service.stop()
        browser.find_element(By.CSS_SELECTOR, f"{card} button.en_route").click()
        browser.find_element(By.CSS_SELECTOR, f"{card} .resolve summary").click()
        browser.find_element(By.CSS_SELECTOR, f"{card} .resolve-form input[type=file]").send_keys(str(photo))
        browser.find_element(By.CSS_SELECTOR, f"{card} .resolve-form textarea").send_keys("已清理完毕")
        browser.find_element(By.CSS_SELECTOR, f"{card} .resolve-form button[type=submit]").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "queue"), "2"))
        browser.refresh()  # the page opens offline (service worker) with the last known cases and the queue
        wait.until(ec.text_to_be_present_in_element((By.ID, "queue"), "2"))
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"{card} .status"), "待发送"))
        browser.save_screenshot(str(ARTIFACTS / "field_offline_queue.png"))
        queued = browser.execute_script("return JSON.parse(localStorage.getItem('gc_field_queue'))")
        assert [q["action"] for q in queued] == ["en_route", "resolve"] and queued[0]["id"] != queued[1]["id"]
        # back online: delivered in order, once
        back = ServiceProcess(service.data_dir, port=service.port).start()
        try:
            _delivered(api, browser, wait, case, queued)
        finally:
            back.stop()


def _delivered(api: httpx.Client, browser: webdriver.Chrome, wait: WebDriverWait, case: dict[str, Any],
               queued: list[dict[str, Any]]) -> None:
    """The service is back: the queue empties, each step acted once, in order; a resent key acts no more."""
    wait.until(lambda d: d.find_element(By.ID, "queue").get_attribute("hidden") is not None)
    wait.until(lambda _: _actions(api, case["id"]) == ["dispatch", "en_route", "feedback"])
    photos = api.get(f"/api/v1/incidents/{case['id']}/photos").json()
    assert [(p["width"], p["height"]) for p in photos] == [(1600, 1200)]  # made smaller on the phone
    assert api.get(f"/api/v1/incidents/{case['id']}").json()["status"] == "resolved"
    # a step whose answer was lost on the way is sent again with its key: nothing more happens
    browser.execute_script("localStorage.setItem('gc_field_queue', JSON.stringify([arguments[0]])); flush();",
                           queued[0])
    wait.until(lambda d: d.find_element(By.ID, "queue").get_attribute("hidden") is not None)
    wait.until(ec.text_to_be_present_in_element((By.ID, "message"), "已发送"))
    assert _actions(api, case["id"]) == ["dispatch", "en_route", "feedback"]
    browser.save_screenshot(str(ARTIFACTS / "field_delivered.png"))
