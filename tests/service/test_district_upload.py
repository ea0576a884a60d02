"""A district's boundary file is bigger than any intake body: boundary and road uploads have their own, larger
limit (spooled to disk as they arrive), while every other request keeps the small one."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.access import Role
from service.settings import Settings

SMALL = 256 * 1024


def test_a_boundary_file_over_the_body_limit_is_imported_under_the_upload_limit(data_dir: Path) -> None:
    ctx = ServiceContext(Settings(data_dir=data_dir, max_body_bytes=SMALL, max_file_upload_bytes=64 * SMALL))
    try:
        gis = {"Authorization": f"Bearer {ctx.create_key(name='gis', role=Role.GIS_EDITOR)}"}
        with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
            exported = client.get("/api/v1/boundaries/export", params={"level": "micro_grid", "format": "geojson"},
                                  headers=gis)
            assert exported.status_code == 200 and SMALL < len(exported.content) < 64 * SMALL
            r = client.post("/api/v1/boundaries/import", headers=gis, data={"level": "micro_grid", "format": "geojson"},
                            files={"file": ("micro_grids.geojson", exported.content)})
            assert r.status_code == 200, r.text[:300]
            assert (r.json()["level"], r.json()["imported"]) == ("micro_grid", 928)
            # Any other request still has the small limit.
            big = client.post("/api/v1/channels/police110/batch", content=b"x" * (SMALL + 1), headers=gis)
            assert big.status_code == 413 and str(SMALL) in big.text
    finally:
        ctx.close()


def test_a_file_over_the_upload_limit_is_a_413_naming_the_limit(data_dir: Path) -> None:
    ctx = ServiceContext(Settings(data_dir=data_dir, max_file_upload_bytes=SMALL))
    try:
        gis = {"Authorization": f"Bearer {ctx.create_key(name='gis', role=Role.GIS_EDITOR)}"}
        with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
            r = client.post("/api/v1/boundaries/import", headers=gis, data={"level": "micro_grid", "format": "geojson"},
                            files={"file": ("huge.geojson", b" " * (SMALL + 10))})
            assert r.status_code == 413 and "body" in r.text and str(SMALL) in r.text
    finally:
        ctx.close()
