"""Writes resources/styles/*.qml: the command-center look of each layer. Run after changing a style:
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_styles.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsProperty,
    QgsRendererCategory,
    QgsSimpleMarkerSymbolLayerBase,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayerSimpleLabeling,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor, QFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plugin.core.definitions import CASE_COLOURS, CASE_SHAPES, UNIT_STATES, UNIT_TYPES, LayerId  # noqa: E402
from plugin.core.layers import make_layer  # noqa: E402
from plugin.core.vocabulary import case_style_label, unit_style_label  # noqa: E402

CASE_FILL = {"breached": "#d7191c", "due": "#fd8d3c", "received": "#ffd92f", "acknowledged": "#e6ab02",
             "dispatched": "#74add1", "en_route": "#4575b4", "on_scene": "#1a9850",
             # 立案 (waiting for dispatch) reads as received's amber family; a returned case as rework purple
             "filed": "#fee08b", "returned": "#984ea3"}
# Scale denominators from which a level is drawn: one street (~1:10,000 on a wall screen) shows all levels,
# a ten-street district (~1:45,000) shows communities and grids, a city (~1:150,000+) communities only.
GRIDS_FROM = 100_000
MICRO_GRIDS_FROM = 30_000
UNIT_FILL = {"patrol": "#1f78b4", "grid_worker": "#33a02c", "law_enforcement": "#6a3d9a", "mediation": "#ff7f00",
             "department": "#b15928"}


def labels(layer, expression: str, *, max_scale_denominator: float, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    settings = QgsPalLayerSettings()
    if layer.geometryType() == QgsWkbTypes.PolygonGeometry:
        # A boundary's name sits on its centroid: one candidate, where free placement tries hundreds.
        settings.placement = QgsPalLayerSettings.OverPoint
        settings.centroidInside = True
    settings.fieldName = expression
    settings.isExpression = True
    text = QgsTextFormat()
    font = QFont("WenQuanYi Micro Hei")  # Debian fonts-wqy-microhei; Qt falls back to any CJK font
    font.setBold(bold)
    text.setFont(font)
    text.setSize(size)
    buffer = QgsTextBufferSettings()
    # A halo is drawn as a stroked path per glyph: dear on a wall map; boundary names on the light
    # micro-grid fill read without it, so only point labels (over symbols) get one.
    buffer.setEnabled(layer.geometryType() != QgsWkbTypes.PolygonGeometry)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text.setBuffer(buffer)
    settings.setFormat(text)
    settings.scaleVisibility = True
    settings.minimumScale = max_scale_denominator  # QGIS calls the most zoomed-out scale "minimum"
    settings.maximumScale = 1
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def levels_by_scale(layer, most_zoomed_out: float) -> None:  # type: ignore[no-untyped-def]
    """Draw a boundary level only from this scale in: a district or city view shows communities and grids,
    the micro-grids come as the operator zooms to a street (readable, and a district repaints fast)."""
    layer.setScaleBasedVisibility(True)
    layer.setMinimumScale(most_zoomed_out)  # QGIS calls the most zoomed-out scale "minimum"
    layer.setMaximumScale(0)


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
    labels(layer, "\"name\"", max_scale_denominator=8000, size=9)
    levels_by_scale(layer, GRIDS_FROM)
    layer.saveNamedStyle(str(out / "grids.qml"))

    layer = make_layer(LayerId.MICRO_GRIDS)
    layer.setRenderer(QgsSingleSymbolRenderer(outline("#bdbdbd", 0.2, fill="246,243,235,255")))
    labels(layer, 'right("code", 2) || \' \' || "name"', max_scale_denominator=3000, size=7.5)
    levels_by_scale(layer, MICRO_GRIDS_FROM)
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
    categories = []
    for colour in CASE_COLOURS:
        for shape in CASE_SHAPES:
            for size in ("std", "big"):
                symbol = QgsMarkerSymbol.createSimple({
                    "name": shape, "color": CASE_FILL[colour], "outline_color": "#252525", "outline_width": "0.3",
                    "size": "5.0" if size == "big" else "3.6"})
                key = f"{colour}|{shape}|{size}"
                categories.append(QgsRendererCategory(key, symbol, case_style_label(key)))
    layer.setRenderer(QgsCategorizedSymbolRenderer("style", categories))
    layer.setLabelsEnabled(False)  # ids are in the queue and in identify; 10,000 labels would stall the map
    layer.saveNamedStyle(str(out / "incidents.qml"))

    layer = make_layer(LayerId.UNITS)
    categories = []
    for unit_type in UNIT_TYPES:
        for state in UNIT_STATES:
            colour = "#9e9e9e" if state == "stale" else UNIT_FILL[unit_type]
            symbol = QgsMarkerSymbol.createSimple({"name": "arrowhead", "color": colour, "outline_color": colour,
                                                   "outline_width": "0.6", "size": "4.4" if state == "busy" else "3.2"})
            symbol.symbolLayer(0).setShape(QgsSimpleMarkerSymbolLayerBase.ArrowHeadFilled)
            # Headings count clockwise from north; the arrowhead points east at angle 0.
            symbol.setDataDefinedAngle(QgsProperty.fromExpression('coalesce("heading", 0) - 90'))
            key = f"{unit_type}|{state}"
            categories.append(QgsRendererCategory(key, symbol, unit_style_label(key)))
    layer.setRenderer(QgsCategorizedSymbolRenderer("style", categories))
    labels(layer, '"callsign"', max_scale_denominator=5000, size=7)
    layer.saveNamedStyle(str(out / "units.qml"))
    print("styles written to", out)


if __name__ == "__main__":
    main()
