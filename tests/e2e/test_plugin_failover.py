"""Two service processes on one record: when the one the plugin streams from is killed, the plugin moves to
the other, resumes with Last-Event-ID and misses nothing, repeats nothing, and says where it now is."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("qgis.core")

from qgis.core import Qgis  # noqa: E402

from plugin.core.client import ApiResult, ServiceClient  # noqa: E402
from plugin.core.definitions import ConnectionState  # noqa: E402
from tests.e2e.test_plugin_live import post_case  # noqa: E402
from tests.support.child_process import ServiceProcess, free_port  # noqa: E402


@pytest.fixture
def standby(data_dir: Path, service: ServiceProcess) -> Any:
    """A second process of the same service, on the same data folder (it shares the record; its stream polls)."""
    proc = ServiceProcess(data_dir, extra_env={"GRIDCOMMAND_SSE_HEARTBEAT_SECONDS": "1",
                                               "GRIDCOMMAND_SSE_POLL_SECONDS": "0.2"}).start()
    yield proc
    proc.stop()


def event_ids_after(data_dir: Path, after: int) -> list[int]:
    with sqlite3.connect(data_dir / "gridcommand.db") as db:
        return [r[0] for r in db.execute("SELECT id FROM events WHERE id > ? ORDER BY id", (after,))]


def test_the_operator_keeps_every_event_when_the_streaming_process_is_killed(
        plugin: Any, service: ServiceProcess, standby: ServiceProcess, data_dir: Path, qtbot: Any) -> None:
    plugin.settings.service_url = f"{service.base}, {standby.base}"
    plugin.settings.token = service.operator_key
    plugin.connect()
    qtbot.waitUntil(lambda: plugin.stream is not None and plugin.stream.state is ConnectionState.CONNECTED,
                    timeout=20000)
    start = plugin.stream.last_event_id
    received: list[int] = []
    plugin.stream.event_received.connect(lambda event: received.append(event["id"]))
    assert plugin.stream.address == service.base
    before = [post_case(standby, f"J3301082026112100{i}", lon=120.140 + i * 0.004) for i in range(2)]
    qtbot.waitUntil(lambda: all(c in plugin.live.incidents for c in before), timeout=10000)

    service.kill_hard()
    after = [post_case(standby, f"J3301082026112199{i}", lon=120.140 + i * 0.004, lat=30.172) for i in range(2)]
    qtbot.waitUntil(lambda: all(c in plugin.live.incidents for c in after), timeout=20000)
    qtbot.waitUntil(lambda: received[-1] == event_ids_after(data_dir, start)[-1], timeout=10000)
    assert received == event_ids_after(data_dir, start)  # no gap, no repeat, in order
    assert plugin.stream.address == standby.base
    assert standby.base.split("://")[1] in plugin.status.text()
    assert any(standby.base in m for m in plugin.iface.messageBar().get_messages(Qgis.Warning))


def test_a_request_to_a_dead_address_is_sent_again_to_the_next(standby: ServiceProcess, qtbot: Any) -> None:
    client = ServiceClient([f"http://127.0.0.1:{free_port()}", standby.base], standby.operator_key)
    results: list[ApiResult] = []
    client.get("/api/v1/units", results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert results[0].ok and client.base_url == standby.base
    assert httpx.get(f"{standby.base}/health").status_code == 200
