"""The plugin's memory layers: built once, styled from resources/styles/*.qml, filled from GeoJSON."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsLayerTreeGroup,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from .definitions import (
    AREA_FIELDS,
    AREA_LAYERS,
    GROUP_NAME,
    HIDDEN_BY_DEFAULT,
    INCIDENT_FIELDS,
    LAYER_TITLES,
    TRACK_FIELDS,
    UNIT_FIELDS,
    LayerId,
)
from .paths import style_path
from .vocabulary import case_style_label, unit_style_label

_TYPES = {"int": QVariant.LongLong, "str": QVariant.String, "double": QVariant.Double, "bool": QVariant.Bool}
_GEOMETRY = {LayerId.INCIDENTS: "Point", LayerId.UNITS: "Point", LayerId.TRACKS: "LineString"}
_FIELDS = {LayerId.INCIDENTS: INCIDENT_FIELDS, LayerId.UNITS: UNIT_FIELDS, LayerId.TRACKS: TRACK_FIELDS}
# Drawing order, top first: what moves sits above what does not.
# Outline-only boundary layers sit above the filled micro-grids so their lines show.
ORDER = (LayerId.INCIDENTS, LayerId.UNITS, LayerId.TRACKS, LayerId.DEFENCE_ZONES, LayerId.PATROL_ZONES,
         LayerId.COMMUNITIES, LayerId.GRIDS, LayerId.MICRO_GRIDS)


def make_layer(layer_id: LayerId) -> QgsVectorLayer:
    geometry = _GEOMETRY.get(layer_id, "MultiPolygon")
    layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4326", LAYER_TITLES[layer_id], "memory")
    fields = _FIELDS.get(layer_id, AREA_FIELDS)
    layer.dataProvider().addAttributes([QgsField(name, _TYPES[kind]) for name, kind in fields])
    layer.updateFields()
    layer.setCustomProperty("gridcommand/layer", layer_id.value)
    style = style_path(layer_id.value)
    if style.exists():
        layer.loadNamedStyle(str(style))
    localize_legend(layer, layer_id)
    return layer


def localize_legend(layer: QgsVectorLayer, layer_id: LayerId) -> None:
    """Legend entries in the operator's language (the .qml files carry English labels)."""
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return
    label = case_style_label if layer_id is LayerId.INCIDENTS else unit_style_label
    for i, category in enumerate(renderer.categories()):
        renderer.updateCategoryLabel(i, label(str(category.value())))


def geometry_from_geojson(geometry: dict[str, Any] | None) -> QgsGeometry:
    if not geometry:
        return QgsGeometry()
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return QgsGeometry.fromPointXY(QgsPointXY(coords[0], coords[1]))
    if kind == "Polygon":
        return QgsGeometry.fromMultiPolygonXY([[[QgsPointXY(x, y) for x, y, *_ in ring] for ring in coords]])
    if kind == "MultiPolygon":
        return QgsGeometry.fromMultiPolygonXY([[[QgsPointXY(x, y) for x, y, *_ in ring] for ring in polygon]
                                               for polygon in coords])
    if kind == "LineString":
        return QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y, *_ in coords])
    return QgsGeometry()


def make_feature(fields: QgsFields, properties: dict[str, Any], geometry: QgsGeometry) -> QgsFeature:
    feature = QgsFeature(fields)
    feature.setAttributes([_value(properties.get(fields.at(i).name())) for i in range(fields.count())])
    feature.setGeometry(geometry)
    return feature


def _value(value: Any) -> Any:
    return None if isinstance(value, (dict, list)) else value  # noqa: UP038 - QGIS 3.22 may run Python 3.9


class LayerSet:
    """The plugin's layers under one group of the project's layer tree."""

    def __init__(self, project: QgsProject | None = None) -> None:
        self.project = project or QgsProject.instance()
        self.layers: dict[LayerId, QgsVectorLayer] = {lid: make_layer(lid) for lid in ORDER}
        self.group: QgsLayerTreeGroup | None = None

    def __getitem__(self, layer_id: LayerId) -> QgsVectorLayer:
        return self.layers[layer_id]

    def add_to_project(self) -> None:
        root = self.project.layerTreeRoot()
        self.group = root.insertGroup(0, GROUP_NAME)
        for layer_id in ORDER:
            layer = self.layers[layer_id]
            self.project.addMapLayer(layer, False)
            node = self.group.addLayer(layer)
            node.setItemVisibilityChecked(layer_id not in HIDDEN_BY_DEFAULT)

    def remove_from_project(self) -> None:
        for layer in self.layers.values():
            if self.project.mapLayer(layer.id()) is not None:
                self.project.removeMapLayer(layer.id())
        if self.group is not None:
            parent = self.group.parent()
            if parent is not None:
                parent.removeChildNode(self.group)
            self.group = None

    def replace_features(self, layer_id: LayerId, features: list[dict[str, Any]]) -> dict[Any, int]:
        """Swap a layer's features for the given GeoJSON features; returns their key -> feature id."""
        layer = self.layers[layer_id]
        provider = layer.dataProvider()
        provider.truncate()
        fields = layer.fields()
        built = [make_feature(fields, f.get("properties") or {}, geometry_from_geojson(f.get("geometry")))
                 for f in features]
        ok, added = provider.addFeatures(built)
        key = "code" if layer_id in AREA_LAYERS else "id"
        layer.updateExtents()
        layer.triggerRepaint()
        return {f[key]: f.id() for f in added} if ok else {}
