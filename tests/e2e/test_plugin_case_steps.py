"""The operator's plugin shows each step of a 数字城管 case — filing, whistle, the department's acceptance
and photo feedback, verification — and the photo's thumbnail, following the case live, against a real
service process."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import httpx
import pytest
from PIL import Image

pytest.importorskip("qgis.core")

from tests.e2e.test_plugin_live import connect  # noqa: E402
from tests.service import payloads  # noqa: E402
from tests.support.child_process import PROJECT, ServiceProcess  # noqa: E402

pytestmark = pytest.mark.e2e


def test_the_case_panel_shows_each_step_and_the_feedback_photo(plugin: Any, service: ServiceProcess,
                                                               qtbot: Any) -> None:
    dept = subprocess.run([sys.executable, "-m", "service", "--data-dir", str(service.data_dir), "key", "department",
                           "--department", "城管"], cwd=PROJECT, check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip().splitlines()[-1]
    connect(plugin, service, qtbot)
    op = httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {service.operator_key}"}, timeout=10)
    desk = httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {dept}"}, timeout=10)
    try:
        case = op.post("/api/v1/channels/citymgmt", json=payloads.citymgmt(120.1502, 30.1655)).json()["incident"]
        qtbot.waitUntil(lambda: case["id"] in plugin.live.incidents, timeout=5000)
        plugin.dispatcher.select_case(case["id"])
        steps = plugin.dock.steps
        case = op.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "file", "version": 1}).json()
        case = op.post(f"/api/v1/incidents/{case['id']}/actions",
                       json={"action": "whistle", "version": case["version"], "departments": ["城管"]}).json()
        case = desk.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]}).json()
        jpeg = io.BytesIO()
        Image.new("RGB", (640, 480), "#36c").save(jpeg, format="JPEG")
        case = desk.post(f"/api/v1/department/cases/{case['id']}/feedback", data={
            "version": str(case["version"]), "note": "井盖已更换"},
            files=[("photos", ("after.jpg", jpeg.getvalue(), "image/jpeg"))]).json()
        op.post(f"/api/v1/incidents/{case['id']}/verification", data={"version": str(case["version"]),
                                                                      "outcome": "pass"}).raise_for_status()
        # the panel follows the case on the stream: every step, then the photo's thumbnail
        qtbot.waitUntil(lambda: steps.steps.count() == 5, timeout=10000)
        lines = [steps.steps.item(i).text() for i in range(steps.steps.count())]
        assert [line.split()[2] for line in lines] == ["file", "whistle", "department_acknowledge", "feedback",
                                                        "verify"]
        assert "井盖已更换" in lines[3] and "城管" in lines[1] and "pass" in lines[4]
        qtbot.waitUntil(lambda: steps.photos.count() == 1 and not steps.photos.item(0).icon().isNull(), timeout=10000)
        assert steps.photos.item(0).text() == "feedback"
    finally:
        op.close()
        desk.close()


def test_the_evaluation_table_shows_each_department_s_rates(plugin: Any, service: ServiceProcess, qtbot: Any) -> None:
    connect(plugin, service, qtbot)
    with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {service.operator_key}"},
                      timeout=10) as op:
        case = op.post("/api/v1/channels/citymgmt", json=payloads.citymgmt(120.1502, 30.1655)).json()["incident"]
        case = op.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "file", "version": 1}).json()
        op.post(f"/api/v1/incidents/{case['id']}/actions",
                json={"action": "whistle", "version": case["version"], "departments": ["城管"]}).raise_for_status()
    dock = plugin.evaluation
    dock.refresh()
    qtbot.waitUntil(lambda: dock.table.rowCount() == 1, timeout=10000)
    assert dock.table.item(0, 0).text().startswith("城管") and dock.table.item(0, 1).text() == "1"
    assert dock.table.item(0, 3).text() == "0%" and dock.table.item(0, 2).text() == "—"  # not handled yet
    dock.subject.setCurrentIndex(1)  # per grid
    qtbot.waitUntil(lambda: dock.rows and dock.rows[0]["subject"] == "grid", timeout=10000)
