"""The leaders' cockpit at 10,000 cases today beside the same page over an empty street, in the same run:
the summary endpoint, the page's first full paint (charts and map drawn), and one live update (refetch +
redraw, as the stream triggers it). Rows are medians of interleaved repeats; minima are in the names."""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.report import Report
from service.context import ServiceContext
from service.demo import street as demo_street
from service.demo.install import install_demo_street
from service.domain import cockpit as board
from service.domain.access import Role
from service.settings import Settings
from tests.support import cockpit_seed as seed
from tests.support.browser import chromium, wait_for
from tests.support.child_process import ServiceProcess

CASES_TODAY = 10_000
REPEATS = 5


def _street(cases: int) -> tuple[Path, str]:
    folder = Path(tempfile.mkdtemp(prefix="gc-bench-cockpit-"))
    now = datetime.now(UTC)
    clock = seed.SetClock(now)
    ctx = ServiceContext(Settings(data_dir=folder, sqlite_synchronous="NORMAL"), clock=clock)
    install_demo_street(ctx, demo_street.build())
    if cases:
        rng = random.Random(1)
        day = board.today(now)
        start = max(day.start, now - timedelta(hours=12))
        items = seed.drafts(rng, n=cases, start=start, end=now, places=seed.micro_grid_points(ctx), prefix="b")
        seed.history(ctx, clock, items, rng, share=0.02)
    key = ctx.create_key(name="bench wall", role=Role.VIEWER)
    ctx.close()
    return folder, key


def _summary_ms(base: str, key: str) -> float:
    request = urllib.request.Request(f"{base}/api/v1/cockpit/summary", headers={"Authorization": f"Bearer {key}"})
    t = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as r:
        r.read()
    return (time.perf_counter() - t) * 1000


def _first_paint_ms(driver: Any, base: str, key: str) -> float:
    driver.get("about:blank")
    driver.get(f"{base}/cockpit/#key={key}")
    return float(wait_for(lambda: driver.execute_script("return window.__cockpit && __cockpit.paintedMs"), 120,
                          "the cockpit painted"))


def _update_ms(driver: Any) -> float:
    before = driver.execute_script("return __cockpit.summaries")
    driver.execute_script("__cockpit.refresh()")
    wait_for(lambda: driver.execute_script("return __cockpit.summaries") > before, 60, "the update drawn")
    return float(driver.execute_script("return __cockpit.lastRefreshMs"))


def _row(report: Report, name: str, full: list[float], empty: list[float], aim: str) -> None:
    report.add(f"{name} @10k today (min {min(full):.0f})", statistics.median(full), "ms",
               baseline_name=f"same, empty street (min {min(empty):.0f})", baseline=statistics.median(empty), aim=aim)


def run(report: Report) -> None:
    full_dir, full_key = _street(CASES_TODAY)
    empty_dir, empty_key = _street(0)
    full, empty = ServiceProcess(full_dir).start(), ServiceProcess(empty_dir).start()
    driver = chromium(width=1920, height=1080)
    try:
        sides = ((full, full_key), (empty, empty_key))
        times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in ("summary", "paint", "update")}
        for _ in range(REPEATS):
            for i, (proc, key) in enumerate(sides):
                times["summary"][i].append(_summary_ms(proc.base, key))
                times["paint"][i].append(_first_paint_ms(driver, proc.base, key))
                times["update"][i].append(_update_ms(driver))
        _row(report, "cockpit summary GET", *times["summary"], aim="<= 500 ms")
        _row(report, "cockpit first paint (charts + map)", *times["paint"], aim="<= 3 s")
        _row(report, "cockpit live update (refetch + redraw)", *times["update"], aim="<= 1 s")
    finally:
        driver.quit()
        full.stop()
        empty.stop()
        shutil.rmtree(full_dir, ignore_errors=True)
        shutil.rmtree(empty_dir, ignore_errors=True)
