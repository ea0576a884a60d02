"""gridcommand:renumber — codes in reading order within each parent (west to east, then north to south)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
)

from ..core.boundary_tools import renumber
from .common import Algorithm, add_coded_polygons, field_or, parcels


class Renumber(Algorithm):
    NAME = "renumber"
    DISPLAY = "Renumber in reading order"
    HELP = ("Gives every polygon the code of its parent followed by its place in reading order among its "
            "siblings (rows north to south, west to east within a row), WIDTH digits (2 for micro-grids, "
            "3 for the grids of DB11/T 2157-2023's 15-digit layout).")

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: N802 - QGIS's name
        add_coded_polygons(self)
        self.addParameter(QgsProcessingParameterNumber("WIDTH", "Digits of the sequence",
                                                       QgsProcessingParameterNumber.Integer, 2, minValue=1, maxValue=6))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "Renumbered", QgsProcessing.TypeVectorPolygon))

    def processAlgorithm(self, parameters: Any, context: Any, feedback: Any) -> dict[str, Any]:  # noqa: N802
        source = self.parameterAsSource(parameters, "INPUT", context)
        code_field = field_or(self, parameters, context, "CODE_FIELD", "code")
        found, features = parcels(source, code_field, field_or(self, parameters, context, "PARENT_FIELD", "parent_code"))
        codes = renumber(found, self.parameterAsInt(parameters, "WIDTH", context))
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, source.fields(), source.wkbType(),
                                          source.sourceCrs())
        index = source.fields().indexOf(code_field)
        for feature, code in zip(features, codes):
            out = QgsFeature(feature)
            out.setAttribute(index, code)
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        return {"OUTPUT": dest}
