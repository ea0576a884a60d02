"""The operator's story, end to end: a real service process, the plugin loaded as QGIS loads it, and
real clicks on the map canvas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("qgis.core")

from qgis.core import Qgis, QgsCoordinateReferenceSystem, QgsPointXY, QgsRectangle  # noqa: E402
from qgis.gui import QgsMapMouseEvent  # noqa: E402
from qgis.PyQt.QtCore import QEvent, QPoint, Qt  # noqa: E402
from qgis.PyQt.QtWidgets import QApplication  # noqa: E402

from plugin.core.definitions import ConnectionState, LayerId  # noqa: E402
from tests.service import payloads  # noqa: E402
from tests.support.child_process import ServiceProcess  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def connect(plugin: Any, service: ServiceProcess, qtbot: Any) -> None:
    plugin.settings.service_url = service.base
    plugin.settings.token = service.operator_key
    plugin.connect()
    qtbot.waitUntil(lambda: plugin.stream is not None and plugin.stream.state is ConnectionState.CONNECTED,
                    timeout=15000)


def post_case(service: ServiceProcess, alarm_no: str, lon: float = 120.1502, lat: float = 30.1655) -> int:
    r = httpx.post(f"{service.base}/api/v1/channels/police110",
                   json=payloads.police110(lon, lat, alarm_no=alarm_no, alarm_type="FJW-SZ-GS"),
                   headers={"Authorization": f"Bearer {service.operator_key}"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def click(plugin: Any, lon: float, lat: float, button: Qt.MouseButton = Qt.LeftButton) -> None:
    canvas = plugin.iface.mapCanvas()
    pixel = canvas.getCoordinateTransform().transform(QgsPointXY(lon, lat))
    event = QgsMapMouseEvent(canvas, QEvent.MouseButtonRelease, QPoint(int(pixel.x()), int(pixel.y())), button)
    plugin.tool.canvasReleaseEvent(event)


def test_a_case_posted_to_the_service_appears_in_the_incident_layer(plugin: Any, service: ServiceProcess,
                                                                     qtbot: Any) -> None:
    connect(plugin, service, qtbot)
    assert plugin.layers[LayerId.MICRO_GRIDS].featureCount() == 928
    assert plugin.layers[LayerId.UNITS].featureCount() == 294
    case_id = post_case(service, "E2E-1")
    qtbot.waitUntil(lambda: case_id in plugin.live.incidents, timeout=5000)
    feature = next(f for f in plugin.layers[LayerId.INCIDENTS].getFeatures() if f["id"] == case_id)
    assert feature["status"] == "received" and feature["micro_grid"]
    assert plugin.dock.model.rowCount() == 1


def pick_case_on_map(plugin: Any, case: dict[str, Any], qtbot: Any) -> Any:
    """What an operator does: the map around the case, the assign tool, a click on the case; returns the canvas
    once the service's recommendations for it are in."""
    canvas = plugin.iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.show()
    canvas.resize(1000, 800)
    QApplication.processEvents()
    canvas.setExtent(QgsRectangle(case["lon"] - 0.02, case["lat"] - 0.015, case["lon"] + 0.02, case["lat"] + 0.015))
    plugin.activate_tool()
    click(plugin, case["lon"], case["lat"])
    qtbot.waitUntil(lambda: len(plugin.dispatcher.recommendations) > 0, timeout=5000)
    return canvas


def test_clicking_a_case_then_a_unit_then_assign_dispatches_it(plugin: Any, service: ServiceProcess,
                                                               qtbot: Any) -> None:
    connect(plugin, service, qtbot)
    case_id = post_case(service, "E2E-2")
    qtbot.waitUntil(lambda: case_id in plugin.live.incidents, timeout=5000)
    case = plugin.live.incidents[case_id]
    canvas = pick_case_on_map(plugin, case, qtbot)
    assert plugin.dispatcher.case_id == case_id
    second = plugin.dispatcher.recommendations[1]  # the operator prefers the second-ranked unit
    unit = plugin.live.units[second["unit_id"]]
    canvas.setExtent(QgsRectangle(min(case["lon"], unit["lon"]) - 0.001, min(case["lat"], unit["lat"]) - 0.001,
                                  max(case["lon"], unit["lon"]) + 0.001, max(case["lat"], unit["lat"]) + 0.001))
    click(plugin, unit["lon"], unit["lat"])
    assert plugin.dispatcher.unit_id == second["unit_id"]
    plugin.dock.assign_button.click()
    auth = {"Authorization": f"Bearer {service.operator_key}"}
    qtbot.waitUntil(lambda: httpx.get(f"{service.base}/api/v1/incidents/{case_id}", headers=auth).json()["status"]
                    == "dispatched", timeout=5000)
    assert httpx.get(f"{service.base}/api/v1/incidents/{case_id}", headers=auth).json()["assigned_unit"] == \
        second["unit_id"]
    qtbot.waitUntil(lambda: plugin.live.units[second["unit_id"]]["status"] == "assigned", timeout=5000)


def test_someone_acting_first_is_shown_and_the_view_refreshed(plugin: Any, service: ServiceProcess,
                                                              qtbot: Any) -> None:
    connect(plugin, service, qtbot)
    case_id = post_case(service, "E2E-3")
    qtbot.waitUntil(lambda: case_id in plugin.live.incidents, timeout=5000)
    plugin.stream.stop()  # this operator's screen lags behind
    httpx.post(f"{service.base}/api/v1/incidents/{case_id}/actions", json={"action": "acknowledge", "version": 1},
               headers={"Authorization": f"Bearer {service.operator_key}"})
    plugin.dispatcher.select_case(case_id)
    plugin.acknowledge()
    bar = plugin.iface.messageBar()
    qtbot.waitUntil(lambda: any("first" in m for m in bar.get_messages(Qgis.Warning)), timeout=5000)
    qtbot.waitUntil(lambda: plugin.live.incidents[case_id]["status"] == "acknowledged", timeout=5000)


def test_a_dropped_stream_resumes_with_no_case_lost(plugin: Any, service: ServiceProcess, qtbot: Any) -> None:
    connect(plugin, service, qtbot)
    plugin.stream.drop()
    qtbot.waitUntil(lambda: plugin.stream.state is ConnectionState.RECONNECTING, timeout=5000)
    ids = [post_case(service, f"E2E-DROP-{i}", lon=120.14 + i * 0.003) for i in range(3)]
    qtbot.waitUntil(lambda: all(i in plugin.live.incidents for i in ids), timeout=15000)
    assert plugin.stream.state is ConnectionState.CONNECTED
    assert plugin.layers[LayerId.INCIDENTS].featureCount() == len(plugin.live.incidents) == 3


def test_a_wrong_key_is_told_in_the_message_bar_and_the_plugin_keeps_working(plugin: Any, service: ServiceProcess,
                                                                            qtbot: Any) -> None:
    plugin.settings.service_url = service.base
    plugin.settings.token = "gc_not_a_key"
    plugin.connect()
    bar = plugin.iface.messageBar()
    qtbot.waitUntil(lambda: any("access key" in m for m in bar.get_messages(Qgis.Critical)), timeout=5000)
    assert plugin.client is None  # disconnected cleanly
    plugin.settings.service_url = "http://127.0.0.1:9"  # nothing listens there
    plugin.settings.token = service.operator_key
    plugin.connect()
    qtbot.waitUntil(lambda: any("cannot be reached" in m for m in bar.get_messages(Qgis.Critical)), timeout=10000)
    connect(plugin, service, qtbot)  # and it still connects afterwards


def test_start_local_service_runs_the_bundled_service_and_unload_stops_it(plugin: Any, data_dir: Path,
                                                                          qtbot: Any) -> None:
    import sys

    from qgis.PyQt.QtCore import QProcess

    from tests.support.child_process import free_port
    plugin.settings.service_url = f"http://127.0.0.1:{free_port()}"
    plugin.settings.data_dir = str(data_dir)
    plugin.settings.python = sys.executable
    plugin.settings.token = ""
    plugin.start_local_service()
    qtbot.waitUntil(lambda: plugin.stream is not None and plugin.stream.state is ConnectionState.CONNECTED,
                    timeout=30000)
    assert plugin.settings.token == (data_dir / "operator.key").read_text().strip()
    process = plugin.local.process
    assert process is not None and process.state() == QProcess.Running
    plugin.unload()
    assert process.state() == QProcess.NotRunning


def test_clicking_a_micro_grid_identifies_it_with_households_and_staff(plugin: Any, service: ServiceProcess,
                                                                       qtbot: Any) -> None:
    connect(plugin, service, qtbot)
    canvas = plugin.iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.show()
    canvas.resize(1000, 800)
    QApplication.processEvents()
    feature = next(f for f in plugin.layers[LayerId.MICRO_GRIDS].getFeatures() if f["code"] == "33010800300100101")
    inside = feature.geometry().pointOnSurface().asPoint()
    canvas.setExtent(QgsRectangle(inside.x() - 0.002, inside.y() - 0.002, inside.x() + 0.002, inside.y() + 0.002))
    identified: list[dict[str, Any]] = []
    plugin.dispatcher.area_identified.connect(identified.append)
    plugin.activate_tool()
    click(plugin, inside.x(), inside.y())
    qtbot.waitUntil(lambda: bool(identified), timeout=5000)
    area = identified[0]
    assert area["code"] == "33010800300100101" and 300 <= area["households"] <= 500
    assert area["parents"][1]["level"] == "community"
    assert "full_time_grid_worker" in {s["role"] for s in area["staff"]}
    assert str(area["households"]) in plugin.dock.case_label.text()
