"""The leaders' cockpit in a real browser against a real service process: charts and map drawn with nothing
fetched from outside the machine, and a case posted by the center shows up on the wall by itself.
Writes test-artifacts/cockpit_1920x1080.png next to the plugin's map picture (command_center.png)."""

from __future__ import annotations

import random
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.context import ServiceContext
from service.domain import cockpit as board
from service.domain.access import Role
from service.domain.catalog import Channel
from service.settings import Settings
from tests.support import cockpit_seed as seed
from tests.support.browser import chromium, leaving_the_machine, requested_urls, wait_for
from tests.support.child_process import ServiceProcess

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "cockpit_1920x1080.png"
# The distinct colours in 64x64 pixels at the middle of the map's WebGL canvas (`seen`, canvas `c`): more than
# the background's when the map really painted.
MAP_COLOURS = (
    "const c = document.querySelector('#map canvas'); const g = c.getContext('webgl2') || c.getContext('webgl');"
    "const px = new Uint8Array(4 * 64 * 64); g.readPixels(c.width / 2 - 32, c.height / 2 - 32, 64, 64, g.RGBA,"
    " g.UNSIGNED_BYTE, px); const seen = new Set(); for (let i = 0; i < px.length; i += 4)"
    " seen.add(px[i] + ',' + px[i + 1] + ',' + px[i + 2]);")


@pytest.fixture(scope="module")
def street(tmp_path_factory: pytest.TempPathFactory, demo_db_template: Path
           ) -> Iterator[tuple[ServiceProcess, dict[str, str]]]:
    """A week of the street's cases (worked like a shift works them), then the service on top of it;
    one street for this module's stories (seeding it is the slow part)."""
    data_dir = seed.fresh_street(tmp_path_factory.mktemp("cockpit"), demo_db_template)
    now = datetime.now(UTC)
    clock = seed.SetClock(now)
    ctx = ServiceContext(Settings(data_dir=data_dir, sqlite_synchronous="NORMAL"), clock=clock)
    rng = random.Random(11)
    places = seed.micro_grid_points(ctx)
    day = board.today(now)
    items = seed.drafts(rng, n=90, start=max(day.start, now - timedelta(hours=14)), end=now, places=places, prefix="t")
    items += seed.drafts(rng, n=120, start=now - timedelta(days=6), end=day.start, places=places, prefix="w")
    seed.history(ctx, clock, items, rng, share=0.5)
    keys = {"viewer": ctx.create_key(name="video wall", role=Role.VIEWER),
            "operator": ctx.create_key(name="duty officer", role=Role.OPERATOR),
            "feed": ctx.create_key(name="gps", role=Role.FEED, channel=Channel.GPS_GATEWAY)}
    ctx.close()
    proc = ServiceProcess(data_dir, extra_env={"GRIDCOMMAND_SSE_HEARTBEAT_SECONDS": "1"}).start()
    yield proc, keys
    proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium(width=1920, height=1080)
    yield driver
    driver.quit()


def _post_case(base: str, key: str, lon: float, lat: float) -> int:
    form = urllib.parse.urlencode({"api_key": key, "service_code": "E0402", "lat": lat, "long": lon,
                                   "description": "自来水管破裂，路面冒水"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/open311/v2/requests.json", data=form), timeout=10) as r:
        import json
        return int(json.loads(r.read())[0]["service_request_id"])


def _kpi(driver: Any, name: str) -> str:
    return str(driver.execute_script(f"return document.getElementById('kpi-{name}').textContent"))


def test_leaders_wall_draws_the_street_offline_and_follows_a_new_case_live(
        street: tuple[ServiceProcess, dict[str, str]], browser: Any) -> None:
    service, keys = street
    browser.get(f"{service.base}/cockpit/#key={keys['viewer']}")
    wait_for(lambda: browser.execute_script("return document.body.dataset.map === 'drawn'"), 40, "the map drawn")
    state = browser.execute_script(
        "return {inner: [innerWidth, innerHeight], lang: document.documentElement.lang, title: document.title,"
        " charts: Object.keys(__cockpit.charts).filter(k => __cockpit.charts[k].getOption().series.length > 0),"
        " canvases: document.querySelectorAll('.chart canvas').length,"
        " micro: __cockpit.map.querySourceFeatures('micro').length,"
        " dense: __cockpit.micro.features.filter(f => f.properties.n > 0).length,"
        " cases: __cockpit.map.getSource('cases')._data.features.length,"
        " units: __cockpit.map.getSource('units')._data.features.length,"
        " key_in_url: location.href.includes('key=')}")
    assert state["inner"] == [1920, 1080] and state["lang"] == "zh-CN" and "驾驶舱" in state["title"]
    assert len(state["charts"]) == 6 and state["canvases"] >= 6, state
    assert state["micro"] > 100 and state["dense"] > 20 and state["cases"] > 10 and state["units"] > 50, state
    assert not state["key_in_url"], "the key given in the fragment is kept in sessionStorage, not in the address"
    assert int(_kpi(browser, "today")) >= 80 and int(_kpi(browser, "week")) >= 200
    assert _kpi(browser, "handled").endswith("%") and _kpi(browser, "onscene").endswith("%")
    # the map really painted: the WebGL canvas holds more than the background colour
    colours = browser.execute_script(MAP_COLOURS + "return seen.size;")
    assert colours > 5, "the map canvas is blank"

    before_total, before_summaries = int(_kpi(browser, "today")), browser.execute_script("return __cockpit.summaries")
    lon, lat = browser.execute_script(  # the middle of a micro-grid's ring: inside the street
        "const g = __cockpit.micro.features[40].geometry; const r = g.type === 'Polygon' ? g.coordinates[0]"
        " : g.coordinates[0][0]; return [(r[0][0] + r[2][0]) / 2, (r[0][1] + r[2][1]) / 2]")
    new_id = _post_case(service.base, keys["operator"], lon, lat)
    wait_for(lambda: int(_kpi(browser, "today")) == before_total + 1, 15, "the new case counted on the wall")
    assert browser.execute_script("return __cockpit.summaries") > before_summaries
    wait_for(lambda: browser.execute_script(
        f"return __cockpit.map.getSource('cases')._data.features.some(f => f.id === {new_id})"), 10, "the case on the map")
    wait_for(lambda: browser.execute_script("return document.body.dataset.map === 'drawn'"), 10, "the map redrawn")

    ARTIFACT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACT))
    urls = requested_urls(browser)
    assert any("/web/vendor/echarts/" in u for u in urls) and any("/web/vendor/maplibre-gl/" in u for u in urls)
    assert not leaving_the_machine(urls, service.base), leaving_the_machine(urls, service.base)


def test_the_wall_asks_for_a_key_and_refuses_one_without_read_access(
        street: tuple[ServiceProcess, dict[str, str]], browser: Any) -> None:
    service, keys = street
    browser.get(f"{service.base}/cockpit/")
    browser.execute_script("sessionStorage.clear(); location.reload()")
    wait_for(lambda: browser.execute_script("return document.body.dataset.state === 'login'"), 10, "the key form")
    browser.find_element("id", "login-key").send_keys(keys["feed"])
    browser.find_element("css selector", "#login-form button").click()
    wait_for(lambda: "403" in browser.find_element("id", "login-error").text, 10, "a feed key refused")
    browser.find_element("id", "login-key").clear()
    browser.find_element("id", "login-key").send_keys(keys["viewer"])
    browser.find_element("css selector", "#login-form button").click()
    wait_for(lambda: browser.execute_script("return document.body.dataset.state === 'ready'"), 30, "the wall with a viewer key")


def _kpi_font_px(driver: Any) -> float:
    return float(driver.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('#kpi-today')).fontSize)"))


def test_a_4k_video_wall_draws_the_same_cockpit_with_larger_figures(
        street: tuple[ServiceProcess, dict[str, str]], browser: Any) -> None:
    service, keys = street
    browser.get(f"{service.base}/cockpit/")  # the stylesheet is loaded with the page: no data needed to measure
    at_1920 = _kpi_font_px(browser)
    browser.get("about:blank")  # two cores: the 1920 wall must not draw its map beside the 4K one
    wall = chromium(width=3840, height=2160)
    try:
        wall.get(f"{service.base}/cockpit/#key={keys['viewer']}")
        wait_for(lambda: wall.execute_script("return document.body.dataset.map === 'drawn'"), 60, "the 4K map drawn")
        state = wall.execute_script(
            MAP_COLOURS + "return {inner: [innerWidth, innerHeight], colours: seen.size, map_width: c.width,"
            " charts: Object.keys(__cockpit.charts).filter(k => __cockpit.charts[k].getOption().series.length > 0),"
            " chart_widths: [...document.querySelectorAll('.chart canvas')].map(e => e.width),"
            " scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight]}")
        assert state["inner"] == [3840, 2160] and state["scroll"] == [3840, 2160], state  # one screen, no scrolling
        assert len(state["charts"]) == 6 and len(state["chart_widths"]) >= 6 and min(state["chart_widths"]) > 300, state
        assert state["colours"] > 5 and state["map_width"] > 1500, state
        assert int(_kpi(wall, "today")) >= 80
        at_3840 = _kpi_font_px(wall)
        assert at_3840 > 1.5 * at_1920, (at_1920, at_3840)  # readable from the back of the room on a 4K wall
        assert not leaving_the_machine(requested_urls(wall), service.base)
    finally:
        wall.quit()
