"""Data access for the street's polygons and rosters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import shapely
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from service.domain.geography import Area, Locator
from service.domain.gridcodes import Level
from service.store.models import AreaRow, DepartmentRow, FixRow, IncidentRow, PersonRow, TeamRow, UnitRow


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
    rows = list_areas(session=session)
    grids = {r.code: r for r in rows if r.level == Level.GRID}

    def area(r: AreaRow) -> Area:
        grid = grids.get(r.parent_code or "")
        return Area(r.code, shapely.from_wkb(r.geometry_wkb), grid=r.parent_code,
                    community=grid.parent_code if grid else None)

    return Locator(micro_grids=[area(r) for r in rows if r.level == Level.MICRO_GRID],
                   defence_zones=[area(r) for r in rows if r.level == Level.DEFENCE_ZONE],
                   patrol_zones=[area(r) for r in rows if r.level == Level.PATROL_ZONE])


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
