"""An operator takes a case from receipt to closure; illegal steps and races get 409, never a silent overwrite."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.service import payloads
from tests.service.conftest import Keys


def new_case(operator: TestClient, *, alarm_type: str = "FJW-SZ-GS", lon: float = 120.1502,
             lat: float = 30.1655, alarm_no: str = "J-LIFE-1") -> dict:  # type: ignore[type-arg]
    r = operator.post("/api/v1/channels/police110",
                      json=payloads.police110(lon, lat, alarm_no=alarm_no, alarm_type=alarm_type))
    assert r.status_code == 201, r.text
    return r.json()["incident"]


def act(operator: TestClient, case: dict, action: str, **kw: object) -> dict:  # type: ignore[type-arg]
    r = operator.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": action, "version": case["version"], **kw})
    assert r.status_code == 200, r.text
    return r.json()


def first_recommended(operator: TestClient, case: dict) -> dict:  # type: ignore[type-arg]
    return operator.get(f"/api/v1/incidents/{case['id']}/recommendations").json()["units"][0]


def unit(operator: TestClient, unit_id: int) -> dict:  # type: ignore[type-arg]
    return operator.get(f"/api/v1/units/{unit_id}").json()


def test_a_case_goes_from_receipt_to_closure_with_every_step_recorded(operator: TestClient) -> None:
    case = new_case(operator)
    case = act(operator, case, "acknowledge", note="已接警")
    pick = first_recommended(operator, case)
    case = act(operator, case, "dispatch", unit_id=pick["unit_id"])
    assert case["status"] == "dispatched" and unit(operator, pick["unit_id"])["status"] == "assigned"
    case = act(operator, case, "en_route")
    assert unit(operator, pick["unit_id"])["status"] == "en_route"
    case = act(operator, case, "arrive")
    case = act(operator, case, "resolve", note="关闭阀门，水务抢修完毕")
    assert unit(operator, pick["unit_id"])["status"] == "available"
    case = act(operator, case, "close")
    history = operator.get(f"/api/v1/incidents/{case['id']}/history").json()
    assert [h["action"] for h in history] == ["acknowledge", "dispatch", "en_route", "arrive", "resolve", "close"]
    assert history[0]["actor"] == "operator:op" and history[0]["note"] == "已接警"
    assert history[4]["from_status"] == "on_scene" and history[4]["to_status"] == "resolved"
    assert {c["kind"]: c["state"] for c in case["sla"]}["acknowledge"] == "met"


def test_an_illegal_step_gets_409_with_the_current_state_and_what_is_allowed(operator: TestClient) -> None:
    case = new_case(operator)
    r = operator.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "close", "version": case["version"]})
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["current"]["status"] == "received"
    assert {"acknowledge", "dispatch", "escalate", "cancel"} <= set(error["allowed"])


def test_two_operators_acting_at_once_one_wins_the_other_gets_409(operator: TestClient) -> None:
    case = new_case(operator)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def acknowledge() -> None:
        barrier.wait()
        results.append(operator.post(f"/api/v1/incidents/{case['id']}/actions",
                                     json={"action": "acknowledge", "version": case["version"]}).status_code)

    threads = [threading.Thread(target=acknowledge) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    assert len(operator.get(f"/api/v1/incidents/{case['id']}/history").json()) == 1


def test_a_stale_version_is_refused_even_for_a_legal_action(operator: TestClient) -> None:
    case = new_case(operator)
    act(operator, case, "escalate", note="需要执法")
    r = operator.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "acknowledge", "version": 1})
    assert r.status_code == 409 and r.json()["error"]["current"]["version"] == 2


def test_a_busy_unit_cannot_be_sent_to_a_second_case(operator: TestClient) -> None:
    first, second = new_case(operator, alarm_no="J-A"), new_case(operator, alarm_no="J-B", lon=120.16)
    pick = first_recommended(operator, first)
    act(operator, first, "dispatch", unit_id=pick["unit_id"])
    r = operator.post(f"/api/v1/incidents/{second['id']}/actions",
                      json={"action": "dispatch", "version": second["version"], "unit_id": pick["unit_id"]})
    assert r.status_code == 409 and r.json()["error"]["current"]["unit_case"] == first["id"]
    assert pick["unit_id"] not in [u["unit_id"] for u in
                                   operator.get(f"/api/v1/incidents/{second['id']}/recommendations").json()["units"]]


def test_reassigning_frees_the_first_unit(operator: TestClient) -> None:
    case = new_case(operator)
    units = operator.get(f"/api/v1/incidents/{case['id']}/recommendations").json()["units"]
    case = act(operator, case, "dispatch", unit_id=units[0]["unit_id"])
    case = act(operator, case, "reassign", unit_id=units[1]["unit_id"], note="一号车故障")
    assert case["assigned_unit"] == units[1]["unit_id"]
    assert unit(operator, units[0]["unit_id"])["status"] == "available"
    assert unit(operator, units[1]["unit_id"])["status"] == "assigned"


def test_escalating_to_law_enforcement_starts_its_clock_and_sending_a_team_meets_it(operator: TestClient) -> None:
    case = new_case(operator, alarm_type="FJW-JT-TC")
    case = act(operator, case, "escalate", note="车主拒不挪车")
    assert "law_enforcement" in {c["kind"] for c in case["sla"]}
    recs = operator.get(f"/api/v1/incidents/{case['id']}/recommendations").json()["units"]
    assert recs[0]["unit_type"] == "law_enforcement"
    case = act(operator, case, "dispatch", unit_id=recs[0]["unit_id"])
    assert {c["kind"]: c["state"] for c in case["sla"]}["law_enforcement"] == "met"


def test_whistled_departments_each_report_in(operator: TestClient) -> None:
    case = new_case(operator)
    case = act(operator, case, "whistle", departments=["水务", "城管"], note="吹哨报到")
    assert set(case["departments"]) == {"水务", "城管"}
    case = act(operator, case, "department_acknowledge", department="水务")
    assert case["departments"]["水务"]["acknowledged_at"] and case["departments"]["城管"]["acknowledged_at"] is None
    r = operator.post(f"/api/v1/incidents/{case['id']}/actions",
                      json={"action": "whistle", "version": case["version"], "departments": ["不存在的部门"]})
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "departments"


def test_mediation_referral_runs_a_24_hour_follow_up_clock(operator: TestClient) -> None:
    case = new_case(operator, alarm_type="FJW-JF-LL")
    clocks = {c["kind"]: c for c in case["sla"]}
    deadline = datetime.fromisoformat(clocks["mediation"]["deadline"])
    assert deadline - datetime.fromisoformat(case["received_at"]) == timedelta(hours=24)
    case = act(operator, case, "refer_mediation")
    case = act(operator, case, "mediation_follow_up", note="双方达成协议")
    assert {c["kind"]: c["state"] for c in case["sla"]}["mediation"] == "met"


def test_marking_a_duplicate_and_cancelling_free_the_unit(operator: TestClient) -> None:
    original, copy = new_case(operator, alarm_no="J-O"), new_case(operator, alarm_no="J-C", alarm_type="FJW-ZS")
    pick = first_recommended(operator, copy)
    copy = act(operator, copy, "dispatch", unit_id=pick["unit_id"])
    copy = act(operator, copy, "mark_duplicate", duplicate_of=original["id"])
    assert copy["status"] == "duplicate" and copy["duplicate_of"] == original["id"]
    assert unit(operator, pick["unit_id"])["status"] == "available"
    assert act(operator, original, "cancel", note="报警人撤销")["status"] == "cancelled"


def test_a_dispatched_unit_reaching_the_case_is_put_on_scene_by_gps(operator: TestClient, keys: Keys) -> None:
    case = new_case(operator)
    pick = first_recommended(operator, case)
    case = act(operator, case, "dispatch", unit_id=pick["unit_id"])
    device = unit(operator, pick["unit_id"])["device_id"]
    far = operator.get(f"/osmand?id={device}&lat={case['lat'] + 0.002}&lon={case['lon']}")
    assert far.status_code == 200
    assert operator.get(f"/api/v1/incidents/{case['id']}").json()["status"] == "dispatched"
    operator.get(f"/osmand?id={device}&lat={case['lat'] + 0.0002}&lon={case['lon']}")  # ~22 m away
    case = operator.get(f"/api/v1/incidents/{case['id']}").json()
    assert case["status"] == "on_scene"
    last = operator.get(f"/api/v1/incidents/{case['id']}/history").json()[-1]
    assert last["actor"].startswith("gps:") and "confirmed by GPS" in last["note"]
    assert {c["kind"]: c["state"] for c in case["sla"]}["on_scene"] == "met"


def test_actions_need_an_operator_key(client: TestClient, keys: Keys) -> None:
    case = client.post("/api/v1/channels/police110", json=payloads.police110(120.15, 30.16),
                       headers=keys.auth(keys.operator)).json()["incident"]
    r = client.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "acknowledge", "version": 1},
                    headers=keys.auth(keys.viewer))
    assert r.status_code == 403


@pytest.mark.parametrize("body,field", [({"action": "teleport", "version": 1}, "action"),
                                        ({"action": "dispatch", "version": 1}, "unit_id"),
                                        ({"action": "acknowledge"}, "version")])
def test_a_malformed_action_names_the_field(operator: TestClient, body: dict, field: str) -> None:  # type: ignore[type-arg]
    case = new_case(operator)
    r = operator.post(f"/api/v1/incidents/{case['id']}/actions", json=body)
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == field

