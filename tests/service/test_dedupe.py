"""The same problem reported twice is linked, not merged; repeats at one place over days are counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.dedupe import Recent, RecentIndex

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def index() -> RecentIndex:
    return RecentIndex(duplicate_radius_m=150, duplicate_window=timedelta(hours=1),
                       repeat_radius_m=50, repeat_window=timedelta(days=30))


def test_a_near_report_of_the_same_category_within_the_hour_is_a_duplicate_of_the_first() -> None:
    idx = index()
    idx.add(Recent(1, 120.15, 30.16, "E0102", T0, None))
    idx.add(Recent(2, 120.1501, 30.16, "E0102", T0 + timedelta(minutes=3), 1))  # already a duplicate of 1
    match = idx.match(lon=120.1505, lat=30.1601, category="E0102", reported_at=T0 + timedelta(minutes=10))
    assert match.duplicate_of == 1


def test_another_category_a_far_place_or_a_later_day_is_not_a_duplicate() -> None:
    idx = index()
    idx.add(Recent(1, 120.15, 30.16, "E0102", T0, None))
    assert idx.match(lon=120.15, lat=30.16, category="L0201", reported_at=T0).duplicate_of is None
    assert idx.match(lon=120.16, lat=30.16, category="E0102", reported_at=T0).duplicate_of is None
    later = idx.match(lon=120.15, lat=30.16, category="E0102", reported_at=T0 + timedelta(days=2))
    assert later.duplicate_of is None and later.repeat_count == 1


def test_repeat_complaints_at_one_place_over_days_are_counted() -> None:
    idx = index()
    for day in range(4):
        idx.add(Recent(day + 1, 120.15, 30.16, "L0201", T0 + timedelta(days=day), None))
    match = idx.match(lon=120.1502, lat=30.16, category="L0201", reported_at=T0 + timedelta(days=5))
    assert match.repeat_count == 4
    assert idx.match(lon=120.15, lat=30.16, category="L0201",
                     reported_at=T0 + timedelta(days=40)).repeat_count == 0  # outside the 30-day window


def test_prune_forgets_only_what_can_no_longer_match() -> None:
    idx = index()
    idx.add(Recent(1, 120.15, 30.16, "L0201", T0, None))
    idx.add(Recent(2, 120.15, 30.16, "L0201", T0 + timedelta(days=40), None))
    idx.prune(T0 + timedelta(days=45))
    assert len(idx) == 1
