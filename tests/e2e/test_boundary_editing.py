"""The GIS editor's story in a real QGIS against a real service process: split a micro-grid with QGIS's
own split, validate, publish with an effective time, see reports land by the boundaries of their time,
roll back; an overlap is refused with its location; only a gis_editor key may publish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsGeometry, QgsPointXY, QgsProject  # noqa: E402

from plugin.core.boundary_session import BoundarySession  # noqa: E402
from plugin.core.client import ServiceClient  # noqa: E402
from plugin.core.definitions import ConnectionState, LayerId  # noqa: E402
from service.context import ServiceContext  # noqa: E402
from service.domain.access import Role  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.service import payloads  # noqa: E402
from tests.support.child_process import ServiceProcess  # noqa: E402

MICRO = "33010800300100101"


def gis_key(service: ServiceProcess) -> str:
    ctx = ServiceContext(Settings(data_dir=service.data_dir))
    try:
        return ctx.create_key(name="gis staff", role=Role.GIS_EDITOR)
    finally:
        ctx.close()


def _connected(plugin: Any, service: ServiceProcess, qtbot: Any, token: str) -> Iterator[Any]:
    plugin.settings.service_url = service.base
    plugin.settings.token = token
    plugin.connect()
    qtbot.waitUntil(lambda: plugin.stream is not None and plugin.stream.state is ConnectionState.CONNECTED,
                    timeout=15000)
    layer = plugin.layers[LayerId.MICRO_GRIDS]
    qtbot.waitUntil(lambda: layer.featureCount() == 928, timeout=15000)
    yield layer
    plugin.disconnect()


@pytest.fixture
def live_micro_grids(plugin: Any, service: ServiceProcess, qtbot: Any) -> Iterator[Any]:
    """The plugin connected with the operator's key, its micro-grid layer loaded; disconnected before
    the service stops, so the service need not wait out an open stream."""
    yield from _connected(plugin, service, qtbot, service.operator_key)


@pytest.fixture
def gis_staff_micro_grids(plugin: Any, service: ServiceProcess, qtbot: Any) -> Iterator[Any]:
    """The plugin connected with a gis_editor key, as GIS staff work."""
    yield from _connected(plugin, service, qtbot, gis_key(service))


def open_session(service: ServiceProcess, key: str, layer: Any, qtbot: Any) -> BoundarySession:
    session = BoundarySession(ServiceClient(service.base, key), QgsProject.instance())
    session.start(layer)
    qtbot.waitUntil(lambda: session.base_revision is not None, timeout=10000)
    return session


def feature(layer: Any, code: str) -> Any:
    return next(f for f in layer.getFeatures() if f["code"] == code)


def report(service: ServiceProcess, lon: float, lat: float, n: int) -> dict[str, Any]:
    body = payloads.hotline(lon, lat, order_no=f"HZ-EDIT-{n}", accepted_at=datetime.now(UTC).isoformat())
    r = httpx.post(f"{service.base}/api/v1/channels/hotline12345", json=body,
                   headers={"Authorization": f"Bearer {service.operator_key}"})
    assert r.status_code == 201, r.text
    return dict(r.json()["incident"])


def test_gis_editor_splits_a_micro_grid_with_qgis_split_publishes_and_rolls_back(
        live_micro_grids: Any, service: ServiceProcess, qtbot: Any) -> None:
    layer = live_micro_grids
    far = feature(layer, "33010800302500101")
    key = gis_key(service)
    session = open_session(service, key, layer, qtbot)
    draft = session.draft
    assert draft is not None and draft.isEditable() and QgsProject.instance().topologicalEditing()
    assert QgsProject.instance().snappingConfig().enabled()
    target = feature(draft, MICRO)
    before = target.geometry()
    box = before.boundingBox()
    mid = box.center().x()
    draft.selectByIds([target.id()])  # as the split tool does: only the selected micro-grid is cut
    assert draft.splitFeatures([QgsPointXY(mid, box.yMaximum() + 1e-5), QgsPointXY(mid, box.yMinimum() - 1e-5)],
                               True) == QgsGeometry.Success
    assert draft.featureCount() == 929
    codes = session.renumber_after_split()
    halves = [f for f in draft.getFeatures() if f.geometry().intersection(before).area() > before.area() * 0.4]
    east = max(halves, key=lambda f: f.geometry().centroid().asPoint().x())
    east_code = east["code"]
    point = east.geometry().pointOnSurface().asPoint()
    assert east_code in codes and east_code != MICRO

    waiting = report(service, point.x(), point.y(), 0)  # an open case in what becomes the east half
    with qtbot.waitSignal(session.validated, timeout=20000) as validated:
        session.validate()
    assert validated.args[0]["valid"], validated.args[0]["problems"]
    assert session.problems is not None and session.problems.featureCount() == 0
    assert session.moving_cases is not None
    assert [(f["case_id"], f["to_micro_grid"]) for f in session.moving_cases.getFeatures()] == \
        [(waiting["id"], east_code)]
    assert any(r["what"] == "open case" and r["which"] == str(waiting["id"]) for r in session.impact_rows)

    # Far enough ahead that the "not in force yet" report is surely filed before it on a loaded machine.
    effective = datetime.now(UTC) + timedelta(seconds=20)
    with qtbot.waitSignal(session.published, timeout=20000) as published:
        session.publish(effective, "new housing estate")
    revision = published.args[0]["revision"]
    assert session.draft is None  # the draft is closed once published
    assert datetime.now(UTC) < effective  # else the next line would test nothing
    assert report(service, point.x(), point.y(), 1)["micro_grid"] == MICRO  # not in force yet
    # The live layer takes only the revision's areas from the stream: the rest keep their features.
    qtbot.waitUntil(lambda: layer.featureCount() == 929 and any(f["code"] == east_code for f in layer.getFeatures()),
                    timeout=15000)
    assert feature(layer, far["code"]).id() == far.id()

    qtbot.waitUntil(lambda: datetime.now(UTC) > effective + timedelta(seconds=0.2), timeout=30000)
    assert report(service, point.x(), point.y(), 2)["micro_grid"] == east_code

    auth = {"Authorization": f"Bearer {key}"}
    undone = httpx.post(f"{service.base}/api/v1/boundaries/revisions/{revision}/rollback",
                        json={"note": "estate delayed"}, headers=auth, timeout=30)
    assert undone.status_code == 200, undone.text
    restored = httpx.get(f"{service.base}/ogcapi/collections/micro_grids/items/{MICRO}", headers=auth).json()
    again = QgsGeometry.fromPolygonXY([[QgsPointXY(x, y) for x, y in restored["geometry"]["coordinates"][0]]])
    assert again.symDifference(before).area() < before.area() * 1e-9
    assert report(service, point.x(), point.y(), 3)["micro_grid"] == MICRO


def test_an_overlap_is_refused_with_its_location_only_a_gis_editor_may_publish_and_the_dock_drives_a_draft(
        plugin: Any, gis_staff_micro_grids: Any, service: ServiceProcess, qtbot: Any) -> None:
    layer = gis_staff_micro_grids
    session = open_session(service, service.operator_key, layer, qtbot)
    with qtbot.waitSignal(session.refused, timeout=20000) as refused:
        session.publish(datetime.now(UTC), "not mine to draw")
    assert "gis_editor" in refused.args[0]
    session.discard()

    session = open_session(service, gis_key(service), layer, qtbot)
    draft = session.draft
    assert draft is not None
    target = feature(draft, MICRO)
    grown = target.geometry().buffer(0.0004, 4)
    draft.changeGeometry(target.id(), grown)
    with qtbot.waitSignal(session.refused, timeout=20000) as refused:
        session.publish(datetime.now(UTC), "a slip of the mouse")
    assert "overlap" in refused.args[0]
    assert session.problems is not None
    overlaps = [f for f in session.problems.getFeatures() if f["kind"] == "overlap"]
    assert overlaps and all(grown.buffer(1e-6, 4).contains(f.geometry()) for f in overlaps)
    session.discard()
    assert session.draft is None and layer.featureCount() == 928
    the_editing_dock_opens_a_draft_validates_it_into_the_impact_table_and_discards_it(plugin, qtbot)


def the_editing_dock_opens_a_draft_validates_it_into_the_impact_table_and_discards_it(plugin: Any, qtbot: Any) -> None:
    plugin.edit_boundaries_action.trigger()
    dock = plugin.editing_dock
    assert dock is not None and not dock.publish_button.isEnabled()
    dock.edit_button.click()
    draft = dock.session.draft
    assert draft is not None and draft.isEditable() and dock.publish_button.isEnabled()
    target = feature(draft, MICRO)
    box = target.geometry().boundingBox()
    draft.selectByIds([target.id()])
    mid = box.center().x()
    draft.splitFeatures([QgsPointXY(mid, box.yMaximum() + 1e-5), QgsPointXY(mid, box.yMinimum() - 1e-5)], True)
    qtbot.waitUntil(lambda: dock.session.base_revision is not None, timeout=10000)
    dock.renumber_button.click()
    with qtbot.waitSignal(dock.session.validated, timeout=20000):
        dock.validate_button.click()
    whats = {dock.impact.item(r, 0).text() for r in range(dock.impact.rowCount())}
    assert "households" in whats and "No topology problem" in dock.message.text()
    dock.discard_button.click()
    assert dock.session.draft is None and dock.edit_button.isEnabled()
    assert not [layer for layer in QgsProject.instance().mapLayers().values() if "draft" in layer.name()]
