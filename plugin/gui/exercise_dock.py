"""The trainer's small dock: start, pause, resume, seek (to an exercise time), stop, and the speed."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime
from qgis.PyQt.QtWidgets import (
    QDateTimeEdit,
    QDockWidget,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from ..core.exercise import SHANGHAI, ExerciseAction, ExerciseBadge, ExerciseControls
from ..core.i18n import tr


def _shanghai() -> tzinfo:
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # a Python without a time zone database (QGIS on Windows may lack tzdata)
        return SHANGHAI  # the same: China has kept UTC+8 without daylight saving since 1991


SHOWN_IN = _shanghai()


def wall_time_fields(when: datetime) -> QDateTime:
    """`when` as Asia/Shanghai wall-clock fields for the seek box. The fields go in a UTC-spec QDateTime only
    so Qt never shifts them by the machine's own zone; they mean Shanghai time."""
    local = when.astimezone(SHOWN_IN)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second),
                     Qt.UTC)


def instant_of_fields(fields: QDateTime) -> datetime:
    """The instant (UTC) the trainer means by the Asia/Shanghai wall-clock fields of the seek box."""
    d, t = fields.date(), fields.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), tzinfo=SHOWN_IN).astimezone(UTC)


class ExerciseDock(QDockWidget):
    def __init__(self, controls: ExerciseControls, parent: QWidget | None = None) -> None:
        super().__init__(tr("Exercise (trainer)"), parent)
        self.setObjectName("GridCommandExerciseDock")
        self.controls = controls
        body = QWidget(self)
        grid = QGridLayout(body)
        self.clock = QLabel("—")
        grid.addWidget(self.clock, 0, 0, 1, 3)
        self.buttons: dict[ExerciseAction, QPushButton] = {}
        for i, (action, text) in enumerate(((ExerciseAction.START, tr("Start")), (ExerciseAction.PAUSE, tr("Pause")),
                                            (ExerciseAction.RESUME, tr("Resume")), (ExerciseAction.STOP, tr("Stop")))):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, a=action: self._send(a))
            grid.addWidget(button, 1 + i // 2, i % 2)
            self.buttons[action] = button
        self.speed = QDoubleSpinBox()
        self.speed.setRange(1, 3600)
        self.speed.setValue(60)
        self.speed.setSuffix("×")
        grid.addWidget(QLabel(tr("Speed")), 3, 0)
        grid.addWidget(self.speed, 3, 1)
        # Exercise time as the banner shows it (Asia/Shanghai); sent to the service in UTC.
        self.seek_to = QDateTimeEdit()
        self.seek_to.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.seek_to.setTimeSpec(Qt.UTC)
        self.seek_button = QPushButton(tr("Seek"))
        self.seek_button.clicked.connect(self._seek)
        grid.addWidget(self.seek_to, 4, 0)
        grid.addWidget(self.seek_button, 4, 1)
        self.setWidget(body)

    def _send(self, action: ExerciseAction) -> None:
        self.controls.send(action, speed=self.speed.value() if action in (ExerciseAction.START,
                                                                           ExerciseAction.RESUME) else None)

    def _seek(self) -> None:
        self.controls.send(ExerciseAction.SEEK, to=instant_of_fields(self.seek_to.dateTime()))

    def show_badge(self, badge: ExerciseBadge | None) -> None:
        if badge is None:
            return
        self.clock.setText(badge.text)
        if not self.seek_to.hasFocus():
            self.seek_to.setDateTime(wall_time_fields(badge.clock))
