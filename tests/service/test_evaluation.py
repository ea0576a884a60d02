"""Evaluation (综合评价): rates worked out from the cases' recorded steps, per department, grid and worker,
and exported as JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.domain.evaluation import CaseFacts, Step, Subject, evaluate
from service.domain.sla import SlaPolicy
from tests.service.conftest import Keys
from tests.service.workflow_helpers import act, citymgmt_case, department_key

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def case(case_id: int, status: str, departments: list[str], steps: list[tuple[str, float, dict[str, Any]]],
         grid: str = "G1") -> CaseFacts:
    return CaseFacts(case_id, "C0103", 2, status, T0, grid, {d: {} for d in departments}, None,
                     [Step(a, "x", d, T0 + timedelta(hours=h)) for a, h, d in steps])


def test_department_rates_count_on_time_handling_closing_rework_and_failed_verifications() -> None:
    on_time = case(1, "closed", ["城管"], [("file", 0.1, {}), ("whistle", 0.5, {"departments": ["城管"]}),
                                           ("department_acknowledge", 1, {"department": "城管"}),
                                           ("feedback", 2.5, {"department": "城管"}),
                                           ("verify", 3.5, {"outcome": "pass"})])
    late_and_reworked = case(2, "closed", ["城管"], [
        ("file", 0.2, {}), ("whistle", 1.0, {"departments": ["城管"]}), ("feedback", 31, {"department": "城管"}),
        ("verify", 32, {"outcome": "fail", "reason": "未修好"}), ("feedback", 40, {"department": "城管"}),
        ("verify", 41, {"outcome": "pass"})])
    sent_back = case(3, "filed", ["水务"], [("file", 0.1, {}), ("whistle", 0.2, {"departments": ["水务"]}),
                                           ("send_back", 0.3, {"department": "水务", "reason": "非本部门"})])
    rows = {r["key"]: r for r in evaluate([on_time, late_and_reworked, sent_back], by=Subject.DEPARTMENT,
                                          policy=SlaPolicy.default())}
    city = rows["城管"]
    assert (city["cases"], city["handled"], city["on_time"], city["closed"], city["reworked"]) == (2, 2, 1, 2, 1)
    assert (city["on_time_rate"], city["closing_rate"], city["rework_rate"]) == (0.5, 1.0, 0.5)
    assert city["verification_failures"] == 1
    # first time through each stage: filing 0.1 h and 0.2 h; dispatch 0.4 h and 0.8 h; handling 2 h, 30 h; verifying 1 h
    assert city["avg_seconds"] == {"filing": 540.0, "dispatch": 2160.0, "handling": 57600.0, "verification": 3600.0}
    water = rows["水务"]
    assert (water["cases"], water["handled"], water["on_time_rate"], water["closing_rate"]) == (1, 0, None, 0.0)


def test_more_time_a_department_asked_for_counts_toward_its_limit() -> None:
    facts = case(1, "resolved", ["城管"], [("whistle", 0, {"departments": ["城管"]}),
                                            ("feedback", 25, {"department": "城管"})])
    assert evaluate([facts], by=Subject.DEPARTMENT, policy=SlaPolicy.default())[0]["on_time"] == 0
    extended = CaseFacts(**{**facts.__dict__, "departments": {"城管": {"more_minutes": "120"}}})
    assert evaluate([extended], by=Subject.DEPARTMENT, policy=SlaPolicy.default())[0]["on_time"] == 1


def test_grid_and_worker_rows_follow_dispatch_and_resolve() -> None:
    facts = case(1, "closed", [], [("dispatch", 0.1, {"unit_id": 7}), ("resolve", 1, {}), ("close", 1.5, {})],
                 grid="G9")
    (grid,) = evaluate([facts], by=Subject.GRID, policy=SlaPolicy.default())
    (worker,) = evaluate([facts], by=Subject.WORKER, policy=SlaPolicy.default(), names={"7": "GW-7 张三"})
    assert grid["key"] == "G9" and grid["on_time"] == 1 and grid["closing_rate"] == 1.0
    assert worker["key"] == "7" and worker["name"] == "GW-7 张三" and worker["handled"] == 1


def test_the_evaluation_api_exports_the_street_s_cases_as_json_csv_and_xlsx(
        client: TestClient, keys: Keys, ctx: Any) -> None:
    op, dept_key = keys.auth(keys.operator), department_key(ctx, "城管")
    for n in range(2):
        c = act(client, op, act(client, op, citymgmt_case(client, keys.operator, f"SZCG-EV-{n}", place=n), "file"),
                "whistle", departments=["城管"])
        c = client.post(f"/api/v1/department/cases/{c['id']}/accept", json={"version": c["version"]},
                        headers=dept_key).json()
        c = client.post(f"/api/v1/department/cases/{c['id']}/feedback", headers=dept_key,
                        data={"version": str(c["version"]), "note": "done"}).json()
        act(client, op, c, "verify", outcome="pass" if n == 0 else "fail", reason="再查")
    r = client.get("/api/v1/evaluation", headers=op)
    assert r.status_code == 200, r.text
    row = next(x for x in r.json()["rows"] if x["key"] == "城管")
    assert (row["cases"], row["handled"], row["closed"], row["verification_failures"]) == (2, 2, 1, 1)
    assert (row["closing_rate"], row["rework_rate"], row["on_time_rate"]) == (0.5, 0.5, 1.0)
    grids = client.get("/api/v1/evaluation", params={"by": "grid"}, headers=op).json()["rows"]
    assert sum(g["cases"] for g in grids) == 2
    text = client.get("/api/v1/evaluation", params={"format": "csv"}, headers=op).content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert next(t for t in table if t["key"] == "城管")["closing_rate"] == "0.5"
    xlsx = client.get("/api/v1/evaluation", params={"format": "xlsx"}, headers=op)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    header, *body = list(sheet.values)
    assert header[:3] == ("subject", "key", "name") and any(v[1] == "城管" for v in body)
    bad = client.get("/api/v1/evaluation", params={"since": "2026-12-01T00:00:00+08:00",
                                                   "until": "2026-11-01T00:00:00+08:00"}, headers=op)
    assert bad.status_code == 422 and bad.json()["error"]["problems"][0]["field"] == "since"
    assert client.get("/api/v1/evaluation", headers=dept_key).status_code == 403
