"""OGC API – Features pages of a boundary level: the page a GIS asks for, read as a page (limit, offset and bbox
in the query), with the same features and counts as filtering the whole level would give."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from service.demo.street import DemoStreet
from service.domain.gridcodes import Level
from service.store.models import AreaRow

BBOX = (120.140, 30.155, 120.152, 30.165)


@pytest.fixture
def area_rows_loaded() -> Iterator[list[str]]:
    loaded: list[str] = []

    def count(session: Session, instance: object) -> None:
        if isinstance(instance, AreaRow):
            loaded.append(instance.code)
    event.listen(Session, "loaded_as_persistent", count)
    yield loaded
    event.remove(Session, "loaded_as_persistent", count)


def test_a_gis_pages_through_micro_grids_in_a_bbox_and_gets_exactly_those_that_meet_it(
        operator: TestClient, demo: DemoStreet, area_rows_loaded: list[str]) -> None:
    box = shapely.box(*BBOX)
    expected = sorted(a.code for a in demo.of_level(Level.MICRO_GRID) if a.geometry.intersects(box))
    assert 20 < len(expected) < 200
    seen: list[str] = []
    url: str | None = "/ogcapi/collections/micro_grids/items?limit=25&bbox=" + ",".join(map(str, BBOX))
    while url:
        page = operator.get(url).json()
        assert page["numberMatched"] == len(expected) and page["numberReturned"] <= 25
        seen += [f["properties"]["code"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert seen == expected
    assert len(area_rows_loaded) == len(expected)  # full rows only for the pages: never the 928 micro-grids


def test_a_page_without_bbox_reads_only_that_page(operator: TestClient, demo: DemoStreet,
                                                 area_rows_loaded: list[str]) -> None:
    codes = sorted(a.code for a in demo.of_level(Level.MICRO_GRID))
    page = operator.get("/ogcapi/collections/micro_grids/items", params={"limit": 10, "offset": 900}).json()
    assert [f["properties"]["code"] for f in page["features"]] == codes[900:910]
    assert page["numberMatched"] == 928 and len(area_rows_loaded) == 10


def test_a_bbox_the_wrong_way_round_is_a_4xx_naming_bbox(operator: TestClient) -> None:
    r = operator.get("/ogcapi/collections/grids/items", params={"bbox": "120.2,30.1,120.1,30.2"})
    assert 400 <= r.status_code < 500 and "bbox" in r.text
