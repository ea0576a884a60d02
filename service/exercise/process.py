"""`python -m service exercise serve --dir var/exercises/<id>`: one exercise's own service process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from service.context import ServiceContext
from service.domain.clock import Clock
from service.domain.replay import ExerciseClock, Timeline
from service.exercise.manifest import ExerciseFolder, ExerciseState, parse_time
from service.exercise.player import Player
from service.exercise.session import ExerciseSession
from service.settings import Settings
from service.store.exercise_source import TrackSource

# The watch (SLA, stale units) runs this often in real time: at 3600x, 50 ms is 3 minutes of exercise.
EXERCISE_WATCH_INTERVAL_S = 0.05


def exercise_settings(folder: ExerciseFolder, *, host: str, port: int) -> Settings:
    """The exercise's own record: always a SQLite file in its folder, whatever the live record is."""
    # NORMAL: an exercise record survives a crash of its process but not a power cut; at 3600x it takes a
    # recorded track's fixes ~100 times a second, which a flush per commit (FULL) cannot keep up with.
    return Settings(data_dir=folder.path, database_url=f"sqlite:///{folder.path / 'gridcommand.db'}", host=host,
                    port=port, watch_interval_seconds=EXERCISE_WATCH_INTERVAL_S, sqlite_synchronous="NORMAL")


def build(folder: ExerciseFolder, *, autostart: bool = False,
          base: Clock | None = None) -> tuple[ServiceContext, ExerciseSession]:
    """The exercise's context and session, not yet serving; `base` is the real clock the exercise clock scales
    (a manual one in tests, so they step through time instead of sleeping)."""
    manifest = folder.read()
    manifest.pid = os.getpid()
    settings = exercise_settings(folder, host=manifest.host, port=manifest.port)
    clock = ExerciseClock(parse_time(manifest.origin), manifest.speed, base=base)
    ctx = ServiceContext(settings, clock=clock)
    # The micro-grid index is built on first use; built here, while paused, not by the first replayed report
    # (about 0.8 s on the demo street: 48 minutes of exercise time at 3600x, and every cue behind it late).
    ctx.locator()
    tracks = TrackSource(folder.tracks_file) if folder.tracks_file.is_file() else None
    player = Player(ctx=ctx, clock=clock, timeline=Timeline(folder.read_cues()), tracks=tracks,
                    played_devices=frozenset(manifest.played_devices))
    session = ExerciseSession(folder=folder, manifest=manifest, clock=clock, player=player)
    folder.update_state(ExerciseState.PAUSED, pid=manifest.pid)
    if autostart:
        clock.resume()
        session.state = ExerciseState.RUNNING
    return ctx, session


def serve(path: Path, *, autostart: bool = False) -> int:
    import uvicorn

    from service.app import create_app

    folder = ExerciseFolder(path)
    ctx, session = build(folder, autostart=autostart)
    app = create_app(ctx.settings, context=ctx)
    app.state.exercise = session
    server = uvicorn.Server(uvicorn.Config(app, host=ctx.settings.host, port=ctx.settings.port, log_level="warning"))

    def stop_when_told() -> None:
        session.stopped.wait()
        server.should_exit = True

    threading.Thread(target=stop_when_told, name="exercise-stop", daemon=True).start()
    session.player.start()
    print(f"exercise {session.manifest.id} ({session.manifest.name}) on {session.manifest.address}", flush=True)
    server.run()
    session.player.stop()
    if session.state is not ExerciseState.STOPPED:
        folder.update_state(ExerciseState.STOPPED)
    return 0
