"""GIS staff bring real boundaries in and take them out; any GIS reads them through OGC API - Features."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer

from service.context import ServiceContext
from tests.service.conftest import Keys


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp"])
def test_boundaries_round_trip_through_every_file_format(client: TestClient, keys: Keys, ctx: ServiceContext,
                                                         fmt: str) -> None:
    def grids() -> dict[str, tuple[dict, shapely.Geometry]]:  # type: ignore[type-arg]
        features = client.get("/ogcapi/collections/grids/items", params={"limit": 1000},
                              headers=keys.auth(keys.viewer)).json()["features"]
        return {f["properties"]["code"]: (f["properties"], shapely.geometry.shape(f["geometry"])) for f in features}

    before = grids()
    exported = client.get("/api/v1/boundaries/export", params={"level": "grid", "format": fmt},
                          headers=keys.auth(keys.viewer))
    assert exported.status_code == 200, exported.text
    r = client.post("/api/v1/boundaries/import", headers=keys.auth(keys.gis_editor),
                    data={"level": "grid", "format": fmt},
                    files={"file": (f"grid.{'zip' if fmt == 'shp' else fmt}", exported.content)})
    assert r.status_code == 200, r.text
    assert r.json() == {"level": "grid", "imported": 173}
    after = grids()
    assert after.keys() == before.keys() and len(after) == 173
    for code, (props, geometry) in before.items():
        new_props, new_geometry = after[code]
        for field in ("code", "name", "level", "parent_code", "households"):
            assert new_props.get(field) == props.get(field), (code, field)
        # the same polygon (to well under a millimetre), not merely one polygon per code
        assert new_geometry.equals_exact(geometry, tolerance=1e-8) or \
            shapely.normalize(new_geometry).equals_exact(shapely.normalize(geometry), tolerance=1e-8), code


def _gpkg_in_gauss_krueger(tmp_path, codes: list[str], polygons: list[shapely.Polygon]) -> bytes:  # type: ignore[no-untyped-def]
    from pyogrio.raw import write
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True)
    projected = [shapely.transform(p, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))
                 for p in polygons]
    path = tmp_path / "wg.gpkg"
    write(str(path), np.array(shapely.to_wkb(projected), dtype=object),
          [np.array(codes, dtype=object), np.array([f"网格{i}" for i in range(len(codes))], dtype=object)],
          ["WGBM", "WGMC"], geometry_type="Polygon", crs="EPSG:4528", driver="GPKG")
    return path.read_bytes()


def test_a_projected_file_with_its_own_field_names_is_mapped_and_reprojected(
        client: TestClient, keys: Keys, ctx: ServiceContext, tmp_path) -> None:  # type: ignore[no-untyped-def]
    square = shapely.box(120.14, 30.15, 120.15, 30.16)
    data = _gpkg_in_gauss_krueger(tmp_path, ["FQ09"], [square])
    r = client.post("/api/v1/boundaries/import", headers=keys.auth(keys.gis_editor),
                    data={"level": "defence_zone", "format": "gpkg",
                          "mapping": json.dumps({"code": "WGBM", "name": "WGMC"})},
                    files={"file": ("wg.gpkg", data)})
    assert r.status_code == 200, r.text
    assert ctx.locator().locate_one(120.145, 30.155).defence_zone == "FQ09"


def test_a_bad_boundary_file_changes_nothing_and_names_each_bad_feature(
        client: TestClient, keys: Keys, ctx: ServiceContext, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = _gpkg_in_gauss_krueger(tmp_path, ["3301080030010001", "33010800300100"],
                                  [shapely.box(120.14, 30.15, 120.15, 30.16)] * 2)
    before = client.get("/ogcapi/collections/grids/items", params={"limit": 1},
                        headers=keys.auth(keys.viewer)).json()["numberMatched"]
    r = client.post("/api/v1/boundaries/import", headers=keys.auth(keys.gis_editor),
                    data={"level": "grid", "format": "gpkg", "mapping": json.dumps({"code": "WGBM", "name": "WGMC"})},
                    files={"file": ("wg.gpkg", data)})
    assert r.status_code == 422
    assert r.json()["error"]["problems"][0]["field"] == "features[1].WGBM"
    after = client.get("/ogcapi/collections/grids/items", params={"limit": 1},
                       headers=keys.auth(keys.viewer)).json()["numberMatched"]
    assert before == after == 173


def test_only_a_gis_editor_may_redraw_boundaries(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/v1/boundaries/import", headers=keys.auth(keys.operator),
                    data={"level": "grid", "format": "gpkg"}, files={"file": ("x.gpkg", b"x")})
    assert r.status_code == 403


def test_a_zip_without_a_shapefile_is_refused(client: TestClient, keys: Keys) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "no shapes here")
    r = client.post("/api/v1/boundaries/import", headers=keys.auth(keys.gis_editor),
                    data={"level": "grid", "format": "shp"}, files={"file": ("x.zip", buffer.getvalue())})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "file"


def test_identify_a_micro_grid_shows_its_community_households_and_staff(operator: TestClient) -> None:
    code = "330108003001000101"
    info = operator.get(f"/api/v1/areas/{code}").json()
    assert info["level"] == "micro_grid" and 300 <= info["households"] <= 500
    assert [p["level"] for p in info["parents"]] == ["grid", "community", "street"]
    roles = {s["role"] for s in info["staff"]}
    assert {"full_time_grid_worker", "part_time_grid_worker"} <= roles


def test_ogc_api_serves_landing_conformance_collections_and_paged_items(client: TestClient, keys: Keys) -> None:
    params = {"api_key": keys.viewer}
    landing = client.get("/ogcapi/", params=params).json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "conformance", "data", "service-desc"}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in \
        client.get("/ogcapi/conformance", params=params).json()["conformsTo"]
    ids = [c["id"] for c in client.get("/ogcapi/collections", params=params).json()["collections"]]
    assert ids == ["communities", "grids", "micro_grids", "defence_zones", "patrol_zones", "incidents"]
    page = client.get("/ogcapi/collections/micro_grids/items", params={**params, "limit": 500})
    assert page.headers["content-type"] == "application/geo+json"
    body = page.json()
    assert body["numberMatched"] == 928 and body["numberReturned"] == 500
    next_link = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert f"api_key={keys.viewer}" in next_link and "offset=500" in next_link
    one = client.get("/ogcapi/collections/micro_grids/items/330108003001000101", params=params).json()
    assert one["properties"]["code"] == "330108003001000101" and one["geometry"]["type"] == "Polygon"
    boxed = client.get("/ogcapi/collections/communities/items",
                       params={**params, "bbox": "120.13,30.15,120.135,30.155"}).json()
    assert 0 < boxed["numberMatched"] < 25
    assert client.get("/ogcapi/collections/nope/items", params=params).status_code == 404
    assert client.get("/ogcapi/collections/grids/items", params={**params, "bbox": "1,2"}).status_code == 422
