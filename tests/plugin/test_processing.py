"""GIS staff run the gridcommand Processing algorithms on real layers, as from the toolbox or a model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.demo.street import DemoStreet
from service.domain.gridcodes import Level

qgis_core = pytest.importorskip("qgis.core")
from qgis.core import QgsApplication, QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer  # noqa: E402

AREA_FIELDS = "field=code:string&field=parent_code:string&field=households:integer"


def test_the_plugin_registers_the_gridcommand_provider_while_loaded(plugin: Any) -> None:
    registry = QgsApplication.processingRegistry()
    assert plugin.processing_provider is not None
    assert {a.id() for a in registry.providerById("gridcommand").algorithms()} == {
        "gridcommand:validatetopology", "gridcommand:splitbyhouseholds", "gridcommand:renumber"}


@pytest.fixture(scope="module")
def processing(qgis_app: Any) -> Iterator[Any]:
    import processing as qgis_processing
    from processing.core.Processing import Processing

    from plugin.processing.provider import GridCommandProvider

    Processing.initialize()
    provider = GridCommandProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    yield qgis_processing
    QgsApplication.processingRegistry().removeProvider(provider)


def polygons(areas: list[Any], name: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"Polygon?crs=EPSG:4326&{AREA_FIELDS}", name, "memory")
    features = []
    for a in areas:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromWkt(a.geometry.wkt))
        f.setAttributes([a.code, a.parent_code, a.households])
        features.append(f)
    layer.dataProvider().addFeatures(features)
    return layer


def buildings(demo: DemoStreet) -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=code:string&field=households:integer", "buildings", "memory")
    features = []
    for b in demo.buildings:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(b.lon, b.lat)))
        f.setAttributes([b.code, b.households])
        features.append(f)
    layer.dataProvider().addFeatures(features)
    return layer


def first_grids(demo: DemoStreet, count: int) -> tuple[list[Any], list[Any]]:
    grids = demo.of_level(Level.GRID)[:count]
    codes = {g.code for g in grids}
    return grids, [m for m in demo.of_level(Level.MICRO_GRID) if m.parent_code in codes]


def test_validate_topology_passes_the_demo_and_finds_an_overlap_and_misnumbering(processing: Any,
                                                                                 demo: DemoStreet) -> None:
    grids, micro = first_grids(demo, 12)
    clean = processing.run("gridcommand:validatetopology", {
        "INPUT": polygons(micro, "micro"), "PARENTS": polygons(grids, "grids"), "OUTPUT": "memory:"})
    assert clean["PROBLEM_COUNT"] == 0, [f["detail"] for f in clean["OUTPUT"].getFeatures()]

    broken = polygons(micro, "micro")
    broken.startEditing()
    first, second = list(broken.getFeatures())[:2]
    broken.changeGeometry(first.id(), first.geometry().buffer(0.0004, 4))
    broken.changeAttributeValue(first.id(), 0, second["code"])
    broken.changeAttributeValue(second.id(), 0, first["code"])
    broken.commitChanges()
    found = processing.run("gridcommand:validatetopology", {
        "INPUT": broken, "PARENTS": polygons(grids, "grids"), "TOLERANCE": 1.0, "OUTPUT": "memory:"})
    kinds = {f["kind"] for f in found["OUTPUT"].getFeatures()}
    assert {"overlap", "reading_order", "outside_parent"} <= kinds
    overlap = next(f for f in found["OUTPUT"].getFeatures() if f["kind"] == "overlap")
    assert overlap["area_m2"] > 1 and first.geometry().buffer(0.0005, 4).contains(overlap.geometry())


def test_split_by_households_gives_contiguous_parts_within_the_bounds(processing: Any, demo: DemoStreet) -> None:
    grids, micro = first_grids(demo, 3)
    result = processing.run("gridcommand:splitbyhouseholds", {
        "INPUT": polygons(grids, "grids"), "BUILDINGS": buildings(demo), "HOUSEHOLDS_FIELD": "households",
        "MINIMUM": 300, "MAXIMUM": 500, "OUTPUT": "memory:"})
    parts = list(result["OUTPUT"].getFeatures())
    for grid in grids:
        mine = [p for p in parts if p["code"] == grid.code]
        assert sum(p["part_households"] for p in mine) == grid.households
        assert all(300 <= p["part_households"] <= 500 for p in mine), [p["part_households"] for p in mine]
        assert all(len(p.geometry().asGeometryCollection()) == 1 for p in mine)  # contiguous
        whole = QgsGeometry.unaryUnion([p.geometry() for p in mine])
        assert abs(whole.area() - QgsGeometry.fromWkt(grid.geometry.wkt).area()) < 1e-12


def test_split_refuses_bounds_no_cut_can_meet(processing: Any, demo: DemoStreet) -> None:
    grids, _ = first_grids(demo, 1)
    with pytest.raises(qgis_core.QgsProcessingException):
        processing.run("gridcommand:splitbyhouseholds", {
            "INPUT": polygons(grids, "grids"), "BUILDINGS": buildings(demo), "MINIMUM": 10_000, "MAXIMUM": 10_001,
            "OUTPUT": "memory:"})


def test_renumber_gives_codes_in_reading_order(processing: Any, demo: DemoStreet) -> None:
    _, micro = first_grids(demo, 4)
    shuffled = polygons(micro, "micro")
    shuffled.startEditing()
    for f in shuffled.getFeatures():
        shuffled.changeAttributeValue(f.id(), 0, f"{f['parent_code']}{99 - f.id() % 50:02d}")
    shuffled.commitChanges()
    result = processing.run("gridcommand:renumber", {"INPUT": shuffled, "WIDTH": 2, "OUTPUT": "memory:"})
    by_place = {f.geometry().pointOnSurface().asWkt(6): f["code"] for f in result["OUTPUT"].getFeatures()}
    expected = {QgsGeometry.fromWkt(m.geometry.wkt).pointOnSurface().asWkt(6): m.code for m in micro}
    assert by_place == expected  # the demo street is numbered in reading order
