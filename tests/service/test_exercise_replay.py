"""Exercise timing: the exercise clock, a recorded period replayed at its offsets, SLA breaches at scaled moments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.context import ServiceContext
from service.demo.street import DemoStreet
from service.domain.catalog import Channel
from service.domain.clock import ManualClock
from service.domain.incident import IncidentDraft
from service.domain.replay import Cue, CueKind, ExerciseClock, ReplayError, Timeline, steps_between
from service.domain.units import UnitStatus
from service.exercise import process
from service.exercise.errors import ScenarioProblem
from service.exercise.manager import ExerciseManager, ExerciseRequest
from service.exercise.manifest import ControlAction, ExerciseFolder
from service.flows.positions import FixDraft
from service.settings import Settings
from service.store import events as event_log

T0 = datetime(2026, 7, 14, 12, 0, tzinfo=UTC)


def test_trainer_pauses_resumes_and_seeks_the_exercise_clock() -> None:
    base = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    clock = ExerciseClock(T0, 600, base=base)
    base.advance(timedelta(seconds=5))
    assert clock.now() == T0, "a new exercise waits, paused, for the trainer"
    clock.resume()
    base.advance(timedelta(seconds=2))
    assert clock.now() == T0 + timedelta(minutes=20)
    clock.pause()
    base.advance(timedelta(seconds=30))
    assert clock.now() == T0 + timedelta(minutes=20)
    clock.seek(T0 + timedelta(hours=2))
    clock.resume()
    clock.set_speed(3600)
    base.advance(timedelta(seconds=1))
    assert clock.now() == T0 + timedelta(hours=3)
    with pytest.raises(ReplayError) as back:
        clock.seek(T0)
    assert back.value.field == "to"
    with pytest.raises(ReplayError) as fast:
        clock.set_speed(7200)
    assert fast.value.field == "speed"


def test_timeline_hands_each_cue_out_once_in_order_and_seek_stops_at_every_cue() -> None:
    cues = [Cue(T0 + timedelta(seconds=s), i, CueKind.REPORT, {"n": i}) for i, s in enumerate([90, 10, 10, 300])]
    timeline = Timeline(cues)
    assert [c.payload["n"] for c in timeline.take_due(T0 + timedelta(seconds=100))] == [1, 2, 0]
    assert timeline.take_due(T0 + timedelta(seconds=100)) == []
    steps = steps_between(T0, T0 + timedelta(minutes=2), [T0 + timedelta(seconds=95)])
    assert T0 + timedelta(seconds=95) in steps and steps[-1] == T0 + timedelta(minutes=2)
    assert all(b - a <= timedelta(seconds=30) for a, b in zip([T0, *steps], steps, strict=False))


@pytest.fixture
def live(settings: Settings) -> Iterator[tuple[ServiceContext, ManualClock]]:
    clock = ManualClock(T0)
    context = ServiceContext(settings, clock=clock)
    yield context, clock
    context.close()


def _report(n: int, at: datetime, *, lon: float = 120.15, category: str = "E0506") -> IncidentDraft:
    return IncidentDraft(channel=Channel.HOTLINE_12345, external_id=f"rec-{n}", reported_at=at, category=category,
                         description=f"recorded report {n}", x=lon + n * 0.003, y=30.165, crs="WGS84")


def test_replayed_period_delivers_every_report_in_order_at_the_scaled_offsets(
        live: tuple[ServiceContext, ManualClock]) -> None:
    ctx, clock = live
    offsets = [0, 45, 46, 300, 1234, 3599]
    for n, offset in enumerate(offsets):
        clock.advance(timedelta(seconds=offset) - (clock.now() - T0))
        assert ctx.intake.ingest([_report(n, clock.now())])[0].created
    with ctx.db.read() as s:
        live_last = event_log.last_id(s)
    live_fleet = [(u.unit_id, u.lon, u.lat, u.status) for u in ctx.dispatch.fleet.units]
    mgr = ExerciseManager(settings=ctx.settings, live_db=ctx.db, clock=clock)
    created = mgr.create(ExerciseRequest(name="recorded hour", period_start=T0, period_end=T0 + timedelta(hours=1),
                                         speed=60), spawn=False)
    base = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    ex_ctx, session = process.build(ExerciseFolder(mgr.root / created["id"]), base=base)
    try:
        session.clock.resume()
        started = base.now()
        step = timedelta(milliseconds=100)        # 6 s of exercise at 60x
        while session.player.timeline.next_at() is not None:
            base.advance(step)
            session.player.deliver_due()
        delivered = session.player.reports
        assert [r["external_id"] for r in delivered] == [f"rec-{n}" for n in range(len(offsets))]
        for report, offset in zip(delivered, offsets, strict=True):
            at = datetime.fromisoformat(report["delivered_at"])
            assert timedelta(0) <= at - (T0 + timedelta(seconds=offset)) <= timedelta(seconds=6)
        # the wall-clock moment of the last report: its offset divided by the speed
        assert (base.now() - started).total_seconds() == pytest.approx(3599 / 60, abs=0.1)
        with ex_ctx.db.read() as s:
            rows = sorted((e.payload["external_id"], e.payload["received_at"])
                          for e in event_log.read_after(s, 0, limit=1_000_000) if e.kind == "incident.created")
        assert len(rows) == len(offsets)
        # the replay went to the exercise's own log: the live log and the live views never saw it
        ctx.projector.catch_up()
        with ctx.db.read() as s:
            assert event_log.last_id(s) == live_last
        assert ctx.projector.applied_id == live_last
        assert [(u.unit_id, u.lon, u.lat, u.status) for u in ctx.dispatch.fleet.units] == live_fleet
        assert len(ctx.recent.index) == len(ex_ctx.recent.index) == len(offsets)  # the originals; the replayed
    finally:
        session.player.stop()
        ex_ctx.close()


def _one_case_exercise(live: tuple[ServiceContext, ManualClock], tmp_path: Path, *, speed: float) -> ExerciseFolder:
    """A scenario of one report at 20:02 (Asia/Shanghai), made into an exercise whose process is not started."""
    ctx, clock = live
    scenario = tmp_path / "one_case.json"
    scenario.write_text('{"format": "gridcommand-scenario", "version": 1, "name": "one case", '
                        '"start": "2026-07-14T20:00:00+08:00", "duration_minutes": 10, "reports": '
                        '[{"id": "a", "at": "00:02:00", "category": "E0506", "lon": 120.15, "lat": 30.165}]}')
    mgr = ExerciseManager(settings=ctx.settings, live_db=ctx.db, clock=clock)
    created = mgr.create(ExerciseRequest(name="one case", scenario=str(scenario), speed=speed), spawn=False)
    return ExerciseFolder(mgr.root / created["id"])


def test_sla_breaches_occur_at_the_scaled_moments(live: tuple[ServiceContext, ManualClock], tmp_path: Path) -> None:
    folder = _one_case_exercise(live, tmp_path, speed=120)
    base = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    ex_ctx, session = process.build(folder, base=base)
    origin = datetime.fromisoformat("2026-07-14T20:00:00+08:00")
    seen: dict[str, float] = {}
    try:
        session.clock.resume()
        for _ in range(100):                       # 5 s of wall time in 50 ms steps, 6 s of exercise each
            base.advance(timedelta(milliseconds=50))
            session.player.deliver_due()
            ex_ctx.dispatch.watch()
            with ex_ctx.db.read() as s:
                for e in event_log.read_after(s, 0, limit=100_000):
                    if e.kind in ("sla.warning", "sla.breached") and e.payload["clock"] == "acknowledge":
                        seen.setdefault(e.kind, (e.occurred_at - origin).total_seconds())
        # received at +120 s; acknowledge target 60 s, warning at 80 %: +168 s and +180 s of exercise time,
        # i.e. 1.4 s and 1.5 s of wall time at 120x; a 50 ms step is 6 s of exercise
        assert 168 <= seen["sla.warning"] <= 168 + 6
        assert 180 <= seen["sla.breached"] <= 180 + 6
    finally:
        session.player.stop()
        ex_ctx.close()


def test_a_second_process_on_the_same_exercise_neither_replays_nor_seeks_until_the_first_is_gone(
        live: tuple[ServiceContext, ManualClock], tmp_path: Path) -> None:
    folder = _one_case_exercise(live, tmp_path, speed=60)
    base = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    first_ctx, first = process.build(folder, base=base)
    second_ctx, second = process.build(folder, base=base)
    origin = datetime.fromisoformat("2026-07-14T20:00:00+08:00")
    try:
        assert first.player.drives() and not second.player.drives()
        with pytest.raises(ScenarioProblem) as refused:
            second.control(ControlAction.SEEK, to=origin + timedelta(minutes=3))
        assert refused.value.problems[0].field == "action"
        first.control(ControlAction.SEEK, to=origin + timedelta(minutes=3))
        assert len(first.player.reports) == 1 and second.player.reports == []
        with first_ctx.db.read() as s:
            created_events = [e for e in event_log.read_after(s, 0, limit=1000) if e.kind == "incident.created"]
        assert len(created_events) == 1, "the report was fed once, by the lease holder"
        first.player.stop()
        first_ctx.close()
        assert second.player.drives(), "the second takes over once the first has let go"
    finally:
        first.player.stop()
        second.player.stop()
        first_ctx.close()
        second_ctx.close()


def test_replayed_units_follow_their_recorded_tracks_but_a_unit_the_trainees_play_does_not(
        live: tuple[ServiceContext, ManualClock], demo: DemoStreet) -> None:
    ctx, clock = live
    replayed, played = "xf01-01", "xf01-02"
    played_callsign = next(u.callsign for u in demo.units if u.device_id == played)
    # That day both units drove about; each fix is recorded (T0 + seconds, lon, lat).
    track = {replayed: [(60, 120.1500, 30.1600), (600, 120.1550, 30.1620), (1800, 120.1600, 30.1650)],
             played: [(90, 120.1700, 30.1700), (900, 120.1720, 30.1710), (2400, 120.1740, 30.1730)]}
    moments = sorted({s for fixes in track.values() for s, _, _ in fixes})
    for s in moments:
        clock.advance(T0 + timedelta(seconds=s) - clock.now())
        drafts = [FixDraft(device, {"device_time": clock.now(), "lon": lon, "lat": lat}, "WGS84")
                  for device, fixes in track.items() for t, lon, lat in fixes if t == s]
        assert all(o.created for o in ctx.dispatch.ingest_fixes(drafts))
    clock.advance(timedelta(hours=2))

    mgr = ExerciseManager(settings=ctx.settings, live_db=ctx.db, clock=clock)
    created = mgr.create(ExerciseRequest(name="recorded hour", period_start=T0, period_end=T0 + timedelta(hours=1),
                                         speed=60, played_units=[played_callsign]), spawn=False)
    base = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    ex_ctx, session = process.build(ExerciseFolder(mgr.root / created["id"]), base=base)

    def at(device: str) -> tuple[float | None, float | None]:
        unit = ex_ctx.dispatch.unit_for_device(device)
        u = next(u for u in ex_ctx.dispatch.fleet.units if u.unit_id == unit)
        return u.lon, u.lat

    try:
        session.clock.resume()
        played_start = at(played)
        assert None not in played_start
        played_fixes = [(lon, lat) for _, lon, lat in track[played]]
        seen = []
        while session.clock.now() < T0 + timedelta(hours=1):
            base.advance(timedelta(seconds=1))  # a minute of the recorded hour at 60x
            session.player.deliver_due()
            elapsed = (session.clock.now() - T0).total_seconds()
            due = [(lon, lat) for s, lon, lat in track[replayed] if s <= elapsed]
            if due:
                assert at(replayed) == pytest.approx(due[-1], abs=1e-7), f"at +{elapsed:.0f} s"
                seen.append(due[-1])
            # The trainees move this one: it stays where they left it, its recorded day is not replayed.
            assert at(played) == played_start
            assert all(at(played) != pytest.approx(fix, abs=1e-5) for fix in played_fixes)
        assert sorted(set(seen)) == sorted((lon, lat) for _, lon, lat in track[replayed])
    finally:
        session.player.stop()
        ex_ctx.close()


def test_a_scenario_breaks_a_unit_down_at_its_time_and_the_trainer_sees_the_inject(
        live: tuple[ServiceContext, ManualClock], tmp_path: Path) -> None:
    ctx, clock = live
    scenario = tmp_path / "breakdown.json"
    scenario.write_text(json.dumps({
        "format": "gridcommand-scenario", "version": 1, "name": "a unit breaks down",
        "start": "2026-07-14T20:00:00+08:00", "duration_minutes": 10,
        "reports": [{"id": "a", "at": "00:01:00", "category": "E0506", "lon": 120.15, "lat": 30.165}],
        "breakdowns": [{"at": "00:03:00", "unit": "XF01-01", "note": "engine failure"}],
        "injects": [{"at": "00:04:00", "message": "the reporter calls back: the water is rising", "to": "trainee 1"}]}))
    mgr = ExerciseManager(settings=ctx.settings, live_db=ctx.db, clock=clock)
    created = mgr.create(ExerciseRequest(name="breakdown", scenario=str(scenario), speed=60), spawn=False)
    trainee = created["keys"]["trainees"]["trainee 1"]
    base = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    ex_ctx, session = process.build(ExerciseFolder(mgr.root / created["id"]), base=base)
    origin = datetime.fromisoformat("2026-07-14T20:00:00+08:00")
    app = create_app(ex_ctx.settings, context=ex_ctx, watch=False)
    app.state.exercise = session
    try:
        with TestClient(app, headers={"Authorization": f"Bearer {trainee}"}) as client:
            unit_id = ex_ctx.dispatch.unit_for_device("xf01-01")

            def unit_status() -> str:
                r = client.get(f"/api/v1/units/{unit_id}")
                assert r.status_code == 200, r.text
                return str(r.json()["status"])

            def injects() -> list[dict[str, Any]]:
                r = client.get("/api/v1/exercise")
                assert r.status_code == 200, r.text
                return list(r.json()["player"]["injects"])

            def play_until(minutes: float) -> None:
                while session.clock.now() < origin + timedelta(minutes=minutes):
                    base.advance(timedelta(milliseconds=500))  # 30 s of exercise at 60x
                    session.player.deliver_due()

            session.clock.resume()
            play_until(2.5)
            assert unit_status() == UnitStatus.AVAILABLE.value and injects() == []
            play_until(3)
            assert unit_status() == UnitStatus.OFF_DUTY.value  # broken down at 20:03, no case on hand
            assert [(i["at"], i["unit"]) for i in injects()] == [((origin + timedelta(minutes=3)).isoformat(),
                                                                  "XF01-01")]
            assert "engine failure" in injects()[0]["message"]
            play_until(4)
            trainer_inject = injects()[-1]
            assert trainer_inject["at"] == (origin + timedelta(minutes=4)).isoformat()
            assert trainer_inject["message"] == "the reporter calls back: the water is rising"
            assert trainer_inject["to"] == "trainee 1"
    finally:
        session.player.stop()
        ex_ctx.close()
