"""The workflow's own SQL on PostgreSQL: a department's cases (JSON member test), photos, a field
worker's idempotency keys and the notifier's outbox (INSERT … ON CONFLICT), the repeat-complaint search,
the evaluation."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.demo import street as demo_street
from service.demo.install import install_demo_street
from service.domain.access import Role
from service.settings import Settings
from tests.service import payloads
from tests.service.workflow_helpers import LAT, LON, act, citymgmt_case, department_key, photo
from tests.support.postgres import throwaway_cluster


@pytest.fixture(scope="module")
def pg(demo: demo_street.DemoStreet) -> Iterator[tuple[ServiceContext, TestClient]]:
    with throwaway_cluster() as url:
        settings = Settings(data_dir=tempfile.mkdtemp(), database_url=url)
        ctx = ServiceContext(settings)
        install_demo_street(ctx, demo)
        with TestClient(create_app(settings, context=ctx, watch=False)) as client:
            yield ctx, client
        ctx.close()


def test_the_seven_steps_a_field_replay_notifications_and_evaluation_work_on_postgresql(
        pg: tuple[ServiceContext, TestClient]) -> None:
    ctx, client = pg
    op_key = ctx.create_key(name="op", role=Role.OPERATOR)
    op = {"Authorization": f"Bearer {op_key}"}
    dept = department_key(ctx, "城管")
    case = act(client, op, act(client, op, citymgmt_case(client, op_key, "SZCG-PG-1"), "file"),
               "whistle", departments=["城管"])
    assert [c["id"] for c in client.get("/api/v1/department/cases", headers=dept).json()["items"]] == [case["id"]]
    assert client.get("/api/v1/department/cases", headers=department_key(ctx, "水务")).json()["items"] == []
    case = client.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]},
                       headers=dept).json()
    r = client.post(f"/api/v1/department/cases/{case['id']}/feedback", headers=dept,
                    data={"version": str(case["version"]), "note": "done"}, files=[("photos", ("a.png", photo(), "image/png"))])
    assert r.status_code == 200, r.text
    closed = act(client, op, r.json(), "verify", outcome="pass")
    assert closed["status"] == "closed"
    # a repeat complaint at the same place reopens it (the report arrives after the closing)
    again = citymgmt_case(client, op_key, "SZCG-PG-2")
    assert again["duplicate_of"] == case["id"]
    assert client.get(f"/api/v1/incidents/{case['id']}", headers=op).json()["status"] == "returned"
    # a field worker's step, replayed with its key, acts once
    unit: dict[str, Any] = next(u for u in client.get("/api/v1/units", headers=op, params={"unit_type": "grid_worker"}).json()
                                if u["status"] == "available")
    help_case = client.post("/api/v1/channels/police110", headers=op, json=payloads.police110(LON + 0.01, LAT)).json()
    act(client, op, help_case["incident"], "dispatch", unit_id=unit["id"])
    phone = {"Authorization": f"Bearer {ctx.create_key(name='phone', role=Role.FIELD_WORKER, unit_id=unit['id'])}",
             "Idempotency-Key": "pg-step-00001"}
    answers = [client.post(f"/api/v1/field/cases/{help_case['id']}/en_route", headers=phone).json()["replayed"]
               for _ in range(2)]
    assert answers == [False, True]
    ctx.notifier.run_once()
    ctx.notifier.run_once()
    kinds = sorted(n["kind"] for n in client.get("/api/v1/notifications", headers=op).json())
    assert kinds == ["assigned", "returned", "whistled"]
    row = next(r for r in client.get("/api/v1/evaluation", headers=op).json()["rows"] if r["key"] == "城管")
    assert (row["cases"], row["handled"], row["reworked"]) == (1, 1, 1)
