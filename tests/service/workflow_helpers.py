"""Helpers for the workflow tests: a 数字城管 case, department keys, photos made on the spot."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from service.context import ServiceContext
from service.domain.access import Role
from tests.service import payloads

LON, LAT = 120.1502, 30.1655


def citymgmt_case(client: TestClient, op_key: str, case_no: str = "SZCG-WF-0001", *, place: int = 0) -> dict[str, Any]:
    """A 数字城管 report; `place` n puts it n * ~300 m east (not a duplicate of the others)."""
    r = client.post("/api/v1/channels/citymgmt", json=payloads.citymgmt(LON + 0.003 * place, LAT, case_no=case_no),
                    headers={"Authorization": f"Bearer {op_key}"})
    assert r.status_code == 201, r.text
    return r.json()["incident"]


def department_key(ctx: ServiceContext, department: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ctx.create_key(name=department + ' desk', role=Role.DEPARTMENT, department=department)}"}


def photo(fmt: str = "PNG", size: tuple[int, int] = (800, 600), color: str = "#3a7") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def act(client: TestClient, headers: dict[str, str], case: dict[str, Any], action: str, status: int = 200,
        **kw: Any) -> dict[str, Any]:
    r = client.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": action, "version": case["version"], **kw},
                    headers=headers)
    assert r.status_code == status, r.text
    return r.json()
