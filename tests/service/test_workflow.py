"""The digital city management workflow (数字城管) end to end through the API, over a real database file:
collection -> filing -> dispatch (whistle) -> handling -> feedback -> verification and closing, and the
send-back, return and reopen paths; 110 transfers go straight to dispatch as before."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from service.context import ServiceContext
from service.demo.street import DemoStreet
from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.errors import Conflict
from service.domain.lifecycle import Action, ActionRequest, CaseState, CaseStatus, plan
from tests.service import payloads
from tests.service.conftest import Keys
from tests.service.workflow_helpers import LAT, LON, act, citymgmt_case, department_key, photo


@pytest.fixture
def op(keys: Keys) -> dict[str, str]:
    return keys.auth(keys.operator)


@pytest.fixture
def chengguan(ctx: ServiceContext, demo: DemoStreet) -> tuple[str, dict[str, str]]:
    """The department a storm-drain cover (C0103) goes to, as the demo street lists it, with its key."""
    code = "城管"
    assert code in demo.departments
    return code, department_key(ctx, code)


def clocks_of(case: dict[str, Any]) -> dict[str, str]:
    return {c["kind"]: c["state"] for c in case["sla"]}


def test_a_citymgmt_case_goes_through_all_seven_steps_to_closing(
        client: TestClient, op: dict[str, str], chengguan: tuple[str, dict[str, str]], data_dir: Path) -> None:
    dept, dept_key = chengguan
    # 1. information collection: the collector's report arrives through the 数字城管 channel
    case = citymgmt_case(client, op["Authorization"][7:])
    assert case["status"] == "received" and clocks_of(case)["filing"] == "running"
    # not dispatchable before filing; the refusal says what is allowed
    r = client.post(f"/api/v1/incidents/{case['id']}/actions",
                    json={"action": "whistle", "version": case["version"], "departments": [dept]}, headers=op)
    assert r.status_code == 409 and "file" in r.json()["error"]["allowed"]
    assert "whistle" not in r.json()["error"]["allowed"]
    # 2. filing (立案)
    case = act(client, op, case, "file", note="属实，立案")
    assert case["status"] == "filed" and clocks_of(case)["filing"] == "met"
    assert clocks_of(case)["dispatch"] == "running"
    # 3. dispatch: the department is whistled in; its inbox has the case
    case = act(client, op, case, "whistle", departments=[dept])
    assert clocks_of(case)["dispatch"] == "met" and clocks_of(case)["handling"] == "running"
    inbox = client.get("/api/v1/department/cases", headers=dept_key).json()
    assert inbox["department"] == dept and [c["id"] for c in inbox["items"]] == [case["id"]]
    # 4. handling: the department accepts (报到)
    r = client.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]},
                    headers=dept_key)
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["departments"][dept]["acknowledged_at"]
    # 5. handler feedback with a photo and a note
    r = client.post(f"/api/v1/department/cases/{case['id']}/feedback", headers=dept_key,
                    data={"version": str(case["version"]), "note": "井盖已更换"},
                    files=[("photos", ("after.jpg", photo("JPEG", (1600, 1200)), "image/jpeg"))])
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "resolved" and clocks_of(case)["handling"] == "met"
    assert clocks_of(case)["verification"] == "running"
    photos = client.get(f"/api/v1/incidents/{case['id']}/photos", headers=op).json()
    assert len(photos) == 1 and photos[0]["department"] == dept and photos[0]["width"] == 1600
    thumb = client.get(photos[0]["thumbnail_url"], headers=op)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    assert len(list((data_dir / "photos").iterdir())) == 2  # the photo and its thumbnail, in the data folder
    # closing without verification is refused: a filed case is closed by its verification
    r = client.post(f"/api/v1/incidents/{case['id']}/actions", json={"action": "close", "version": case["version"]},
                    headers=op)
    assert r.status_code == 409 and "verify" in r.json()["error"]["message"]
    # 6. verification and closing, by someone other than the handler, with a photo
    r = client.post(f"/api/v1/incidents/{case['id']}/verification", headers=op,
                    data={"version": str(case["version"]), "outcome": "pass", "note": "现场核查通过"},
                    files=[("photos", ("check.png", photo(), "image/png"))])
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "closed"
    assert {k: v for k, v in clocks_of(case).items() if k in ("filing", "dispatch", "handling", "verification")} == {
        "filing": "met", "dispatch": "met", "handling": "met", "verification": "met"}
    history = client.get(f"/api/v1/incidents/{case['id']}/history", headers=op).json()
    assert [h["action"] for h in history] == ["file", "whistle", "department_acknowledge", "feedback", "verify"]
    assert history[3]["actor"].startswith("department:") and history[4]["details"]["outcome"] == "pass"
    assert len(client.get(f"/api/v1/incidents/{case['id']}/photos", headers=op).json()) == 2


def test_a_110_transfer_goes_straight_to_dispatch_without_filing(client: TestClient, op: dict[str, str]) -> None:
    r = client.post("/api/v1/channels/police110", json=payloads.police110(LON, LAT), headers=op)
    case = r.json()["incident"]
    unit_id = client.get(f"/api/v1/incidents/{case['id']}/recommendations", headers=op).json()["units"][0]["unit_id"]
    case = act(client, op, case, "dispatch", unit_id=unit_id)
    assert case["status"] == "dispatched" and "filing" not in clocks_of(case)
    case = act(client, op, case, "resolve")
    assert act(client, op, case, "close")["status"] == "closed"  # no verification step for a 110 transfer


def test_a_report_rejected_at_filing_needs_a_known_reason_and_ends_the_case(
        client: TestClient, op: dict[str, str]) -> None:
    case = citymgmt_case(client, op["Authorization"][7:])
    error = act(client, op, case, "reject", status=422)["error"]
    assert error["problems"][0]["field"] == "reason" and "not_in_scope" in error["problems"][0]["reason"]
    case = act(client, op, case, "reject", reason="not_verifiable", note="现场未发现")
    assert case["status"] == "rejected" and clocks_of(case)["filing"] == "met"
    assert act(client, op, case, "file", status=409)["error"]["allowed"] == []


def test_a_failed_verification_returns_the_case_to_the_department_which_reworks_it(
        client: TestClient, op: dict[str, str], chengguan: tuple[str, dict[str, str]]) -> None:
    dept, dept_key = chengguan
    case = act(client, op, act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file"),
               "whistle", departments=[dept])
    case = client.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]},
                       headers=dept_key).json()
    case = client.post(f"/api/v1/department/cases/{case['id']}/feedback", headers=dept_key,
                       data={"version": str(case["version"]), "note": "已处理"}).json()
    assert case["status"] == "resolved"
    # a fail without a reason is refused, naming the field
    error = act(client, op, case, "verify", outcome="fail", status=422)["error"]
    assert error["problems"][0]["field"] == "reason"
    case = act(client, op, case, "verify", outcome="fail", reason="井盖仍松动")
    assert case["status"] == "returned" and clocks_of(case)["handling"] == "running"
    assert "feedback_at" not in case["departments"][dept]
    mine = client.get(f"/api/v1/department/cases/{case['id']}", headers=dept_key).json()
    assert mine["history"][-1]["details"]["reason"] == "井盖仍松动"
    case = client.post(f"/api/v1/department/cases/{case['id']}/feedback", headers=dept_key,
                       data={"version": str(case["version"]), "note": "重新加固"}).json()
    assert case["status"] == "resolved"
    assert act(client, op, case, "verify", outcome="pass")["status"] == "closed"


def test_the_handler_cannot_verify_its_own_feedback(client: TestClient, op: dict[str, str], keys: Keys,
                                                   ctx: ServiceContext) -> None:
    case = act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file")
    r = client.post(f"/api/v1/incidents/{case['id']}/feedback", headers=op,
                    data={"version": str(case["version"]), "note": "网格员已清理"})
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "resolved"
    r = client.post(f"/api/v1/incidents/{case['id']}/verification", headers=op,
                    data={"version": str(case["version"]), "outcome": "pass"})
    assert r.status_code == 409 and "handler" in r.json()["error"]["message"]
    supervisor = keys.auth(ctx.create_key(name="supervisor", role=Role.OPERATOR))
    assert act(client, supervisor, case, "verify", outcome="pass")["status"] == "closed"


def test_a_department_sends_a_case_that_is_not_its_own_back_with_the_reason(
        client: TestClient, op: dict[str, str], chengguan: tuple[str, dict[str, str]]) -> None:
    dept, dept_key = chengguan
    case = act(client, op, act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file"),
               "whistle", departments=[dept])
    r = client.post(f"/api/v1/department/cases/{case['id']}/send_back", json={"version": case["version"], "reason": ""},
                    headers=dept_key)
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "reason"
    r = client.post(f"/api/v1/department/cases/{case['id']}/send_back",
                    json={"version": case["version"], "reason": "属水务管辖"}, headers=dept_key)
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["departments"][dept]["sent_back_reason"] == "属水务管辖" and case["status"] == "filed"
    # sent back: it can no longer act on it, and the center whistles in the right department
    r = client.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]},
                    headers=dept_key)
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "department"
    case = act(client, op, case, "whistle", departments=["水务"])
    assert set(case["departments"]) == {dept, "水务"}


def test_a_department_asks_for_more_time_and_its_handling_deadline_moves(
        client: TestClient, op: dict[str, str], chengguan: tuple[str, dict[str, str]]) -> None:
    dept, dept_key = chengguan
    case = act(client, op, act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file"),
               "whistle", departments=[dept])
    before = next(c for c in case["sla"] if c["kind"] == "handling")["deadline"]
    r = client.post(f"/api/v1/department/cases/{case['id']}/more_time",
                    json={"version": case["version"], "minutes": 0, "reason": "需采购配件"}, headers=dept_key)
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "minutes"
    r = client.post(f"/api/v1/department/cases/{case['id']}/more_time",
                    json={"version": case["version"], "minutes": 120, "reason": "需采购配件"}, headers=dept_key)
    assert r.status_code == 200, r.text
    after = next(c for c in r.json()["sla"] if c["kind"] == "handling")["deadline"]
    assert datetime.fromisoformat(after) - datetime.fromisoformat(before) == timedelta(minutes=120)


def test_the_reporter_reopens_a_closed_open311_case_and_it_returns_to_its_handler(
        client: TestClient, op: dict[str, str], keys: Keys) -> None:
    feed = keys.feeds[Channel.OPEN311]
    form = {"service_code": "E0102", "lat": "30.1601", "long": "120.1420", "description": "垃圾桶满溢", "api_key": feed}
    case_id = int(client.post("/open311/v2/requests.json", data=form).json()[0]["service_request_id"])
    case = client.get(f"/api/v1/incidents/{case_id}", headers=op).json()
    case = act(client, op, act(client, op, act(client, op, case, "acknowledge"), "resolve"), "close")
    # another channel's feed key does not see it; the case's own feed reopens it
    r = client.post(f"/api/v1/incidents/{case_id}/reopen", json={"reason": "又满了"},
                    headers=keys.auth(keys.feeds[Channel.POLICE_110]))
    assert r.status_code == 404
    assert client.post(f"/api/v1/incidents/{case_id}/reopen", json={"reason": "又满了"},
                       headers=keys.auth(keys.viewer)).status_code == 403
    r = client.post(f"/api/v1/incidents/{case_id}/reopen", json={"reason": "又满了"}, headers=keys.auth(feed))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "returned" and r.json()["milestones"]["reopened"]
    history = client.get(f"/api/v1/incidents/{case_id}/history", headers=op).json()
    assert history[-1]["action"] == "reopen" and history[-1]["actor"].startswith("feed:")


def test_reopening_is_refused_after_the_window_and_allowed_at_its_end() -> None:
    closed_at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    state = CaseState(CaseStatus.CLOSED, 5, None, {"closed": closed_at.isoformat()}, {})
    request = ActionRequest(action=Action.REOPEN, actor="feed:open311", version=5, reason="又坏了")
    window = timedelta(days=30)
    assert plan(state, request, now=closed_at + window, reopen_window=window).status is CaseStatus.RETURNED
    with pytest.raises(Conflict):
        plan(state, request, now=closed_at + window + timedelta(seconds=1), reopen_window=window)


@pytest.mark.parametrize(("upload", "reason"), [
    (("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024), "image/png"), "the limit is"),
    (("notes.txt", b"just some text", "image/jpeg"), "not a readable"),
    (("anim.gif", photo("GIF"), "image/gif"), "send JPEG, PNG or WebP"),
])
def test_a_photo_too_large_or_not_an_image_is_refused_naming_the_field(
        client: TestClient, op: dict[str, str], upload: tuple[str, bytes, str], reason: str, data_dir: Path) -> None:
    case = act(client, op, citymgmt_case(client, op["Authorization"][7:]), "file")
    r = client.post(f"/api/v1/incidents/{case['id']}/feedback", headers=op,
                    data={"version": str(case["version"]), "note": "x"}, files=[("photos", upload)])
    assert r.status_code == 422, r.text
    problem = r.json()["error"]["problems"][0]
    assert problem["field"] == "photos[0]" and reason in problem["reason"]
    assert client.get(f"/api/v1/incidents/{case['id']}", headers=op).json()["status"] == "filed"
    assert not (data_dir / "photos").exists() or not list((data_dir / "photos").iterdir())


def test_which_channels_and_categories_need_filing_is_configuration(tmp_path: Path, data_dir: Path) -> None:
    from service.app import create_app
    from service.settings import Settings

    settings = Settings(data_dir=data_dir, filing_channels=[], filing_categories=["L0301"])
    context = ServiceContext(settings)
    try:
        headers = {"Authorization": f"Bearer {context.create_key(name='op', role=Role.OPERATOR)}"}
        with TestClient(create_app(settings, context=context, watch=False)) as c:
            citymgmt = citymgmt_case(c, headers["Authorization"][7:])
            assert "filing" not in clocks_of(citymgmt)  # 数字城管 no longer filed here
            help_case = c.post("/api/v1/channels/police110", headers=headers, json=payloads.police110(
                LON, LAT, alarm_no="J-WF-HELP", alarm_type="FJW-QZ-ZS")).json()["incident"]
            assert help_case["category"] == "L0301" and clocks_of(help_case)["filing"] == "running"
            assert act(c, headers, help_case, "dispatch", status=409, unit_id=1)["error"]["allowed"] == [
                "acknowledge", "cancel", "mark_duplicate", "file", "reject"]
    finally:
        context.close()


def _close_via_verification(client: TestClient, op: dict[str, str], dept_key: dict[str, str], case: dict[str, Any],
                            dept: str) -> dict[str, Any]:
    case = act(client, op, act(client, op, case, "file"), "whistle", departments=[dept])
    case = client.post(f"/api/v1/department/cases/{case['id']}/accept", json={"version": case["version"]},
                       headers=dept_key).json()
    case = client.post(f"/api/v1/department/cases/{case['id']}/feedback", headers=dept_key,
                       data={"version": str(case["version"]), "note": "已处理"}).json()
    return act(client, op, case, "verify", outcome="pass")


def test_a_repeat_complaint_days_later_reopens_the_closed_case_and_is_merged_into_it(
        client: TestClient, op: dict[str, str], chengguan: tuple[str, dict[str, str]]) -> None:
    dept, dept_key = chengguan
    first = client.post("/api/v1/channels/citymgmt", headers=op, json=payloads.citymgmt(
        LON, LAT, case_no="SZCG-RP-1", reported_at=payloads.now_local(minutes_ago=3 * 60))).json()["incident"]
    closed = _close_via_verification(client, op, dept_key, first, dept)
    assert closed["status"] == "closed"
    # hours later (past the duplicate window), the same cover at the same place is reported again
    again = citymgmt_case(client, op["Authorization"][7:], "SZCG-RP-2")
    # not a duplicate by time (intake left it alone): merged as a repeat complaint, already in the answer
    assert again["duplicate_of"] == first["id"] and again["status"] == "duplicate"
    assert [(h["action"], h["actor"]) for h in client.get(f"/api/v1/incidents/{again['id']}/history",
                                                          headers=op).json()] == [
        ("mark_duplicate", "system:repeat_complaint")]
    reopened = client.get(f"/api/v1/incidents/{first['id']}", headers=op).json()
    assert reopened["status"] == "returned" and reopened["milestones"]["reopened"]
    merged = client.get(f"/api/v1/incidents/{again['id']}", headers=op).json()
    assert merged["status"] == "duplicate" and merged["duplicate_of"] == first["id"]
    history = client.get(f"/api/v1/incidents/{first['id']}/history", headers=op).json()
    assert history[-1]["action"] == "reopen" and history[-1]["actor"] == "system:repeat_complaint"
    # back with its department, which feeds back again
    assert first["id"] in [c["id"] for c in client.get("/api/v1/department/cases", headers=dept_key).json()["items"]]


def test_a_report_elsewhere_or_of_another_category_reopens_nothing(
        client: TestClient, op: dict[str, str], chengguan: tuple[str, dict[str, str]]) -> None:
    dept, dept_key = chengguan
    first = client.post("/api/v1/channels/citymgmt", headers=op, json=payloads.citymgmt(
        LON, LAT, case_no="SZCG-RP-3", reported_at=payloads.now_local(minutes_ago=3 * 60))).json()["incident"]
    _close_via_verification(client, op, dept_key, first, dept)
    citymgmt_case(client, op["Authorization"][7:], "SZCG-RP-4", place=1)  # ~300 m away
    other = client.post("/api/v1/channels/citymgmt", headers=op, json=payloads.citymgmt(
        LON, LAT, case_no="SZCG-RP-5", minor_code="17", component_id="3301080117000001")).json()["incident"]
    assert other["category"] == "C0117"  # a street light at the same place
    assert client.get(f"/api/v1/incidents/{first['id']}", headers=op).json()["status"] == "closed"


def test_stage_clocks_warn_and_breach_on_the_stream_and_a_breach_is_notified_to_the_center(
        settings: Any) -> None:
    """Filing within 10 minutes, dispatch within 30 of filing: the watch announces each stage's breach."""
    from sqlalchemy import select

    from service.domain.catalog import Channel as Ch
    from service.domain.clock import ManualClock
    from service.domain.incident import IncidentDraft
    from service.store.models import EventRow, NotificationRow

    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    ctx = ServiceContext(settings, clock=clock)
    try:
        draft = IncidentDraft(Ch.CITY_MANAGEMENT, "SZCG-SLA-1", clock.now(), "C0103", "雨水井盖破损", LON, LAT)
        case_id = ctx.intake.ingest([draft])[0].id
        assert case_id is not None

        def announced() -> list[tuple[str, str]]:
            with ctx.db.read() as session:
                return [(r.kind, r.payload["clock"]) for r in session.scalars(
                    select(EventRow).where(EventRow.kind.like("sla.%")).order_by(EventRow.id))
                    if r.payload["clock"] in ("filing", "dispatch", "handling", "verification")]

        clock.advance(timedelta(minutes=8, seconds=1))
        ctx.dispatch.watch()
        assert announced() == [("sla.warning", "filing")]
        clock.advance(timedelta(minutes=2))
        ctx.dispatch.watch()
        assert announced()[-1] == ("sla.breached", "filing")
        version = ctx.dispatch.lifecycle.act(case_id, ActionRequest(Action.FILE, "operator:op", 1))["version"]
        assert version == 2
        clock.advance(timedelta(minutes=25))  # 80 % of 30
        ctx.dispatch.watch()
        clock.advance(timedelta(minutes=6))
        ctx.dispatch.watch()
        assert announced()[-2:] == [("sla.warning", "dispatch"), ("sla.breached", "dispatch")]
        ctx.notifier.run_once()
        with ctx.db.read() as session:
            breaches = [(n.kind, n.recipient, n.status, n.text) for n in session.scalars(select(NotificationRow))]
        # every breach (the response clocks' too) is told to the center; no webhook is set here, so recorded only
        assert {b[:3] for b in breaches} == {("breached", "center", "no_route")}
        assert sum(" filing " in b[3] for b in breaches) == sum(" dispatch " in b[3] for b in breaches) == 1
    finally:
        ctx.close()


def test_the_plugin_counts_the_same_statuses_as_open_as_the_service() -> None:
    """A filed or returned case stays on the operator's map and queue (the plugin keeps its own copy)."""
    from plugin.core.definitions import OPEN_STATUSES as PLUGIN_OPEN
    from service.domain.lifecycle import OPEN_STATUSES

    assert set(PLUGIN_OPEN) == {s.value for s in OPEN_STATUSES}
