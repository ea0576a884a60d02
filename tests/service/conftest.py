"""API fixtures: the real app over a real database file, and keys of every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain.access import Role
from service.domain.catalog import Channel


@dataclass
class Keys:
    operator: str
    viewer: str
    gis_editor: str
    trainer: str
    feeds: dict[Channel, str]
    admin: str = ""  # keys and the audit trail (issue 13)
    department: str = ""  # the 城管 department's key (role department)
    field: str = ""       # a grid worker's phone (role field_worker), bound to unit `field_unit`
    field_unit: int = 0

    @property
    def gps(self) -> str:
        return self.feeds[Channel.GPS_GATEWAY]

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def keys(ctx: ServiceContext) -> Keys:
    from service.store import units as unit_store

    with ctx.db.read() as session:
        field_unit = next(u.id for u in unit_store.all_units(session=session) if u.unit_type == "grid_worker")
    return Keys(
        operator=ctx.create_key(name="op", role=Role.OPERATOR),
        viewer=ctx.create_key(name="wall screen", role=Role.VIEWER),
        gis_editor=ctx.create_key(name="gis", role=Role.GIS_EDITOR),
        trainer=ctx.create_key(name="trainer", role=Role.TRAINER),
        feeds={ch: ctx.create_key(name=f"feed {ch}", role=Role.FEED, channel=ch)
               for ch in Channel if ch is not Channel.OPERATOR},
        admin=ctx.create_key(name="admin", role=Role.ADMIN),
        department=ctx.create_key(name="城管 desk", role=Role.DEPARTMENT, department="城管"),
        field=ctx.create_key(name="grid worker phone", role=Role.FIELD_WORKER, unit_id=field_unit), field_unit=field_unit)


@pytest.fixture
def client(ctx: ServiceContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as c:
        yield c


@pytest.fixture
def operator(client: TestClient, keys: Keys) -> TestClient:
    """A client that sends the operator's key with every request."""
    client.headers["Authorization"] = f"Bearer {keys.operator}"
    return client
