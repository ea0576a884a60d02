"""GIS staff publish boundary revisions with an effective time, preview their impact and roll them back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.clock import ManualClock
from service.domain.gridcodes import Level
from service.settings import Settings
from service.store import events as event_log
from tests.service import payloads
from tests.service.conftest import Keys
from tests.support.boundary_drafts import as_geojson, current_rows, split_rows

MICRO = "33010800300100101"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def ctx(settings: Settings, clock: ManualClock) -> Iterator[ServiceContext]:
    context = ServiceContext(settings, clock=clock)
    yield context
    context.close()


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as c:
        yield c


def publish(client: TestClient, keys: Keys, rows: list[dict[str, Any]], **form: Any) -> Any:
    return client.post("/api/v1/boundaries/import", headers=keys.auth(keys.gis_editor),
                       data={"level": "micro_grid", "format": "geojson", **{k: str(v) for k, v in form.items()}},
                       files={"file": ("micro.geojson", as_geojson(rows))})


def geometry_of(rows: list[dict[str, Any]], code: str) -> Any:
    return next(r["geometry"] for r in rows if r["code"] == code)


def report_at(client: TestClient, keys: Keys, lon: float, lat: float, when: datetime, n: int) -> Any:
    body = payloads.hotline(lon, lat, order_no=f"HZ-REV-{n}", accepted_at=when.isoformat())
    r = client.post("/api/v1/channels/hotline12345", json=body, headers=keys.auth(keys.operator))
    assert r.status_code == 201, r.text
    return r.json()["incident"]


def test_gis_editor_splits_a_micro_grid_and_reports_land_by_the_boundaries_of_their_time(
        client: TestClient, keys: Keys, ctx: ServiceContext, clock: ManualClock) -> None:
    old_geom = geometry_of(current_rows(ctx, Level.MICRO_GRID), MICRO)
    draft, new_codes = split_rows(ctx, MICRO)
    east = geometry_of(draft, new_codes[1])
    lon, lat = east.representative_point().coords[0]
    effective = clock.now() + timedelta(hours=1)

    preview = publish(client, keys, draft, effective_at=effective.isoformat(), dry_run="true", note="new estate")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] and body["valid"] and body["revision"] is None
    assert set(new_codes) <= set(body["changes"]["added"]) | set(body["changes"]["changed"])
    assert any(h["code"] in new_codes for h in body["impact"]["households_out_of_range"])  # halves of 300-500
    assert client.get("/api/v1/boundaries/revisions", headers=keys.auth(keys.viewer)).json()["revisions"] == []

    published = publish(client, keys, draft, effective_at=effective.isoformat(), note="new estate", base_revision=0)
    assert published.status_code == 200, published.text
    revision = published.json()["revision"]
    listed = client.get("/api/v1/boundaries/revisions", headers=keys.auth(keys.viewer)).json()["revisions"]
    assert [(r["revision"], r["note"]) for r in listed] == [(revision, "new estate")]

    before = report_at(client, keys, lon, lat, clock.now(), 1)
    assert before["micro_grid"] == MICRO  # not in force yet
    clock.advance(timedelta(hours=2))
    after = report_at(client, keys, lon, lat, clock.now(), 2)
    assert after["micro_grid"] == new_codes[1]
    late_but_early = report_at(client, keys, lon, lat, effective - timedelta(minutes=5), 3)
    assert late_but_early["micro_grid"] == MICRO  # located when it was reported, not when it arrived

    undone = client.post(f"/api/v1/boundaries/revisions/{revision}/rollback", json={"note": "estate delayed"},
                         headers=keys.auth(keys.gis_editor))
    assert undone.status_code == 200, undone.text
    assert undone.json()["revision"] == revision + 1
    restored = client.get(f"/ogcapi/collections/micro_grids/items/{MICRO}", headers=keys.auth(keys.viewer)).json()
    assert shapely.geometry.shape(restored["geometry"]).equals(old_geom)
    clock.advance(timedelta(minutes=1))
    assert report_at(client, keys, lon, lat, clock.now(), 4)["micro_grid"] == MICRO
    revisions = client.get("/api/v1/boundaries/revisions", headers=keys.auth(keys.viewer)).json()["revisions"]
    assert [r["rollback_of"] for r in revisions] == [None, revision]  # history appended, never rewritten

    with ctx.db.read() as session:
        kinds = [(e.kind, e.payload.get("revision")) for e in event_log.read_after(session, 0, limit=100_000)
                 if e.kind == "boundaries.changed"]
    assert kinds[-2:] == [("boundaries.changed", revision), ("boundaries.changed", revision + 1)]


def test_an_open_case_follows_the_split_once_it_is_in_force(client: TestClient, keys: Keys, ctx: ServiceContext,
                                                            clock: ManualClock) -> None:
    draft, new_codes = split_rows(ctx, MICRO)
    east = geometry_of(draft, new_codes[1])
    lon, lat = east.representative_point().coords[0]
    case = report_at(client, keys, lon, lat, clock.now() - timedelta(minutes=10), 1)
    preview = publish(client, keys, draft, dry_run="true").json()
    assert [(c["id"], c["to"]["micro_grid"]) for c in preview["impact"]["open_cases"]] == [(case["id"], new_codes[1])]
    assert publish(client, keys, draft).status_code == 200
    moved = client.get(f"/api/v1/incidents/{case['id']}", headers=keys.auth(keys.operator)).json()
    assert moved["micro_grid"] == new_codes[1] and moved["version"] == case["version"] + 1


def test_an_overlap_is_refused_with_its_location_and_nothing_changes(client: TestClient, keys: Keys,
                                                                    ctx: ServiceContext) -> None:
    rows = current_rows(ctx, Level.MICRO_GRID)
    target = next(r for r in rows if r["code"] == MICRO)
    grown = target["geometry"].buffer(0.0005)
    target["geometry"] = grown
    r = publish(client, keys, rows)
    assert r.status_code == 422, r.text
    overlaps = [p for p in r.json()["error"]["topology"] if p["kind"] == "overlap" and MICRO in p["codes"]]
    assert overlaps and all(p["area_m2"] > 1 for p in overlaps)
    assert all(grown.buffer(1e-6).contains(shapely.Point(p["location"])) for p in overlaps)
    assert client.get("/api/v1/boundaries/revisions", headers=keys.auth(keys.viewer)).json()["revisions"] == []


def test_publishing_from_a_stale_revision_is_409_naming_the_one_that_won(client: TestClient, keys: Keys,
                                                                         ctx: ServiceContext) -> None:
    draft, _ = split_rows(ctx, MICRO)
    unknown = publish(client, keys, draft, base_revision=5, note="from nowhere")
    assert unknown.status_code == 409 and unknown.json()["error"]["current"] == {"revision": 0}
    first = publish(client, keys, draft, base_revision=0, note="first")
    assert first.status_code == 200, first.text
    second = publish(client, keys, draft, base_revision=0, note="second")
    assert second.status_code == 409, second.text
    error = second.json()["error"]
    assert error["current"]["revision"] == first.json()["revision"] and "gis" in error["message"]


@pytest.mark.parametrize("field,value,why", [("effective_at", "tomorrow", "ISO 8601"),
                                             ("effective_at", "2026-03-01T00:00:00", "time zone")])
def test_a_bad_effective_time_is_named(client: TestClient, keys: Keys, ctx: ServiceContext, field: str, value: str,
                                       why: str) -> None:
    r = publish(client, keys, current_rows(ctx, Level.MICRO_GRID), **{field: value})
    assert r.status_code == 422 and why in r.text and field in r.text


def test_only_a_gis_editor_may_publish_or_roll_back(client: TestClient, keys: Keys) -> None:
    r = client.post("/api/v1/boundaries/revisions/1/rollback", json={}, headers=keys.auth(keys.operator))
    assert r.status_code == 403
    assert client.post("/api/v1/boundaries/revisions/99/rollback", json={},
                       headers=keys.auth(keys.gis_editor)).status_code == 404


def test_a_gis_asking_for_a_bbox_after_a_split_gets_the_new_halves(client: TestClient, keys: Keys,
                                                                    ctx: ServiceContext) -> None:
    draft, new_codes = split_rows(ctx, MICRO)
    assert publish(client, keys, draft).status_code == 200
    box = geometry_of(draft, new_codes[1]).buffer(-1e-5).bounds  # inside the east half only
    page = client.get("/ogcapi/collections/micro_grids/items", headers=keys.auth(keys.viewer),
                      params={"bbox": ",".join(map(str, box))}).json()
    assert new_codes[1] in [f["properties"]["code"] for f in page["features"]]
