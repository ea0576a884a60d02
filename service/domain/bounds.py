"""What a value must be to be stored and believed: integers a database column holds, finite numbers,
times that convert to UTC, and times inside a plausible window around now."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from service.domain.errors import FieldProblem

# PostgreSQL's INTEGER (the id and version columns) is the narrowest store we run on; SQLite holds 64 bits.
ID_MAX = 2**31 - 1
FUTURE_TOLERANCE = timedelta(minutes=5)


def finite(value: float) -> bool:
    return math.isfinite(value)


def to_utc(value: datetime) -> datetime | None:
    """The same instant in UTC, or None when it falls outside the years 1-9999 once converted."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def plausible_time(value: datetime, *, now: datetime, horizon: timedelta, field: str,
                   what: str) -> FieldProblem | None:
    """A report or a fix must not come from the future (beyond clock drift) nor from before the horizon."""
    utc = to_utc(value)
    if utc is None:
        return FieldProblem(field, f"{value.isoformat()} is outside the years 1-9999 in UTC")
    if utc > now + FUTURE_TOLERANCE:
        return FieldProblem(field, f"{value.isoformat()} is in the future (more than "
                                   f"{int(FUTURE_TOLERANCE.total_seconds() // 60)} minutes ahead of the service's clock)")
    if utc < now - horizon:
        return FieldProblem(field, f"{value.isoformat()} is older than the {_days(horizon)} this service accepts "
                                   f"for a {what}")
    return None


def _days(span: timedelta) -> str:
    days = span.total_seconds() / 86400
    return f"{days:g} days" if days != 1 else "1 day"
