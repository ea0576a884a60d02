"""Trainees and trainers in a real QGIS: the plugin against an exercise process, and playback in the Temporal
Controller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

pytest.importorskip("qgis.core")

from qgis.core import (  # noqa: E402
    QgsFeatureRequest,
    QgsVectorLayerTemporalContext,
)
from qgis.PyQt.QtWidgets import QApplication  # noqa: E402

from plugin.core.definitions import ConnectionState  # noqa: E402
from plugin.core.exercise import BANNER_TEXT, PlaybackLayer  # noqa: E402
from tests.e2e.test_plugin_live import pick_case_on_map  # noqa: E402
from tests.support.child_process import ServiceProcess  # noqa: E402

SEEK_TO = "2026-07-14T07:05:00+08:00"  # just after the ordinary morning's first report (07:04)


def _connect(plugin: Any, address: str, key: str, qtbot: Any) -> None:
    plugin.settings.service_url = address
    plugin.settings.token = key
    plugin.connect()
    qtbot.waitUntil(lambda: plugin.stream is not None and plugin.stream.state is ConnectionState.CONNECTED,
                    timeout=15000)


def _trainer_key(service: ServiceProcess) -> str:
    import subprocess
    import sys

    from tests.support.child_process import PROJECT

    return subprocess.run([sys.executable, "-m", "service", "--data-dir", str(service.data_dir), "key", "trainer"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=60, check=True).stdout.strip()


def test_a_trainee_assigns_a_case_in_the_plugin_against_an_exercise(plugin: Any, service: ServiceProcess,
                                                                     qtbot: Any) -> None:
    trainer = _trainer_key(service)
    ex = httpx.post(f"{service.base}/api/v1/exercises", headers={"Authorization": f"Bearer {trainer}"}, timeout=60,
                    json={"name": "早班演练", "scenario": "ordinary_morning.yaml", "speed": 60, "trainees": ["王芳"]}
                    ).json()
    address, keys = ex["address"], ex["keys"]
    try:
        r = httpx.post(f"{address}/api/v1/exercise/control", json={"action": "seek", "to": SEEK_TO}, timeout=60,
                       headers={"Authorization": f"Bearer {keys['trainer']}"})
        assert r.status_code == 200, r.text
        _connect(plugin, address, keys["trainees"]["王芳"], qtbot)
        qtbot.waitUntil(lambda: plugin.exercise is not None and plugin.exercise.banner.visible, timeout=5000)
        assert plugin.exercise.banner.label.text().startswith(BANNER_TEXT)
        assert plugin.exercise.banner.status.text().startswith(BANNER_TEXT)
        assert "2026-07-14 07:05" in plugin.exercise.banner.label.text(), "exercise time, shown in Asia/Shanghai"
        # the countdowns run on the exercise clock, not the wall clock
        assert abs(plugin.service_time.now() - datetime.fromisoformat(SEEK_TO).timestamp()) < 5
        qtbot.waitUntil(lambda: len(plugin.live.incidents) == 1, timeout=5000)
        case = next(iter(plugin.live.incidents.values()))
        if case["status"] == "received" and case["channel"] == "citymgmt":  # 数字城管 cases are filed (立案) first
            trainee = {"Authorization": f"Bearer {keys['trainees']['王芳']}"}
            filed = httpx.post(f"{address}/api/v1/incidents/{case['id']}/actions", headers=trainee,
                               json={"action": "file", "version": case["version"]})
            assert filed.status_code == 200, filed.text
            qtbot.waitUntil(lambda: plugin.live.incidents[case["id"]]["status"] == "filed", timeout=5000)
            case = plugin.live.incidents[case["id"]]
        pick_case_on_map(plugin, case, qtbot)
        best = plugin.dispatcher.recommendations[0]
        plugin.dock.assign_button.click()
        auth = {"Authorization": f"Bearer {keys['trainees']['王芳']}"}
        qtbot.waitUntil(lambda: httpx.get(f"{address}/api/v1/incidents/{case['id']}", headers=auth).json()["status"]
                        == "dispatched", timeout=5000)
        history = httpx.get(f"{address}/api/v1/incidents/{case['id']}/history", headers=auth).json()
        assert history[-1]["actor"] == "operator:王芳" and history[-1]["details"]["unit_id"] == best["unit_id"]

        plugin.disconnect()
        assert plugin.service_time.badge is None
        _connect(plugin, address, keys["trainer"], qtbot)
        qtbot.waitUntil(lambda: plugin.exercise.dock is not None and not plugin.exercise.dock.isHidden(), timeout=5000)
        plugin.exercise.dock.buttons[next(a for a in plugin.exercise.dock.buttons if a.value == "start")].click()
        status = lambda: httpx.get(f"{address}/api/v1/exercise", headers=auth).json()["state"]  # noqa: E731
        qtbot.waitUntil(lambda: status() == "running", timeout=5000)
        plugin.exercise.dock.buttons[next(a for a in plugin.exercise.dock.buttons if a.value == "pause")].click()
        qtbot.waitUntil(lambda: status() == "paused", timeout=5000)
    finally:
        plugin.disconnect()
        httpx.post(f"{service.base}/api/v1/exercises/{ex['id']}/control", json={"action": "stop"}, timeout=60,
                   headers={"Authorization": f"Bearer {trainer}"})


def test_the_temporal_controller_steps_through_a_recorded_hour(plugin: Any, service: ServiceProcess,
                                                              qtbot: Any) -> None:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(hours=1)
    op = {"Authorization": f"Bearer {service.operator_key}"}
    devices = ["xf01-01", "xf01-02", "xf02-01"]
    items = [{"device_id": d, "time": (start + timedelta(seconds=30 * k)).isoformat(), "lon": 120.15 + k * 1e-4,
              "lat": 30.16 + n * 1e-3} for n, d in enumerate(devices) for k in range(120)]
    r = httpx.post(f"{service.base}/api/v1/positions/batch", json={"items": items}, headers=op, timeout=60)
    assert r.status_code == 200 and r.json()["accepted"] == len(items), r.text
    _connect(plugin, service.base, service.operator_key, qtbot)
    try:
        _step_through(plugin, qtbot, start, end, len(items))
    finally:
        plugin.disconnect()  # before the service stops: an open stream would hold its shutdown


def _step_through(plugin: Any, qtbot: Any, start: datetime, end: datetime, fix_count: int) -> None:
    plugin.exercise.play_back(start, end)

    def playback(kind: PlaybackLayer) -> Any:
        from qgis.core import QgsProject

        return next((lyr for lyr in QgsProject.instance().mapLayers().values()
                     if lyr.customProperty("gridcommand/layer_id") == kind.value), None)

    qtbot.waitUntil(lambda: playback(PlaybackLayer.FIXES) is not None, timeout=10000)
    fixes = playback(PlaybackLayer.FIXES)
    assert fixes.featureCount() == fix_count and fixes.temporalProperties().isActive()
    navigation = plugin.exercise.temporal_controller()
    assert navigation.totalFrameCount() == 12  # an hour in 5-minute frames
    seen = 0
    for frame in range(navigation.totalFrameCount()):
        navigation.setCurrentFrameNumber(frame)
        QApplication.processEvents()
        window = navigation.dateTimeRangeForFrameNumber(frame)
        assert plugin.iface.mapCanvas().temporalRange() == window, "the canvas follows the Temporal Controller"
        expression = fixes.temporalProperties().createFilterString(QgsVectorLayerTemporalContext(), window)
        visible = sum(1 for _ in fixes.getFeatures(QgsFeatureRequest().setFilterExpression(expression)))
        # 3 units, one fix each 30 s: 10 fixes per unit in each 5-minute frame (shown for a minute each)
        assert 30 <= visible <= 36, (frame, visible)
        seen += visible
    assert seen >= fix_count
