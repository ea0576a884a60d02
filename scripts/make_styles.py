"""Writes resources/styles/*.qml: the command-center look of each layer. Run after changing a style:
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_styles.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsProperty,
    QgsSimpleMarkerSymbolLayerBase,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plugin.core.definitions import LayerId  # noqa: E402
from plugin.core.layers import make_layer  # noqa: E402

STATUS_COLOURS = ("CASE WHEN \"urgency\" = 'breached' THEN '#d7191c' WHEN \"urgency\" = 'due' THEN '#fd8d3c' "
                  "WHEN \"status\" = 'received' THEN '#ffd92f' WHEN \"status\" = 'acknowledged' THEN '#e6ab02' "
                  "WHEN \"status\" = 'dispatched' THEN '#74add1' WHEN \"status\" = 'en_route' THEN '#4575b4' "
                  "WHEN \"status\" = 'on_scene' THEN '#1a9850' ELSE '#999999' END")
# Category family -> marker shape: events circle, components square, disputes triangle, help star.
CATEGORY_SHAPES = ("CASE WHEN left(\"category\", 1) = 'C' THEN 'square' WHEN left(\"category\", 3) = 'L01' "
                   "THEN 'triangle' WHEN left(\"category\", 3) = 'L03' THEN 'star' ELSE 'circle' END")
UNIT_COLOURS = ("CASE WHEN \"stale\" THEN '#9e9e9e' WHEN \"unit_type\" = 'patrol' THEN '#1f78b4' "
                "WHEN \"unit_type\" = 'grid_worker' THEN '#33a02c' WHEN \"unit_type\" = 'law_enforcement' "
                "THEN '#6a3d9a' WHEN \"unit_type\" = 'mediation' THEN '#ff7f00' ELSE '#b15928' END")


def labels(layer, expression: str, *, max_scale_denominator: float, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    settings = QgsPalLayerSettings()
    settings.fieldName = expression
    settings.isExpression = True
    text = QgsTextFormat()
    font = QFont("WenQuanYi Micro Hei")  # Debian fonts-wqy-microhei; Qt falls back to any CJK font
    font.setBold(bold)
    text.setFont(font)
    text.setSize(size)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text.setBuffer(buffer)
    settings.setFormat(text)
    settings.scaleVisibility = True
    settings.minimumScale = max_scale_denominator  # QGIS calls the most zoomed-out scale "minimum"
    settings.maximumScale = 1
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def outline(colour: str, width: float, style: str = "solid", fill: str = "0,0,0,0") -> QgsFillSymbol:
    return QgsFillSymbol.createSimple({"color": fill, "outline_color": colour, "outline_width": str(width),
                                       "outline_style": style})


def main() -> None:
    app = QgsApplication([], False)
    app.initQgis()
    out = ROOT / "resources" / "styles"
    out.mkdir(parents=True, exist_ok=True)

    layer = make_layer(LayerId.COMMUNITIES)
    layer.setRenderer(QgsSingleSymbolRenderer(outline("#252525", 0.9)))
    labels(layer, '"name"', max_scale_denominator=60000, size=11, bold=True)
    layer.saveNamedStyle(str(out / "communities.qml"))

    layer = make_layer(LayerId.GRIDS)
    layer.setRenderer(QgsSingleSymbolRenderer(outline("#636363", 0.45, "dash")))
    labels(layer, "\"name\"", max_scale_denominator=12000, size=9)
    layer.saveNamedStyle(str(out / "grids.qml"))

    layer = make_layer(LayerId.MICRO_GRIDS)
    layer.setRenderer(QgsSingleSymbolRenderer(outline("#bdbdbd", 0.2, fill="246,243,235,255")))
    labels(layer, 'right("code", 2) || \' \' || "name"', max_scale_denominator=7000, size=7.5)
    layer.saveNamedStyle(str(out / "micro_grids.qml"))

    layer = make_layer(LayerId.DEFENCE_ZONES)
    layer.setRenderer(QgsSingleSymbolRenderer(outline("#b2182b", 1.2, "dash")))
    labels(layer, '"name"', max_scale_denominator=80000, size=10, bold=True)
    layer.saveNamedStyle(str(out / "defence_zones.qml"))

    layer = make_layer(LayerId.PATROL_ZONES)
    layer.setRenderer(QgsSingleSymbolRenderer(outline("#2166ac", 0.8, "dot")))
    labels(layer, '"name"', max_scale_denominator=60000, size=9)
    layer.saveNamedStyle(str(out / "patrol_zones.qml"))

    layer = make_layer(LayerId.TRACKS)
    layer.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple(
        {"line_color": "31,120,180,140", "line_width": "0.5"})))
    layer.saveNamedStyle(str(out / "tracks.qml"))

    layer = make_layer(LayerId.INCIDENTS)
    symbol = QgsMarkerSymbol.createSimple({"name": "circle", "size": "3.6", "outline_color": "#252525",
                                           "outline_width": "0.3"})
    marker = symbol.symbolLayer(0)
    marker.setDataDefinedProperty(QgsSymbolLayer.PropertyFillColor, QgsProperty.fromExpression(STATUS_COLOURS))
    marker.setDataDefinedProperty(QgsSymbolLayer.PropertyName, QgsProperty.fromExpression(CATEGORY_SHAPES))
    marker.setDataDefinedProperty(QgsSymbolLayer.PropertySize, QgsProperty.fromExpression(
        "CASE WHEN \"urgency\" IN ('breached', 'due') THEN 5.2 WHEN \"priority\" = 1 THEN 4.4 ELSE 3.6 END"))
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    labels(layer, '"id"', max_scale_denominator=10000, size=7)
    layer.saveNamedStyle(str(out / "incidents.qml"))

    layer = make_layer(LayerId.UNITS)
    symbol = QgsMarkerSymbol.createSimple({"name": "arrowhead", "size": "3.4", "outline_width": "0.6"})
    marker = symbol.symbolLayer(0)
    marker.setShape(QgsSimpleMarkerSymbolLayerBase.ArrowHeadFilled)
    marker.setDataDefinedProperty(QgsSymbolLayer.PropertyFillColor, QgsProperty.fromExpression(UNIT_COLOURS))
    marker.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeColor, QgsProperty.fromExpression(UNIT_COLOURS))
    marker.setDataDefinedProperty(QgsSymbolLayer.PropertyAngle, QgsProperty.fromExpression('coalesce("heading", 0)'))
    marker.setDataDefinedProperty(QgsSymbolLayer.PropertySize, QgsProperty.fromExpression(
        "CASE WHEN \"status\" IN ('assigned', 'en_route', 'on_scene') THEN 4.4 ELSE 3.2 END"))
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    labels(layer, '"callsign"', max_scale_denominator=8000, size=7)
    layer.saveNamedStyle(str(out / "units.qml"))
    print("styles written to", out)


if __name__ == "__main__":
    main()
