"""Leaders print the day's and the week's report: map, charts, tables and every breached case, as PDF pages."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from service.app import create_app
from service.context import ServiceContext
from service.domain import cockpit as board
from service.domain.access import Role
from service.flows import report_pdf, reports
from service.settings import Settings
from tests.support import cockpit_seed as seed

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # Wednesday 17:30 in the street, ISO week 2026-W47


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, demo_db_template: Path
           ) -> Iterator[tuple[TestClient, ServiceContext, str]]:
    """Week 47 of the street up to Wednesday evening, seeded once for this module's stories (read-only)."""
    data_dir = seed.fresh_street(tmp_path_factory.mktemp("reports"), demo_db_template)
    clock = seed.SetClock(NOW)
    ctx = ServiceContext(Settings(data_dir=data_dir, sqlite_synchronous="NORMAL"), clock=clock)
    rng = random.Random(5)
    week = board.this_week(NOW)
    seed.history(ctx, clock, seed.drafts(rng, n=110, start=week.start, end=NOW, places=seed.micro_grid_points(ctx),
                                         prefix="r"), rng, share=0.6)
    key = ctx.create_key(name="leader", role=Role.VIEWER)
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield client, ctx, key
    ctx.close()


def _pages(pdf: bytes, folder: Path) -> tuple[list[Path], str]:
    (folder / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(folder / "r.pdf"), str(folder / "page")], check=True, timeout=60)
    text = subprocess.run(["pdftotext", str(folder / "r.pdf"), "-"], check=True, capture_output=True, timeout=60).stdout
    return sorted(folder.glob("page-*.png")), text.decode()


def _colours(png: Path) -> int:
    return len(set(Image.open(png).convert("RGB").getdata()))


def test_the_daily_and_weekly_reports_print_the_map_charts_tables_and_breached_cases(
        seeded: tuple[TestClient, ServiceContext, str], tmp_path: Path) -> None:
    client, ctx, _ = seeded
    policy = ctx.dispatch.settings.sla
    for url, period, title in (("/api/v1/reports/daily.pdf?date=2026-11-18", board.local_day(NOW.date()), "日报 · 2026-11-18"),
                               ("/api/v1/reports/weekly.pdf?week=2026-W47", board.iso_week(2026, 47), "周报 · 2026-W47")):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text[:200]
        m = reports.material(db=ctx.db, policy=policy, period=period, now=NOW)
        assert m["summary"]["total"] > 10 and m["breached"], "the seeded street has cases and breaches in the period"
        folder = tmp_path / period.label
        folder.mkdir()
        pages, text = _pages(r.content, folder)
        assert len(pages) == report_pdf.expected_pages(m) >= 4
        assert title in text and "微网格案件密度" in text and "SLA 分环节达标" in text and "部门履职" in text
        assert f"超时案件（共 {len(m['breached'])} 项" in text
        worst = m["breached"][0]
        assert f"#{worst['id']}" in text
        assert _colours(pages[0]) > 8 and _colours(pages[1]) > 8  # the map and the charts are drawn, not blank


def test_a_quiet_day_still_prints_every_section_and_bad_periods_are_named(
        seeded: tuple[TestClient, ServiceContext, str], tmp_path: Path) -> None:
    client, _, _ = seeded
    r = client.get("/api/v1/reports/daily.pdf", params={"date": (NOW - timedelta(days=30)).date().isoformat()})
    pages, text = _pages(r.content, tmp_path)
    assert len(pages) == 4 and "超时案件（共 0 项" in text
    r = client.get("/api/v1/reports/daily.pdf", params={"date": "2026-11-31"})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "date"
    r = client.get("/api/v1/reports/weekly.pdf", params={"week": "2026-47"})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "week"
    assert client.get("/api/v1/reports/weekly.pdf", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_yesterdays_and_last_weeks_reports_are_written_once_into_the_data_folder(
        seeded: tuple[TestClient, ServiceContext, str], tmp_path: Path) -> None:
    from service.flows import report_schedule

    _, ctx, _ = seeded
    policy = ctx.dispatch.settings.sla
    monday_after = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 Monday: the week before (W47) is due
    written = report_schedule.produce_due(db=ctx.db, policy=policy, now=monday_after, data_dir=tmp_path)
    assert [p.name for p in written] == ["weekly-2026-W47.pdf"]  # Sunday the 22nd had no case: no daily report
    thursday = NOW + timedelta(days=1)
    written = report_schedule.produce_due(db=ctx.db, policy=policy, now=thursday, data_dir=tmp_path)
    assert [p.name for p in written] == ["daily-2026-11-18.pdf"]
    assert report_schedule.produce_due(db=ctx.db, policy=policy, now=thursday, data_dir=tmp_path) == []
    pages, text = _pages((tmp_path / "reports" / "daily-2026-11-18.pdf").read_bytes(), tmp_path)
    assert "日报 · 2026-11-18" in text and len(pages) >= 4
    assert not list((tmp_path / "reports").glob("*.partial"))
