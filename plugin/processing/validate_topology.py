"""gridcommand:validatetopology — every topology problem of a polygon layer with code and parent fields."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core.boundary_tools import check
from .common import Algorithm, add_coded_polygons, field_or, parcels


class ValidateTopology(Algorithm):
    NAME = "validatetopology"
    DISPLAY = "Validate boundary topology"
    HELP = ("Checks a polygon layer with code and parent fields: valid geometry, no overlaps or gaps between "
            "siblings beyond the tolerance (m²), children inside and covering their parents (when a parent "
            "layer is given), codes unique, extending their parent's code and numbered in reading order "
            "(west to east, then north to south). Writes one point per problem, to zoom through.")

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802 - QGIS's name
        add_coded_polygons(self)
        self.addParameter(QgsProcessingParameterFeatureSource("PARENTS", "Parent polygons (optional)",
                                                              [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField("PARENT_CODE_FIELD", "Parent layer's code field", "code",
                                                      "PARENTS", optional=True))
        self.addParameter(QgsProcessingParameterNumber("TOLERANCE", "Tolerance (m²)",
                                                       QgsProcessingParameterNumber.Double, 1.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "Topology problems", QgsProcessing.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputNumber("PROBLEM_COUNT", "Number of problems"))

    def processAlgorithm(self, parameters: Any, context: Any, feedback: Any) -> dict[str, Any]:  # noqa: N802
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException("INPUT: not a polygon layer")
        code_field = field_or(self, parameters, context, "CODE_FIELD", "code")
        parent_field = field_or(self, parameters, context, "PARENT_FIELD", "parent_code")
        children, _ = parcels(source, code_field, parent_field)
        parents = None
        parent_source = self.parameterAsSource(parameters, "PARENTS", context)
        if parent_source is not None:
            parents, _ = parcels(parent_source, self.parameterAsString(parameters, "PARENT_CODE_FIELD", context)
                                 or "code", "")
        problems = check(children, source.sourceCrs(), parents=parents,
                         tolerance_m2=self.parameterAsDouble(parameters, "TOLERANCE", context))
        fields = QgsFields()
        for name, kind in (("kind", QVariant.String), ("codes", QVariant.String), ("area_m2", QVariant.Double),
                           ("detail", QVariant.String)):
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, fields, QgsWkbTypes.Point, source.sourceCrs())
        for p in problems:
            feature = QgsFeature(fields)
            feature.setGeometry(QgsGeometry.fromPointXY(p.location))
            feature.setAttributes([p.kind.value, ",".join(p.codes), p.area_m2, p.detail])
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        feedback.pushInfo(f"{len(problems)} topology problem(s)")
        return {"OUTPUT": dest, "PROBLEM_COUNT": len(problems)}
