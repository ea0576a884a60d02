"""What the GridCommand algorithms share: reading a polygon layer's codes and parents."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsFeatureSource,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
)

from ..core.boundary_tools import Parcel


def parcels(source: QgsFeatureSource, code_field: str, parent_field: str) -> tuple[list[Parcel], list[Any]]:
    """The layer's polygons as parcels, and the features they came from (same order)."""
    features = list(source.getFeatures())
    out = [Parcel(str(f[code_field] or ""), str(f[parent_field] or "") if parent_field else "", f.geometry())
           for f in features]
    return out, features


def field_or(algorithm: QgsProcessingAlgorithm, parameters: Any, context: Any, name: str, default: str) -> str:
    """A field parameter's value, or its usual name: QGIS 3.22 does not apply a field's default when
    processing.run leaves it out, so the field parameters are optional and fall back here."""
    return algorithm.parameterAsString(parameters, name, context) or default


class Algorithm(QgsProcessingAlgorithm):
    """Common metadata; subclasses give NAME, DISPLAY and HELP."""

    NAME = ""
    DISPLAY = ""
    HELP = ""

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802 - QGIS's name
        return self.DISPLAY

    def group(self) -> str:
        return "Boundaries"

    def groupId(self) -> str:  # noqa: N802 - QGIS's name
        return "boundaries"

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS's name
        return self.HELP

    def createInstance(self) -> QgsProcessingAlgorithm:  # noqa: N802 - QGIS's name
        return type(self)()


def add_coded_polygons(algorithm: QgsProcessingAlgorithm) -> None:
    """INPUT (polygons) with its CODE_FIELD and PARENT_FIELD, as validate and renumber both take them."""
    algorithm.addParameter(QgsProcessingParameterFeatureSource("INPUT", "Polygons", [QgsProcessing.TypeVectorPolygon]))
    algorithm.addParameter(QgsProcessingParameterField("CODE_FIELD", "Code field", "code", "INPUT", optional=True))
    algorithm.addParameter(QgsProcessingParameterField("PARENT_FIELD", "Parent code field", "parent_code", "INPUT",
                                                       optional=True))
