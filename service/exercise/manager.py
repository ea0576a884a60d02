"""On the live service: create exercises (own record, own process, own keys) and relay the trainer's controls.

The live record is only read here (the street, and for a recorded period its reports, tracks and case
histories); everything an exercise writes goes to its own folder under <data_dir>/exercises/.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from service.domain.access import Role
from service.domain.clock import Clock
from service.domain.errors import NotFound
from service.domain.replay import Cue, CueKind, check_speed
from service.domain.units import epoch_ms
from service.exercise import scenario as scenarios
from service.exercise.errors import ScenarioProblem
from service.exercise.manifest import ControlAction, ExerciseFolder, ExerciseState, Manifest, SourceKind
from service.exercise.process import exercise_settings
from service.settings import PROJECT_ROOT, Settings
from service.store import exercise as exercise_store
from service.store import keys as key_store
from service.store import migrate
from service.store.db import Database
from service.store.exercise_source import TrackSource

MAX_PERIOD = timedelta(days=366)
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ExerciseRequest:
    name: str
    scenario: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    speed: float = 60.0
    trainees: list[str] = field(default_factory=lambda: ["trainee 1"])
    played_units: list[str] = field(default_factory=list)   # callsigns the trainees move themselves
    autostart: bool = False


@dataclass(frozen=True)
class PreparedSource:
    """Material brought ready-made (benchmarks, tools): the cues and a track source file for a period."""

    cues: list[Cue]
    tracks_file: Path | None = None


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ExerciseManager:
    def __init__(self, *, settings: Settings, live_db: Database, clock: Clock) -> None:
        self.settings = settings
        self.root = settings.data_dir / "exercises"
        self._live = live_db
        self._clock = clock

    # --- create -----------------------------------------------------------------------------------
    def create(self, request: ExerciseRequest, *, spawn: bool = True,
               prepared: PreparedSource | None = None) -> dict[str, Any]:
        """Build the exercise's record and cues, start its process; answer its address and keys."""
        speed = self._check(request)
        exercise_id = f"{self._clock.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        folder = ExerciseFolder(self.root / exercise_id)
        folder.path.mkdir(parents=True)
        with self._live.read() as session:
            street = exercise_store.street_of(session=session)
        callsigns = {u["callsign"]: u for u in street["units"]}
        unknown = [c for c in request.played_units if c not in callsigns]
        if unknown:
            raise ScenarioProblem("played_units", f"no unit with callsign {', '.join(unknown)}")
        played_devices = [d for c in request.played_units if (d := callsigns[c]["device_id"])]
        positions: dict[int, tuple[float, float, int]] | None = None
        tracked: set[str] = set()
        expected: dict[str, Any] = {}
        if request.scenario:
            sc = scenarios.load(request.scenario)
            origin, end, cues = sc.start, sc.start + sc.duration, sc.cues
            expected = sc.expected
            source = {"kind": SourceKind.SCENARIO.value, "scenario": request.scenario, "title": sc.name,
                      "description": sc.description}
        else:
            assert request.period_start is not None and request.period_end is not None
            origin, end = request.period_start.astimezone(UTC), request.period_end.astimezone(UTC)
            if prepared is None:
                cues, positions, tracked = self._record_period(folder, origin, end)
            else:
                cues = prepared.cues
                if prepared.tracks_file is not None:
                    folder.tracks_file.symlink_to(prepared.tracks_file.resolve())
                    source_file = TrackSource(folder.tracks_file)
                    tracked = source_file.devices()
                    source_file.close()
            source = {"kind": SourceKind.RECORDED.value, "start": origin.isoformat(), "end": end.isoformat()}
        folder.write_cues(cues)
        host = self.settings.host if self.settings.host in ("127.0.0.1", "localhost") else "127.0.0.1"
        port = _free_port(host)
        db = Database(exercise_settings(folder, host=host, port=port))
        try:
            migrate.upgrade(db.writer)
            with db.write() as session:
                # A unit with no track to follow and no trainee moving it stands still, dated past the end so it
                # never goes stale: at 3600x, keeping hundreds of such units fresh by fixes would swamp the record.
                held = frozenset(u["id"] for u in street["units"] if u["device_id"] not in tracked
                                 and u["callsign"] not in request.played_units)
                exercise_store.install_street(session=session, street=street, now=origin, positions=positions,
                                              held=held, hold_until=end + timedelta(days=1))
                trainer_key = key_store.create(session=session, name="trainer", role=Role.TRAINER, now=origin)
                trainee_keys = {name: key_store.create(session=session, name=name, role=Role.OPERATOR, now=origin)
                                for name in request.trainees}
        finally:
            db.dispose()
        manifest = Manifest(id=exercise_id, name=request.name, source=source, origin=origin.isoformat(),
                            end=end.isoformat(), speed=speed, host=host, port=port,
                            created_at=self._clock.now().isoformat(), trainer_key=trainer_key,
                            trainee_keys=trainee_keys, played_units=list(request.played_units),
                            played_devices=played_devices, expected=expected)
        folder.write(manifest)
        if spawn:
            self._spawn(folder, autostart=request.autostart)
        return {**manifest.public(), "state": folder.read().state,
                "keys": {"trainer": trainer_key, "trainees": trainee_keys}}

    def _check(self, request: ExerciseRequest) -> float:
        if not request.name.strip():
            raise ScenarioProblem("name", "must not be empty")
        if bool(request.scenario) == (request.period_start is not None):
            raise ScenarioProblem("scenario", "give either a scenario or a recorded period (period_start, "
                                              "period_end), not both and not neither")
        if request.period_start is not None:
            if request.period_end is None or request.period_end <= request.period_start:
                raise ScenarioProblem("period_end", "must be after period_start")
            if request.period_end - request.period_start > MAX_PERIOD:
                raise ScenarioProblem("period_end", "a recorded period is at most a year")
        if not request.trainees or len(set(request.trainees)) != len(request.trainees):
            raise ScenarioProblem("trainees", "name each trainee once (at least one)")
        try:
            return check_speed(request.speed)
        except ValueError as exc:
            raise ScenarioProblem("speed", str(exc).split(": ", 1)[-1]) from exc

    def _record_period(self, folder: ExerciseFolder, start: datetime, end: datetime
                       ) -> tuple[list[Cue], dict[int, tuple[float, float, int]], set[str]]:
        with self._live.read() as session:
            reports = exercise_store.reports_between(session=session, start=start, end=end)
            positions = exercise_store.positions_before(session=session, at_ms=epoch_ms(start) + 1)
            fixes = exercise_store.fixes_between(session=session, since_ms=epoch_ms(start), until_ms=epoch_ms(end))
            actual = exercise_store.case_histories(session=session, incident_ids=[r["id"] for r in reports])
        cues = [Cue(r["received_at"], i, CueKind.REPORT, {
            "channel": r["channel"], "external_id": r["external_id"], "reported_at": r["reported_at"].isoformat(),
            "category": r["category"], "description": r["description"], "lon": r["lon"], "lat": r["lat"],
            "address": r["address"], "reporter_name": r["reporter_name"], "reporter_phone": r["reporter_phone"],
            "attributes": r["attributes"], "recorded_id": r["id"]}) for i, r in enumerate(reports)]
        tracks = TrackSource(folder.tracks_file)
        try:
            tracks.write(fixes)
        finally:
            tracks.close()
        folder.write_actual(actual)
        return cues, positions, {f[0] for f in fixes}

    def _spawn(self, folder: ExerciseFolder, *, autostart: bool) -> None:
        manifest = folder.read()
        command = [sys.executable, "-m", "service", "exercise", "serve", "--dir", str(folder.path)]
        if autostart:
            command.append("--autostart")
        with folder.log_file.open("ab") as log:
            proc = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # outlives a CLI that started it
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"exercise process exited; see {folder.log_file}")
            try:
                with urllib.request.urlopen(manifest.address + "/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        proc.terminate()
        raise RuntimeError(f"exercise process did not answer on {manifest.address}")

    # --- find, control ----------------------------------------------------------------------------
    def folder(self, exercise_id: str) -> ExerciseFolder:
        folder = ExerciseFolder(self.root / Path(exercise_id).name)
        if not folder.exists():
            raise NotFound(f"exercise {exercise_id} does not exist")
        return folder

    def list(self) -> list[dict[str, Any]]:
        if not self.root.is_dir():
            return []
        return [ExerciseFolder(p).read().public() for p in sorted(self.root.iterdir())
                if ExerciseFolder(p).exists()]

    def status(self, exercise_id: str) -> dict[str, Any]:
        folder = self.folder(exercise_id)
        manifest = folder.read()
        if manifest.state != ExerciseState.STOPPED:
            try:
                return self._call(manifest, "GET", "/api/v1/exercise")
            except OSError:
                pass  # the process is gone: the folder tells what is left
        return {**manifest.public(), "state": ExerciseState.STOPPED.value if manifest.state != ExerciseState.STOPPED
                else manifest.state}

    def control(self, exercise_id: str, action: ControlAction, *, to: datetime | None = None,
                speed: float | None = None) -> dict[str, Any]:
        folder = self.folder(exercise_id)
        manifest = folder.read()
        body = {"action": action.value, "to": to.isoformat() if to else None, "speed": speed}
        try:
            return self._call(manifest, "POST", "/api/v1/exercise/control", body)
        except OSError as exc:
            if action is ControlAction.STOP:
                folder.update_state(ExerciseState.STOPPED)
                return {**manifest.public(), "state": ExerciseState.STOPPED.value}
            if manifest.state == ExerciseState.STOPPED:
                raise ScenarioProblem("action", "the exercise has stopped; create a new one") from exc
            raise ScenarioProblem("id", f"the exercise process on {manifest.address} does not answer") from exc

    def _call(self, manifest: Manifest, method: str, path: str, body: dict[str, Any] | None = None
              ) -> dict[str, Any]:
        request = urllib.request.Request(manifest.address + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {manifest.trainer_key}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", {})
            problems = detail.get("problems") or [{"field": "action", "reason": detail.get("message", str(exc))}]
            raise ScenarioProblem(problems[0]["field"], problems[0]["reason"]) from exc

    def record(self, exercise_id: str) -> Database:
        """The exercise's own record (read it, then dispose): scoring and review work on it after the end."""
        folder = self.folder(exercise_id)
        manifest = folder.read()
        return Database(exercise_settings(folder, host=manifest.host, port=manifest.port))
