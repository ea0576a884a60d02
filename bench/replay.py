"""Replay exercises: scheduling error of a recorded month at 3600x beside a bare timer in the same run, and a
recorded year's reports fast-forwarded beside raw intake of the same reports.

A month at 3600x is 12 minutes of wall time; each repetition replays one day of it (24 s) with the month's
material loaded, so five repetitions fit a bench run. `BENCH_REPLAY_FULL_MONTH=1` replays the whole month once.
The error is each delivery's moment minus the intended wall-clock moment of its (first) cue; the baseline is
a thread that only waits for as many moments and does nothing. The year is fast-forwarded with a one-day
tick (every report at its own moment; SLA and stale announcements at the next report or tick).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.intake import prepare_data_dir
from bench.report import Report
from service.context import ServiceContext
from service.demo import street as demo_street
from service.domain.catalog import Channel
from service.domain.incident import IncidentDraft
from service.domain.replay import Cue, CueKind
from service.exercise import process
from service.exercise.manager import ExerciseManager, ExerciseRequest, PreparedSource
from service.exercise.manifest import ExerciseFolder
from service.settings import Settings
from service.store.exercise_source import TrackSource

MONTH_START = datetime(2026, 6, 1, tzinfo=UTC)
DAYS = 30
REPORTS_PER_MONTH = 800
PATROL_UNITS = 92
FIX_EVERY_S = 30
SPEED = 3600.0
REPEATS = 5
YEAR_REPORTS = 27 * 365
YEAR_REPEATS = int(os.environ.get("BENCH_REPLAY_YEAR_REPEATS", "5"))


def _reports(n: int, start: datetime, span: timedelta, rng: random.Random) -> list[Cue]:
    offsets = sorted(rng.uniform(0, span.total_seconds()) for _ in range(n))
    return [Cue(start + timedelta(seconds=s), i, CueKind.REPORT, {
        "channel": Channel.HOTLINE_12345.value, "external_id": f"B-{i}", "category": "E0506",
        "description": "bench report", "lon": 120.13 + rng.random() * 0.05, "lat": 30.15 + rng.random() * 0.03,
        "address": None, "reporter_name": None, "reporter_phone": None}) for i, s in enumerate(offsets)]


def _fixes(devices: list[str], start: datetime, days: int) -> Iterator[tuple[str, int, float, float, float, float]]:
    t0 = int(start.timestamp() * 1000)
    for k in range(days * 86400 // FIX_EVERY_S):
        t = t0 + k * FIX_EVERY_S * 1000
        for n, d in enumerate(devices):
            yield d, t, 120.13 + (n % 10) * 0.005 + (k % 40) * 1e-4, 30.15 + (n // 10) * 0.003, 1.2, 90.0


def _live_record(street: demo_street.DemoStreet) -> Path:
    return prepare_data_dir(street)


def _exercise(live: Path, cues: list[Cue], *, origin: datetime, end: datetime, tracks: Path | None) -> ExerciseFolder:
    """An exercise over the bench's material, handed over ready-made (copying it out of a live record is not
    what this measures)."""
    settings = Settings(data_dir=live)
    ctx = ServiceContext(settings)
    try:
        mgr = ExerciseManager(settings=settings, live_db=ctx.db, clock=ctx.clock)
        created = mgr.create(ExerciseRequest(name="bench", period_start=origin, period_end=end, speed=SPEED),
                             spawn=False, prepared=PreparedSource(cues, tracks))
    finally:
        ctx.close()
    return ExerciseFolder(mgr.root / created["id"])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _replay_day(folder: ExerciseFolder, day: timedelta) -> tuple[list[float], list[float]]:
    """Run the exercise's player and watch, as its process does, for one day of exercise time."""
    ctx, session = process.build(folder)
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            ctx.dispatch.watch()
            time.sleep(process.EXERCISE_WATCH_INTERVAL_S)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    session.player.start()
    session.clock.resume()
    time.sleep(day.total_seconds() / SPEED + 0.5)
    session.clock.pause()
    session.player.stop()
    stop.set()
    watcher.join()
    ctx.close()
    return [x * 1000 for x in session.player.lateness_s], [x * 1000 for x in session.player.fix_lateness_s]


def _bare_timer(moments: list[float]) -> list[float]:
    """The floor: a thread that only waits for the same wall-clock moments and does nothing."""
    wake = threading.Condition()
    late: list[float] = []
    t0 = time.monotonic() + 0.05
    for m in moments:
        target = t0 + m
        while (left := target - time.monotonic()) > 0:
            with wake:
                wake.wait(min(left, 0.25))
        late.append((time.monotonic() - target) * 1000)
    return late


def run(report: Report) -> None:
    rng = random.Random(2026)
    street = demo_street.build()
    live = _live_record(street)
    try:
        devices = [u.device_id for u in street.units if u.unit_type.value == "patrol" and u.device_id][:PATROL_UNITS]
        tracks = live / "month.sqlite"
        source = TrackSource(tracks)
        t = time.perf_counter()
        source.write(_fixes(devices, MONTH_START, DAYS))
        print(f"  (a month of tracks: {source.count():,} fixes for {len(devices)} units written in "
              f"{time.perf_counter() - t:.0f} s)", flush=True)
        source.close()
        month = _reports(REPORTS_PER_MONTH, MONTH_START, timedelta(days=DAYS), rng)
        full = os.environ.get("BENCH_REPLAY_FULL_MONTH") == "1"
        span = timedelta(days=DAYS) if full else timedelta(days=1)
        p50s, p99s, base50, base99, r50s, r99s = [], [], [], [], [], []
        for rep in range(1 if full else REPEATS):
            origin = MONTH_START + timedelta(days=3 + rep * 5) if not full else MONTH_START
            folder = _exercise(live, month, origin=origin, end=origin + span, tracks=tracks)
            reports_late, fixes_late = _replay_day(folder, span)
            late = reports_late + fixes_late
            shutil.rmtree(folder.path, ignore_errors=True)
            p50s.append(_pct(late, 0.5))
            p99s.append(_pct(late, 0.99))
            r50s.append(_pct(reports_late, 0.5) if reports_late else float("nan"))
            r99s.append(_pct(reports_late, 0.99) if reports_late else float("nan"))
            moments = sorted(rng.uniform(0, span.total_seconds() / SPEED) for _ in range(len(late)))
            bare = _bare_timer(moments)
            base50.append(_pct(bare, 0.5))
            base99.append(_pct(bare, 0.99))
            print(f"  rep {rep + 1}: {len(late)} deliveries ({len(reports_late)} reports), p50 {p50s[-1]:.1f} ms, "
                  f"p99 {p99s[-1]:.1f} ms; reports p50 {r50s[-1]:.1f} p99 {r99s[-1]:.1f} (bare timer p50 "
                  f"{base50[-1]:.2f}, p99 {base99[-1]:.2f}; load {os.getloadavg()[0]:.1f})", flush=True)
        label = "month" if full else "a day of a month"
        report.add(f"replay {label} @3600x: sched error p50 (median)", statistics.median(p50s), "ms",
                   baseline_name="bare timer, same moments: p50", baseline=statistics.median(base50),
                   aim="-")
        report.add(f"replay {label} @3600x: sched error p50 (min)", min(p50s), "ms",
                   baseline_name="bare timer p50 (min)", baseline=min(base50), aim="-")
        report.add(f"replay {label} @3600x: sched error p99 (median)", statistics.median(p99s), "ms",
                   baseline_name="bare timer, same moments: p99", baseline=statistics.median(base99),
                   aim="p99 <= 100 ms")
        report.add(f"replay {label} @3600x: sched error p99 (min)", min(p99s), "ms",
                   baseline_name="bare timer p99 (min)", baseline=min(base99), aim="p99 <= 100 ms")
        report.add(f"replay {label} @3600x: reports only, p99 (median)", statistics.median(r99s), "ms",
                   baseline_name="bare timer, same moments: p99", baseline=statistics.median(base99),
                   aim="p99 <= 100 ms")

        year_start = datetime(2025, 1, 1, tzinfo=UTC)
        year = _reports(YEAR_REPORTS, year_start, timedelta(days=365), rng)
        replay_s, raw_s = [], []
        for _ in range(YEAR_REPEATS):
            folder = _exercise(live, year, origin=year_start, end=year_start + timedelta(days=365), tracks=None)
            ctx, session = process.build(folder)
            t = time.perf_counter()
            session.player.seek(year_start + timedelta(days=365), tick=timedelta(days=1))
            replay_s.append(time.perf_counter() - t)
            assert len(session.player.reports) == YEAR_REPORTS
            ctx.close()
            shutil.rmtree(folder.path, ignore_errors=True)
            raw_s.append(_raw_intake(live, year))
        report.add(f"replay a year ({YEAR_REPORTS} reports), fast-forward (median)", statistics.median(replay_s), "s",
                   baseline_name="raw intake of the same reports", baseline=statistics.median(raw_s), aim="-")
        report.add("replay a year, fast-forward (min)", min(replay_s), "s",
                   baseline_name="raw intake of the same reports (min)", baseline=min(raw_s), aim="-")
    finally:
        shutil.rmtree(live, ignore_errors=True)


def _raw_intake(live: Path, cues: list[Cue]) -> float:
    """The same reports, one at a time, through the same intake flow on a fresh copy of the street."""
    folder = Path(tempfile.mkdtemp(prefix="gc-bench-raw-", dir=live))
    shutil.copy(live / "gridcommand.db", folder / "gridcommand.db")
    ctx = ServiceContext(Settings(data_dir=folder, sqlite_synchronous="NORMAL"))
    drafts = [IncidentDraft(channel=Channel.HOTLINE_12345, external_id=c.payload["external_id"], reported_at=c.at,
                            category="E0506", description="bench report", x=c.payload["lon"], y=c.payload["lat"],
                            crs="WGS84") for c in cues]
    t = time.perf_counter()
    for draft in drafts:
        ctx.intake.ingest([draft])
    elapsed = time.perf_counter() - t
    ctx.close()
    shutil.rmtree(folder, ignore_errors=True)
    return elapsed
