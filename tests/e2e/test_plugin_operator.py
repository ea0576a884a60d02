"""The operator's keys, menus and the map following the service, in the plugin loaded as QGIS loads it against a
real service process: F4 / F2 / F3 / Enter, the right-click menu, queue filters and double-click zoom, SLA
messages, stale units greyed, boundaries reloaded after a GIS editor's import, and a silent stream dropped."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("qgis.core")

from qgis.core import Qgis, QgsProject  # noqa: E402
from qgis.PyQt.QtCore import Qt, QTimer  # noqa: E402
from qgis.PyQt.QtGui import QKeySequence  # noqa: E402
from qgis.PyQt.QtWidgets import QApplication, QMenu, QShortcut  # noqa: E402

from plugin.core.crs import point_to_map  # noqa: E402
from plugin.core.definitions import ConnectionState, LayerId  # noqa: E402
from tests.e2e.test_plugin_live import connect, post_case  # noqa: E402
from tests.support.child_process import ServiceProcess, free_port  # noqa: E402


def status_of(service: ServiceProcess, case_id: int) -> dict[str, Any]:
    return httpx.get(f"{service.base}/api/v1/incidents/{case_id}",  # type: ignore[no-any-return]
                     headers={"Authorization": f"Bearer {service.operator_key}"}).json()


@pytest.fixture
def shortcuts(qgis_iface: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the plugin registers with QGIS's shortcut manager (the test iface does not keep them)."""
    registered: dict[str, Any] = {}

    def register(action: Any, shortcut: str) -> bool:
        registered[shortcut] = action
        return True

    monkeypatch.setattr(qgis_iface, "registerMainWindowAction", register, raising=False)
    return registered


def test_f4_f2_f3_enter_and_the_right_click_menu_drive_cases_through_the_service(
        shortcuts: dict[str, Any], plugin: Any, service: ServiceProcess, qtbot: Any) -> None:
    assert shortcuts == {"F4": plugin.tool_action, "F2": plugin.ack_action, "F3": plugin.assign_action}
    connect(plugin, service, qtbot)
    first, second = post_case(service, "KEYS-1"), post_case(service, "KEYS-2", lon=120.1602)
    qtbot.waitUntil(lambda: first in plugin.live.incidents and second in plugin.live.incidents, timeout=5000)

    shortcuts["F4"].trigger()
    assert plugin.iface.mapCanvas().mapTool() is plugin.tool
    plugin.dispatcher.select_case(first)
    qtbot.waitUntil(lambda: len(plugin.dispatcher.recommendations) > 0, timeout=5000)
    shortcuts["F2"].trigger()
    qtbot.waitUntil(lambda: plugin.live.incidents[first]["status"] == "acknowledged", timeout=5000)
    top = plugin.dispatcher.recommendations[0]["unit_id"]
    shortcuts["F3"].trigger()  # nothing picked: the top recommendation
    qtbot.waitUntil(lambda: plugin.live.incidents[first]["status"] == "dispatched", timeout=5000)
    assert status_of(service, first)["assigned_unit"] == top

    # Enter in the queue dock assigns too. (Offscreen Qt delivers no key events to shortcuts, so the dock's
    # Return shortcut is found and activated as the key would.)
    plugin.dispatcher.select_case(second)
    qtbot.waitUntil(lambda: len(plugin.dispatcher.recommendations) > 0, timeout=5000)
    [enter] = [sc for sc in plugin.dock.widget().findChildren(QShortcut) if sc.key() == QKeySequence(Qt.Key_Return)]
    enter.activated.emit()
    qtbot.waitUntil(lambda: plugin.live.incidents[second]["status"] == "dispatched", timeout=5000)

    # right-click a case: the lifecycle menu; choose "Escalate to law enforcement"
    chosen: list[str] = []

    def choose() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        labels = [a.text() for a in menu.actions()]
        chosen.extend(labels)
        next(a for a in menu.actions() if "law enforcement" in a.text() or "执法" in a.text()).trigger()
        menu.close()

    QTimer.singleShot(300, choose)
    plugin.tool.dispatcher.select_case(first)
    plugin.tool.actions_menu().exec_(plugin.iface.mapCanvas().mapToGlobal(plugin.iface.mapCanvas().rect().center()))
    assert len(chosen) == 10
    qtbot.waitUntil(lambda: "escalated" in status_of(service, first)["milestones"], timeout=5000)


def test_queue_filters_narrow_the_list_and_double_click_zooms_to_the_case(plugin: Any, service: ServiceProcess,
                                                                         qtbot: Any) -> None:
    connect(plugin, service, qtbot)
    near, far = post_case(service, "Q-1"), post_case(service, "Q-2", lon=120.1702, lat=30.1555)
    qtbot.waitUntil(lambda: {near, far} <= set(plugin.live.incidents), timeout=5000)
    proxy = plugin.dock.model  # the queue model filters and orders itself (no proxy at city scale)
    assert proxy.rowCount() == 2
    proxy.set_filter("grid", plugin.live.incidents[far]["grid"])
    assert proxy.rowCount() == 1
    proxy.set_filter("grid", "")
    proxy.set_filter("channel", "hotline12345")
    assert proxy.rowCount() == 0
    proxy.set_filter("channel", "police110")
    assert proxy.rowCount() == 2
    proxy.set_filter("channel", "")
    row = next(r for r in range(proxy.rowCount()) if proxy.data(proxy.index(r, 1)) == str(far))
    plugin.dock.table.doubleClicked.emit(proxy.index(row, 1))
    centre = plugin.iface.mapCanvas().extent().center()
    case = plugin.live.incidents[far]
    expected = point_to_map(QgsProject.instance(), case["lon"], case["lat"])  # the map is in metres (CGCS2000 zone)
    assert (centre.x(), centre.y()) == pytest.approx((expected.x(), expected.y()), abs=0.1)  # 1e-6 degree
    assert plugin.dispatcher.case_id == far
    assert plugin.layers[LayerId.INCIDENTS].selectedFeatureIds() == [plugin.live.feature_id(LayerId.INCIDENTS, far)]


def test_the_map_follows_the_service_sla_messages_stale_units_and_redrawn_boundaries(
        plugin: Any, data_dir: Path, qtbot: Any) -> None:
    # acknowledge in 3 s (warning at 2.4 s); units silent for 6 s are stale
    env = {"GRIDCOMMAND_SSE_HEARTBEAT_SECONDS": "1", "GRIDCOMMAND_SLA_OVERRIDES": json.dumps({"p2": {"acknowledge": 0.05}}),
           "GRIDCOMMAND_STALE_AFTER_MINUTES": "0.1"}
    service = ServiceProcess(data_dir, extra_env=env).start()
    try:
        connect(plugin, service, qtbot)
        case_id = post_case(service, "SLA-1")
        bar = plugin.iface.messageBar()
        qtbot.waitUntil(lambda: any(f"#{case_id} acknowledge" in m and "breached" in m
                                    for m in bar.get_messages(Qgis.Critical)), timeout=15000)
        qtbot.waitUntil(lambda: any(u.get("style", "").endswith("|stale") for u in plugin.live.units.values()),
                        timeout=15000)
        stale = next(f for f in plugin.layers[LayerId.UNITS].getFeatures() if f["style"].endswith("|stale"))
        assert plugin.live.units[stale["id"]]["stale"]

        # a GIS editor renames a grid by importing the grid layer back: the plugin reloads the boundaries
        auth = {"Authorization": f"Bearer {service.operator_key}"}
        geojson = httpx.get(f"{service.base}/api/v1/boundaries/export", params={"level": "grid", "format": "geojson"},
                            headers=auth).json()
        code = geojson["features"][0]["properties"]["code"]
        geojson["features"][0]["properties"]["name"] = "改名网格"
        from service.context import ServiceContext
        from service.domain.access import Role
        from service.settings import Settings
        ctx = ServiceContext(Settings(data_dir=data_dir))
        editor = ctx.create_key(name="gis", role=Role.GIS_EDITOR)
        ctx.close()
        r = httpx.post(f"{service.base}/api/v1/boundaries/import", headers={"Authorization": f"Bearer {editor}"},
                       data={"level": "grid", "format": "geojson"},
                       files={"file": ("grid.geojson", json.dumps(geojson).encode())}, timeout=30)
        assert r.status_code == 200, r.text
        qtbot.waitUntil(lambda: any(f["code"] == code and f["name"] == "改名网格"
                                    for f in plugin.layers[LayerId.GRIDS].getFeatures()), timeout=10000)
    finally:
        plugin.disconnect()
        service.stop()


def test_a_stream_gone_silent_is_dropped_and_resumed_from_the_last_event(monkeypatch: pytest.MonkeyPatch,
                                                                          qgis_app: Any, qtbot: Any) -> None:
    """A server that answers and then says nothing (no heartbeat): after the silence limit the plugin
    drops the connection and resumes with Last-Event-ID, instead of waiting on a dead TCP connection."""
    import plugin.core.stream as stream_module
    from plugin.core.client import ServiceClient

    monkeypatch.setattr(stream_module, "SILENCE_LIMIT_MS", 800)
    port = free_port()
    requests: list[bytes] = []
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(4)
    server.settimeout(0.2)
    stop = threading.Event()
    open_conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            requests.append(conn.recv(4096))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                         b'id: 7\nevent: unit.moved\ndata: {"id": 7, "kind": "unit.moved", "payload": {}}\n\n')
            open_conns.append(conn)  # and then silence, the connection left open

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    live = stream_module.LiveStream(ServiceClient(f"http://127.0.0.1:{port}", "gc_test"))
    states: list[str] = []
    live.state_changed.connect(states.append)
    try:
        started = time.monotonic()
        live.start(5)
        qtbot.waitUntil(lambda: len(requests) >= 2, timeout=10000)
        assert time.monotonic() - started >= 0.8  # not before the silence limit
        assert b"last-event-id: 5" in requests[0].lower()
        assert b"last-event-id: 7" in requests[1].lower()  # resumed after the event it had
        assert ConnectionState.RECONNECTING.value in states
    finally:
        live.stop()
        stop.set()
        thread.join(5)
        for conn in open_conns:
            conn.close()
        server.close()
