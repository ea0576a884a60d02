"""Exercises as the plugin sees them: is this address an exercise, the trainer's controls, and playback layers
with temporal properties for QGIS's Temporal Controller. No widgets here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum, unique
from typing import Any

from qgis.core import (
    QgsDateTimeRange,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsVectorLayer,
    QgsVectorLayerTemporalProperties,
)
from qgis.PyQt.QtCore import QDateTime, QObject, Qt, QTimer, QVariant, pyqtSignal

from .client import ApiResult, ServiceClient

SHANGHAI = timezone(timedelta(hours=8))
BANNER_TEXT = "演练 EXERCISE — not live"
POLL_MS = 2000


@unique
class ExerciseAction(Enum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    SEEK = "seek"
    STOP = "stop"


@unique
class PlaybackLayer(Enum):
    CASES = "gridcommand_playback_cases"
    FIXES = "gridcommand_playback_fixes"


@dataclass(frozen=True)
class ExerciseBadge:
    """What an exercise process says about itself on /health and in the snapshot."""

    id: str
    name: str
    state: str
    clock: datetime
    speed: float

    @staticmethod
    def from_json(data: dict[str, Any] | None) -> ExerciseBadge | None:
        if not data:
            return None
        return ExerciseBadge(str(data["id"]), str(data.get("name", "")), str(data.get("state", "")),
                             datetime.fromisoformat(data["clock"]), float(data.get("speed", 1)))

    @property
    def text(self) -> str:
        """The banner line: the exercise's own time, shown in Asia/Shanghai like every time in the plugin."""
        local = self.clock.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        return f"{BANNER_TEXT} · {self.name} · {local} · {self.speed:g}× · {self.state}"


class ServiceTime:
    """The time the connected service runs on, for countdowns: the exercise clock (carried forward between
    polls at its speed) when connected to an exercise, else the wall clock."""

    def __init__(self) -> None:
        self.badge: ExerciseBadge | None = None
        self._received = 0.0

    def update(self, badge: ExerciseBadge | None) -> None:
        self.badge, self._received = badge, time.monotonic()

    def now(self) -> float:
        badge = self.badge
        if badge is None:
            return time.time()
        if badge.state != "running":
            return badge.clock.timestamp()
        return badge.clock.timestamp() + (time.monotonic() - self._received) * badge.speed


class ExerciseWatch(QObject):
    """Asks /health every few seconds; says when the connected address is (or stops being) an exercise."""

    changed = pyqtSignal(object)  # ExerciseBadge or None

    def __init__(self, client: ServiceClient, service_time: ServiceTime | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.service_time = service_time or ServiceTime()
        self.badge: ExerciseBadge | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.poll()
        self._timer.start(POLL_MS)

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        self.client.get("/health", self._answered)

    def take(self, data: dict[str, Any] | None) -> None:
        """From any answer that carries the marker (health, snapshot)."""
        badge = ExerciseBadge.from_json(data)
        self.service_time.update(badge)
        if badge != self.badge:
            self.badge = badge
            self.changed.emit(badge)

    def _answered(self, result: ApiResult) -> None:
        if result.ok and isinstance(result.data, dict):
            self.take(result.data.get("exercise"))


class ExerciseControls(QObject):
    """The trainer's controls, sent to the exercise process; `answered(ok, message)` for the message bar."""

    answered = pyqtSignal(bool, str)

    def __init__(self, client: ServiceClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client

    def send(self, action: ExerciseAction, *, to: datetime | None = None, speed: float | None = None) -> None:
        body: dict[str, Any] = {"action": action.value}
        if to is not None:
            body["to"] = to.isoformat()
        if speed is not None:
            body["speed"] = speed
        self.client.post("/api/v1/exercise/control", body, lambda r: self._done(action, r))

    def _done(self, action: ExerciseAction, result: ApiResult) -> None:
        if result.ok:
            self.answered.emit(True, f"{action.value}: {result.data.get('state')} at "
                                     f"{ExerciseBadge.from_json(result.data).text if result.data else ''}")
        else:
            self.answered.emit(False, f"{action.value}: {result.error}")


# --- playback in the Temporal Controller ---------------------------------------------------------
def _qdt(value: str | int | None) -> QDateTime:
    if value is None:
        return QDateTime()
    if isinstance(value, int):
        return QDateTime.fromMSecsSinceEpoch(value, Qt.UTC)
    return QDateTime.fromMSecsSinceEpoch(int(datetime.fromisoformat(value).timestamp() * 1000), Qt.UTC)


def playback_layers(data: dict[str, Any]) -> tuple[QgsVectorLayer, QgsVectorLayer, QgsDateTimeRange]:
    """Cases (present from received to done) and unit fixes (each an instant), both with temporal properties
    set from their fields, and the whole period as a range for the Temporal Controller."""
    cases = QgsVectorLayer("Point?crs=EPSG:4326", "Playback: cases", "memory")
    cases.dataProvider().addAttributes([QgsField("id", QVariant.Int), QgsField("category", QVariant.String),
                                        QgsField("status", QVariant.String), QgsField("start", QVariant.DateTime),
                                        QgsField("end", QVariant.DateTime)])
    cases.updateFields()
    features = []
    for c in data.get("cases", []):
        f = QgsFeature(cases.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(c["lon"], c["lat"])))
        f.setAttributes([c["id"], c["category"], c["status"], _qdt(c["start"]), _qdt(c.get("end"))])
        features.append(f)
    cases.dataProvider().addFeatures(features)
    fixes = QgsVectorLayer("Point?crs=EPSG:4326", "Playback: unit tracks", "memory")
    fixes.dataProvider().addAttributes([QgsField("unit", QVariant.String), QgsField("time", QVariant.DateTime)])
    fixes.updateFields()
    features = []
    for x in data.get("fixes", []):
        f = QgsFeature(fixes.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x["lon"], x["lat"])))
        f.setAttributes([x["unit"], _qdt(int(x["time_ms"]))])
        features.append(f)
    fixes.dataProvider().addFeatures(features)
    for layer in (cases, fixes):
        layer.updateExtents()
    tp = cases.temporalProperties()
    tp.setMode(QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromFields)
    tp.setStartField("start")
    tp.setEndField("end")  # an empty end: the case is still open, shown to the end of the period
    tp.setIsActive(True)
    fp = fixes.temporalProperties()
    fp.setMode(QgsVectorLayerTemporalProperties.ModeFeatureDateTimeInstantFromField)
    fp.setStartField("time")
    fp.setFixedDuration(1.0)
    fp.setIsActive(True)
    cases.setCustomProperty("gridcommand/layer_id", PlaybackLayer.CASES.value)
    fixes.setCustomProperty("gridcommand/layer_id", PlaybackLayer.FIXES.value)
    start, end = _qdt(data["start"]), _qdt(data["end"])
    return cases, fixes, QgsDateTimeRange(start, end)
