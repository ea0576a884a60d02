"""The API docs render in a real headless browser with no request leaving the machine, and a service
bound beyond loopback serves HTTPS (or refuses to start without a certificate)."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.child_process import PROJECT, ServiceProcess, free_port

needs_browser = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                   reason="Debian chromium and chromium-driver (scripts/setup.sh installs them)")


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                # Any name but the local machine fails to resolve: the page must need nothing from outside.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
    yield driver
    driver.quit()


def _requested_urls(driver: object) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@needs_browser
@pytest.mark.parametrize("page, rendered", [("/docs", ".swagger-ui .info .title"),
                                            ("/redoc", "[role=navigation], .api-info h1")])
def test_the_api_docs_render_offline_with_every_request_served_by_the_service(
        service: ServiceProcess, browser: object, page: str, rendered: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(service.base + page)  # type: ignore[attr-defined]
    WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, rendered)))
    WebDriverWait(browser, 30).until(lambda d: "GridCommand" in d.find_element(By.TAG_NAME, "body").text)
    urls = [u for u in _requested_urls(browser) if not u.startswith(("data:", "blob:"))]
    assert any(u.endswith("/openapi.json") for u in urls), urls
    assert urls and all(u.startswith(service.base) for u in urls), urls


def _serve(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "service", "serve", "--host", "0.0.0.0", "--port", str(port),
                             "--no-demo"], cwd=PROJECT, env={**os.environ, "GRIDCOMMAND_DATA_DIR": str(data_dir), **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_bound_beyond_loopback_without_a_certificate_the_service_refuses_to_start(tmp_path: Path) -> None:
    proc = _serve(tmp_path, free_port(), {})
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and b"HTTPS is required" in out


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the self-signed certificate")
def test_bound_beyond_loopback_the_service_answers_https_with_its_certificate(tmp_path: Path) -> None:
    made = subprocess.run([sys.executable, "-m", "service", "--data-dir", str(tmp_path), "cert", "--host", "127.0.0.1"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=60, check=True).stdout
    env = dict(line.split("=", 1) for line in made.split())
    port = free_port()
    proc = _serve(tmp_path, port, env)
    try:
        trust = ssl.create_default_context(cafile=env["GRIDCOMMAND_TLS_CERT_FILE"])
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/health", context=trust, timeout=2) as r:
                    assert json.load(r)["status"] == "ok"
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.2)
        with pytest.raises(OSError):  # plain HTTP is not served
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
        with pytest.raises(urllib.error.URLError) as refused:  # nor is the certificate trusted unless taken
            urllib.request.urlopen(f"https://127.0.0.1:{port}/health", context=ssl.create_default_context(), timeout=2)
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
    finally:
        proc.terminate()
        proc.wait(10)
