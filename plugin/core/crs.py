"""The map's CRS: a CGCS2000 3-degree Gauss-Krüger zone (metres) around the service's area, so the operator
measures in metres; the layers stay in EPSG:4326 lon/lat as the service sends them."""

from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
)

LAYER_CRS = "EPSG:4326"
# CGCS2000 / 3-degree Gauss-Kruger CM 75E is EPSG:4534, … CM 120E (Hangzhou) EPSG:4549, … CM 135E EPSG:4554.
FIRST_ZONE_EPSG, FIRST_ZONE_CM, LAST_ZONE_CM = 4534, 75, 135


def gauss_kruger_zone(lon: float) -> QgsCoordinateReferenceSystem:
    """The CGCS2000 3-degree zone (central meridian form, no zone prefix in x) whose meridian is nearest `lon`."""
    meridian = min(max(round(lon / 3) * 3, FIRST_ZONE_CM), LAST_ZONE_CM)
    return QgsCoordinateReferenceSystem(f"EPSG:{FIRST_ZONE_EPSG + (meridian - FIRST_ZONE_CM) // 3}")


def use_metric_crs(project: QgsProject, extent_lonlat: QgsRectangle) -> bool:
    """Give a project still in degrees the zone of the area it shows; a projected CRS the user chose stays."""
    current = project.crs()
    if extent_lonlat.isEmpty() or (current.isValid() and not current.isGeographic()):
        return False
    project.setCrs(gauss_kruger_zone(extent_lonlat.center().x()))
    return True


def to_map(project: QgsProject, rectangle: QgsRectangle) -> QgsRectangle:
    """A lon/lat rectangle in the project's CRS."""
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem(LAYER_CRS), project.crs(), project)
    return transform.transformBoundingBox(rectangle)


def point_to_map(project: QgsProject, lon: float, lat: float) -> QgsPointXY:
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem(LAYER_CRS), project.crs(), project)
    return transform.transform(QgsPointXY(lon, lat))
