"""The banner no operator can miss when connected to an exercise: across the top of the map, and in the status bar."""

from __future__ import annotations

from typing import Any

from qgis.PyQt.QtCore import QEvent, QObject, Qt
from qgis.PyQt.QtWidgets import QLabel, QWidget

from ..core.exercise import ExerciseBadge

STYLE = ("background-color: rgba(176, 0, 32, 215); color: white; font-weight: bold; font-size: 15px; "
         "padding: 6px 12px; border: 2px solid #ffd400;")
STATUS_STYLE = "background-color: #b00020; color: white; font-weight: bold; padding: 1px 8px;"


class ExerciseBanner(QObject):
    """A label laid over the map canvas (kept across its full width) and one in the status bar."""

    def __init__(self, canvas: QWidget, status_bar: Any) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.status_bar = status_bar
        self.label = QLabel(canvas)
        self.label.setObjectName("GridCommandExerciseBanner")
        self.label.setAlignment(Qt.AlignCenter)
        self.label.setStyleSheet(STYLE)
        self.label.setAttribute(Qt.WA_TransparentForMouseEvents)  # clicks still reach the map tool
        self.label.hide()
        self.status = QLabel()
        self.status.setObjectName("GridCommandExerciseStatus")
        self.status.setStyleSheet(STATUS_STYLE)
        self.status.hide()
        status_bar.addPermanentWidget(self.status)
        canvas.installEventFilter(self)

    def show_badge(self, badge: ExerciseBadge | None) -> None:
        if badge is None:
            self.label.hide()
            self.status.hide()
            return
        self.label.setText(badge.text)
        self.status.setText(badge.text)
        self._place()
        self.label.show()
        self.label.raise_()
        self.status.show()

    @property
    def visible(self) -> bool:
        return not self.label.isHidden() and not self.status.isHidden()

    def _place(self) -> None:
        self.label.setGeometry(0, 0, max(self.canvas.width(), 200), 34)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.canvas and event.type() == QEvent.Resize:
            self._place()
        return False

    def remove(self) -> None:
        self.canvas.removeEventFilter(self)
        self.status_bar.removeWidget(self.status)
        self.status.deleteLater()
        self.label.deleteLater()
