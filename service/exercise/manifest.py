"""An exercise's folder (var/exercises/<id>/): its manifest, record, cues and recorded tracks."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from service.domain.replay import Cue


class ExerciseState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class ControlAction(StrEnum):
    START = "start"     # first run of the clock (same as resume)
    PAUSE = "pause"
    RESUME = "resume"
    SEEK = "seek"
    SPEED = "speed"
    STOP = "stop"


class SourceKind(StrEnum):
    RECORDED = "recorded"    # a period of the live record, replayed
    SCENARIO = "scenario"    # a scenario file under resources/scenarios/


@dataclass
class Manifest:
    id: str
    name: str
    source: dict[str, Any]
    origin: str                     # exercise time the clock starts at (ISO, UTC)
    end: str                        # exercise time the material ends at
    speed: float
    host: str
    port: int
    created_at: str
    trainer_key: str
    trainee_keys: dict[str, str]    # trainee name -> operator key in the exercise's own record
    played_units: list[str] = field(default_factory=list)
    played_devices: list[str] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)
    state: str = ExerciseState.PAUSED.value
    pid: int | None = None

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"

    def public(self) -> dict[str, Any]:
        """What the API shows (no keys: those are answered once, to the trainer who created it)."""
        return {"id": self.id, "name": self.name, "source": self.source, "origin": self.origin, "end": self.end,
                "speed": self.speed, "address": self.address, "created_at": self.created_at, "state": self.state,
                "trainees": sorted(self.trainee_keys), "played_units": self.played_units}


class ExerciseFolder:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def manifest_file(self) -> Path:
        return self.path / "exercise.json"

    @property
    def cues_file(self) -> Path:
        return self.path / "cues.json"

    @property
    def tracks_file(self) -> Path:
        return self.path / "source.sqlite"

    @property
    def actual_file(self) -> Path:
        """For a recorded period: the case histories of what the center actually did."""
        return self.path / "actual.json"

    @property
    def log_file(self) -> Path:
        return self.path / "process.log"

    def exists(self) -> bool:
        return self.manifest_file.is_file()

    def read(self) -> Manifest:
        return Manifest(**json.loads(self.manifest_file.read_text(encoding="utf-8")))

    def write(self, manifest: Manifest) -> None:
        tmp = self.manifest_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o600)  # it holds the exercise's keys
        tmp.replace(self.manifest_file)

    def update_state(self, state: ExerciseState, *, pid: int | None = None) -> None:
        m = self.read()
        m.state = state.value
        m.pid = pid
        self.write(m)

    def write_cues(self, cues: list[Cue]) -> None:
        self.cues_file.write_text(json.dumps([c.to_json() for c in cues], ensure_ascii=False), encoding="utf-8")

    def read_cues(self) -> list[Cue]:
        return [Cue.from_json(c) for c in json.loads(self.cues_file.read_text(encoding="utf-8"))]

    def write_actual(self, cases: list[dict[str, Any]]) -> None:
        self.actual_file.write_text(json.dumps(cases, ensure_ascii=False, default=str), encoding="utf-8")

    def read_actual(self) -> list[dict[str, Any]] | None:
        if not self.actual_file.is_file():
            return None
        data: list[dict[str, Any]] = json.loads(self.actual_file.read_text(encoding="utf-8"))
        return data


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
