"""gridcommand:splitbyhouseholds — cut polygons into compact, contiguous parts of bounded household counts."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core.boundary_tools import Household, SplitImpossible, split_by_households
from .common import Algorithm, field_or


class SplitByHouseholds(Algorithm):
    NAME = "splitbyhouseholds"
    DISPLAY = "Split polygons by households"
    HELP = ("Cuts each polygon into compact, contiguous parts holding between MINIMUM and MAXIMUM households "
            "(default 300-500, the Jiading micro-grid rule), counting the households of a building-point layer. "
            "Polygons already within the bounds are kept whole. Each part carries the source's attributes, "
            "its part number and its household count.")

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802 - QGIS's name
        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", "Polygons", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterFeatureSource("BUILDINGS", "Building points",
                                                              [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField("HOUSEHOLDS_FIELD", "Households field", "households",
                                                      "BUILDINGS", QgsProcessingParameterField.Numeric,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterNumber("MINIMUM", "Fewest households per part",
                                                       QgsProcessingParameterNumber.Integer, 300, minValue=1))
        self.addParameter(QgsProcessingParameterNumber("MAXIMUM", "Most households per part",
                                                       QgsProcessingParameterNumber.Integer, 500, minValue=1))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "Parts", QgsProcessing.TypeVectorPolygon))

    def processAlgorithm(self, parameters: Any, context: Any, feedback: Any) -> dict[str, Any]:  # noqa: N802
        source = self.parameterAsSource(parameters, "INPUT", context)
        points = self.parameterAsSource(parameters, "BUILDINGS", context)
        field = field_or(self, parameters, context, "HOUSEHOLDS_FIELD", "households")
        minimum = self.parameterAsInt(parameters, "MINIMUM", context)
        maximum = self.parameterAsInt(parameters, "MAXIMUM", context)
        if minimum > maximum:
            raise QgsProcessingException(f"MINIMUM ({minimum}) is above MAXIMUM ({maximum})")
        to_polygons = QgsCoordinateTransform(points.sourceCrs(), source.sourceCrs(), context.transformContext())
        buildings = []
        for f in points.getFeatures():
            geometry = f.geometry()
            geometry.transform(to_polygons)
            buildings.append(Household(geometry.asPoint(), int(f[field] or 0)))
        fields = QgsFields(source.fields())
        fields.append(QgsField("part", QVariant.Int))
        fields.append(QgsField("part_households", QVariant.Int))
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, fields, QgsWkbTypes.MultiPolygon,
                                          source.sourceCrs())
        for feature in source.getFeatures():
            try:
                parts = split_by_households(feature.geometry(), buildings, minimum, maximum)
            except SplitImpossible as exc:
                raise QgsProcessingException(f"feature {feature.id()}: {exc}") from None
            for n, (geometry, households) in enumerate(parts, start=1):
                out = QgsFeature(fields)
                geometry.convertToMultiType()
                out.setGeometry(geometry)
                out.setAttributes([*feature.attributes(), n, households])
                sink.addFeature(out, QgsFeatureSink.FastInsert)
        return {"OUTPUT": dest}
