"""The player inside an exercise process: delivers each cue when the exercise clock reaches it.

Reports go through the same intake flow as a channel's; recorded fixes through the same position flow
as the GPS gateway's; so duplicates, SLA clocks and GPS arrival behave as on a live day. They are
written to the exercise's own record and event log, so only the exercise's projector and views see
them: the live service's views follow the live log, which an exercise never writes.

One player drives a replay: it holds the exercise record's replay lease (like the live watch lease),
so a second process serving the same exercise folder (a restart while the old one lives on, a second
`exercise serve`) delivers nothing and refuses to seek, instead of feeding every cue twice.
"""

from __future__ import annotations

import logging
import statistics
import threading
from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from service.context import ServiceContext
from service.domain.catalog import Channel
from service.domain.errors import GridCommandError
from service.domain.incident import IncidentDraft
from service.domain.replay import ClockState, Cue, CueKind, ExerciseClock, ReplayError, Timeline, steps_between
from service.domain.units import UnitStatus, epoch_ms, from_epoch_ms
from service.flows.dispatch import FixDraft
from service.store import exercise as exercise_store
from service.store import units as unit_store
from service.store.coordination import Lease
from service.store.exercise_source import Fix, TrackSource

log = logging.getLogger(__name__)
ACTOR = "exercise:player"
MAX_WAIT_S = 0.25
REPLAY_LEASE = "exercise-replay"


class Player:
    def __init__(self, *, ctx: ServiceContext, clock: ExerciseClock, timeline: Timeline,
                 tracks: TrackSource | None = None, played_devices: frozenset[str] = frozenset()) -> None:
        self.ctx = ctx
        self.clock = clock
        self.timeline = timeline
        self.tracks = tracks
        self.played = played_devices
        self._fix_times = tracks.times() if tracks else []
        # Material before the exercise's first moment is not replayed (an exercise may start mid-period).
        self._fix_cursor = bisect_left(self._fix_times, epoch_ms(clock.now()))
        timeline.take_due(clock.now() - timedelta(microseconds=1))
        self._tracked = (tracks.devices() if tracks else set()) - played_devices
        with ctx.db.read() as session:
            self._device_of = {u["id"]: u["device_id"] for u in exercise_store.unit_catalog(session=session)
                               if u["device_id"]}
        self._unit_of = {d: u for u, d in self._device_of.items()}
        self._delivered_until = clock.now()
        # Played units with no recorded track keep reporting where they stand, often enough never to go stale.
        self._heartbeat_every = ctx.dispatch.settings.stale_after / 2
        self._next_heartbeat = self._delivered_until
        self._wake = threading.Condition()
        self._deliver_lock = threading.Lock()
        self._stopped = False
        self._lease = Lease(ctx.db, REPLAY_LEASE)
        self.injects: list[dict[str, Any]] = []
        self.reports: list[dict[str, Any]] = []     # what was delivered, when (exercise and wall)
        self.lateness_s: list[float] = []           # delivery moment minus intended wall-clock moment
        self.fix_lateness_s: list[float] = []       # the same for each batch of recorded fixes
        self.fixes_delivered = 0
        # Reports and recorded tracks are delivered by two threads, so a report never waits behind a big
        # batch of fixes (at 3600x a day of tracks is ~100 batches a second); a seek holds both.
        self._fix_lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(self._next_cue, self._deliver_cues),
                                          name="exercise-reports", daemon=True),
                         threading.Thread(target=self._run, args=(self._next_track, self._deliver_tracks),
                                          name="exercise-tracks", daemon=True)]

    # --- control ----------------------------------------------------------------------------------
    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def poke(self) -> None:
        """The clock changed (resume, pause, speed): look again at what is due."""
        with self._wake:
            self._wake.notify_all()

    def stop(self) -> None:
        self._stopped = True
        self.poke()
        for thread in self._threads:
            while thread.is_alive():  # let a delivery under way finish before the record closes
                thread.join(1)
        self._lease.release()

    def drives(self) -> bool:
        """Whether this process drives the replay (holds the replay lease, taking it when it is free)."""
        return self._lease.held()

    def _require_lease(self) -> None:
        if not self.drives():
            raise ReplayError("action", "another process drives this exercise's replay; control it there")

    def seek(self, to: datetime, *, tick: timedelta = timedelta(seconds=30)) -> None:
        """Jump ahead with everything in between applied: each cue at its own moment, and the SLA and stale
        watch run at every step, so a breach between two cues is announced at (about) its own time."""
        self._require_lease()
        with self._deliver_lock, self._fix_lock:
            was_running = self.clock.state is ClockState.RUNNING
            self.clock.pause()
            start = self.clock.now()
            if to < start:
                self.clock.seek(to)  # raises the field error
            marks = self.timeline.pending_times(to) + self._upcoming_times(to)
            for t in steps_between(start, to, marks, every=tick):
                self.clock.seek(t)
                # Units without a track report once, at the target: a heartbeat at every step of a long seek
                # would write hundreds of fixes per step (they may show stale in between).
                self._deliver_until(t, late=False, heartbeat=t == to)
                self.ctx.dispatch.watch()
            if was_running:
                self.clock.resume()
        self.poke()

    # --- the loop ---------------------------------------------------------------------------------
    def next_due(self) -> datetime | None:
        times = [t for t in (self.timeline.next_at(), self._next_fix_time()) if t is not None]
        if self._heartbeat_devices():
            times.append(self._next_heartbeat)
        return min(times) if times else None

    def _next_cue(self) -> datetime | None:
        return self.timeline.next_at()

    def _next_track(self) -> datetime | None:
        times = [t for t in (self._next_fix_time(),) if t is not None]
        if self._heartbeat_devices():
            times.append(self._next_heartbeat)
        return min(times) if times else None

    def _run(self, next_due: Callable[[], datetime | None], deliver: Callable[[], None]) -> None:
        while not self._stopped:
            if not self.drives():  # another process plays this exercise; take over if it goes away
                with self._wake:
                    self._wake.wait(MAX_WAIT_S)
                continue
            due = next_due()
            wait = None if due is None else self.clock.base_seconds_until(due)
            if due is None or wait is None or wait > 0:
                with self._wake:
                    self._wake.wait(MAX_WAIT_S if wait is None else min(max(wait, 0.0), MAX_WAIT_S))
                continue
            try:
                deliver()
            except Exception:  # a bad cue must not end the exercise; the trainer sees it in the log
                log.exception("exercise delivery failed")

    def _deliver_cues(self) -> None:
        with self._deliver_lock:
            for cue in self.timeline.take_due(self.clock.now()):
                self._deliver(cue, late=True)

    def _deliver_tracks(self) -> None:
        with self._fix_lock:
            t = self.clock.now()
            self._deliver_fixes(t)
            if self._next_heartbeat <= t and self._heartbeat_devices():
                self._heartbeat(t)
                self._next_heartbeat = t + self._heartbeat_every

    def deliver_due(self) -> None:
        """Deliver everything the exercise clock has reached, in time order (tests step through with this)."""
        self._require_lease()
        with self._deliver_lock, self._fix_lock:
            self._deliver_until(self.clock.now(), late=True)

    def _fix_lateness(self, first_ms: int) -> None:
        self.fix_lateness_s.append(self._measure(from_epoch_ms(first_ms)))

    # --- delivery ---------------------------------------------------------------------------------
    def _upcoming_times(self, until: datetime) -> list[datetime]:
        until_ms = epoch_ms(until)
        out = [from_epoch_ms(t) for t in self._fix_times[self._fix_cursor:] if t <= until_ms][:10_000]
        return out

    def _next_fix_time(self) -> datetime | None:
        if self._fix_cursor < len(self._fix_times):
            return from_epoch_ms(self._fix_times[self._fix_cursor])
        return None

    def _heartbeat_devices(self) -> list[tuple[str, int]]:
        """Units the trainees play that have no track here: they report where they stand (the others follow
        their track, or hold their position for the whole exercise)."""
        fleet = self.ctx.dispatch.fleet
        return [(d, u.unit_id) for u in fleet.units if (d := self._device_of.get(u.unit_id)) and d in self.played
                and d not in self._tracked and u.lon is not None]

    def _deliver_until(self, t: datetime, *, late: bool, heartbeat: bool = True) -> None:
        for cue in self.timeline.take_due(t):
            self._deliver_fixes(cue.at)
            self._deliver(cue, late=late)
        self._deliver_fixes(t)
        if heartbeat and self._next_heartbeat <= t and self._heartbeat_devices():
            # one report where each unit stands is enough however many beats were missed
            self._heartbeat(t)
            self._next_heartbeat = t + self._heartbeat_every
        self._delivered_until = t

    def _measure(self, at: datetime) -> float:
        return (self.clock.base_now() - self.clock.base_moment_of(at)).total_seconds()

    def _deliver_fixes(self, until: datetime) -> None:
        if self.tracks is None or self._fix_cursor >= len(self._fix_times):
            return
        until_ms = epoch_ms(until)
        since_ms = self._fix_times[self._fix_cursor] - 1
        stop = self._fix_cursor
        while stop < len(self._fix_times) and self._fix_times[stop] <= until_ms:
            stop += 1
        if stop == self._fix_cursor:
            return
        fixes = self.tracks.window(since_ms, self._fix_times[stop - 1], skip_devices=self.played)
        first_ms = self._fix_times[self._fix_cursor]
        self._fix_cursor = stop
        if fixes:
            self._ingest_fixes(fixes)
            if self.clock.state is ClockState.RUNNING:
                self._fix_lateness(first_ms)

    def _ingest_fixes(self, fixes: list[Fix]) -> None:
        """Each unit's newest fix of the window through the position flow (it moves the unit, confirms GPS
        arrival, goes on the stream); the older ones of a merged window straight onto the track, so a
        replay that fell behind catches up instead of falling further behind."""
        newest: dict[str, Fix] = {}
        for fix in fixes:
            newest[fix[0]] = fix  # the window is in time order
        unit_of = self._unit_of
        older = [{"unit_id": unit_of[d], "time_ms": t, "lon": lon, "lat": lat, "speed_ms": speed, "heading": heading,
                  "accuracy": None, "battery": None, "attributes": None}
                 for d, t, lon, lat, speed, heading in fixes if d in unit_of and newest[d][1] != t]
        if older:
            with self.ctx.db.write() as session:
                unit_store.insert_fixes(session=session, rows=older)
        drafts = [FixDraft(d, {"device_time": from_epoch_ms(t), "lon": lon, "lat": lat, "speed_ms": speed,
                               "heading": heading}, "WGS84") for d, t, lon, lat, speed, heading in newest.values()]
        self.ctx.dispatch.ingest_fixes(drafts)
        self.fixes_delivered += len(fixes)

    def _heartbeat(self, at: datetime) -> None:
        fleet = self.ctx.dispatch.fleet
        by_unit = {u.unit_id: u for u in fleet.units}
        fixes: list[Fix] = []
        for device, unit_id in self._heartbeat_devices():
            u = by_unit[unit_id]
            if u.lon is not None and u.lat is not None:
                fixes.append((device, epoch_ms(at), u.lon, u.lat, 0.0, None))
        if fixes:
            self._ingest_fixes(fixes)

    def _deliver(self, cue: Cue, *, late: bool) -> None:
        lateness = self._measure(cue.at) if late else 0.0
        if late:
            self.lateness_s.append(lateness)
        try:
            if cue.kind is CueKind.REPORT:
                self._report(cue)
            elif cue.kind is CueKind.BREAKDOWN:
                self._breakdown(cue)
            elif cue.kind is CueKind.INJECT:
                self.injects.append({"at": cue.at.isoformat(), **cue.payload})
        except GridCommandError as exc:
            log.warning("exercise cue %s at %s refused: %s", cue.kind.value, cue.at.isoformat(), exc)

    def _report(self, cue: Cue) -> None:
        p = cue.payload
        reported_at = datetime.fromisoformat(p["reported_at"]) if p.get("reported_at") else cue.at
        draft = IncidentDraft(channel=Channel(p["channel"]), external_id=p["external_id"], reported_at=reported_at,
                              category=p["category"], description=p["description"], x=p["lon"], y=p["lat"],
                              crs="WGS84", address=p.get("address"), reporter_name=p.get("reporter_name"),
                              reporter_phone=p.get("reporter_phone"),
                              attributes={**(p.get("attributes") or {}),
                                          **({"scenario_id": p["scenario_id"]} if p.get("scenario_id") else {}),
                                          **({"recorded_id": p["recorded_id"]} if p.get("recorded_id") else {})})
        outcome = self.ctx.intake.ingest([draft])[0]
        self.reports.append({"external_id": p["external_id"], "at": cue.at.isoformat(),
                             "delivered_at": self.clock.now().isoformat(), "id": outcome.id,
                             "problems": [pr.as_dict() for pr in outcome.problems]})

    def _breakdown(self, cue: Cue) -> None:
        callsign = cue.payload["unit"]
        with self.ctx.db.read() as session:
            units = {u["callsign"]: u for u in exercise_store.unit_catalog(session=session)}
        unit = units.get(callsign)
        if unit is None:
            raise ScenarioUnitMissing(callsign)
        with self.ctx.db.read() as session:
            row = unit_store.get(session=session, unit_id=unit["id"])
            version, on_case = (row.version, row.current_incident) if row else (0, None)
        # A unit that breaks down on a case is stuck there (busy) until the trainee reassigns the case.
        status = UnitStatus.BUSY if on_case else UnitStatus.OFF_DUTY
        self.ctx.dispatch.set_unit_status(unit["id"], status, version=version, actor=ACTOR)
        self.injects.append({"at": cue.at.isoformat(), "message": f"{callsign}: {cue.payload.get('note')}",
                             "unit": callsign})

    # --- what the trainer sees --------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        late_ms = sorted(x * 1000 for x in self.lateness_s + self.fix_lateness_s)
        return {"drives_replay": self.drives(), "cues": len(self.timeline), "delivered": self.timeline.delivered,
                "next_cue_at": (n.isoformat() if (n := self.timeline.next_at()) else None),
                "reports_delivered": len(self.reports), "fixes_delivered": self.fixes_delivered,
                "finished": self.timeline.next_at() is None and self._next_fix_time() is None,
                "injects": self.injects[-50:],
                "scheduling_error_ms": {"p50": _pct(late_ms, 0.5), "p99": _pct(late_ms, 0.99),
                                        "max": late_ms[-1] if late_ms else None, "n": len(late_ms),
                                        "mean": statistics.fmean(late_ms) if late_ms else None}}


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(q * len(values)))]


class ScenarioUnitMissing(GridCommandError):
    def __init__(self, callsign: str) -> None:
        super().__init__(f"no unit with callsign {callsign!r} in this exercise's record")
