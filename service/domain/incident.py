"""A case as every channel hands it over (the draft) and as intake normalizes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.domain import coords
from service.domain.catalog import CATEGORIES, Channel, Priority
from service.domain.errors import FieldProblem, InvalidInput
from service.domain.geography import Locator, Placement

MAX_DESCRIPTION = 4000
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass
class IncidentDraft:
    """What a channel adapter produces from its own payload; nothing is checked yet."""

    channel: Channel
    external_id: str
    reported_at: datetime
    category: str
    description: str
    x: float | None
    y: float | None
    crs: str | None = None
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    priority: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    # the channel's own field names, so an error names what the sender actually sent
    field_names: dict[str, str] = field(default_factory=dict)

    def field_name(self, name: str) -> str:
        return self.field_names.get(name, name)


@dataclass
class NormalizedIncident:
    """A draft that passed every check, in the stored CRS, placed in the street."""

    draft: IncidentDraft
    lon: float
    lat: float
    source_crs: str
    priority: Priority
    placement: Placement
    received_at: datetime


def normalize(drafts: list[IncidentDraft], *, locator: Locator, now: datetime
              ) -> list[NormalizedIncident | list[FieldProblem]]:
    """Check each draft, convert its point to the stored CRS and place it; problems per item."""
    results: list[NormalizedIncident | list[FieldProblem]] = [[] for _ in drafts]
    crs_of: list[coords.SourceCrs | None] = []
    for i, d in enumerate(drafts):
        problems = _check_fields(d, now)
        crs: coords.SourceCrs | None = None
        try:
            crs = coords.parse_crs(d.crs, field=d.field_name("crs"))
        except InvalidInput as exc:
            problems.extend(exc.problems)
        crs_of.append(crs)
        results[i] = problems

    lon, lat, ok = coords.points_to_storage([crs if not results[i] else None for i, crs in enumerate(crs_of)],
                                            [float(d.x or 0.0) for d in drafts], [float(d.y or 0.0) for d in drafts])
    for i, d in enumerate(drafts):
        crs = crs_of[i]
        if crs is not None and not results[i] and not ok[i]:
            results[i] = [FieldProblem(d.field_name("x"), f"({d.x}, {d.y}) is not a valid position in {crs.label}")]

    good = [i for i, r in enumerate(results) if not r]
    placements = locator.locate([lon[i] for i in good], [lat[i] for i in good])
    for i, placement in zip(good, placements):
        d = drafts[i]
        crs = crs_of[i]
        assert crs is not None
        category = CATEGORIES[d.category]
        results[i] = NormalizedIncident(
            draft=d, lon=lon[i], lat=lat[i], source_crs=crs.label,
            priority=Priority(d.priority) if d.priority is not None else category.priority,
            placement=placement, received_at=now)
    return results


def _check_fields(d: IncidentDraft, now: datetime) -> list[FieldProblem]:
    problems: list[FieldProblem] = []

    def bad(name: str, reason: str) -> None:
        problems.append(FieldProblem(d.field_name(name), reason))

    if not d.external_id or not str(d.external_id).strip():
        bad("external_id", "is required")
    elif len(d.external_id) > 64:
        bad("external_id", "is longer than 64 characters")
    if d.category not in CATEGORIES:
        bad("category", f"unknown category {d.category!r}")
    if not d.description or not d.description.strip():
        bad("description", "is required")
    elif len(d.description) > MAX_DESCRIPTION:
        bad("description", f"is longer than {MAX_DESCRIPTION} characters")
    if d.reported_at.tzinfo is None:
        bad("reported_at", "has no time zone; send ISO 8601 with an offset, e.g. +08:00")
    elif d.reported_at > now + FUTURE_TOLERANCE:
        bad("reported_at", f"{d.reported_at.isoformat()} is in the future")
    if d.x is None or d.y is None:
        bad("x" if d.x is None else "y", "a position is required")
    if d.priority is not None and d.priority not in {p.value for p in Priority}:
        bad("priority", f"{d.priority} is not one of 1 (urgent) to 4 (low)")
    return problems
