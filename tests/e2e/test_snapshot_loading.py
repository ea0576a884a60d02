"""The plugin fills its map from a real service in pages and batches, shows progress, and the stream takes
over from the snapshot's event id with no case lost or applied twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytest.importorskip("qgis.core")

from plugin.core.client import ServiceClient  # noqa: E402
from plugin.core.definitions import ConnectionState, LayerId  # noqa: E402
from plugin.core.layers import LayerSet  # noqa: E402
from plugin.core.live import LiveMap  # noqa: E402
from plugin.core.snapshot_loader import SnapshotLoader  # noqa: E402
from plugin.core.stream import LiveStream  # noqa: E402
from tests.service import payloads  # noqa: E402
from tests.support.child_process import ServiceProcess  # noqa: E402


def post_cases(service: ServiceProcess, prefix: str, n: int, lat: float = 30.150) -> None:
    items = [payloads.hotline(120.135 + (i % 4) * 0.004, lat + (i // 4 % 5) * 0.004, order_no=f"{prefix}-{i}",
                              subject=("占道经营", "噪声扰民", "垃圾清运")[i % 3])
             for i in range(n)]
    r = httpx.post(f"{service.base}/api/v1/channels/hotline12345/batch", json={"items": items},
                   headers={"Authorization": f"Bearer {service.operator_key}"}, timeout=30)
    assert r.status_code == 200, r.text


def test_the_map_fills_page_by_page_with_progress_then_goes_live(service: ServiceProcess, qgis_new_project: Any,
                                                                  qtbot: Any) -> None:
    post_cases(service, "PAGE", 17)
    client = ServiceClient(service.base, service.operator_key)
    live = LiveMap(LayerSet(qgis_new_project))
    loaded: list[int] = []
    live.incidents_loaded.connect(lambda batch: loaded.append(len(batch)))
    loader = SnapshotLoader(client, live, page_size=5, per_tick=2)
    progress: list[tuple[int, int]] = []
    loader.progress.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(loader.finished, timeout=20000) as finished:
        loader.start()
    open_now = httpx.get(f"{service.base}/api/v1/snapshot/incidents", params={"limit": 1000},
                         headers={"Authorization": f"Bearer {service.operator_key}"}).json()
    assert len(live.incidents) == open_now["open_incidents"] == live.layers[LayerId.INCIDENTS].featureCount()
    assert max(loaded) <= 2 and sum(loaded) == len(live.incidents)  # applied in small batches, each once
    dones = [d for d, _ in progress]
    assert dones == sorted(dones) and progress[-1] == (len(live.incidents), len(live.incidents))
    assert live.layers[LayerId.COMMUNITIES].featureCount() == 25

    stream = LiveStream(client)
    stream.event_received.connect(live.apply)
    stream.start(finished.args[0])
    qtbot.waitUntil(lambda: stream.state is ConnectionState.CONNECTED, timeout=10000)
    before = len(live.incidents)
    post_cases(service, "LIVE", 4, lat=30.172)  # away from the first ones: not duplicates
    qtbot.waitUntil(lambda: len(live.incidents) >= before + 4, timeout=10000)
    stream.stop()
    assert len(live.incidents) == before + 4 == live.layers[LayerId.INCIDENTS].featureCount()
