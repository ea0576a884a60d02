"""Render the command-center map to an image: for a headless `make run`, test artifacts and benchmarks."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsCoordinateReferenceSystem, QgsMapLayer, QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QImage

from .definitions import HIDDEN_BY_DEFAULT
from .layers import ORDER, LayerSet


def visible_layers(layers: LayerSet) -> list[QgsMapLayer]:
    return [layers[layer_id] for layer_id in ORDER if layer_id not in HIDDEN_BY_DEFAULT]


def render(layers: list[QgsMapLayer], extent: QgsRectangle, size: QSize = QSize(1920, 1080), *,
           crs: QgsCoordinateReferenceSystem | None = None) -> QImage:
    """Draw the layers; `extent` is in `crs` (default: the first layer's)."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs if crs is not None else layers[0].crs())
    settings.setOutputSize(size)
    settings.setBackgroundColor(QColor("white"))
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def render_png(layers: LayerSet, path: Path, size: QSize = QSize(1920, 1080)) -> Path:
    extent = QgsRectangle(layers[ORDER[-1]].extent())
    extent.scale(1.03)
    path.parent.mkdir(parents=True, exist_ok=True)
    render(visible_layers(layers), extent, size).save(str(path))
    return path
