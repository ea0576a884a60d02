"""The `gridcommand` Processing provider."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider

from .renumber import Renumber
from .split_by_households import SplitByHouseholds
from .validate_topology import ValidateTopology

PROVIDER_ID = "gridcommand"


class GridCommandProvider(QgsProcessingProvider):
    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return "GridCommand"

    def longName(self) -> str:  # noqa: N802 - QGIS's name
        return "GridCommand boundary tools"

    def loadAlgorithms(self) -> None:  # noqa: N802 - QGIS's name
        for algorithm in (ValidateTopology(), SplitByHouseholds(), Renumber()):
            self.addAlgorithm(algorithm)
