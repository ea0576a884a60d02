"""Intake throughput and latency through the real HTTP service, beside raw SQLite inserts of the same rows,
and point-in-micro-grid lookups beside a bare shapely STRtree."""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import shapely

from bench.baseline import raw_insert_rate
from bench.report import Report
from service.channels.hotline12345 import SUBJECTS
from service.context import ServiceContext
from service.demo import street as demo_street
from service.demo.install import install_demo_street
from service.domain import coords
from service.domain.gridcodes import Level
from service.settings import Settings
from tests.support.child_process import ServiceProcess

BATCH = 1000
BATCHES = 20
SINGLES = 400


def prepare_data_dir(street: demo_street.DemoStreet) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gc-bench-"))
    ctx = ServiceContext(Settings(data_dir=folder))
    install_demo_street(ctx, street)
    ctx.close()
    return folder


def work_orders(rng: random.Random, n: int, prefix: str, bounds: tuple[float, ...]) -> list[dict[str, Any]]:
    minx, miny, maxx, maxy = bounds
    now = datetime.now(UTC)
    subjects = list(SUBJECTS)
    out = []
    for i in range(n):
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        glon, glat = coords.wgs84_to_gcj02(lon, lat)
        out.append({"order_no": f"{prefix}-{i}", "accepted_at": (now - timedelta(minutes=rng.uniform(1, 43200))).isoformat(),
                    "appeal_type": "投诉", "subject": rng.choice(subjects), "content": "现场需要核实处理",
                    "longitude": float(glon), "latitude": float(glat), "coord_type": "gcj02",
                    "citizen_name": "王芳", "citizen_phone": "13800001111"})
    return out


def raw_sqlite_rate(rows: list[list[dict[str, Any]]], template_db: Path) -> float:
    """The same work orders as incident rows through plain sqlite3: the floor under our intake."""
    columns = ["channel", "external_id", "reported_at", "received_at", "category", "description", "lon", "lat",
               "source_crs", "address", "reporter_name", "reporter_phone", "priority", "status",
               "outside_jurisdiction", "repeat_count", "attributes", "version", "updated_at"]
    sql = f"INSERT INTO incidents ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    batches = [[("hotline12345", r["order_no"], r["accepted_at"], r["accepted_at"], SUBJECTS[r["subject"]],
                 r["content"], r["longitude"], r["latitude"], "GCJ02", None, r["citizen_name"], r["citizen_phone"],
                 3, "received", 0, 0, "{}", 1, r["accepted_at"]) for r in batch] for batch in rows]
    return raw_insert_rate(template_db, sql, batches)


def run(report: Report) -> None:
    street = demo_street.build()
    bounds = street.of_level(Level.STREET)[0].geometry.bounds
    rng = random.Random(5)
    data_dir = prepare_data_dir(street)
    template = Path(tempfile.mkdtemp(prefix="gc-tpl-")) / "gridcommand.db"
    shutil.copy(data_dir / "gridcommand.db", template)
    service = ServiceProcess(data_dir).start()
    try:
        with httpx.Client(base_url=service.base, timeout=60,
                          headers={"Authorization": f"Bearer {service.operator_key}"}) as client:
            batches = [work_orders(rng, BATCH, f"B{b}", bounds) for b in range(BATCHES)]
            client.post("/api/v1/channels/hotline12345/batch", json={"items": work_orders(rng, 50, "warm", bounds)})
            # Bodies are encoded before the clock starts: the feeding gateway is another machine's work.
            bodies = [orjson.dumps({"items": batch}) for batch in batches]
            json_header = {"Content-Type": "application/json"}
            started = time.perf_counter()
            for body, batch in zip(bodies, batches):
                r = client.post("/api/v1/channels/hotline12345/batch", content=body, headers=json_header)
                assert r.status_code == 200 and r.json()["accepted"] == len(batch), r.text[:500]
            batch_rate = BATCH * BATCHES / (time.perf_counter() - started)
            raw_rate = raw_sqlite_rate(batches, template)
            report.add("intake, JSON batches of 1000 (HTTP)", batch_rate, "cases/s", baseline_name="raw sqlite3 "
                       "executemany, same rows", baseline=raw_rate, aim=">= 5000/s and ratio >= 0.33")

            singles = work_orders(rng, SINGLES, "S", bounds)
            latencies = []
            for body in singles:
                t = time.perf_counter()
                r = client.post("/api/v1/channels/hotline12345", json=body)
                latencies.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 201, r.text
            health = []
            for _ in range(SINGLES):
                t = time.perf_counter()
                client.get("/health")
                health.append((time.perf_counter() - t) * 1000)
            p99 = float(np.percentile(latencies, 99))
            report.add("intake, single request p99", p99, "ms", baseline_name="GET /health p99 (same server)",
                       baseline=float(np.percentile(health, 99)), aim="<= 20 ms")
            report.add("intake, single request p50", statistics.median(latencies), "ms",
                       baseline_name="GET /health p50", baseline=statistics.median(health), aim="-")
    finally:
        service.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    locate(report, street, bounds)


def locate(report: Report, street: demo_street.DemoStreet, bounds: tuple[float, ...]) -> None:
    from service.domain.geography import Area, Locator

    micro = street.of_level(Level.MICRO_GRID)
    locator = Locator(micro_grids=[Area(a.code, a.geometry, a.parent_code) for a in micro],
                      defence_zones=[Area(a.code, a.geometry) for a in street.of_level(Level.DEFENCE_ZONE)],
                      patrol_zones=[Area(a.code, a.geometry) for a in street.of_level(Level.PATROL_ZONE)])
    rng = np.random.default_rng(9)
    n = 100_000
    lon, lat = rng.uniform(bounds[0], bounds[2], n), rng.uniform(bounds[1], bounds[3], n)
    tree = shapely.STRtree([a.geometry for a in micro])
    points = shapely.points(lon, lat)
    t = time.perf_counter()
    tree.query(points, predicate="intersects")
    bare = (time.perf_counter() - t) / n * 1e6
    t = time.perf_counter()
    locator.locate(lon, lat)
    ours = (time.perf_counter() - t) / n * 1e6
    report.add("point -> micro-grid + zones (Locator)", ours, "us/point", baseline_name="bare STRtree.query, "
               "micro-grids only", baseline=bare, aim="same order as bare")
