"""Data access for the street's polygons and rosters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import delete, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from service.domain.geography import Area, Locator
from service.domain.gridcodes import Level
from service.store.models import (
    AreaRow,
    AreaVersionRow,
    BoundaryRevisionRow,
    BuildingRow,
    DepartmentRow,
    FixRow,
    IncidentRow,
    PersonRow,
    TeamRow,
    UnitRow,
)


def replace_areas(*, session: Session, rows: Sequence[dict[str, Any]], levels: Iterable[Level]) -> None:
    """Replace every polygon of the given levels by `rows` (code, level, name, parent_code, households,
    geometry as shapely, attributes)."""
    session.execute(delete(AreaRow).where(AreaRow.level.in_([lv.value for lv in levels])))
    if rows:
        session.execute(insert(AreaRow), [
            {"code": r["code"], "level": Level(r["level"]).value, "name": r["name"], "parent_code": r.get("parent_code"),
             "households": r.get("households"), "geometry_wkb": shapely.to_wkb(r["geometry"]),
             "attributes": r.get("attributes") or {}, **_bounds(r["geometry"])} for r in rows])


def _bounds(geometry: Any) -> dict[str, float]:
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return {"min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat}


def list_areas(*, session: Session, level: Level | None = None) -> list[AreaRow]:
    query = select(AreaRow).order_by(AreaRow.code)
    if level is not None:
        query = query.where(AreaRow.level == level.value)
    return list(session.scalars(query))


def has_areas(*, session: Session) -> bool:
    return session.scalar(select(AreaRow.code).limit(1)) is not None


def build_locator(*, session: Session) -> Locator:
    """The locator over every version of the micro-grids and zones, each with its validity interval."""
    current = list_areas(session=session)
    retired = list(session.scalars(select(AreaVersionRow).order_by(AreaVersionRow.id)))
    every: list[AreaRow | AreaVersionRow] = [*retired, *current]  # current last: it names the community
    community_of = {r.code: r.parent_code for r in every if r.level == Level.GRID}

    def area(r: AreaRow | AreaVersionRow) -> Area:
        return Area(r.code, shapely.from_wkb(r.geometry_wkb), grid=r.parent_code,
                    community=community_of.get(r.parent_code or ""), valid_from=r.valid_from,
                    valid_to=r.valid_to if isinstance(r, AreaVersionRow) else None)

    return Locator(micro_grids=[area(r) for r in every if r.level == Level.MICRO_GRID],
                   defence_zones=[area(r) for r in every if r.level == Level.DEFENCE_ZONE],
                   patrol_zones=[area(r) for r in every if r.level == Level.PATROL_ZONE])


AnyAreaRow = AreaRow | AreaVersionRow


def areas_at(*, session: Session, level: Level, at: datetime | None) -> list[AnyAreaRow]:
    """The areas of `level` valid at the instant `at` (None: the current ones), ordered by code."""
    if at is None:
        return list(list_areas(session=session, level=level))
    current = session.scalars(select(AreaRow).where(
        AreaRow.level == level.value, or_(AreaRow.valid_from.is_(None), AreaRow.valid_from <= at)))
    retired = session.scalars(select(AreaVersionRow).where(
        AreaVersionRow.level == level.value, AreaVersionRow.valid_to > at,
        or_(AreaVersionRow.valid_from.is_(None), AreaVersionRow.valid_from <= at)))
    return sorted([*current, *retired], key=lambda r: r.code)


def has_pending_versions(*, session: Session, level: Level, now: datetime) -> bool:
    """Whether a published revision of `level` takes effect only later (so the areas table is not yet today's)."""
    return session.scalar(select(exists().where(AreaRow.level == level.value, AreaRow.valid_from > now))) or False


def areas_during(*, session: Session, level: Level, start: datetime | None,
                 end: datetime | None) -> list[AnyAreaRow]:
    """Every version of `level` valid at some instant of [start, end] (open ends: unbounded)."""
    current = select(AreaRow).where(AreaRow.level == level.value)
    retired = select(AreaVersionRow).where(AreaVersionRow.level == level.value)
    if end is not None:
        current = current.where(or_(AreaRow.valid_from.is_(None), AreaRow.valid_from <= end))
        retired = retired.where(or_(AreaVersionRow.valid_from.is_(None), AreaVersionRow.valid_from <= end))
    if start is not None:
        retired = retired.where(AreaVersionRow.valid_to > start)
    rows: list[AnyAreaRow] = [*session.scalars(current), *session.scalars(retired)]
    return sorted(rows, key=lambda r: (r.code, r.valid_from.isoformat() if r.valid_from else ""))


def latest_revision(*, session: Session) -> BoundaryRevisionRow | None:
    return session.scalars(select(BoundaryRevisionRow).order_by(BoundaryRevisionRow.id.desc()).limit(1)).first()


def get_revision(*, session: Session, revision_id: int) -> BoundaryRevisionRow | None:
    return session.get(BoundaryRevisionRow, revision_id)


def list_revisions(*, session: Session, level: Level | None = None) -> list[BoundaryRevisionRow]:
    query = select(BoundaryRevisionRow).order_by(BoundaryRevisionRow.id)
    if level is not None:
        query = query.where(BoundaryRevisionRow.level == level.value)
    return list(session.scalars(query))


def publish_revision(*, session: Session, level: Level, rows: Sequence[dict[str, Any]], retire: Sequence[str],
                     effective_at: datetime, published_at: datetime, author: str, note: str,
                     rollback_of: int | None, changes: dict[str, Any]) -> BoundaryRevisionRow:
    """Record a revision: current areas `retire` (codes) move to history, ending at `effective_at`;
    `rows` (new or changed areas) become current from `effective_at`. History is only appended to."""
    revision = BoundaryRevisionRow(level=level.value, effective_at=effective_at, published_at=published_at,
                                   author=author, note=note, rollback_of=rollback_of, changes=changes)
    session.add(revision)
    session.flush()
    if retire:
        old = list(session.scalars(select(AreaRow).where(AreaRow.level == level.value, AreaRow.code.in_(retire))))
        session.execute(insert(AreaVersionRow), [
            {"code": r.code, "level": r.level, "name": r.name, "parent_code": r.parent_code,
             "households": r.households, "geometry_wkb": r.geometry_wkb, "attributes": r.attributes or {},
             "valid_from": r.valid_from, "valid_to": effective_at, "revision_id": r.revision_id,
             "retired_by": revision.id} for r in old])
        session.execute(delete(AreaRow).where(AreaRow.level == level.value, AreaRow.code.in_(retire)))
    if rows:
        session.execute(insert(AreaRow), [
            {"code": r["code"], "level": level.value, "name": r["name"], "parent_code": r.get("parent_code"),
             "households": r.get("households"), "geometry_wkb": shapely.to_wkb(r["geometry"]),
             "attributes": r.get("attributes") or {}, "valid_from": effective_at, "revision_id": revision.id,
             **_bounds(r["geometry"])} for r in rows])
    return revision


def open_incidents(*, session: Session, statuses: Iterable[str]) -> list[IncidentRow]:
    """Open cases with a position: the ones a boundary change may move."""
    return list(session.scalars(select(IncidentRow).where(
        IncidentRow.status.in_(list(statuses)), IncidentRow.lon.is_not(None)).order_by(IncidentRow.id)))


def relocate_incidents(*, session: Session, moves: dict[int, dict[str, Any]], now: datetime) -> list[IncidentRow]:
    """Give open cases their places under new boundaries; each case's version goes up by one."""
    if not moves:
        return []
    versions = dict(session.execute(select(IncidentRow.id, IncidentRow.version).where(IncidentRow.id.in_(list(moves))))
                    .tuples().all())
    session.execute(update(IncidentRow), [{"id": i, **place, "version": versions[i] + 1, "updated_at": now}
                                          for i, place in moves.items()])
    return list(session.scalars(select(IncidentRow).where(IncidentRow.id.in_(list(moves))).order_by(IncidentRow.id)))


def units_homed_in(*, session: Session, grids: Iterable[str], zones: Iterable[str]) -> list[UnitRow]:
    return list(session.scalars(select(UnitRow).where(or_(
        UnitRow.home_grid.in_(list(grids)), UnitRow.home_zone.in_(list(zones)))).order_by(UnitRow.id)))


def people_of_grids(*, session: Session, grids: Iterable[str]) -> list[PersonRow]:
    return list(session.scalars(select(PersonRow).where(PersonRow.grid_code.in_(list(grids))).order_by(PersonRow.id)))


def teams_of_zones(*, session: Session, zones: Iterable[str]) -> list[TeamRow]:
    return list(session.scalars(select(TeamRow).where(TeamRow.zone_code.in_(list(zones))).order_by(TeamRow.code)))




def replace_roster(*, session: Session, people: Sequence[dict[str, Any]], teams: Sequence[dict[str, Any]],
                   departments: dict[str, str]) -> None:
    for model in (PersonRow, TeamRow, DepartmentRow):
        session.execute(delete(model))
    if teams:
        session.execute(insert(TeamRow), list(teams))
    if people:
        session.execute(insert(PersonRow), list(people))
    if departments:
        session.execute(insert(DepartmentRow), [{"code": k, "name_en": v} for k, v in departments.items()])


def replace_units(*, session: Session, units: Sequence[dict[str, Any]]) -> None:
    session.execute(update(IncidentRow).values(assigned_unit=None))
    session.execute(delete(FixRow))
    session.execute(delete(UnitRow))
    if units:
        session.execute(insert(UnitRow), list(units))


def staff_of_grid(*, session: Session, grid_code: str) -> list[PersonRow]:
    rows = session.scalars(select(PersonRow).where(PersonRow.grid_code == grid_code).order_by(PersonRow.id))
    return list(rows)


def teams(*, session: Session) -> list[TeamRow]:
    return list(session.scalars(select(TeamRow).order_by(TeamRow.code)))


def departments(*, session: Session) -> list[DepartmentRow]:
    return list(session.scalars(select(DepartmentRow).order_by(DepartmentRow.code)))


def replace_buildings(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Replace every building (code, micro_grid, households, lon, lat)."""
    session.execute(delete(BuildingRow))
    if rows:
        session.execute(insert(BuildingRow), list(rows))


def buildings(*, session: Session) -> list[BuildingRow]:
    return list(session.scalars(select(BuildingRow).order_by(BuildingRow.code)))


def get_area(*, session: Session, code: str) -> AreaRow | None:
    return session.get(AreaRow, code)


def get_building(*, session: Session, code: str) -> BuildingRow | None:
    return session.get(BuildingRow, code)
