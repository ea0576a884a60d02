"""The center's targets as clocks that warn and breach on the stream, and the right unit ranked first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.app import create_app
from service.context import ServiceContext
from service.domain.catalog import Channel
from service.domain.clock import ManualClock
from service.domain.incident import IncidentDraft
from service.domain.recommend import Fleet, UnitPosition, rank
from service.domain.sla import ClockKind, SlaPolicy
from service.domain.units import UnitStatus, UnitType
from service.settings import Settings
from service.store.models import EventRow
from tests.service.conftest import Keys

T0 = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def timed(settings: Settings, clock: ManualClock) -> Iterator[ServiceContext]:
    ctx = ServiceContext(settings.model_copy(update={"sla_overrides": {"p4": {"on_scene": 120}}}), clock=clock)
    yield ctx
    ctx.close()


def report(ctx: ServiceContext, category: str = "E0402", external_id: str = "T-1") -> int:
    draft = IncidentDraft(Channel.OPERATOR, external_id, ctx.clock.now(), category, "自来水管破裂",
                          120.1502, 30.1655)
    outcome = ctx.intake.ingest([draft])[0]
    assert outcome.id is not None
    return outcome.id


def sla_events(ctx: ServiceContext) -> list[tuple[str, str]]:
    with ctx.db.read() as session:
        rows = session.scalars(select(EventRow).where(EventRow.kind.like("sla.%")).order_by(EventRow.id))
        return [(r.kind, r.payload["clock"]) for r in rows]


def test_the_one_minute_acknowledge_clock_warns_at_80_percent_then_breaches(timed: ServiceContext,
                                                                           clock: ManualClock) -> None:
    report(timed)
    clock.advance(timedelta(seconds=47))
    timed.dispatch.watch()
    assert sla_events(timed) == []
    clock.advance(timedelta(seconds=2))  # 49 s: past 48 s
    timed.dispatch.watch()
    timed.dispatch.watch()  # a warning is sent once
    assert sla_events(timed) == [("sla.warning", "acknowledge")]
    clock.advance(timedelta(seconds=12))
    timed.dispatch.watch()
    assert sla_events(timed)[-1] == ("sla.breached", "acknowledge")


def test_on_scene_clock_breaches_after_ten_minutes_unless_a_team_arrives(timed: ServiceContext,
                                                                         clock: ManualClock) -> None:
    from service.domain.lifecycle import Action, ActionRequest
    late, on_time = report(timed, external_id="late"), report(timed, external_id="ok", category="E0403")
    unit = timed.dispatch.fleet.units[0].unit_id
    record = timed.dispatch.act(on_time, ActionRequest(Action.DISPATCH, "op", 1, unit_id=unit))
    clock.advance(timedelta(minutes=4))
    timed.dispatch.act(on_time, ActionRequest(Action.ARRIVE, "op", record["version"]))
    clock.advance(timedelta(minutes=7))
    timed.dispatch.watch()
    breached = [(k, c) for k, c in sla_events(timed) if k == "sla.breached"]
    assert ("sla.breached", "on_scene") in breached
    with timed.db.read() as session:
        on_scene_events = [r.payload["incident_id"] for r in session.scalars(select(EventRow))
                           if r.kind == "sla.breached" and r.payload["clock"] == "on_scene"]
    assert on_scene_events == [late]


def test_every_case_shows_its_deadlines_and_time_to_breach(timed: ServiceContext, clock: ManualClock,
                                                           keys: Keys) -> None:
    case_id = report(timed)
    clock.advance(timedelta(seconds=20))
    with TestClient(create_app(timed.settings, context=timed, watch=False)) as client:
        case = client.get(f"/api/v1/incidents/{case_id}", headers=keys.auth(keys.viewer)).json()
    clocks = {c["kind"]: c for c in case["sla"]}
    assert clocks["acknowledge"]["seconds_to_breach"] == pytest.approx(40)
    assert clocks["on_scene"]["seconds_to_breach"] == pytest.approx(580)
    assert case["seconds_to_breach"] == pytest.approx(40)


def test_targets_are_configurable_per_priority_and_category() -> None:
    policy = SlaPolicy.from_minutes({"p4": {"on_scene": 120}, "E0102": {"on_scene": 60}})
    assert policy.target(ClockKind.ON_SCENE, category="E0104", priority=4) == timedelta(minutes=120)
    assert policy.target(ClockKind.ON_SCENE, category="E0102", priority=4) == timedelta(minutes=60)
    assert policy.target(ClockKind.ON_SCENE, category="E0402", priority=2) == timedelta(minutes=10)


def fleet() -> Fleet:
    def u(i: int, t: UnitType, lon: float, grid: str | None = None, status: UnitStatus = UnitStatus.AVAILABLE,
          stale: bool = False) -> UnitPosition:
        return UnitPosition(i, f"U{i}", t, status, lon, 30.16, grid, stale)
    return Fleet([u(1, UnitType.PATROL, 120.1600), u(2, UnitType.PATROL, 120.1520),
                  u(3, UnitType.GRID_WORKER, 120.1505), u(4, UnitType.GRID_WORKER, 120.1520, grid="G1"),
                  u(5, UnitType.PATROL, 120.1501, status=UnitStatus.EN_ROUTE),
                  u(6, UnitType.PATROL, 120.1502, stale=True)])


def test_the_nearest_unit_of_the_right_type_ranks_first_with_its_reasons() -> None:
    ranked = rank(fleet(), lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid=None)
    assert [r.unit_id for r in ranked][:2] == [2, 1]  # busy (5) and stale (6) units are not offered
    assert 5 not in [r.unit_id for r in ranked] and 6 not in [r.unit_id for r in ranked]
    assert any("right team" in reason for reason in ranked[0].reasons)
    assert ranked[0].eta_s < ranked[1].eta_s


def test_the_cases_own_grid_worker_gets_a_head_start() -> None:
    ranked = rank(fleet(), lon=120.15, lat=30.16, needed=UnitType.GRID_WORKER, case_grid="G1")
    assert ranked[0].unit_id == 4 and any("own grid" in reason for reason in ranked[0].reasons)


def test_recommendation_on_the_demo_street_prefers_patrol_for_a_burst_main(ctx: ServiceContext) -> None:
    case_id = report(ctx)
    from service.store import incidents as incident_store
    with ctx.db.read() as session:
        row = incident_store.get(session=session, incident_id=case_id)
        assert row is not None
        ranked = ctx.dispatch.recommend(row)
    assert ranked[0].unit_type == "patrol" and len(ranked) == 10
    assert [r.rank for r in ranked] == list(range(1, 11))


def test_coverage_shows_micro_grids_out_of_reach_when_units_go_off_duty(operator: TestClient, ctx: ServiceContext) -> None:
    # The same limit before and after: only the units going off duty can make a difference.
    before = operator.get("/api/v1/coverage/reachability", params={"minutes": 3}).json()
    assert before["micro_grids"] == 928 and len(before["unreachable"]) < 928
    for unit in operator.get("/api/v1/units", params={"status": "available"}).json()[:250]:
        r = operator.post(f"/api/v1/units/{unit['id']}/status", json={"status": "off_duty", "version": unit["version"]})
        assert r.status_code == 200
    after = operator.get("/api/v1/coverage/reachability", params={"minutes": 3}).json()
    assert len(after["unreachable"]) > len(before["unreachable"])
    assert {u["code"] for u in before["unreachable"]} <= {u["code"] for u in after["unreachable"]}  # none got nearer


def test_a_grid_workers_day_shows_which_micro_grids_were_walked(operator: TestClient, keys: Keys,
                                                               ctx: ServiceContext) -> None:
    worker = next(u for u in operator.get("/api/v1/units", params={"unit_type": "grid_worker"}).json())
    micro = operator.get("/ogcapi/collections/micro_grids/items", params={"limit": 1000}).json()["features"]
    own = [f for f in micro if f["properties"]["parent_code"] == worker["home_grid"]]
    import shapely
    first = shapely.geometry.shape(own[0]["geometry"]).representative_point()
    now = datetime.now(UTC) - timedelta(seconds=30)
    r = operator.post("/api/v1/positions/batch", json={"items": [
        {"device_id": worker["device_id"], "time": now.isoformat(), "lon": first.x, "lat": first.y}]})
    assert r.status_code == 200
    from zoneinfo import ZoneInfo
    day = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    report_ = operator.get("/api/v1/coverage/patrol", params={"day": day.isoformat(), "grid": worker["home_grid"]}).json()
    mine = next(w for w in report_["workers"] if w["unit_id"] == worker["id"])
    assert mine["visited"] == [own[0]["properties"]["code"]]
    assert set(mine["not_visited"]) == {f["properties"]["code"] for f in own[1:]}

