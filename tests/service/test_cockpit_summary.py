"""What the leaders' wall counts: the domain's rules in milliseconds, and the summary over a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.domain import cockpit as board
from service.domain.access import Role
from service.domain.catalog import Channel
from service.domain.cockpit import CaseFacts, UnitFacts
from service.domain.incident import IncidentDraft
from service.domain.sla import SlaPolicy
from service.domain.surge import SurgeDimension, detect, threshold
from service.settings import Settings
from tests.support import cockpit_seed as seed

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in the street


def _case(i: int, *, minutes: float = 0, status: str = "received", category: str = "E0102", community: str = "c1",
          milestones: dict[str, str] | None = None, repeat: int = 0) -> CaseFacts:
    at = T0 + timedelta(minutes=minutes)
    return CaseFacts(i, "open311", category, status, 3, community, f"{community}-m{i % 3}", 120.1, 30.1, at, at,
                     repeat_count=repeat, milestones=milestones or {})


def test_a_category_surges_only_well_above_its_usual_hour_and_never_on_two_cases() -> None:
    quiet = [{"E0102": 1}, {"E0102": 0}, {"E0102": 2}, {}]  # usual 0.75 an hour
    assert threshold(0.75) == 3.75 and threshold(0.0) == 3.0  # mean + 3 sqrt(max(mean, 1)), never under 3
    assert detect(dimension=SurgeDimension.CATEGORY, current={"E0102": 2}, history=quiet) == []
    [surge] = detect(dimension=SurgeDimension.CATEGORY, current={"E0102": 5, "L0201": 1}, history=quiet)
    assert surge.key == "E0102" and surge.count == 5 and surge.usual == 0.75 and surge.ratio == 5.0
    busy = [{"E0102": 20}] * 7  # a street where 20 an hour is normal: 25 is no surge, 40 is
    assert detect(dimension=SurgeDimension.CATEGORY, current={"E0102": 25}, history=busy) == []
    assert detect(dimension=SurgeDimension.CATEGORY, current={"E0102": 40}, history=busy)[0].threshold > 33


def test_handled_rate_sla_per_stage_and_breached_cases_are_counted_from_milestones() -> None:
    ack_in_time = {"acknowledged": (T0 + timedelta(seconds=30)).isoformat()}
    ack_late = {"acknowledged": (T0 + timedelta(minutes=3)).isoformat()}
    cases = [_case(1, status="closed", milestones={**ack_in_time, "on_scene": (T0 + timedelta(minutes=8)).isoformat(),
                                                   "resolved": (T0 + timedelta(minutes=30)).isoformat()}),
             _case(2, status="acknowledged", milestones=ack_late), _case(3), _case(4, status="cancelled")]
    now = T0 + timedelta(minutes=20)
    tally = board.tally(cases)
    assert tally["total"] == 4 and tally["handled"] == 2 and tally["handled_rate"] == 0.5
    sla = board.sla_by_stage(cases, policy=SlaPolicy.default(), now=now)
    assert sla["acknowledge"] == {"met": 1, "met_late": 1, "breached": 1, "running": 0, "met_rate": round(1 / 3, 4)}
    assert sla["on_scene"]["met"] == 1 and sla["on_scene"]["breached"] == 2
    breached = board.breached(cases, policy=SlaPolicy.default(), now=now)
    assert {(b["id"], b["clock"]) for b in breached} == {(2, "acknowledge"), (3, "acknowledge"), (2, "on_scene"),
                                                          (3, "on_scene")}
    assert breached[0]["minutes_over"] >= breached[-1]["minutes_over"]


def test_repeat_places_units_and_periods_in_the_streets_calendar() -> None:
    cases = [_case(i, repeat=1 if i < 5 else 0, community="c2") for i in range(9)]
    places = board.repeat_places(cases)
    assert places[0]["cases"] >= places[-1]["cases"] and sum(p["cases"] for p in places) == 5
    units = [UnitFacts(1, "A1", "patrol", "available", 120.1, 30.1, False),
             UnitFacts(2, "A2", "patrol", "on_scene", 120.1, 30.1, False),
             UnitFacts(3, "G1", "grid_worker", "available", None, None, True),
             UnitFacts(4, "G2", "grid_worker", "off_duty", None, None, False)]
    board_units = board.unit_board(units)
    assert (board_units["on_duty"], board_units["available"]) == (2, 1)
    assert board_units["by_type"] == {"patrol": {"on_duty": 2, "available": 1}}
    day = board.today(datetime(2026, 11, 18, 17, 0, tzinfo=UTC))  # already the 19th in Shanghai
    assert day.label == "2026-11-19" and day.start == datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
    assert board.iso_week(2026, 47).start == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)


def test_the_summary_counts_a_new_report_and_flags_a_surge_against_four_quiet_weeks(data_dir: Path) -> None:
    now = datetime.now(UTC)
    clock = seed.SetClock(now)
    ctx = ServiceContext(Settings(data_dir=data_dir, sqlite_synchronous="NORMAL"), clock=clock)
    places = seed.micro_grid_points(ctx)
    code, lon, lat = places[100]
    # one rubbish report a day at this hour for four weeks, then seven in the last hour (spread out: no duplicates)
    history = [IncidentDraft(channel=Channel.HOTLINE_12345, external_id=f"h{d}", reported_at=now - timedelta(days=d, minutes=20),
                             category="E0102", description="暴露垃圾", x=lon, y=lat) for d in range(1, 29)]
    burst = [IncidentDraft(channel=Channel.OPEN311, external_id=f"b{i}", reported_at=now - timedelta(minutes=5 + i),
                           category="E0102", description="暴露垃圾", x=places[i * 40][1], y=places[i * 40][2])
             for i in range(7)]
    seed.ingest(ctx, history + burst)
    key = ctx.create_key(name="wall", role=Role.VIEWER)
    with TestClient(create_app(ctx.settings, context=ctx, watch=False)) as client:
        s = client.get("/api/v1/cockpit/summary", headers={"Authorization": f"Bearer {key}"}).json()
        surges = {(x["dimension"], x["key"]): x for x in s["surges"]}
        assert surges[("category", "E0102")]["count"] == 7 and surges[("category", "E0102")]["usual"] == 1.0
        today = s["today"]
        assert today["by_channel"]["open311"] >= 7 and today["by_category"]["E0102"] >= 7
        assert sum(today["density"].values()) == today["total"]
        names = client.get("/api/v1/cockpit/names", headers={"Authorization": f"Bearer {key}"}).json()
        assert names["micro_grids"][code] and all(c in names["communities"] for c in today["by_community"])
        assert client.get("/api/v1/cockpit/summary").status_code == 401
    ctx.close()
