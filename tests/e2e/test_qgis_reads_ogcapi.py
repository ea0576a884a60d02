"""QGIS's own "OGC API - Features" provider loads the street from a real service process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.context import ServiceContext
from service.domain.gridcodes import Level
from service.flows.boundaries import Draft
from service.settings import Settings
from tests.support.boundary_drafts import publish, split_rows
from tests.support.child_process import ServiceProcess

MICRO = "33010800300100101"

qgis_core = pytest.importorskip("qgis.core")


def test_qgis_loads_the_928_micro_grids_through_its_oapif_provider(service: ServiceProcess) -> None:
    uri = (f"url='{service.base}/ogcapi?api_key={service.operator_key}' typename='micro_grids' "
           "pagingEnabled='true' preferCoordinatesForWfsT11='false' restrictToRequestBBOX='0'")
    layer = qgis_core.QgsVectorLayer(uri, "micro_grids", "OAPIF")
    assert layer.isValid(), layer.error().summary()
    features = list(layer.getFeatures())
    assert len(features) == 928
    codes = {f["code"] for f in features}
    assert "33010800300100101" in codes
    assert layer.crs().authid() in ("OGC:CRS84", "EPSG:4326")


def test_qgis_loads_the_boundaries_of_each_day_with_the_datetime_filter(data_dir: Path) -> None:
    """A micro-grid split yesterday: QGIS asked for the day before sees it whole, asked for today its halves."""
    yesterday = datetime.now(UTC) - timedelta(days=1)
    ctx = ServiceContext(Settings(data_dir=data_dir))
    try:
        rows, halves = split_rows(ctx, MICRO)
        outcome = publish(ctx, Draft(Level.MICRO_GRID, rows, yesterday, "estate", "gis"), dry_run=False)
        assert outcome.revision == 1
    finally:
        ctx.close()
    service = ServiceProcess(data_dir).start()
    try:
        def load(when: str) -> dict[str, Any]:
            uri = (f"url='{service.base}/ogcapi?api_key={service.operator_key}&datetime={when}' "
                   "typename='micro_grids' pagingEnabled='true' restrictToRequestBBOX='0'")
            layer = qgis_core.QgsVectorLayer(uri, "micro_grids", "OAPIF")
            assert layer.isValid(), layer.error().summary()
            return {f["code"]: f.geometry().area() for f in layer.getFeatures()}

        before = load((yesterday - timedelta(days=1)).date().isoformat())
        today = load(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    finally:
        service.stop()
    assert len(before) == 928 and len(today) == 929
    assert today[halves[0]] < before[MICRO] and today[halves[1]] < before[MICRO]
