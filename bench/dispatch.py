"""Position ingest and unit recommendation, beside same-run baselines: raw sqlite3 inserts of the same
fixes, GET /health on the same server, and a bare numpy distance + argsort over the same fleet."""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

from bench.baseline import raw_insert_rate
from bench.intake import prepare_data_dir
from bench.report import Report
from service.demo import street as demo_street
from service.domain.coords import haversine_m
from service.domain.gridcodes import Level
from service.domain.recommend import Fleet, UnitPosition, rank
from service.domain.roads import RoadNetwork
from service.domain.units import UnitStatus, UnitType
from tests.support.child_process import ServiceProcess

UNITS = 500
BATCH = 5000
BATCHES = 10
SINGLES = 400
RANKINGS = 2000


def add_units(db: Path, street: demo_street.DemoStreet, rng: random.Random) -> list[str]:
    """Top the demo fleet up to 500 units with devices; returns every device id."""
    polygon = street.of_level(Level.STREET)[0].geometry
    with sqlite3.connect(db) as conn:
        have = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        for i in range(UNITS - have):
            lon, lat = demo_street.point_in(polygon, rng)
            conn.execute("INSERT INTO units (callsign, name, unit_type, device_id, skills, status, lon, lat, "
                         "fix_time_ms, stale, version, updated_at) VALUES (?, ?, 'patrol', ?, '{}', 'available', "
                         "?, ?, 0, 0, 1, ?)", (f"BX-{i:03d}", f"bench {i}", f"bx-{i:03d}", lon, lat, now))
        return [r[0] for r in conn.execute("SELECT device_id FROM units WHERE device_id IS NOT NULL")]


def fixes(rng: random.Random, devices: list[str], n: int, start: datetime, bounds: tuple[float, ...]
          ) -> list[dict[str, Any]]:
    return [{"device_id": devices[i % len(devices)], "time": (start + timedelta(milliseconds=i)).isoformat(),
             "lon": rng.uniform(bounds[0], bounds[2]), "lat": rng.uniform(bounds[1], bounds[3]),
             "speed_ms": 3.2, "heading": 90.0, "accuracy": 5.0, "battery": 80.0} for i in range(n)]


def raw_fix_rate(batches: list[list[dict[str, Any]]], template: Path, unit_of: dict[str, int]) -> float:
    sql = ("INSERT INTO fixes (unit_id, time_ms, lon, lat, speed_ms, heading, accuracy, battery) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
    rows = [[(unit_of[f["device_id"]], int(datetime.fromisoformat(f["time"]).timestamp() * 1000), f["lon"],
              f["lat"], f["speed_ms"], f["heading"], f["accuracy"], f["battery"]) for f in batch] for batch in batches]
    return raw_insert_rate(template, sql, rows)


def run(report: Report) -> None:
    street = demo_street.build()
    bounds = street.of_level(Level.STREET)[0].geometry.bounds
    rng = random.Random(11)
    data_dir = prepare_data_dir(street)
    devices = add_units(data_dir / "gridcommand.db", street, rng)
    with sqlite3.connect(data_dir / "gridcommand.db") as conn:
        unit_of = dict(conn.execute("SELECT device_id, id FROM units WHERE device_id IS NOT NULL").fetchall())
    template = Path(tempfile.mkdtemp(prefix="gc-tpl-")) / "gridcommand.db"
    shutil.copy(data_dir / "gridcommand.db", template)
    service = ServiceProcess(data_dir).start()
    try:
        with httpx.Client(base_url=service.base, timeout=60,
                          headers={"Authorization": f"Bearer {service.operator_key}"}) as client:
            start = datetime.now(UTC) - timedelta(hours=2)
            batches = [fixes(rng, devices, BATCH, start + timedelta(minutes=b), bounds) for b in range(BATCHES)]
            bodies = [orjson.dumps({"items": batch}) for batch in batches]  # the gateway's work, not ours
            t = time.perf_counter()
            for body, batch in zip(bodies, batches):
                r = client.post("/api/v1/positions/batch", content=body, headers={"Content-Type": "application/json"})
                assert r.status_code == 200 and r.json()["accepted"] == len(batch), r.text[:300]
            rate = BATCH * BATCHES / (time.perf_counter() - t)
            report.add("positions, JSON batches of 5000 (HTTP)", rate, "fixes/s",
                       baseline_name="raw sqlite3 executemany, same fixes",
                       baseline=raw_fix_rate(batches, template, unit_of), aim=">= 20000/s")

            single, health = [], []
            now = datetime.now(UTC)
            for i in range(SINGLES):
                lon, lat = rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])
                params = {"id": devices[i % len(devices)], "timestamp": str(int(now.timestamp() * 1000) + i),
                          "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "speed": "3.1", "bearing": "45", "batt": "77"}
                t = time.perf_counter()
                r = client.get("/osmand", params=params)
                single.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
                t = time.perf_counter()
                client.get("/health")
                health.append((time.perf_counter() - t) * 1000)
            report.add("positions, single OsmAnd GET p99", float(np.percentile(single, 99)), "ms",
                       baseline_name="GET /health p99 (same server)", baseline=float(np.percentile(health, 99)),
                       aim="<= 10 ms")
    finally:
        service.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    recommendation(report, bounds, rng, None)
    recommendation(report, bounds, rng, RoadNetwork(street.roads))


def recommendation(report: Report, bounds: tuple[float, ...], rng: random.Random, roads: RoadNetwork | None) -> None:
    types = list(UnitType)
    fleet = Fleet([UnitPosition(i, f"U{i}", rng.choice(types), UnitStatus.AVAILABLE,
                                rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3]),
                                None, False) for i in range(UNITS)], roads=roads)
    ours, bare = [], []
    for _ in range(RANKINGS):
        lon, lat = rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])
        t = time.perf_counter()
        rank(fleet, lon=lon, lat=lat, needed=UnitType.PATROL, case_grid="x", limit=10)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        np.argsort(haversine_m(lon, lat, fleet.lon, fleet.lat))[:10]
        bare.append((time.perf_counter() - t) * 1000)
    name = f"recommendation, 500 units, by road ({len(roads)} nodes), p99" if roads else \
        "recommendation, 500 units, straight line, p99"
    report.add(name, float(np.percentile(ours, 99)), "ms",
               baseline_name="bare haversine + argsort p99", baseline=float(np.percentile(bare, 99)), aim="<= 10 ms")
