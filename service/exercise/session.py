"""The exercise process's own state: its clock, its player, and the trainer's controls."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from service.domain.replay import ClockState, ExerciseClock, ReplayError
from service.exercise.errors import ScenarioProblem
from service.exercise.manifest import ControlAction, ExerciseFolder, ExerciseState, Manifest
from service.exercise.player import Player

SHANGHAI_OFFSET = "+08:00"


class ExerciseSession:
    def __init__(self, *, folder: ExerciseFolder, manifest: Manifest, clock: ExerciseClock, player: Player) -> None:
        self.folder = folder
        self.manifest = manifest
        self.clock = clock
        self.player = player
        self.stopped = threading.Event()  # the process serves until this is set
        self.state = ExerciseState.PAUSED

    def badge(self) -> dict[str, Any]:
        """What /health and the snapshot carry, so every client knows this is not the live record."""
        return {"id": self.manifest.id, "name": self.manifest.name, "state": self.state.value,
                "clock": self.clock.now().isoformat(), "speed": self.clock.speed, "label": "演练 EXERCISE — not live"}

    def status(self) -> dict[str, Any]:
        return {**self.manifest.public(), **self.badge(), "state": self.state.value, "player": self.player.status()}

    def control(self, action: ControlAction, *, to: datetime | None = None, speed: float | None = None) -> dict[str, Any]:
        if self.state is ExerciseState.STOPPED:
            raise ScenarioProblem("action", "the exercise has stopped; create a new one")
        try:
            if speed is not None:
                self.clock.set_speed(speed)
            if action in (ControlAction.START, ControlAction.RESUME):
                self.clock.resume()
            elif action is ControlAction.PAUSE:
                self.clock.pause()
            elif action is ControlAction.SEEK:
                if to is None:
                    raise ScenarioProblem("to", "seek needs the exercise time to jump to (ISO 8601 with offset)")
                self.player.seek(to)
            elif action is ControlAction.SPEED and speed is None:
                raise ScenarioProblem("speed", "is required for a speed change")
        except ReplayError as exc:
            raise ScenarioProblem(exc.field, exc.reason) from exc
        if action is ControlAction.STOP:
            self.clock.pause()
            self.player.stop()
            self.state = ExerciseState.STOPPED
            self.folder.update_state(ExerciseState.STOPPED)
            self.stopped.set()
        else:
            self.state = ExerciseState.RUNNING if self.clock.state is ClockState.RUNNING else ExerciseState.PAUSED
            self.folder.update_state(self.state, pid=self.manifest.pid)
        self.player.poke()
        return self.status()
