"""The trainer's seek box speaks the banner's time (Asia/Shanghai) and the service's (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime  # noqa: E402

from plugin.core.exercise import ExerciseAction, ExerciseBadge  # noqa: E402
from plugin.gui.exercise_dock import ExerciseDock  # noqa: E402


class SentControls:
    """Where the dock's controls go: kept here instead of posted, to read what the trainer sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[ExerciseAction, dict[str, Any]]] = []

    def send(self, action: ExerciseAction, **fields: Any) -> None:
        self.sent.append((action, fields))


def test_trainer_seeks_in_the_banners_shanghai_time_and_the_service_gets_utc(qgis_app: Any) -> None:
    controls = SentControls()
    dock = ExerciseDock(controls)  # type: ignore[arg-type]
    dock.show_badge(ExerciseBadge("x", "typhoon night", "paused", datetime(2026, 7, 14, 12, 0, tzinfo=UTC), 60))
    assert "2026-07-14 20:00:00" in dock.clock.text()
    assert dock.seek_to.text() == "2026-07-14 20:00:00"  # as the banner shows it, not 12:00 UTC

    dock.seek_to.setDateTime(QDateTime(QDate(2026, 7, 15), QTime(1, 30, 0), Qt.UTC))  # typed: 01:30 next morning
    dock.seek_button.click()
    assert controls.sent == [(ExerciseAction.SEEK, {"to": datetime(2026, 7, 14, 17, 30, tzinfo=UTC)})]
