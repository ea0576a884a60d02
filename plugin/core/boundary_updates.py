"""Applies a boundary revision event to the live layers: only the areas it added, changed or removed."""

from __future__ import annotations

from typing import Any

from qgis.PyQt.QtCore import QObject, pyqtSignal

from .client import ApiResult, ServiceClient
from .definitions import LayerId
from .layers import LayerSet, geometry_from_geojson, make_feature

LAYER_OF_LEVEL = {"community": LayerId.COMMUNITIES, "grid": LayerId.GRIDS, "micro_grid": LayerId.MICRO_GRIDS,
                  "defence_zone": LayerId.DEFENCE_ZONES, "patrol_zone": LayerId.PATROL_ZONES}


class BoundaryUpdater(QObject):
    """Removes what a revision retired and fetches what it drew, one feature at a time."""

    updated = pyqtSignal(str, str)  # layer id, code

    def __init__(self, client: ServiceClient, layers: LayerSet, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.layers = layers

    def apply(self, payload: dict[str, Any]) -> None:
        layer_id = LAYER_OF_LEVEL.get(str(payload.get("level")))
        changes = payload.get("changes") or {}
        if layer_id is None:
            return
        layer = self.layers[layer_id]
        gone = set(changes.get("removed", [])) | set(changes.get("changed", []))
        drawn = list(changes.get("added", [])) + list(changes.get("changed", []))
        stale = [f.id() for f in layer.getFeatures() if f["code"] in gone or f["code"] in drawn]
        if stale:
            layer.dataProvider().deleteFeatures(stale)
            layer.triggerRepaint()
        for code in drawn:
            self.client.get(f"/ogcapi/collections/{layer_id.value}/items/{code}",
                            lambda result, lid=layer_id: self._fetched(lid, result))

    def _fetched(self, layer_id: LayerId, result: ApiResult) -> None:
        if not result.ok or not isinstance(result.data, dict):
            return
        layer = self.layers[layer_id]
        properties = result.data.get("properties") or {}
        feature = make_feature(layer.fields(), properties, geometry_from_geojson(result.data.get("geometry")))
        layer.dataProvider().addFeatures([feature])
        layer.updateExtents()
        layer.triggerRepaint()
        self.updated.emit(layer_id.value, str(properties.get("code")))
