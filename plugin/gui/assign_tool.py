"""The click-to-assign map tool: click a case, then a unit, then confirm; right-click a case for actions."""

from __future__ import annotations

from qgis.core import QgsFeatureRequest, QgsGeometry, QgsRectangle, QgsVectorLayer
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent, QgsMapTool
from qgis.PyQt.QtCore import QPoint, Qt
from qgis.PyQt.QtGui import QCursor
from qgis.PyQt.QtWidgets import QInputDialog, QMenu

from ..core.definitions import Action, LayerId
from ..core.dispatcher import Dispatcher
from ..core.i18n import tr
from ..core.layers import LayerSet

SEARCH_PIXELS = 8
LIFECYCLE = ((Action.ACKNOWLEDGE, "Acknowledge"), (Action.EN_ROUTE, "Unit en route"), (Action.ARRIVE, "Unit on scene"),
             (Action.ESCALATE, "Escalate to law enforcement"), (Action.REFER_MEDIATION, "Refer to mediation"),
             (Action.WHISTLE, "Whistle departments…"), (Action.RESOLVE, "Resolve"), (Action.CLOSE, "Close"),
             (Action.MARK_DUPLICATE, "Mark duplicate of…"), (Action.CANCEL, "Cancel"))


class AssignMapTool(QgsMapTool):
    def __init__(self, canvas: QgsMapCanvas, layers: LayerSet, dispatcher: Dispatcher) -> None:
        super().__init__(canvas)
        self.layers = layers
        self.dispatcher = dispatcher
        self.setCursor(QCursor(Qt.CrossCursor))

    def nearest(self, layer_id: LayerId, event: QgsMapMouseEvent) -> tuple[int | None, float]:
        """The id of the feature of that layer nearest the click within a few pixels, and its distance."""
        layer: QgsVectorLayer = self.layers[layer_id]
        point = self.toLayerCoordinates(layer, event.pos())
        # A few pixels, in the layer's units (degrees) whatever the map's CRS (metres).
        edge = self.toLayerCoordinates(layer, event.pos() + QPoint(SEARCH_PIXELS, 0))
        radius = max(abs(edge.x() - point.x()), abs(edge.y() - point.y()))
        rect = QgsRectangle(point.x() - radius, point.y() - radius, point.x() + radius, point.y() + radius)
        best, best_d = None, None
        for feature in layer.getFeatures(QgsFeatureRequest().setFilterRect(rect)):
            d = feature.geometry().asPoint().sqrDist(point)
            if best_d is None or d < best_d:
                best, best_d = feature["id"], d
        return best, best_d if best_d is not None else float("inf")

    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        case, case_d = self.nearest(LayerId.INCIDENTS, event)
        if event.button() == Qt.RightButton:
            if case is not None:
                self.dispatcher.select_case(case)
                self.actions_menu().exec_(event.globalPos())
            return
        unit, unit_d = self.nearest(LayerId.UNITS, event) if self.dispatcher.case_id is not None else (None, 0.0)
        if unit is not None and unit_d < case_d:  # a case is chosen: the nearer of case and unit wins the click
            self.dispatcher.pick_unit(unit)
        elif case is not None:
            self.dispatcher.select_case(case)
            self.layers[LayerId.INCIDENTS].selectByIds([self.dispatcher.live.feature_id(LayerId.INCIDENTS, case)])
        elif unit is None:
            code = self.micro_grid_at(event)
            if code:
                self.dispatcher.identify_area(code)

    def micro_grid_at(self, event: QgsMapMouseEvent) -> str | None:
        layer: QgsVectorLayer = self.layers[LayerId.MICRO_GRIDS]
        point = self.toLayerCoordinates(layer, event.pos())
        probe = QgsGeometry.fromPointXY(point)
        request = QgsFeatureRequest().setFilterRect(probe.boundingBox())
        return next((f["code"] for f in layer.getFeatures(request) if f.geometry().intersects(probe)), None)

    def actions_menu(self) -> QMenu:
        menu = QMenu()
        for action, label in LIFECYCLE:
            menu.addAction(tr(label), lambda a=action: self._act(a))
        return menu

    def _act(self, action: Action) -> None:
        if action is Action.WHISTLE:
            text, ok = QInputDialog.getText(None, tr("Whistle departments"),
                                            tr("Departments, separated by commas (e.g. 城管,市场监管)"))
            if ok and text.strip():
                self.dispatcher.act(Action.WHISTLE.value, departments=[d.strip() for d in text.replace("，", ",").split(",")
                                                            if d.strip()])
        elif action is Action.MARK_DUPLICATE:
            number, ok = QInputDialog.getInt(None, tr("Mark duplicate"), tr("Original case number"), 1, 1)
            if ok:
                self.dispatcher.act(Action.MARK_DUPLICATE.value, duplicate_of=number)
        else:
            self.dispatcher.act(action.value)
