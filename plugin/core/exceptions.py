"""The plugin's one root exception: what the message bar needs to tell the operator."""

from __future__ import annotations

from qgis.core import Qgis


class GridCommandPluginError(Exception):
    def __init__(self, message: str, *, details: str = "", level: int = Qgis.Warning, duration: int = 8) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.level = level
        self.duration = duration
