"""A department user on a phone, in a real browser (Debian chromium, headless, through Selenium) against
a real service process: the case whistled to it arrives live, it accepts, takes a photo and reports back;
a verification through the API then closes the case, and the open page shows it closed, live."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.service import payloads
from tests.support.child_process import PROJECT, ServiceProcess

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _department_key(service: ServiceProcess, department: str) -> str:
    out = subprocess.run([sys.executable, "-m", "service", "--data-dir", str(service.data_dir), "key", "department",
                          "--name", f"{department} desk", "--department", department],
                         cwd=PROJECT, check=True, capture_output=True, text=True, timeout=60)
    return out.stdout.strip().splitlines()[-1]


def test_a_department_accepts_a_whistled_case_on_its_phone_and_reports_back_with_a_photo(
        service: ServiceProcess, browser: webdriver.Chrome, tmp_path: Path) -> None:
    op = {"Authorization": f"Bearer {service.operator_key}"}
    dept_key = _department_key(service, "城管")
    photo = tmp_path / "after.jpg"
    Image.new("RGB", (1280, 960), "#2b6").save(photo, format="JPEG")
    ARTIFACTS.mkdir(exist_ok=True)
    wait = WebDriverWait(browser, 20)
    with httpx.Client(base_url=service.base, headers=op, timeout=10) as api:
        browser.get(f"{service.base}/dept/?key={dept_key}")
        wait.until(ec.text_to_be_present_in_element((By.ID, "dept"), "城管"))
        wait.until(lambda d: "on" in d.find_element(By.ID, "live").get_attribute("class"))
        assert "key=" not in browser.current_url  # the key is not left in the address bar
        # the center files the collector's report and whistles the department in: it arrives live
        case = api.post("/api/v1/channels/citymgmt", json=payloads.citymgmt(120.1502, 30.1655)).json()["incident"]
        case = api.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "file", "version": case["version"]}).json()
        case = api.post(f"/api/v1/incidents/{case['id']}/actions",
                        json={"action": "whistle", "version": case["version"], "departments": ["城管"]}).json()
        card = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f'article[data-id="{case["id"]}"]')))
        card.find_element(By.CSS_SELECTOR, "button.accept").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "message"), "已接收"))
        # accepted: the card now offers feedback (it was re-drawn for the case's new version)
        summary = wait.until(ec.visibility_of_element_located(
            (By.CSS_SELECTOR, f'article[data-id="{case["id"]}"] .feedback summary')))
        summary.click()
        card = browser.find_element(By.CSS_SELECTOR, f'article[data-id="{case["id"]}"]')
        card.find_element(By.CSS_SELECTOR, ".feedback-form input[type=file]").send_keys(str(photo))
        card.find_element(By.CSS_SELECTOR, ".feedback-form textarea").send_keys("井盖已更换，现场已清理")
        browser.save_screenshot(str(ARTIFACTS / "dept_inbox_feedback.png"))
        card.find_element(By.CSS_SELECTOR, ".feedback-form button[type=submit]").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "message"), "反馈已提交"))
        wait.until(ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, f'article[data-id="{case["id"]}"] .status'), "待核查"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'article[data-id="{case["id"]}"] .photos img'))
        case = api.get(f"/api/v1/incidents/{case['id']}").json()
        assert case["status"] == "resolved" and case["departments"]["城管"]["feedback_at"]
        photos = api.get(f"/api/v1/incidents/{case['id']}/photos").json()
        assert [(p["department"], p["width"], p["height"]) for p in photos] == [("城管", 1280, 960)]
        history = api.get(f"/api/v1/incidents/{case['id']}/history").json()
        assert history[-1]["action"] == "feedback" and history[-1]["note"] == "井盖已更换，现场已清理"
        # a grid worker's verification (through the API) passes: the open page shows it closed, live
        r = api.post(f"/api/v1/incidents/{case['id']}/verification",
                     data={"version": str(case["version"]), "outcome": "pass", "note": "网格员现场核查"})
        assert r.status_code == 200, r.text
        wait.until(ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, f'article[data-id="{case["id"]}"] .status'), "已结案"))
        browser.save_screenshot(str(ARTIFACTS / "dept_inbox_closed.png"))
