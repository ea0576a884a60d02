"""The map in the operator's words: legends, queue and SLA messages name statuses, category families, unit
types and SLA clocks in Chinese or English, never internal style keys; the map measures in metres."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from qgis.core import QgsCoordinateReferenceSystem, QgsProject, QgsRectangle, QgsSettings, QgsUnitTypes  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication  # noqa: E402

from plugin.core.crs import gauss_kruger_zone, use_metric_crs  # noqa: E402
from plugin.core.definitions import LayerId  # noqa: E402
from plugin.core.i18n import install_translator  # noqa: E402
from plugin.core.layers import make_layer  # noqa: E402
from plugin.core.queue_model import IncidentQueueModel  # noqa: E402
from plugin.core.vocabulary import sla_clock_name  # noqa: E402


@pytest.fixture
def chinese(qgis_app: Any) -> Iterator[None]:
    settings = QgsSettings()
    before = settings.value("locale/userLocale", "")
    settings.setValue("locale/userLocale", "zh_CN")
    translator = install_translator()
    assert translator is not None
    yield
    QCoreApplication.removeTranslator(translator)
    settings.setValue("locale/userLocale", before)


def legend(layer_id: LayerId) -> list[str]:
    layer = make_layer(layer_id)  # held: the renderer dies with its layer
    return [c.label() for c in layer.renderer().categories()]


def test_a_chinese_operator_reads_the_legend_queue_and_sla_warnings_in_chinese(chinese: None) -> None:
    incidents = legend(LayerId.INCIDENTS)
    assert "已超时 · 事件 · 紧急" in incidents and "已派遣 · 部件" in incidents
    assert not any("|" in label or "std" in label or "circle" in label for label in incidents)
    assert "网格员 · 空闲" in legend(LayerId.UNITS) and "巡防力量 · 定位过期" in legend(LayerId.UNITS)
    model = IncidentQueueModel()
    model.upsert({"id": 1, "status": "dispatched", "channel": "hotline12345", "category": "E0102", "breach_at": None})
    assert model.data(model.index(0, 3)) == "已派遣" and model.data(model.index(0, 5)) == "12345热线"
    assert sla_clock_name("acknowledge") == "签收时限"


def test_an_english_operator_reads_words_not_style_keys(qgis_app: Any) -> None:
    assert "SLA breached · event · urgent" in legend(LayerId.INCIDENTS)
    assert "grid worker · available" in legend(LayerId.UNITS)


def test_the_map_is_drawn_in_the_cgcs2000_zone_of_the_street_and_measures_in_metres(qgis_app: Any) -> None:
    assert gauss_kruger_zone(120.15).authid() == "EPSG:4549"  # Hangzhou: CGCS2000 / 3-degree GK CM 120E
    assert gauss_kruger_zone(116.4).authid() == "EPSG:4548"   # Beijing: CM 117E
    project = QgsProject()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    assert use_metric_crs(project, QgsRectangle(120.12, 30.14, 120.19, 30.19))
    assert project.crs().authid() == "EPSG:4549" and project.crs().mapUnits() == QgsUnitTypes.DistanceMeters
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3857"))  # the operator's own projected choice stays
    assert not use_metric_crs(project, QgsRectangle(120.12, 30.14, 120.19, 30.19))


def test_a_district_view_shows_communities_and_grids_and_micro_grids_come_as_you_zoom_in(qgis_app: Any) -> None:
    micro, grids, communities = (make_layer(i) for i in (LayerId.MICRO_GRIDS, LayerId.GRIDS, LayerId.COMMUNITIES))
    district_scale, street_scale = 45_000, 10_000
    assert not micro.isInScaleRange(district_scale) and micro.isInScaleRange(street_scale)
    assert grids.isInScaleRange(district_scale) and communities.isInScaleRange(200_000)
