"""QGIS's own "OGC API - Features" provider loads the street from a real service process."""

from __future__ import annotations

import pytest

from tests.support.child_process import ServiceProcess

qgis_core = pytest.importorskip("qgis.core")


def test_qgis_loads_the_928_micro_grids_through_its_oapif_provider(service: ServiceProcess) -> None:
    uri = (f"url='{service.base}/ogcapi?api_key={service.operator_key}' typename='micro_grids' "
           "pagingEnabled='true' preferCoordinatesForWfsT11='false' restrictToRequestBBOX='0'")
    layer = qgis_core.QgsVectorLayer(uri, "micro_grids", "OAPIF")
    assert layer.isValid(), layer.error().summary()
    features = list(layer.getFeatures())
    assert len(features) == 928
    codes = {f["code"] for f in features}
    assert "330108003001000101" in codes
    assert layer.crs().authid() in ("OGC:CRS84", "EPSG:4326")
