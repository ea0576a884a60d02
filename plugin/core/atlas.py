"""A print layout for GIS staff: an atlas with one page per community (its map, open cases, units, legend,
scale), kept in the project's layout manager so it can be edited and printed from the Layout Designer."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsPrintLayout,
    QgsProject,
    QgsUnitTypes,
)
from qgis.PyQt.QtGui import QFont

from .definitions import LayerId
from .layers import LayerSet

ATLAS_NAME = "GridCommand 社区图集"
MAP_LAYERS = (LayerId.INCIDENTS, LayerId.UNITS, LayerId.MICRO_GRIDS, LayerId.GRIDS, LayerId.COMMUNITIES)


def _label(layout: QgsPrintLayout, text: str, *, y: float, size: int, height: float) -> QgsLayoutItemLabel:
    label = QgsLayoutItemLabel(layout)
    label.setText(text)
    font = QFont("WenQuanYi Micro Hei")
    font.setPointSize(size)
    label.setFont(font)
    label.attemptMove(QgsLayoutPoint(12, y, QgsUnitTypes.LayoutMillimeters))
    label.attemptResize(QgsLayoutSize(186, height, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(label)
    return label


def community_atlas(project: QgsProject, layers: LayerSet) -> QgsPrintLayout:
    """The atlas layout (A4 portrait), replacing an older one of the same name in `project`."""
    manager = project.layoutManager()
    old = manager.layoutByName(ATLAS_NAME)
    if old is not None:
        manager.removeLayout(old)
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 page, landscape: turned to portrait below
    layout.pageCollection().page(0).setPageSize("A4", QgsLayoutItemPage.Portrait)
    layout.setName(ATLAS_NAME)
    communities, incidents = layers[LayerId.COMMUNITIES], layers[LayerId.INCIDENTS]
    _label(layout, '[% "name" %] · 社区案件图', y=8, size=18, height=10)
    _label(layout, "社区编码 [% \"code\" %]    在办案件 [% aggregate(layer:='" + incidents.id() + "', "
                   "aggregate:='count', expression:=\"id\", filter:=intersects($geometry, geometry(@parent))) %] 件"
                   "    制图 [% format_date(now(), 'yyyy-MM-dd HH:mm') %]", y=19, size=9, height=6)
    page = QgsLayoutItemMap(layout)
    page.attemptMove(QgsLayoutPoint(12, 28, QgsUnitTypes.LayoutMillimeters))
    page.attemptResize(QgsLayoutSize(186, 200, QgsUnitTypes.LayoutMillimeters))
    page.setLayers([layers[layer_id] for layer_id in MAP_LAYERS])
    page.setKeepLayerSet(True)
    page.setFrameEnabled(True)
    page.setAtlasDriven(True)
    page.setAtlasScalingMode(QgsLayoutItemMap.Auto)
    page.setAtlasMargin(0.08)
    layout.addLayoutItem(page)
    page.attemptResize(QgsLayoutSize(186, 200, QgsUnitTypes.LayoutMillimeters))
    legend = QgsLayoutItemLegend(layout)
    legend.setLinkedMap(page)
    legend.setTitle("图例")
    legend.setLegendFilterByMapEnabled(True)  # only the symbols on this community's page
    legend.setColumnCount(3)
    legend.attemptMove(QgsLayoutPoint(12, 232, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(legend)
    scale = QgsLayoutItemScaleBar(layout)
    scale.setLinkedMap(page)
    scale.setStyle("Single Box")
    scale.setUnits(QgsUnitTypes.DistanceMeters)
    scale.setNumberOfSegments(2)
    scale.setNumberOfSegmentsLeft(0)
    scale.setUnitsPerSegment(200)
    scale.setUnitLabel("米")
    scale.attemptMove(QgsLayoutPoint(150, 275, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(scale)
    atlas = layout.atlas()
    atlas.setCoverageLayer(communities)
    atlas.setPageNameExpression('"name"')
    atlas.setSortFeatures(True)
    atlas.setSortExpression('"code"')
    atlas.setEnabled(True)
    atlas.updateFeatures()
    manager.addLayout(layout)
    return layout


def export_pdf(layout: QgsPrintLayout, path: Path) -> Path:
    """Every atlas page into one PDF; raises with QGIS's own message when the export fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    result, error = QgsLayoutExporter.exportToPdf(layout.atlas(), str(path), QgsLayoutExporter.PdfExportSettings())
    if result != QgsLayoutExporter.Success:
        raise RuntimeError(f"atlas export failed ({result}): {error}")
    return path
