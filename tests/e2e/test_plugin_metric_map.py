"""The operator's map is in metres (the street's CGCS2000 zone) and clicking, zooming and identifying work
there exactly as on a map in degrees."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsProject  # noqa: E402
from qgis.gui import QgsMapMouseEvent  # noqa: E402
from qgis.PyQt.QtCore import QEvent, QPoint, Qt  # noqa: E402
from qgis.PyQt.QtWidgets import QApplication  # noqa: E402

from plugin.core.crs import point_to_map  # noqa: E402
from plugin.core.definitions import LayerId  # noqa: E402
from tests.e2e.test_plugin_live import connect, post_case  # noqa: E402
from tests.support.child_process import ServiceProcess  # noqa: E402


def click_lonlat(plugin: Any, lon: float, lat: float) -> None:
    canvas = plugin.iface.mapCanvas()
    pixel = canvas.getCoordinateTransform().transform(point_to_map(QgsProject.instance(), lon, lat))
    plugin.tool.canvasReleaseEvent(QgsMapMouseEvent(canvas, QEvent.MouseButtonRelease,
                                                    QPoint(int(pixel.x()), int(pixel.y())), Qt.LeftButton))


def test_the_map_opens_in_metres_and_clicks_still_find_cases_and_micro_grids(plugin: Any, service: ServiceProcess,
                                                                          qtbot: Any) -> None:
    case_id = post_case(service, "J330108202611210777", lon=120.1502, lat=30.1655)
    canvas = plugin.iface.mapCanvas()
    canvas.show()
    canvas.resize(1000, 800)
    connect(plugin, service, qtbot)
    assert QgsProject.instance().crs().authid() == "EPSG:4549"
    assert canvas.mapSettings().destinationCrs().authid() == "EPSG:4549"
    extent = canvas.extent()
    assert 4000 < extent.width() < 20000  # the street, in metres
    QApplication.processEvents()

    plugin.zoom_to_case(case_id)  # a few hundred metres around the case
    assert canvas.extent().width() < 2000
    plugin.activate_tool()
    click_lonlat(plugin, 120.1502, 30.1655)
    assert plugin.dispatcher.case_id == case_id

    micro = min(plugin.layers[LayerId.MICRO_GRIDS].getFeatures(), key=lambda f: f["code"])
    inside = micro.geometry().pointOnSurface().asPoint()
    plugin.zoom_to_case(case_id)
    canvas.setCenter(point_to_map(QgsProject.instance(), inside.x(), inside.y()))
    identified: list[dict[str, Any]] = []
    plugin.dispatcher.area_identified.connect(identified.append)
    click_lonlat(plugin, inside.x(), inside.y())
    qtbot.waitUntil(lambda: bool(identified), timeout=5000)
    assert identified[0]["code"] == micro["code"]
