"""Every deadline asks one clock, so an exercise can replay a day at 60x or step by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.domain.clock import ManualClock
from service.domain.replay import ExerciseClock


def test_a_scaled_clock_runs_sixty_times_faster_from_its_origin() -> None:
    base = ManualClock(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    exercise = ExerciseClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC), 60.0, base=base)
    exercise.resume()
    base.advance(timedelta(seconds=10))
    assert exercise.now() == datetime(2025, 3, 1, 9, 10, tzinfo=UTC)


def test_a_manual_clock_needs_a_time_zone() -> None:
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 11, 21, 8, 0))
