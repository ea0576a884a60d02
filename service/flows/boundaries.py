"""Boundary revisions: validate, preview the impact of, publish and roll back one level's polygons.

A revision replaces a whole level as of its effective time. Areas it leaves unchanged keep their
validity; changed and removed ones are retired into history (valid until the effective time), new and
changed ones are valid from it. Rolling back publishes the state before a revision as a new revision.

A publish writes the revision, its rows, the open cases it moves and their events in ONE transaction,
then hands the events to `on_commit` (the projector): the locator of this and every other process
rebuilds from the boundaries.changed event; no cache is touched here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import shapely

from service.domain.clock import Clock
from service.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from service.domain.events import EventKind, NewEvent, OnCommit, Subject
from service.domain.geography import Area, Locator, Placement
from service.domain.gridcodes import CODE_LENGTH, DEFAULT_LAYOUT, PARENT_LEVEL, CodeLayout, Level, parse_code
from service.domain.lifecycle import OPEN_STATUSES
from service.domain.topology import DEFAULT_TOLERANCE_M2, Piece, TopologyProblem, validate
from service.store import areas as area_store
from service.store import events as event_log
from service.store import incidents as incident_store
from service.store import roads as road_store
from service.store.db import Database
from service.store.models import BoundaryRevisionRow

HOUSEHOLDS_MIN, HOUSEHOLDS_MAX = 300, 500  # the Jiading rule for a micro-grid
CHILD_LEVEL = {parent: child for child, parent in PARENT_LEVEL.items()}
ZONE_PARENT = {Level.PATROL_ZONE: Level.DEFENCE_ZONE}
PLACE_FIELDS = ("micro_grid", "grid", "community", "defence_zone", "patrol_zone")


class TopologyRefused(InvalidInput):
    """A draft breaks topology rules (HTTP 422); carries every problem with its areas and location."""

    def __init__(self, problems: list[TopologyProblem]) -> None:
        super().__init__([FieldProblem(f"features[{','.join(p.codes)}]",
                                       f"{p.kind.value} at {p.location[0]},{p.location[1]}: {p.detail}")
                          for p in problems])
        self.topology = problems


@dataclass(frozen=True)
class Draft:
    """One level's complete new state, and when and why it should take effect."""

    level: Level
    rows: Sequence[dict[str, Any]]
    effective_at: datetime
    note: str
    author: str
    base_revision: int | None = None
    rollback_of: int | None = None


@dataclass
class Outcome:
    """What a publish did (or, in a dry run, would do)."""

    dry_run: bool
    revision: int | None
    level: Level
    effective_at: datetime
    problems: list[TopologyProblem]
    changes: dict[str, list[str]]
    impact: dict[str, Any] = field(default_factory=dict)
    count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "revision": self.revision, "level": self.level.value,
                "imported": self.count,
                "effective_at": self.effective_at.isoformat(), "valid": not self.problems,
                "problems": [p.as_dict() for p in self.problems], "changes": self.changes, "impact": self.impact}


def _code_rule(level: Level, layout: CodeLayout) -> Any:
    def check(piece: Piece) -> str | None:
        try:
            parse_code(piece.code, level=level, layout=layout)
        except InvalidInput as exc:
            return exc.message
        if piece.parent_code and not piece.code.startswith(piece.parent_code):
            return f"{piece.code} does not begin with its parent's code {piece.parent_code}"
        return None
    return check if level in CODE_LENGTH else None


def _pieces(rows: Sequence[Any]) -> list[Piece]:
    out = []
    for r in rows:
        if isinstance(r, dict):
            out.append(Piece(r["code"], r.get("parent_code"), r["geometry"]))
        else:
            out.append(Piece(r.code, r.parent_code, shapely.from_wkb(r.geometry_wkb)))
    return out


def check_topology(session: Any, level: Level, rows: Sequence[dict[str, Any]], *, at: datetime | None,
                   layout: CodeLayout = DEFAULT_LAYOUT,
                   tolerance_m2: float = DEFAULT_TOLERANCE_M2) -> list[TopologyProblem]:
    """The draft against its parents (the level above) and its current children (the level below)."""
    parent_level = PARENT_LEVEL.get(level) or ZONE_PARENT.get(level)
    parents = _pieces(area_store.areas_at(session=session, level=parent_level, at=at)) if parent_level else None
    if parents == [] and level not in CODE_LENGTH:
        parents = None
    problems = validate(_pieces(rows), parents, tolerance_m2=tolerance_m2, check_code=_code_rule(level, layout))
    child_level = CHILD_LEVEL.get(level)
    if child_level is not None and not problems:
        children = area_store.areas_at(session=session, level=child_level, at=at)
        if children:
            problems += [p for p in validate(_pieces(children), _pieces(rows), tolerance_m2=tolerance_m2)
                         if p.kind.value in ("outside_parent", "gap", "unknown_parent")]
    return problems


def _same(old: Any, new: dict[str, Any]) -> bool:
    return (old.name == new["name"] and old.parent_code == new.get("parent_code")
            and old.households == new.get("households")
            and bool(shapely.equals_exact(shapely.normalize(shapely.from_wkb(old.geometry_wkb)),
                                          shapely.normalize(new["geometry"]), 1e-9)))


def _diff(current: Sequence[Any], rows: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    old = {r.code: r for r in current}
    new = {r["code"]: r for r in rows}
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": sorted(c for c in set(new) & set(old) if not _same(old[c], new[c])),
            "unchanged": sorted(c for c in set(new) & set(old) if _same(old[c], new[c]))}


def _touched_region(session: Any, draft: Draft, touched: set[str]) -> Any:
    """Where the draft changes anything: the old and new shapes of every area it adds, changes or removes."""
    geoms = [r["geometry"] for r in draft.rows if r["code"] in touched]
    geoms += [shapely.from_wkb(r.geometry_wkb) for r in area_store.areas_at(session=session, level=draft.level, at=None)
              if r.code in touched]
    region = shapely.union_all(geoms)
    shapely.prepare(region)
    return region


def _locator_after(session: Any, level: Level, rows: Sequence[dict[str, Any]], region: Any) -> Locator:
    """The latest boundaries with `level` replaced by the draft, within `region`: where places will be.

    Only areas meeting the region are indexed: a point inside it can be in no other."""
    def near(found: list[Any]) -> list[Any]:
        if not found:
            return found
        hits = shapely.intersects(region, shapely.from_wkb([r.geometry_wkb for r in found]))
        return [r for r, hit in zip(found, hits) if hit]

    layers: dict[Level, list[Any]] = {lv: near(list(area_store.areas_at(session=session, level=lv, at=None)))
                                      for lv in (Level.GRID, Level.MICRO_GRID, Level.DEFENCE_ZONE, Level.PATROL_ZONE)}
    layers[Level.GRID] = list(area_store.areas_at(session=session, level=Level.GRID, at=None))
    community_of = {g.code: g.parent_code for g in layers[Level.GRID]}
    if level in layers:
        if level is Level.GRID:
            community_of = {r["code"]: r.get("parent_code") for r in rows}
        drafted = [Area(r["code"], r["geometry"], grid=r.get("parent_code")) for r in rows
                   if shapely.intersects(region, r["geometry"])]
    else:
        drafted = []

    def areas(lv: Level) -> list[Area]:
        if lv is level:
            return [Area(a.code, a.geometry, grid=a.grid, community=community_of.get(a.grid or "")) for a in drafted]
        return [Area(r.code, shapely.from_wkb(r.geometry_wkb), grid=r.parent_code,
                     community=community_of.get(r.parent_code or "")) for r in layers[lv]]

    return Locator(micro_grids=areas(Level.MICRO_GRID), defence_zones=areas(Level.DEFENCE_ZONE),
                   patrol_zones=areas(Level.PATROL_ZONE))


def _impact(session: Any, draft: Draft, changes: dict[str, list[str]], now: datetime) -> tuple[dict[str, Any],
                                                                                            dict[int, dict[str, Any]]]:
    """Who and what the draft moves; also the new places of open cases (applied when it takes effect)."""
    touched = set(changes["added"]) | set(changes["removed"]) | set(changes["changed"])
    cases = area_store.open_incidents(session=session, statuses=[s.value for s in OPEN_STATUSES])
    moves: dict[int, dict[str, Any]] = {}
    region = _touched_region(session, draft, touched) if touched else None
    if region is not None and cases:
        inside = shapely.intersects(region, shapely.points([float(c.lon or 0.0) for c in cases],
                                                           [float(c.lat or 0.0) for c in cases]))
        cases_in = [c for c, hit in zip(cases, inside) if hit]
        after = _locator_after(session, draft.level, draft.rows, region)
        placed: list[Placement] = after.locate([float(c.lon or 0.0) for c in cases_in],
                                               [float(c.lat or 0.0) for c in cases_in])
        for case, place in zip(cases_in, placed):
            new = {f: getattr(place, f) for f in PLACE_FIELDS}
            if any(getattr(case, f) != new[f] for f in PLACE_FIELDS):
                moves[case.id] = new
    by_id = {c.id: c for c in cases}
    gone_or_moved = set(changes["removed"]) | set(changes["changed"])
    grids = gone_or_moved if draft.level is Level.GRID else set()
    zones = gone_or_moved if draft.level in (Level.DEFENCE_ZONE, Level.PATROL_ZONE) else set()
    units = area_store.units_homed_in(session=session, grids=grids, zones=zones) if grids or zones else []
    people = area_store.people_of_grids(session=session, grids=grids) if grids else []
    teams = area_store.teams_of_zones(session=session, zones=zones) if zones else []
    impact: dict[str, Any] = {
        "open_cases": [{"id": i, "lon": by_id[i].lon, "lat": by_id[i].lat,
                        "from": {f: getattr(by_id[i], f) for f in PLACE_FIELDS}, "to": place}
                       for i, place in moves.items()],
        "units": [{"id": u.id, "callsign": u.callsign, "home_grid": u.home_grid, "home_zone": u.home_zone,
                   "still_exists": (u.home_grid or u.home_zone) not in changes["removed"]} for u in units],
        "roster": [{"id": p.id, "name": p.name, "role": p.role, "grid": p.grid_code,
                    "still_exists": p.grid_code not in changes["removed"]} for p in people],
        "teams": [{"code": t.code, "zone": t.zone_code} for t in teams],
        "zones": _zones_touched(session, draft, touched, region),
        "households": _household_changes(session, draft, touched),
        "relocate_on_publish": draft.effective_at <= now,
    }
    if draft.level is Level.MICRO_GRID:
        impact["households_out_of_range"] = [
            {"code": r["code"], "households": r.get("households")} for r in draft.rows
            if r.get("households") is None or not HOUSEHOLDS_MIN <= int(r["households"]) <= HOUSEHOLDS_MAX]
    return impact, moves


def _zones_touched(session: Any, draft: Draft, touched: set[str], region: Any) -> list[str]:
    """Defence and patrol zones whose ground the changed areas cross."""
    if region is None or draft.level in (Level.DEFENCE_ZONE, Level.PATROL_ZONE):
        return sorted(touched) if draft.level in (Level.DEFENCE_ZONE, Level.PATROL_ZONE) else []
    out = []
    for lv in (Level.DEFENCE_ZONE, Level.PATROL_ZONE):
        for z in area_store.areas_at(session=session, level=lv, at=None):
            if shapely.relate_pattern(shapely.from_wkb(z.geometry_wkb), region, "T********"):
                out.append(z.code)
    return out


def _household_changes(session: Any, draft: Draft, touched: set[str]) -> list[dict[str, Any]]:
    old = {r.code: r.households for r in area_store.areas_at(session=session, level=draft.level, at=None)}
    new = {r["code"]: r.get("households") for r in draft.rows}
    return [{"code": c, "before": old.get(c), "after": new.get(c)} for c in sorted(touched)
            if old.get(c) != new.get(c)]


def _households_from_buildings(session: Any, draft: Draft) -> Draft:
    """Micro-grids drawn without a household count (a fresh split) get the sum of their buildings."""
    missing = [i for i, r in enumerate(draft.rows) if r.get("households") is None]
    houses = area_store.buildings(session=session) if missing else []
    if not houses:
        return draft
    points = shapely.points([b.lon for b in houses], [b.lat for b in houses])
    tree = shapely.STRtree(points)
    rows = list(draft.rows)
    for i in missing:
        inside = tree.query(rows[i]["geometry"], predicate="contains")
        rows[i] = {**rows[i], "households": int(sum(houses[k].households for k in inside))}
    return replace(draft, rows=rows)


def publish(draft: Draft, *, dry_run: bool, db: Database, clock: Clock, on_commit: OnCommit,
            layout: CodeLayout = DEFAULT_LAYOUT) -> Outcome:
    """Validate, preview and (unless `dry_run`) publish a level's new state as one revision.

    Rows, revision, relocated cases and their events commit together; `on_commit` then gets the
    events (the projector: every process's locator follows the boundaries.changed event).

    Raises Conflict when `base_revision` is no longer the latest (naming the one that won) and
    TopologyRefused when publishing a draft that breaks topology rules.
    """
    for i, r in enumerate(draft.rows):
        if Level(r["level"]) in CODE_LENGTH:
            parse_code(r["code"], level=Level(r["level"]), field=f"features[{i}].code",
                       layout=layout)
    # One polygon drawn as a one-part multipolygon (as QGIS layers keep them) is the same polygon.
    draft = replace(draft, rows=[{**r, "geometry": r["geometry"].geoms[0]}
                                 if isinstance(r["geometry"], shapely.MultiPolygon) and len(r["geometry"].geoms) == 1
                                 else r for r in draft.rows])
    now = clock.now()
    with (db.read() if dry_run else db.write()) as session:
        if draft.level is Level.MICRO_GRID:
            draft = _households_from_buildings(session, draft)
        latest = area_store.latest_revision(session=session)
        if draft.base_revision is not None and (latest.id if latest else 0) != draft.base_revision:
            if latest is None:
                raise Conflict(f"revision {draft.base_revision} does not exist: no revision has been published "
                               "yet (send base_revision=0)", current={"revision": 0})
            raise Conflict(f"the boundaries changed since revision {draft.base_revision}: revision {latest.id} "
                           f"({latest.level}, by {latest.author}) is current", current=revision_dict(latest))
        current = area_store.areas_at(session=session, level=draft.level, at=None)
        starts = [r.valid_from for r in current if r.valid_from is not None]
        if latest is not None and latest.level == draft.level.value:
            starts.append(latest.effective_at)
        if starts and draft.effective_at < max(starts):
            raise InvalidInput.one("effective_at", f"{draft.effective_at.isoformat()} is before the current "
                                                   f"{draft.level.value} revision's {max(starts).isoformat()}; "
                                                   "history is not rewritten")
        problems = check_topology(session, draft.level, draft.rows, at=None, layout=layout)
        changes = _diff(current, draft.rows)
        impact, moves = _impact(session, draft, changes, now)
        outcome = Outcome(dry_run, None, draft.level, draft.effective_at, problems,
                          {k: v for k, v in changes.items() if k != "unchanged"}, impact, len(draft.rows))
        if dry_run:
            return outcome
        if problems:
            raise TopologyRefused(problems)
        new_rows = [r for r in draft.rows if r["code"] in set(changes["added"]) | set(changes["changed"])]
        revision = area_store.publish_revision(
            session=session, level=draft.level, rows=new_rows, retire=changes["removed"] + changes["changed"],
            effective_at=draft.effective_at, published_at=now, author=draft.author, note=draft.note,
            rollback_of=draft.rollback_of, changes=outcome.changes)
        outcome.revision = revision.id
        events = [NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, str(revision.id),
                           {**revision_dict(revision), "levels": [draft.level.value],
                            "count": len(draft.rows)}, now)]
        if draft.effective_at <= now and moves:
            # Open cases are live work: they follow the boundaries once those are in force.
            for row in area_store.relocate_incidents(session=session, moves=moves, now=now):
                events.append(NewEvent(EventKind.INCIDENT_UPDATED, Subject.INCIDENT, str(row.id),
                                       {**incident_store.as_dict(row), "relocated_by_revision": revision.id}, now))
        ids = event_log.append(session, events)
    on_commit(ids, events)
    return outcome


def rollback(revision_id: int, *, effective_at: datetime, note: str, author: str, base_revision: int | None,
             dry_run: bool, db: Database, clock: Clock, on_commit: OnCommit,
             layout: CodeLayout = DEFAULT_LAYOUT) -> Outcome:
    """Publish, as a new revision, the state of a level just before `revision_id` took effect."""
    with db.read() as session:
        target = area_store.get_revision(session=session, revision_id=revision_id)
        if target is None:
            raise NotFound(f"boundary revision {revision_id} does not exist")
        level = Level(target.level)
        before = area_store.areas_at(session=session, level=level,
                                     at=target.effective_at - timedelta(microseconds=1))
        rows = [{"code": r.code, "level": level, "name": r.name, "parent_code": r.parent_code,
                 "households": r.households, "geometry": shapely.from_wkb(r.geometry_wkb),
                 "attributes": r.attributes} for r in before]
    return publish(Draft(level, rows, effective_at, note or f"rollback of revision {revision_id}", author,
                         base_revision, rollback_of=revision_id),
                   dry_run=dry_run, db=db, clock=clock, on_commit=on_commit, layout=layout)


def revision_dict(r: BoundaryRevisionRow) -> dict[str, Any]:
    return {"revision": r.id, "level": r.level, "effective_at": r.effective_at.isoformat(),
            "published_at": r.published_at.isoformat(), "author": r.author, "note": r.note,
            "rollback_of": r.rollback_of, "changes": r.changes}


def revisions(level: Level | None = None, *, db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        return [revision_dict(r) for r in area_store.list_revisions(session=session, level=level)]


def replace_roads(rows: Sequence[dict[str, Any]], *, db: Database, clock: Clock, on_commit: OnCommit) -> None:
    events = [NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "roads", {"levels": ["roads"], "count": len(rows)},
                       clock.now())]
    with db.write() as session:
        road_store.replace_roads(session=session, rows=rows)
        ids = event_log.append(session, events)
    on_commit(ids, events)


def changed_event(rows: Sequence[dict[str, Any]], now: datetime) -> NewEvent:
    levels = sorted({Level(r["level"]).value for r in rows})
    return NewEvent(EventKind.BOUNDARIES_CHANGED, Subject.AREA, "*", {"levels": levels, "count": len(rows)}, now)
