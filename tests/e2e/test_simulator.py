"""`make run`'s feed simulator posts realistic reports and unit positions through the real endpoints."""

from __future__ import annotations

from collections import Counter

import httpx

from service.context import ServiceContext
from service.demo.simulator import FeedSimulator
from service.settings import Settings
from tests.support.child_process import ServiceProcess


def test_the_simulator_feeds_every_channel_and_moves_units(service: ServiceProcess) -> None:
    ctx = ServiceContext(Settings(data_dir=service.data_dir))
    try:
        simulator = FeedSimulator(ctx, base_url=service.base, seed=3)
        for _ in range(40):
            simulator.post_one()
        simulator.move_units(5.0)
    finally:
        ctx.close()
    assert simulator.failures == 0
    auth = {"Authorization": f"Bearer {service.operator_key}"}
    items = httpx.get(f"{service.base}/api/v1/incidents", params={"limit": 500}, headers=auth).json()["items"]
    assert len(items) >= 40
    channels = Counter(i["channel"] for i in items)
    assert set(channels) == {"hotline12345", "citymgmt", "police110", "open311", "onlinehelp"}
    assert sum(not i["outside_jurisdiction"] for i in items) == len(items)  # every CRS converted correctly
    moved = [u for u in httpx.get(f"{service.base}/api/v1/units", headers=auth).json() if u["speed_ms"]]
    assert moved
