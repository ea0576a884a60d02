"""The trainer's small dock: start, pause, resume, seek (to an exercise time), stop, and the speed."""

from __future__ import annotations

from datetime import UTC, datetime

from qgis.PyQt.QtCore import QDateTime, Qt
from qgis.PyQt.QtWidgets import (
    QDateTimeEdit,
    QDockWidget,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from ..core.exercise import ExerciseAction, ExerciseBadge, ExerciseControls
from ..core.i18n import tr


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
        when = datetime.fromtimestamp(self.seek_to.dateTime().toMSecsSinceEpoch() / 1000, UTC)
        self.controls.send(ExerciseAction.SEEK, to=when)

    def show_badge(self, badge: ExerciseBadge | None) -> None:
        if badge is None:
            return
        self.clock.setText(badge.text)
        if not self.seek_to.hasFocus():
            self.seek_to.setDateTime(QDateTime.fromMSecsSinceEpoch(int(badge.clock.timestamp() * 1000), Qt.UTC))
