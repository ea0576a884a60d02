"""With a road network loaded, units are ranked by how far they must drive, not by the straight line."""

from __future__ import annotations

import json

import numpy as np
from fastapi.testclient import TestClient
from shapely.geometry import LineString

from service.domain.recommend import Fleet, UnitPosition, best_eta, rank
from service.domain.roads import RoadNetwork
from service.domain.units import UnitStatus, UnitType
from tests.service.conftest import Keys

# A river runs north-south at 120.155: the only bridge is far to the north.
ROADS = [LineString([(120.150, 30.160), (120.150, 30.180), (120.160, 30.180), (120.160, 30.160)]),
         LineString([(120.1400, 30.160), (120.150, 30.160)])]


def fleet(roads: RoadNetwork | None) -> Fleet:
    near_across_river = UnitPosition(1, "ACROSS", UnitType.PATROL, UnitStatus.AVAILABLE, 120.160, 30.160, None, False)
    farther_same_bank = UnitPosition(2, "SAMEBANK", UnitType.PATROL, UnitStatus.AVAILABLE, 120.140, 30.160, None, False)
    return Fleet([near_across_river, farther_same_bank], roads=roads)


def test_without_roads_the_straight_line_decides() -> None:
    assert rank(fleet(None), lon=120.151, lat=30.160, needed=UnitType.PATROL, case_grid=None)[0].callsign == "ACROSS"


def test_with_roads_the_unit_on_the_same_bank_goes_first() -> None:
    ranked = rank(fleet(RoadNetwork(ROADS)), lon=120.151, lat=30.160, needed=UnitType.PATROL, case_grid=None)
    assert [r.callsign for r in ranked] == ["SAMEBANK", "ACROSS"]
    assert "of road" in ranked[0].reasons[0]
    assert ranked[1].distance_m > 4000  # up to the bridge and back down


def test_coverage_by_road_matches_ranking() -> None:
    f = fleet(RoadNetwork(ROADS))
    eta = best_eta(f, lons=np.array([120.151]), lats=np.array([30.160]))
    best = rank(f, lon=120.151, lat=30.160, needed=UnitType.PATROL, case_grid=None)[0]
    assert abs(eta[0] - best.eta_s) < 1.0


def test_a_gis_editor_loads_a_road_network_and_recommendations_use_it(client: TestClient, keys: Keys) -> None:
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NAME": "浦沿路"}, "geometry": {"type": "LineString",
                                                                        "coordinates": list(line.coords)}}
        for line in ROADS]}
    r = client.post("/api/v1/roads/import", headers=keys.auth(keys.gis_editor),
                    data={"format": "geojson", "name_field": "NAME"},
                    files={"file": ("roads.geojson", json.dumps(geojson).encode())})
    assert r.status_code == 200, r.text
    assert r.json()["roads"] == 2 and r.json()["nodes"] >= 5


def test_a_road_file_with_a_polygon_is_refused_naming_the_feature(client: TestClient, keys: Keys) -> None:
    geojson = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[120.1, 30.1], [120.2, 30.1], [120.2, 30.2], [120.1, 30.1]]]}}]}
    r = client.post("/api/v1/roads/import", headers=keys.auth(keys.gis_editor), data={"format": "geojson"},
                    files={"file": ("roads.geojson", json.dumps(geojson).encode())})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "features[0].geometry"
